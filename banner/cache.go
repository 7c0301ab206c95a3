package banner

import (
	"bytes"
	"html"
	"net/url"
	"strings"
	"sync"
)

// Cache renders the banner and embed placeholders once per distinct state
// (locale, decided, GPC, granted categories; provider and link) and fills
// in the per-visitor values (return path, consent ID, CSP nonces) by
// substitution. Executing html/template for every page view cost about a
// quarter of the handler's time, and each placeholder as much again.
//
// Every Page given to one Cache must share Text, Site, Prefix, Report,
// CookieTable, the category providers and the guard configuration (if
// any): one Cache belongs to one configured handler.
type Cache struct {
	mu sync.RWMutex
	m  map[string]*filled
}

// maxCached bounds the cache: placeholder links come from the pages, so a
// large site could otherwise grow it without end. Past the bound, states
// are rendered each time.
const maxCached = 4096

// Body is Body(p), from the cache. The result must not be modified.
func (c *Cache) Body(p Page) []byte {
	q := p
	return c.get(stateKey("body.html", p), &q, func() []byte { return render("body.html", q) }).fill(p)
}

// Head is Head(p), from the cache. The result must not be modified.
func (c *Cache) Head(p Page) []byte {
	q := p
	return c.get(stateKey("head.html", p), &q, func() []byte { return render("head.html", q) }).fill(p)
}

// Placeholder is Placeholder(e), from the cache. The result must not be
// modified.
func (c *Cache) Placeholder(e Embed) []byte {
	key := stateKey("placeholder.html", e.Page) + "|" + e.Provider + "|" + e.Category.ID + "|" + e.Link
	q := e
	return c.get(key, &q.Page, func() []byte { return render("placeholder.html", q) }).fill(e.Page)
}

// get returns the cached rendering for key, compiling it when missing: p
// is a copy of the Page that draw renders, whose holes compile overwrites
// with sentinels.
func (c *Cache) get(key string, p *Page, draw func() []byte) *filled {
	c.mu.RLock()
	f := c.m[key]
	c.mu.RUnlock()
	if f != nil {
		return f
	}
	f = compile(p, draw)
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]*filled)
	}
	if len(c.m) < maxCached {
		c.m[key] = f
	}
	c.mu.Unlock()
	return f
}

// stateKey names everything in p, apart from the holes, that can differ
// between visitors of one handler.
func stateKey(name string, p Page) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('|')
	b.WriteString(p.Locale)
	for _, f := range []bool{p.Decided, p.GPC, p.Saved, p.ConsentID != "", p.Nonce != "", p.StyleNonce != "", p.Guard != "", p.XML} {
		b.WriteByte("01"[btoi(f)])
	}
	for _, c := range p.Categories {
		b.WriteByte('|')
		b.WriteString(c.ID)
		b.WriteByte("01"[btoi(c.Checked)])
	}
	return b.String()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// holes are the per-visitor values of a Page, rendered as sentinels of
// plain letters (every escaper html/template applies leaves them unchanged)
// and substituted, escaped, into the cached bytes.
var holes = []struct {
	sentinel string
	get      func(*Page) *string
}{
	{"cgHoleReturnTo7q", func(p *Page) *string { return &p.ReturnTo }},
	{"cgHoleConsentId7q", func(p *Page) *string { return &p.ConsentID }},
	{"cgHoleNonce7q", func(p *Page) *string { return &p.Nonce }},
	{"cgHoleStyleNonce7q", func(p *Page) *string { return &p.StyleNonce }},
}

// hole is one occurrence of a per-visitor value in a rendered template.
type hole struct {
	field int  // index into holes
	query bool // inside a URL query ("return_to=…"), so query-escaped too
}

// filled is a rendered template split at its holes: parts[i] comes before
// holes[i], and the last part ends it.
type filled struct {
	parts [][]byte
	holes []hole
}

// compile renders with the holes of *p set to their sentinels (a copy the
// caller gives, as draw sees it) and splits the result at them.
func compile(p *Page, draw func() []byte) *filled {
	for _, h := range holes {
		// An empty value can change the markup ({{if .ConsentID}}), so
		// emptiness is part of the state key and stays empty here.
		if v := h.get(p); *v != "" || h.sentinel == holes[0].sentinel {
			*v = h.sentinel
		}
	}
	out := draw()
	f := &filled{}
	for {
		at, field := -1, -1
		for i, h := range holes {
			if j := bytes.Index(out, []byte(h.sentinel)); j >= 0 && (at < 0 || j < at) {
				at, field = j, i
			}
		}
		if at < 0 {
			f.parts = append(f.parts, out)
			return f
		}
		f.parts = append(f.parts, out[:at])
		f.holes = append(f.holes, hole{field: field, query: bytes.HasSuffix(out[:at], []byte("return_to="))})
		out = out[at+len(holes[field].sentinel):]
	}
}

func (f *filled) fill(p Page) []byte {
	if len(f.holes) == 0 {
		return f.parts[0]
	}
	n := 0
	for _, part := range f.parts {
		n += len(part)
	}
	out := make([]byte, 0, n+256)
	for i, h := range f.holes {
		out = append(out, f.parts[i]...)
		v := *holes[h.field].get(&p)
		if h.query {
			v = url.QueryEscape(v)
		}
		out = append(out, html.EscapeString(v)...)
	}
	return asciiOnly(append(out, f.parts[len(f.parts)-1]...))
}
