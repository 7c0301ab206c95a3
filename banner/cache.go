package banner

import (
	"bytes"
	"html"
	"net/url"
	"strings"
	"sync"
)

// Cache renders the banner once per distinct state (locale, decided, GPC,
// granted categories) and fills in the two per-visitor values, the return
// path and the consent ID, by substitution. Executing html/template for every
// page view cost about a quarter of the handler's time.
//
// Every Page given to one Cache must share Text, Site, Prefix, CookieTable
// and the category providers: one Cache belongs to one configured handler.
type Cache struct {
	mu sync.RWMutex
	m  map[string]*filled
}

// Body is Body(p), from the cache. The result must not be modified.
func (c *Cache) Body(p Page) []byte { return c.get("body.html", p).fill(p) }

// Head is Head(p), from the cache. The result must not be modified.
func (c *Cache) Head(p Page) []byte { return c.get("head.html", p).fill(p) }

func (c *Cache) get(name string, p Page) *filled {
	key := stateKey(name, p)
	c.mu.RLock()
	f := c.m[key]
	c.mu.RUnlock()
	if f != nil {
		return f
	}
	f = compile(name, p)
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]*filled)
	}
	c.m[key] = f
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
	for _, f := range []bool{p.Decided, p.GPC, p.Saved, p.ConsentID != "", p.Nonce != "", p.StyleNonce != ""} {
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

func compile(name string, p Page) *filled {
	for _, h := range holes {
		// An empty value can change the markup ({{if .ConsentID}}), so
		// emptiness is part of the state key and stays empty here.
		if v := h.get(&p); *v != "" || h.sentinel == holes[0].sentinel {
			*v = h.sentinel
		}
	}
	out := render(name, p)
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
