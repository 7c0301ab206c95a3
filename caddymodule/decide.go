package caddymodule

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/trackers"
)

// choice is one decision about to be recorded.
type choice struct {
	granted []trackers.Category
	method  consentlog.Method
	page    string // path the choice was made on, query dropped
	locale  string
}

// decide records a choice: it sets the consent cookie, expires tracker
// cookies no longer allowed and logs the decision. It returns the visitor
// as they now are.
func (h *Handler) decide(w http.ResponseWriter, r *http.Request, prev visitor, c choice) visitor {
	id := prev.decision.ID
	if id == "" {
		id = consent.NewID()
	}
	d := consent.Decision{ID: id, Granted: sortCategories(c.granted), Version: h.policy.Version, Time: time.Now().UTC()}
	http.SetCookie(w, &http.Cookie{
		Name: consent.CookieName, Value: h.codec.Encode(d), Path: "/",
		MaxAge: int(h.policy.MaxAgeFor(d).Seconds()), Secure: r.TLS != nil,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	now := visitor{decision: d, decided: true, gpc: prev.gpc}
	h.expireTrackerCookies(w, r, now)

	in := consentlog.FromDecision(d)
	in.Event, in.Method, in.GPC, in.Locale, in.URL = eventOf(prev, d), c.method, prev.gpc, c.locale, c.page
	h.record(r, in)
	return now
}

// eventOf classifies a new decision against what the visitor had before.
func eventOf(prev visitor, d consent.Decision) consentlog.Event {
	switch {
	case prev.decision.ID == "":
		return consentlog.EventInitial
	case !prev.decided:
		return consentlog.EventRenewal
	}
	for _, c := range prev.decision.Granted {
		if !d.Allows(c) {
			return consentlog.EventWithdraw
		}
	}
	return consentlog.EventUpdate
}

// gpcChoice applies Global Privacy Control for a visitor who has not chosen:
// the mapped categories are refused. When they are all the optional
// categories the refusal is a complete choice and is recorded; otherwise the
// banner still asks about the rest.
func (h *Handler) gpcChoice(w http.ResponseWriter, r *http.Request, v visitor) {
	if !v.gpc || v.decided || len(h.gpcCategories) < len(trackers.Categories) || !isNavigation(r) {
		return
	}
	h.decide(w, r, v, choice{method: consentlog.MethodGPC, page: originalURI(r), locale: h.locale(r.URL.Path, "")})
}

func sortCategories(cs []trackers.Category) []trackers.Category {
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b trackers.Category) int {
		return slices.Index(trackers.Categories, a) - slices.Index(trackers.Categories, b)
	})
	return slices.Compact(cs)
}

// isNavigation reports whether r loads a page, not an asset: only a page
// view may record a choice made by a browser signal.
func isNavigation(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	if d := r.Header.Get("Sec-Fetch-Dest"); d != "" {
		return d == "document"
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
