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
	for _, f := range []bool{p.Decided, p.GPC, p.Saved, p.ConsentID != ""} {
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

// Sentinels rendered in place of the per-visitor values. They are plain
// letters, so every escaper html/template applies leaves them unchanged.
const (
	returnHole = "cgHoleReturnTo7q"
	idHole     = "cgHoleConsentId7q"
)

type holeKind int

const (
	holeReturnAttr  holeKind = iota // return path in an attribute value
	holeReturnQuery                 // return path as a URL query value
	holeID                          // consent ID in text
)

// filled is a rendered template split at its holes: parts[i] comes before
// holes[i], and the last part ends it.
type filled struct {
	parts [][]byte
	holes []holeKind
}

func compile(name string, p Page) *filled {
	p.ReturnTo = returnHole
	if p.ConsentID != "" {
		p.ConsentID = idHole
	}
	out := render(name, p)
	f := &filled{}
	for {
		i, kind := nextHole(out)
		if i < 0 {
			f.parts = append(f.parts, out)
			return f
		}
		n := len(returnHole)
		if kind == holeID {
			n = len(idHole)
		} else if bytes.HasSuffix(out[:i], []byte("return_to=")) {
			kind = holeReturnQuery
		}
		f.parts = append(f.parts, out[:i])
		f.holes = append(f.holes, kind)
		out = out[i+n:]
	}
}

func nextHole(b []byte) (int, holeKind) {
	r := bytes.Index(b, []byte(returnHole))
	id := bytes.Index(b, []byte(idHole))
	if id >= 0 && (r < 0 || id < r) {
		return id, holeID
	}
	return r, holeReturnAttr
}

func (f *filled) fill(p Page) []byte {
	if len(f.holes) == 0 {
		return f.parts[0]
	}
	ret := html.EscapeString(p.ReturnTo)
	query := html.EscapeString(url.QueryEscape(p.ReturnTo))
	id := html.EscapeString(p.ConsentID)
	n := 0
	for _, part := range f.parts {
		n += len(part)
	}
	out := make([]byte, 0, n+len(f.holes)*len(query))
	for i, h := range f.holes {
		out = append(out, f.parts[i]...)
		switch h {
		case holeReturnAttr:
			out = append(out, ret...)
		case holeReturnQuery:
			out = append(out, query...)
		case holeID:
			out = append(out, id...)
		}
	}
	return asciiOnly(append(out, f.parts[len(f.parts)-1]...))
}
