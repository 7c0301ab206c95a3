package caddymodule

import (
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

// cookieCategory returns the consent category a cookie needs, and false for
// cookies that need none (strictly necessary, unknown, or our own).
func (h *Handler) cookieCategory(name string) (trackers.Category, bool) {
	if name == consent.CookieName || h.necessary[name] {
		return "", false
	}
	for _, c := range h.siteCookies {
		if name == c.Name || c.Prefix && strings.HasPrefix(name, c.Name) {
			return trackers.Category(c.Category), true
		}
	}
	if v, _ := h.catalogue.MatchCookie(name); v != nil {
		return v.Category, true
	}
	return "", false
}

// filterSetCookie removes Set-Cookie headers for cookies the visitor has not
// consented to. Deletions (expired cookies) always pass.
func (h *Handler) filterSetCookie(hdr http.Header, v visitor) {
	lines := hdr.Values("Set-Cookie")
	if len(lines) == 0 {
		return
	}
	kept := make([]string, 0, len(lines))
	for _, line := range lines {
		c, err := http.ParseSetCookie(line)
		if err == nil {
			if cat, ok := h.cookieCategory(c.Name); ok && !v.allows(cat) && !deletes(c) {
				continue
			}
		}
		kept = append(kept, line)
	}
	if len(kept) == 0 {
		hdr.Del("Set-Cookie")
		return
	}
	hdr["Set-Cookie"] = kept
}

func deletes(c *http.Cookie) bool {
	return c.MaxAge < 0 || !c.Expires.IsZero() && c.Expires.Before(time.Now())
}

// scrubCookieHeader drops non-consented tracker cookies from the request's
// Cookie header, leaving every other byte as the browser sent it.
func (h *Handler) scrubCookieHeader(r *http.Request, v visitor) {
	vals := r.Header.Values("Cookie")
	if len(vals) == 0 {
		return
	}
	var out []string
	for _, line := range vals {
		var kept []string
		for part := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			if cat, ok := h.cookieCategory(name); ok && !v.allows(cat) {
				continue
			}
			kept = append(kept, strings.TrimSpace(part))
		}
		if len(kept) > 0 {
			out = append(out, strings.Join(kept, "; "))
		}
	}
	if len(out) == 0 {
		r.Header.Del("Cookie")
		return
	}
	r.Header["Cookie"] = out
}

// expireTrackerCookies adds expired Set-Cookie headers for every cookie the
// request carries that the new choice does not allow: host-only and on each
// parent domain up to the registrable one, where analytics tags set them.
func (h *Handler) expireTrackerCookies(w http.ResponseWriter, r *http.Request, v visitor) {
	host := r.Host
	if hst, _, err := net.SplitHostPort(host); err == nil {
		host = hst
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	var domains []string
	if net.ParseIP(host) == nil && strings.Contains(host, ".") {
		if reg, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
			for d := host; ; {
				domains = append(domains, d)
				if d == reg {
					break
				}
				_, d, _ = strings.Cut(d, ".")
			}
		}
	}
	for _, c := range r.Cookies() {
		cat, ok := h.cookieCategory(c.Name)
		if !ok || v.allows(cat) {
			continue
		}
		http.SetCookie(w, &http.Cookie{Name: c.Name, Path: "/", MaxAge: -1})
		for _, d := range domains {
			http.SetCookie(w, &http.Cookie{Name: c.Name, Path: "/", Domain: d, MaxAge: -1})
		}
	}
}
