// Package cookiepolicy applies a visitor's consent to cookies: which
// category a cookie needs, which Set-Cookie lines a response may keep,
// which request cookies the origin may see, which cookies to expire when
// consent is withdrawn, and the cookie table that lists them all. It knows
// nothing of Caddy.
package cookiepolicy

import (
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

// Declared is a non-essential cookie the site itself sets.
type Declared struct {
	Name     string
	Prefix   bool // Name is a prefix: every cookie starting with it
	Category trackers.Category
}

// Policy classifies cookies by the consent they need.
type Policy struct {
	catalogue      *trackers.Catalogue
	necessary      map[string]bool
	necessaryNames []string // in the order declared, for the table
	declared       []Declared
}

// New returns the policy of a site whose tracker cookies catalogue names,
// which declares the cookies declared, and whose strictly necessary
// cookies (never touched, even when the catalogue names them) are
// necessary.
func New(catalogue *trackers.Catalogue, necessary []string, declared []Declared) *Policy {
	p := &Policy{catalogue: catalogue, necessary: map[string]bool{}, necessaryNames: slices.Clone(necessary), declared: slices.Clone(declared)}
	for _, n := range necessary {
		p.necessary[n] = true
	}
	return p
}

// Category returns the consent category a cookie needs, and false for
// cookies that need none (strictly necessary, unknown, or the consent
// cookie itself). A declared cookie wins over the catalogue.
func (p *Policy) Category(name string) (trackers.Category, bool) {
	if name == consent.CookieName || p.necessary[name] {
		return "", false
	}
	for _, c := range p.declared {
		if name == c.Name || c.Prefix && strings.HasPrefix(name, c.Name) {
			return c.Category, true
		}
	}
	if v, _ := p.catalogue.MatchCookie(name); v != nil {
		return v.Category, true
	}
	return "", false
}

// refused reports whether a cookie needs consent v has not given.
func (p *Policy) refused(name string, v consent.Visitor) bool {
	cat, ok := p.Category(name)
	return ok && !v.Allows(cat)
}

// FilterSetCookie removes Set-Cookie lines for cookies v has not consented
// to. Deletions (cookies already expired at now) always pass, and so does
// a line that does not parse: the browser would ignore it too. seen, when
// not nil, is given every cookie that parses, kept or not, so that a caller
// noting what the site sets parses each line once.
func (p *Policy) FilterSetCookie(hdr http.Header, v consent.Visitor, now time.Time, seen func(c *http.Cookie, now time.Time)) {
	lines := hdr.Values("Set-Cookie")
	if len(lines) == 0 {
		return
	}
	kept := make([]string, 0, len(lines))
	for _, line := range lines {
		c, err := http.ParseSetCookie(line)
		if err == nil && seen != nil {
			seen(c, now)
		}
		if err == nil && p.refused(c.Name, v) && !deletes(c, now) {
			continue
		}
		kept = append(kept, line)
	}
	if len(kept) == 0 {
		hdr.Del("Set-Cookie")
		return
	}
	hdr["Set-Cookie"] = kept
}

func deletes(c *http.Cookie, now time.Time) bool {
	return c.MaxAge < 0 || !c.Expires.IsZero() && c.Expires.Before(now)
}

// ScrubCookieHeader drops the cookies v has not consented to from a
// request's Cookie header, leaving every other byte as the browser sent it
// apart from the whitespace around each pair.
func (p *Policy) ScrubCookieHeader(hdr http.Header, v consent.Visitor) {
	vals := hdr.Values("Cookie")
	if len(vals) == 0 {
		return
	}
	var out []string
	for _, line := range vals {
		var kept []string
		for part := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			if p.refused(name, v) {
				continue
			}
			kept = append(kept, strings.TrimSpace(part))
		}
		if len(kept) > 0 {
			out = append(out, strings.Join(kept, "; "))
		}
	}
	if len(out) == 0 {
		hdr.Del("Cookie")
		return
	}
	hdr["Cookie"] = out
}

// Expire returns the deletions to send, as Set-Cookie, for every cookie a
// request to host (a Host header, port allowed) carries that v does not
// allow: host-only and on each parent domain up to the registrable one,
// where analytics tags set them.
func (p *Policy) Expire(host string, sent []*http.Cookie, v consent.Visitor) []*http.Cookie {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
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
	var out []*http.Cookie
	for _, c := range sent {
		if !p.refused(c.Name, v) {
			continue
		}
		out = append(out, &http.Cookie{Name: c.Name, Path: "/", MaxAge: -1})
		for _, d := range domains {
			out = append(out, &http.Cookie{Name: c.Name, Path: "/", Domain: d, MaxAge: -1})
		}
	}
	return out
}
