package caddymodule

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

// Methods: how a visitor made a choice, as the consent log records it.
const (
	methodAcceptAll    = "accept_all"
	methodRejectAll    = "reject_all"
	methodSaveSettings = "save_settings"
	methodPlaceholder  = "placeholder"
	methodGPC          = "gpc"
	methodNoJSForm     = "no_js_form"
)

// Events: what a choice did to the visitor's consent.
const (
	eventInitial  = "initial"  // first choice for this consent ID
	eventUpdate   = "update"   // a change that withdraws nothing
	eventWithdraw = "withdraw" // at least one granted category taken back
	eventRenewal  = "renewal"  // a choice after the previous one expired or the policy changed
)

// choice is one decision about to be recorded.
type choice struct {
	granted []trackers.Category
	method  string
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

	page, _, _ := strings.Cut(c.page, "?")
	h.logger.Info("consent decision",
		zap.String("consent_id", id), zap.String("event", eventOf(prev, d)), zap.String("method", c.method),
		zap.Strings("granted", categoryStrings(d.Granted)), zap.String("policy_version", d.Version),
		zap.String("locale", c.locale), zap.String("page", page), zap.Bool("gpc", prev.gpc))
	return now
}

// eventOf classifies a new decision against what the visitor had before.
func eventOf(prev visitor, d consent.Decision) string {
	switch {
	case prev.decision.ID == "":
		return eventInitial
	case !prev.decided:
		return eventRenewal
	}
	for _, c := range prev.decision.Granted {
		if !d.Allows(c) {
			return eventWithdraw
		}
	}
	return eventUpdate
}

// gpcChoice applies Global Privacy Control for a visitor who has not chosen:
// the mapped categories are refused. When they are all the optional
// categories the refusal is a complete choice and is recorded; otherwise the
// banner still asks about the rest.
func (h *Handler) gpcChoice(w http.ResponseWriter, r *http.Request, v visitor) {
	if !v.gpc || v.decided || len(h.gpcCategories) < len(trackers.Categories) || !isNavigation(r) {
		return
	}
	h.decide(w, r, v, choice{method: methodGPC, page: originalURI(r), locale: h.locale(r.URL.Path, "")})
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
