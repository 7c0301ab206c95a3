package banner

import (
	"bytes"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Cache renders the banner and embed placeholders once per distinct state
// (locale, decided, GPC, granted categories; provider and link) and fills
// in the per-visitor values (return path, consent ID, CSP nonces) by
// substitution. Executing html/template for every page view cost about a
// quarter of the handler's time, and each placeholder as much again. A
// lookup allocates nothing; a fill allocates its result, once.
//
// Every Page given to one Cache must share Text, Site, Prefix, Report,
// CookieTable, NoticeOnly, the category IDs in their order, the category
// providers and the guard configuration (if any): one Cache belongs to one
// configured handler.
type Cache struct {
	mu sync.RWMutex
	m  map[stateKey]*filled
}

// maxCached bounds the cache: placeholder links come from the pages, so a
// large site could otherwise grow it without end. Past the bound, states
// are rendered each time.
const maxCached = 4096

// Body is Body(p), from the cache. The result must not be modified.
func (c *Cache) Body(p Page) []byte {
	return c.get(keyOf(kindBody, p, nil), p, nil).fill(&p)
}

// Head is Head(p), from the cache. The result must not be modified.
func (c *Cache) Head(p Page) []byte {
	return c.get(keyOf(kindHead, p, nil), p, nil).fill(&p)
}

// AppendBody and AppendHead append Body(p) and Head(p), from the cache, to
// dst: into room the caller has, they cost no allocation.
func (c *Cache) AppendBody(dst []byte, p Page) []byte {
	return c.get(keyOf(kindBody, p, nil), p, nil).appendFill(dst, &p)
}

func (c *Cache) AppendHead(dst []byte, p Page) []byte {
	return c.get(keyOf(kindHead, p, nil), p, nil).appendFill(dst, &p)
}

// Placeholder is Placeholder(e), from the cache. The result must not be
// modified.
func (c *Cache) Placeholder(e Embed) []byte {
	return c.get(keyOf(kindPlaceholder, e.Page, &e), e.Page, &e).fill(&e.Page)
}

// AppendSrcdoc appends to dst Placeholder(e) escaped for a double-quoted
// attribute value, as an <iframe srcdoc> holds it: markup characters and
// every non-ASCII character as references (what rewrite.EscapeSrcdoc makes
// of it). It is cached escaped, so a frame costs a copy into dst, not a
// rendering, an escape or an allocation.
func (c *Cache) AppendSrcdoc(dst []byte, e Embed) []byte {
	return c.get(keyOf(kindSrcdoc, e.Page, &e), e.Page, &e).appendFill(dst, &e.Page)
}

// kind is what a cached rendering is of.
type kind uint8

const (
	kindBody kind = iota
	kindHead
	kindPlaceholder
	kindSrcdoc // placeholder, escaped as an attribute value
)

// stateKey names everything in a rendering, apart from the holes, that can
// differ between visitors of one handler: a comparable struct, so a lookup
// builds no string.
type stateKey struct {
	kind    kind
	locale  string
	flags   uint16 // Decided, GPC, Saved, XML, Noticed and which holes are empty
	cats    int    // how many categories
	checked uint64 // bit i: Categories[i].Checked

	provider, category, link string // an Embed's own
}

// keyOf is the key of rendering t of p (with e for a placeholder). A page
// with more categories than checked has bits gets cats -1: it is rendered
// each time, never cached.
func keyOf(t kind, p Page, e *Embed) stateKey {
	k := stateKey{kind: t, locale: p.Locale, cats: len(p.Categories)}
	for i, f := range []bool{p.Decided, p.GPC, p.Saved, p.XML, p.ConsentID != "", p.Nonce != "", p.StyleNonce != "", p.Guard != "", p.Noticed} {
		k.flags |= uint16(btoi(f)) << i
	}
	for i, c := range p.Categories {
		if i == 64 {
			k.cats = -1
			break
		}
		k.checked |= uint64(btoi(c.Checked)) << i
	}
	if e != nil {
		k.provider, k.category, k.link = e.Provider, e.Category.ID, e.Link
	}
	return k
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// get returns the cached rendering for k, compiling it from p (and e, for
// a placeholder) when missing.
func (c *Cache) get(k stateKey, p Page, e *Embed) *filled {
	c.mu.RLock()
	f := c.m[k]
	c.mu.RUnlock()
	if f != nil {
		return f
	}
	switch {
	case k.kind == kindSrcdoc:
		plain := k
		plain.kind = kindPlaceholder
		f = c.get(plain, p, e).escaped()
	case e != nil:
		f = compileEmbed(*e)
	default:
		f = compilePage(k.kind, p)
	}
	if k.cats >= 0 {
		c.mu.Lock()
		if c.m == nil {
			c.m = make(map[stateKey]*filled)
		}
		if len(c.m) < maxCached {
			c.m[k] = f
		}
		c.mu.Unlock()
	}
	return f
}

// compilePage renders body or head with p's holes as sentinels.
func compilePage(t kind, p Page) *filled {
	setSentinels(&p)
	name := "body.html"
	if t == kindHead {
		name = "head.html"
	}
	return split(render(name, p))
}

// compileEmbed renders a placeholder with e's holes as sentinels.
func compileEmbed(e Embed) *filled {
	setSentinels(&e.Page)
	return split(render("placeholder.html", e))
}

// The holes are the per-visitor values of a Page, rendered as sentinels of
// plain letters (every escaper html/template applies leaves them unchanged)
// and substituted, escaped, into the cached bytes.
var sentinels = [...]string{"cgHoleReturnTo7q", "cgHoleConsentId7q", "cgHoleNonce7q", "cgHoleStyleNonce7q"}

// holeOf is the field of p that hole i stands for.
func holeOf(p *Page, i int) *string {
	switch i {
	case 0:
		return &p.ReturnTo
	case 1:
		return &p.ConsentID
	case 2:
		return &p.Nonce
	}
	return &p.StyleNonce
}

// setSentinels puts the sentinels in p's holes. An empty value can change
// the markup ({{if .ConsentID}}), so emptiness is part of the state key and
// stays empty here; the return path is always there.
func setSentinels(p *Page) {
	for i, s := range sentinels {
		if v := holeOf(p, i); *v != "" || i == 0 {
			*v = s
		}
	}
}

// hole is one occurrence of a per-visitor value in a rendered template.
type hole struct {
	field int  // index into sentinels
	query bool // inside a URL query ("return_to=…"), so query-escaped too
}

// filled is a rendered template split at its holes: parts[i] comes before
// holes[i], and the last part ends it. The parts are ASCII (render makes
// them so).
type filled struct {
	parts [][]byte
	holes []hole
	attr  bool // the parts are escaped as an attribute value, and the holes are to be
	size  int  // the length of the parts
}

// split cuts a rendering at its sentinels.
func split(out []byte) *filled {
	f := &filled{size: len(out)}
	for {
		at, field := -1, -1
		for i, s := range sentinels {
			if j := bytes.Index(out, []byte(s)); j >= 0 && (at < 0 || j < at) {
				at, field = j, i
			}
		}
		if at < 0 {
			f.parts = append(f.parts, out)
			return f
		}
		f.parts = append(f.parts, out[:at])
		f.holes = append(f.holes, hole{field: field, query: bytes.HasSuffix(out[:at], []byte("return_to="))})
		f.size -= len(sentinels[field])
		out = out[at+len(sentinels[field]):]
	}
}

// escaped is f with its parts escaped as an attribute value, and holes
// that will be.
func (f *filled) escaped() *filled {
	g := &filled{holes: f.holes, attr: true}
	for _, part := range f.parts {
		e := appendAttr(nil, part)
		g.parts = append(g.parts, e)
		g.size += len(e)
	}
	return g
}

// fill substitutes p's values into the holes.
func (f *filled) fill(p *Page) []byte {
	if len(f.holes) == 0 {
		return f.parts[0]
	}
	return f.appendFill(make([]byte, 0, f.size+256), p)
}

// appendFill appends the rendering to out with p's values in the holes.
func (f *filled) appendFill(out []byte, p *Page) []byte {
	for i, h := range f.holes {
		out = append(out, f.parts[i]...)
		v := *holeOf(p, h.field)
		if h.query {
			out = appendQuery(out, v) // nothing markup-special is left
			continue
		}
		out = appendText(out, v, f.attr)
	}
	return append(out, f.parts[len(f.parts)-1]...)
}

// appendText appends s as html.EscapeString and then asciiOnly would make
// it, and with attr escaped once more by appendAttr: each reference's '&'
// as "&amp;".
func appendText(out []byte, s string, attr bool) []byte {
	for _, r := range s {
		var ref string
		switch r {
		case '&':
			ref = "amp;"
		case '\'':
			ref = "#39;"
		case '<':
			ref = "lt;"
		case '>':
			ref = "gt;"
		case '"':
			ref = "#34;"
		}
		if ref == "" && r < utf8.RuneSelf {
			out = append(out, byte(r))
			continue
		}
		out = append(out, '&')
		if attr {
			out = append(out, "amp;"...)
		}
		if ref != "" {
			out = append(out, ref...)
			continue
		}
		out = append(out, '#')
		out = strconv.AppendInt(out, int64(r), 10)
		out = append(out, ';')
	}
	return out
}

// appendAttr appends the ASCII b escaped for a double-quoted attribute value.
func appendAttr(out, b []byte) []byte {
	for _, c := range b {
		switch c {
		case '&':
			out = append(out, "&amp;"...)
		case '"':
			out = append(out, "&quot;"...)
		case '<':
			out = append(out, "&lt;"...)
		case '>':
			out = append(out, "&gt;"...)
		default:
			out = append(out, c)
		}
	}
	return out
}

// appendQuery appends s as url.QueryEscape makes it, without the string
// that allocates.
func appendQuery(out []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			out = append(out, c)
		case c == ' ':
			out = append(out, '+')
		default:
			out = append(out, '%', hex[c>>4], hex[c&15])
		}
	}
	return out
}
