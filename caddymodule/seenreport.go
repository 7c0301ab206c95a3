package caddymodule

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/cookieseen"
	"github.com/consentgate/consentgate/internal/ratelimit"
)

// Bounds of the banner's report of the names in a visitor's browser.
const (
	maxSeenBody  = 16 << 10 // the banner sends at most 2 × 50 names of 100 characters: about 10 KB of ASCII
	maxSeenNames = 50       // per list
	maxSeenName  = 100      // bytes
	seenBurst    = 5        // reports per client network at once,
	seenPerMin   = 6        // and a minute
)

var seenReports = ratelimit.New(seenPerMin/60.0, seenBurst, 4096)

// seenReport is what the banner script posts: names only, never values.
type seenReport struct {
	Cookies []string `json:"cookies"`
	Storage []string `json:"storage"`
}

// serveSeen takes the banner script's report of the cookie names and
// localStorage keys in a consenting visitor's browser, for the cookie
// table. Only this site's pages may post it, only for a visitor who has
// consented to something (or for whom statistics run under the exception),
// within a small body and a rate per client
// network. The names are never shown to visitors unless the catalogue
// knows them (see declaration); the rest wait for the web team's review.
func (h *Handler) serveSeen(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return caddyhttp.Error(http.StatusMethodNotAllowed, fmt.Errorf("cookie_consent: seen: method %s", r.Method))
	}
	if err := sameOrigin(r); err != nil {
		return caddyhttp.Error(http.StatusForbidden, fmt.Errorf("cookie_consent: seen: %w", err))
	}
	// Only something that runs sets cookies to report: a consented
	// category, or statistics under the exception.
	if len(h.visitorOf(r).Runs()) == 0 {
		return caddyhttp.Error(http.StatusForbidden, errors.New("cookie_consent: seen: a report from a visitor for whom nothing runs"))
	}
	if ok, _ := seenReports.Take(clientIP(r), time.Now()); !ok {
		w.Header().Set("Retry-After", "60")
		return caddyhttp.Error(http.StatusTooManyRequests, errors.New("cookie_consent: seen: too many reports from one client network"))
	}
	var rep seenReport
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSeenBody))
	if err := dec.Decode(&rep); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return caddyhttp.Error(http.StatusRequestEntityTooLarge, fmt.Errorf("cookie_consent: seen: over %d bytes", maxSeenBody))
		}
		return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("cookie_consent: seen: %w", err))
	}
	if len(rep.Cookies) > maxSeenNames || len(rep.Storage) > maxSeenNames {
		return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("cookie_consent: seen: over %d names", maxSeenNames))
	}
	for kind, names := range map[cookieseen.Kind][]string{cookieseen.Cookie: rep.Cookies, cookieseen.Storage: rep.Storage} {
		for _, n := range names {
			if reportable(kind, n) {
				h.consentLog.seen.add(cookieseen.Sighting{Kind: kind, Name: n, Source: cookieseen.Banner, MaxAge: -1})
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reportable reports whether a name from a banner report is worth keeping:
// a cookie name as RFC 6265 allows it, or a storage key without control
// characters, short enough, and not the consent cookie itself.
func reportable(kind cookieseen.Kind, name string) bool {
	if name == "" || len(name) > maxSeenName || name == consent.CookieName {
		return false
	}
	if kind == cookieseen.Cookie {
		return strings.IndexFunc(name, func(c rune) bool {
			return c <= ' ' || c >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?={}`, c)
		}) < 0
	}
	return strings.IndexFunc(name, func(c rune) bool { return unicode.IsControl(c) || c == unicode.ReplacementChar }) < 0
}
