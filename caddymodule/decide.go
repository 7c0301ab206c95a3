package caddymodule

import (
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/internal/ratelimit"
)

// choice is one decision about to be recorded: what was chosen, and where.
type choice struct {
	consent.Choice
	page   string // path the choice was made on, query dropped
	locale string
}

// recordChoice puts a choice into effect: it sets the consent cookie,
// expires tracker cookies no longer allowed and logs the decision, and the
// objection to statistics the choice makes or withdraws, a record each. It
// returns the visitor as they now are.
func (h *Handler) recordChoice(w http.ResponseWriter, r *http.Request, prev consent.Visitor, c choice) consent.Visitor {
	after, events := h.consentPolicy().Decide(prev, c.Choice, time.Now())
	d := after.Decision
	http.SetCookie(w, &http.Cookie{
		Name: consent.CookieName, Value: h.codec.Encode(d), Path: "/",
		MaxAge: int(h.policy.CookieMaxAge(d).Seconds()), Secure: r.TLS != nil,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	for _, del := range h.cookies.Expire(r.Host, r.Cookies(), after) {
		http.SetCookie(w, del)
	}

	for _, event := range events {
		in := consentlog.FromDecision(d)
		if !after.Decided {
			in.Granted = nil // an objection alone: no consent yet
		}
		in.Event, in.Method, in.GPC, in.Locale, in.URL = event, c.Method, prev.GPC, c.locale, c.page
		in.ConsentMode = consentlog.ConsentMode(consent.ConsentModeFor(after.Runs()))
		h.record(r, in)
	}
	return after
}

// gpcChoice applies Global Privacy Control for a visitor who has not chosen:
// the mapped categories are refused. When they are all the optional
// categories the refusal is a complete choice and is recorded; otherwise the
// banner still asks about the rest (consent.GPCRefusal). Where the site runs
// statistics under the exception, the signal is also an objection, recorded
// once whether or not the visitor has chosen.
//
// The record is evidence, not the refusal itself: a visitor who has not
// consented is refused whatever is recorded. So it is bounded, or a crawler
// sending Sec-GPC: 1 without keeping cookies would turn every page view into
// a store write: only a page navigation records it, its consent cookie stops
// the same browser recording again, and each client network (IPv4 /24,
// IPv6 /48) records at most gpcBurst at once and gpcPerHour an hour. Beyond
// that the refusal is honoured without a record or a cookie, so the
// browser's next page view records it once the network has tokens again.
func (h *Handler) gpcChoice(w http.ResponseWriter, r *http.Request, v consent.Visitor) {
	c, ok := consent.GPCRefusal(h.gpcCategories).Choice(v)
	if v.Objects() && !v.Decision.Objected {
		// Where statistics run without consent, GPC objects to them, and
		// the objection is recorded like a refusal (Visitor.Objects).
		c.Method, c.Objection, c.KeepsConsent = consent.MethodGPC, consent.ObjectionMade, !ok
		ok = true
	}
	if !ok || !isNavigation(r) {
		return
	}
	ip := clientIP(r)
	if ok, started := gpcRecords.Take(ip, time.Now()); !ok {
		if started {
			h.logger.Info("GPC refusals from one client network are honoured but not recorded for now: too many without a consent cookie",
				zap.String("client_network", consentlog.TruncateIP(ip)))
		}
		return
	}
	h.recordChoice(w, r, v, choice{Choice: c, page: originalURI(r), locale: h.locale(r.URL.Path, "")})
}

// Bounds of GPC records per client network.
const (
	gpcBurst   = 10
	gpcPerHour = 10
)

var gpcRecords = ratelimit.New(gpcPerHour/3600.0, gpcBurst, 4096)

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
