package caddymodule

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

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
//
// The record is evidence, not the refusal itself: a visitor who has not
// consented is refused whatever is recorded. So it is bounded, or a crawler
// sending Sec-GPC: 1 without keeping cookies would turn every page view into
// a store write: only a page navigation records it, its consent cookie stops
// the same browser recording again, and each client network (IPv4 /24,
// IPv6 /48) records at most gpcBurst at once and gpcPerHour an hour. Beyond
// that the refusal is honoured without a record or a cookie, so the
// browser's next page view records it once the network has tokens again.
func (h *Handler) gpcChoice(w http.ResponseWriter, r *http.Request, v visitor) {
	if !v.gpc || v.decided || len(h.gpcCategories) < len(trackers.Categories) || !isNavigation(r) {
		return
	}
	ip := clientIP(r)
	if ok, started := gpcRecords.take(ip); !ok {
		if started {
			h.logger.Info("GPC refusals from one client network are honoured but not recorded for now: too many without a consent cookie",
				zap.String("client_network", consentlog.TruncateIP(ip)))
		}
		return
	}
	h.decide(w, r, v, choice{method: consentlog.MethodGPC, page: originalURI(r), locale: h.locale(r.URL.Path, "")})
}

// Bounds of GPC records per client network.
const (
	gpcBurst   = 10
	gpcPerHour = 10
)

var gpcRecords = newRateLimiter(gpcPerHour/3600.0, gpcBurst, 4096)

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
