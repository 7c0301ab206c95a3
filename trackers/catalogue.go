// Package trackers is consentgate's catalogue of third-party trackers: which
// hosts and inline snippets belong to which vendor, which consent category
// each needs, and which cookies it sets. It knows nothing of HTTP or Caddy.
package trackers

import (
	"bytes"
	"fmt"
	"net/url"
	pathpkg "path"
	"regexp"
	"slices"
	"strings"
)

// Category is a purpose a visitor consents to. Strictly necessary cookies
// need no consent and have no Category of their own here.
type Category string

// The consent categories a visitor can choose, in the order banners show them.
const (
	Analytics Category = "analytics"
	Media     Category = "media"
	Social    Category = "social"
	Marketing Category = "marketing"
	Necessary Category = "necessary"
)

// Categories lists the categories a visitor can choose, in display order.
var Categories = []Category{Analytics, Media, Social, Marketing}

// Valid reports whether c is a category a visitor can choose.
func (c Category) Valid() bool { return slices.Contains(Categories, c) }

// Cookie describes one cookie (or family of cookies) a vendor sets, as a DPO's
// cookie table shows it.
type Cookie struct {
	Name       string // exact name, or a prefix when Prefix is set
	Prefix     bool   // Name is a prefix: "_ga_" matches "_ga_ABC123"
	Content    string // typical content
	Expiry     string // human-readable lifetime
	ThirdParty bool   // set on the vendor's domain, not the site's
	Purpose    string
	Storage    string // "cookie" (default) or "localStorage"
}

// Matches reports whether a cookie called name is this one.
func (c Cookie) Matches(name string) bool {
	if c.Prefix {
		return strings.HasPrefix(name, c.Name)
	}
	return name == c.Name
}

// Vendor is one tracker provider.
type Vendor struct {
	ID       string
	Name     string
	Category Category
	// Hosts are registrable domains or host names; a URL matches when its
	// host equals one or is a subdomain of one.
	Hosts []string
	// Paths, when set, restrict a host match to URL paths with one of these
	// prefixes, or matching one as a path.Match pattern when it has a '*'
	// (googletagmanager.com serves both GTM and gtag.js).
	Paths []string
	// Signatures are substrings or `re:` regular expressions that identify
	// the vendor's inline bootstrap code.
	Signatures []string
	Cookies    []Cookie
	PrivacyURL string

	sigs []signature
}

// signature is a compiled inline-code signature: a plain substring, or a
// regular expression (written without a leading \b, so that Go's regexp can
// skip ahead to its literal prefix).
type signature struct {
	lit []byte
	re  *regexp.Regexp
}

func (s signature) match(code []byte) bool {
	if s.re != nil {
		return s.re.Match(code)
	}
	return bytes.Contains(code, s.lit)
}

// Rule is a site-specific addition: URLs matching Pattern belong to Category.
// Pattern is a host ("maps.example.com"), a host and path prefix
// ("example.com/embed/"), or an inline-code signature when Inline is set.
type Rule struct {
	Pattern  string
	Category Category
	Inline   bool
}

// Catalogue is an immutable, compiled set of vendors.
type Catalogue struct {
	vendors []*Vendor
}

// New compiles vendors and site rules into a Catalogue. Site rules come first
// so they override the built-in entries for the same host.
func New(vendors []Vendor, rules []Rule) (*Catalogue, error) {
	c := &Catalogue{}
	for i, r := range rules {
		if !r.Category.Valid() {
			return nil, fmt.Errorf("trackers: rule %d (%q): unknown category %q", i, r.Pattern, r.Category)
		}
		if r.Pattern == "" {
			return nil, fmt.Errorf("trackers: rule %d: empty pattern", i)
		}
		v := Vendor{ID: "site:" + r.Pattern, Name: r.Pattern, Category: r.Category}
		if r.Inline {
			v.Signatures = []string{r.Pattern}
		} else {
			host, path, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(r.Pattern, "https://"), "http://"), "/")
			v.Hosts = []string{strings.ToLower(host)}
			if path != "" {
				v.Paths = []string{"/" + path}
			}
		}
		vendors = append([]Vendor{v}, vendors...)
	}
	for _, v := range vendors {
		for _, s := range v.Signatures {
			expr, ok := strings.CutPrefix(s, "re:")
			if !ok {
				v.sigs = append(v.sigs, signature{lit: []byte(s)})
				continue
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return nil, fmt.Errorf("trackers: vendor %s: signature %q: %w", v.ID, s, err)
			}
			v.sigs = append(v.sigs, signature{re: re})
		}
		c.vendors = append(c.vendors, &v)
	}
	return c, nil
}

// Vendors returns the catalogue's vendors in match order.
func (c *Catalogue) Vendors() []*Vendor { return c.vendors }

// MatchURL returns the vendor a resource URL belongs to, or nil. Relative and
// protocol-relative URLs are resolved against no base: a relative URL is
// first-party and never matches.
func (c *Catalogue) MatchURL(raw string) *Vendor {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	if strings.HasPrefix(raw, "//") {
		raw = "https:" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	for _, v := range c.vendors {
		if v.matchesHost(host) && v.matchesPath(u.Path) {
			return v
		}
	}
	return nil
}

func (v *Vendor) matchesHost(host string) bool {
	for _, h := range v.Hosts {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

func (v *Vendor) matchesPath(path string) bool {
	if len(v.Paths) == 0 {
		return true
	}
	for _, p := range v.Paths {
		if strings.Contains(p, "*") {
			if ok, _ := pathpkg.Match(p, path); ok {
				return true
			}
		} else if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// MatchInline returns the vendor whose bootstrap code appears in an inline
// script, or nil.
func (c *Catalogue) MatchInline(code []byte) *Vendor {
	for _, v := range c.vendors {
		for _, sig := range v.sigs {
			if sig.match(code) {
				return v
			}
		}
	}
	return nil
}

// MatchCookie returns the vendor and cookie entry for a cookie name, or nil.
func (c *Catalogue) MatchCookie(name string) (*Vendor, *Cookie) {
	for _, v := range c.vendors {
		for i := range v.Cookies {
			if v.Cookies[i].Matches(name) {
				return v, &v.Cookies[i]
			}
		}
	}
	return nil, nil
}
