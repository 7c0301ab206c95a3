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
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Category is a purpose a visitor consents to. Necessary is the one no
// visitor chooses: a vendor or site rule in it is an exemption, matching
// URLs that must never be held back (reCAPTCHA on a form).
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

// Vendor is one tracker provider. One with Category Necessary is an
// exemption: what it matches is no tracker. One with neither Hosts nor
// Signatures is a fail-safe class that only MatchElement returns (an AMP
// component of a vendor its markup does not name).
type Vendor struct {
	ID       string
	Name     string
	Category Category
	// Hosts are registrable domains or host names; a URL matches when its
	// host equals one or is a subdomain of one. An entry may carry its own
	// path and query ("googletagmanager.com/gtag/js?id=AW-"), for a vendor
	// that shares a host with another.
	Hosts []string
	// Paths, when set, restrict the match of Hosts without a path of their
	// own to URL paths equal to one of these or below it ("/tr" matches
	// "/tr/" but not "/travel"), or matching one as a path.Match pattern when
	// it has a '*' (googletagmanager.com serves both GTM and gtag.js).
	Paths []string
	// Signatures are substrings or `re:` regular expressions that identify
	// inline code that loads the vendor: its published loader snippet (by
	// the URL it loads, which pages assemble by concatenation, or by what
	// only the loader contains) or a hit sent from code. Code that only
	// calls the vendor's API (`gtag('config', ...)`, `fbq('track', ...)`)
	// must not match: it keeps running against the run-time guard's queue
	// stubs, with the first-party code around it, and the vendor replays
	// the queue when it loads after consent. A regular expression that
	// starts with an identifier character matches only at the start of a
	// JavaScript identifier.
	Signatures []string
	Cookies    []Cookie
	PrivacyURL string
	// NotStatistics, when set, says why the vendor cannot run under the
	// statistics exception whatever its category: session replay, a tag
	// loader, an unknown vendor. StatisticsSettings are what the site must
	// set in the vendor's own console for its use to stay statistics only.
	NotStatistics      string
	StatisticsSettings []string

	sigs []signature
}

// signature is a compiled inline-code signature: a plain substring, or a
// regular expression with the literal it must start with (so that Go's
// regexp can skip ahead to it) and whether it must start an identifier.
type signature struct {
	lit    []byte
	re     *regexp.Regexp
	ident  bool
	needle int // lit's index in the catalogue's needles, or -1
}

// match reports whether code matches, given which needles it contains.
func (s signature) match(code []byte, found *needleSet) bool {
	if s.needle >= 0 {
		if !found.has(s.needle) {
			return false
		}
	} else if !bytes.Contains(code, s.lit) {
		return false
	}
	if s.re == nil {
		return true
	}
	for off := 0; off < len(code); {
		loc := s.re.FindIndex(code[off:])
		if loc == nil {
			return false
		}
		at := off + loc[0]
		if !s.ident || at == 0 || !isIdentByte(code[at-1]) {
			return true
		}
		off = at + 1
	}
	return false
}

// isIdentByte reports whether c can continue a JavaScript identifier (ASCII
// only: a tracker's function names are).
func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// Rule is a site-specific addition: URLs matching Pattern belong to Category.
// Pattern is a host ("maps.example.com"), a host and path prefix
// ("example.com/embed/"), or an inline-code signature when Inline is set.
// With Category Necessary the rule exempts what it matches from the
// catalogue: "www.google.com/recaptcha/" necessary. For one URL the most
// specific host wins, then the longest path; on a tie the site's rule.
type Rule struct {
	Pattern  string
	Category Category
	Inline   bool
}

// Catalogue is an immutable, compiled set of vendors.
type Catalogue struct {
	vendors []*Vendor
	needles needles
	// hosts maps each host name to its URL rules, most specific first.
	hosts map[string][]hostRule
	byID  map[string]*Vendor
}

// hostRule is one host of a vendor with what the URL's path and query must
// look like.
type hostRule struct {
	path   string // "" for any path
	query  string // "" for any query; else a parameter prefix ("id=AW-")
	vendor *Vendor
}

// New compiles vendors and site rules into a Catalogue. Site rules come first
// so they override the built-in entries for the same host and path.
func New(vendors []Vendor, rules []Rule) (*Catalogue, error) {
	c := &Catalogue{hosts: map[string][]hostRule{}, byID: map[string]*Vendor{}}
	for i, r := range rules {
		if !r.Category.Valid() && r.Category != Necessary && r.Category != Statistics {
			return nil, fmt.Errorf("trackers: rule %d (%q): unknown category %q", i, r.Pattern, r.Category)
		}
		if r.Pattern == "" {
			return nil, fmt.Errorf("trackers: rule %d: empty pattern", i)
		}
		v := Vendor{ID: "site:" + r.Pattern, Name: r.Pattern, Category: r.Category}
		if r.Inline {
			v.Signatures = []string{r.Pattern}
		} else {
			p := r.Pattern
			for _, prefix := range []string{"https://", "http://", "//", "*."} {
				p = strings.TrimPrefix(p, prefix)
			}
			host, path, _ := strings.Cut(p, "/")
			v.Hosts = []string{strings.ToLower(host)}
			if path != "" {
				v.Hosts[0] += "/" + path
			}
		}
		vendors = append([]Vendor{v}, vendors...)
	}
	for _, v := range vendors {
		v.sigs = nil
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
			prefix, _ := re.LiteralPrefix()
			v.sigs = append(v.sigs, signature{lit: []byte(prefix), re: re, ident: prefix != "" && isIdentByte(prefix[0])})
		}
		vp := &v
		c.vendors = append(c.vendors, vp)
		if _, dup := c.byID[v.ID]; !dup {
			c.byID[v.ID] = vp
		}
		for _, h := range v.Hosts {
			host, rest, hasPath := strings.Cut(h, "/")
			host = strings.ToLower(host)
			var rs []hostRule
			if hasPath {
				path, query, _ := strings.Cut("/"+rest, "?")
				rs = append(rs, hostRule{path: path, query: query, vendor: vp})
			} else if len(v.Paths) == 0 {
				rs = append(rs, hostRule{vendor: vp})
			}
			for _, p := range v.Paths {
				if !hasPath {
					rs = append(rs, hostRule{path: p, vendor: vp})
				}
			}
			for _, r := range rs {
				// A JavaScript copy of the rules (GuardHosts) knows only '*'.
				if strings.ContainsAny(r.path, "[\\?") {
					return nil, fmt.Errorf("trackers: vendor %s: path %q: '*' is the only pattern character", v.ID, r.path)
				}
			}
			c.hosts[host] = append(c.hosts[host], rs...)
		}
	}
	for _, v := range c.vendors {
		for i := range v.sigs {
			v.sigs[i].needle = c.needles.add(v.sigs[i].lit)
		}
	}
	// For one host, the rule with the longer path is the more specific,
	// then one that also asks for a query; otherwise the order of the
	// vendors stands, site rules first.
	for _, rs := range c.hosts {
		slices.SortStableFunc(rs, func(a, b hostRule) int {
			return specificity(b) - specificity(a)
		})
	}
	return c, nil
}

func specificity(r hostRule) int {
	n := 2 * len(r.path)
	if r.query != "" {
		n++
	}
	return n
}

// Vendors returns the catalogue's vendors in match order, including the
// strictly necessary exemptions (Category Necessary), which match nothing.
func (c *Catalogue) Vendors() []*Vendor { return c.vendors }

// MatchURL returns the vendor a resource URL belongs to, or nil. The URL is
// read as a browser reads it (see splitURL). Relative URLs are first-party
// and never match; protocol-relative ones do. The most specific host wins
// (stats.g.doubleclick.net over doubleclick.net), then the longest path. A
// URL that a Necessary vendor or rule matches first is no tracker: nil.
func (c *Catalogue) MatchURL(raw string) *Vendor {
	return tracker(c.matchURL(raw))
}

// tracker is v unless v is a strictly necessary exemption.
func tracker(v *Vendor) *Vendor {
	if v == nil || v.Category == Necessary {
		return nil
	}
	return v
}

// matchURL is MatchURL with the exemptions returned too.
func (c *Catalogue) matchURL(raw string) *Vendor {
	host, rest, ok := splitURL(raw)
	if !ok {
		return nil
	}
	for {
		for _, r := range c.hosts[host] {
			if r.matches(&rest) {
				return r.vendor
			}
		}
		dot := strings.IndexByte(host, '.')
		if dot < 0 {
			return nil
		}
		host = host[dot+1:]
	}
}

func (r hostRule) matches(u *urlRest) bool {
	if r.path != "" {
		path := u.Path()
		if strings.Contains(r.path, "*") {
			if ok, _ := pathpkg.Match(r.path, path); !ok {
				return false
			}
		} else if path != r.path && !(strings.HasPrefix(path, r.path) && (strings.HasSuffix(r.path, "/") || path[len(r.path)] == '/')) {
			return false
		}
	}
	if r.query != "" {
		for p := range strings.SplitSeq(u.Query(), "&") {
			if strings.HasPrefix(p, r.query) {
				return true
			}
		}
		return false
	}
	return true
}

// splitURL returns the host, path and query of an absolute or
// protocol-relative URL as a browser fetches it, or ok false for anything
// else: C0 controls and spaces trimmed, tabs and newlines dropped anywhere,
// backslashes as slashes, userinfo and port gone, the host percent-decoded,
// IDNA-mapped (full-width letters and dots) and lower-cased without a
// trailing dot, and the path and query (decoded when a rule first reads
// them: most rules name a host only, and decoding allocates).
func splitURL(raw string) (host string, rest urlRest, ok bool) {
	for len(raw) > 0 && raw[0] <= ' ' {
		raw = raw[1:]
	}
	for len(raw) > 0 && raw[len(raw)-1] <= ' ' {
		raw = raw[:len(raw)-1]
	}
	if strings.ContainsAny(raw, "\t\n\r") {
		raw = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(raw)
	}
	// The scheme, if any: only the web's own schemes fetch anything. After
	// one, browsers skip any number of slashes; "https:host" is relative
	// only on a page of the same scheme, so it is taken as absolute.
	if i := strings.IndexByte(raw, ':'); i > 0 && !strings.ContainsAny(raw[:i], "/\\?#") {
		switch strings.ToLower(raw[:i]) {
		case "http", "https":
			raw = raw[i+1:]
		default:
			return "", urlRest{}, false
		}
	} else if len(raw) < 2 || raw[0] != '/' && raw[0] != '\\' || raw[1] != '/' && raw[1] != '\\' {
		return "", urlRest{}, false
	}
	raw = strings.TrimLeft(raw, "/\\")
	end := strings.IndexAny(raw, "/\\?#")
	if end < 0 {
		end = len(raw)
	}
	host, tail := raw[:end], raw[end:]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	if strings.IndexByte(host, '%') >= 0 {
		if h, err := url.PathUnescape(host); err == nil {
			host = h
		}
	}
	host = strings.ToLower(host)
	if !isASCII(host) {
		if h, _ := idnaMap.ToASCII(host); h != "" {
			host = h
		}
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return "", urlRest{}, false
	}
	if i := strings.IndexByte(tail, '#'); i >= 0 {
		tail = tail[:i]
	}
	rest.path, rest.query, _ = strings.Cut(tail, "?")
	return host, rest, true
}

// urlRest is a URL's path and query as splitURL found them, decoded on
// first use.
type urlRest struct {
	path, query               string
	pathDecoded, queryDecoded bool
}

// Path is the path with backslashes as slashes, percent-decoded, without
// dot segments, and "/" for none.
func (u *urlRest) Path() string {
	if u.pathDecoded {
		return u.path
	}
	u.pathDecoded = true
	path := u.path
	if strings.IndexByte(path, '\\') >= 0 {
		path = strings.ReplaceAll(path, "\\", "/")
	}
	if strings.IndexByte(path, '%') >= 0 {
		if p, err := url.PathUnescape(path); err == nil {
			path = p
		}
	}
	if strings.Contains(path, "/.") || strings.Contains(path, "//") {
		dir := strings.HasSuffix(path, "/") || strings.HasSuffix(path, "/.") || strings.HasSuffix(path, "/..")
		path = pathpkg.Clean(path)
		if dir && path != "/" {
			path += "/"
		}
	}
	if path == "" {
		path = "/"
	}
	u.path = path
	return path
}

// Query is the query, percent-decoded.
func (u *urlRest) Query() string {
	if !u.queryDecoded {
		u.queryDecoded = true
		if strings.IndexByte(u.query, '%') >= 0 {
			if q, err := url.PathUnescape(u.query); err == nil {
				u.query = q
			}
		}
	}
	return u.query
}

// idnaMap maps a host as browsers' URL parsers do (UTS #46, nontransitional).
var idnaMap = idna.New(idna.MapForLookup(), idna.Transitional(false))

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// MatchInline returns the vendor whose loader code appears in an inline
// script, or nil (also when a Necessary inline rule matches first). The script is read once for all signatures' literals, and
// only then are the vendors tried in order.
func (c *Catalogue) MatchInline(code []byte) *Vendor {
	var found needleSet
	c.needles.scan(code, &found)
	for _, v := range c.vendors {
		for _, sig := range v.sigs {
			if sig.match(code, &found) {
				return tracker(v)
			}
		}
	}
	return nil
}

// maxNeedles bounds the literals found in one pass; signatures beyond it are
// searched for one by one.
const maxNeedles = 256

type needleSet [maxNeedles / 64]uint64

func (f *needleSet) has(i int) bool { return f[i/64]&(1<<(i%64)) != 0 }

// needles finds which of a set of literals a text contains in one pass: a
// bitset of the literals' first two bytes picks the few positions worth
// comparing, so the cost barely grows with the number of signatures.
type needles struct {
	pairs  [1 << 16 / 64]uint64
	byPair map[uint16][]int
	lits   [][]byte
}

// add registers lit and returns its index, or -1 when it is too short to
// filter on or there are too many.
func (n *needles) add(lit []byte) int {
	if len(lit) < 2 {
		return -1
	}
	for i, l := range n.lits {
		if bytes.Equal(l, lit) {
			return i
		}
	}
	if len(n.lits) == maxNeedles {
		return -1
	}
	if n.byPair == nil {
		n.byPair = map[uint16][]int{}
	}
	p := uint16(lit[0])<<8 | uint16(lit[1])
	n.pairs[p/64] |= 1 << (p % 64)
	n.byPair[p] = append(n.byPair[p], len(n.lits))
	n.lits = append(n.lits, lit)
	return len(n.lits) - 1
}

func (n *needles) scan(text []byte, found *needleSet) {
	var p uint16
	for i, c := range text {
		p = p<<8 | uint16(c) // the pair ending at i
		if n.pairs[p/64]&(1<<(p%64)) == 0 || i == 0 {
			continue
		}
		for _, k := range n.byPair[p] {
			if bytes.HasPrefix(text[i-1:], n.lits[k]) {
				found[k/64] |= 1 << (k % 64)
			}
		}
	}
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
