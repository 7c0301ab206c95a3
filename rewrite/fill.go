package rewrite

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The cookie table fill: an element matching Options.CookieTableSelector
// (by default one carrying the attribute data-consent-cookie-table: the
// site's own privacy page) gets Options.CookieTable in place of its
// children, which are the site's fallback text. The element's start and end
// tags, and every byte outside it, pass as they are. The children are still
// read by the usual rules, with r.out discarding, so the lexer state
// (raw text, foreign content, held scripts, AMP) is the same as without the
// fill; only their output and their OnNeutralise calls are dropped.

// filling is the state of an element being filled.
type filling struct {
	name  string        // its tag name, lower case
	depth int           // open elements of the same name inside it
	out   *bufio.Writer // the response's output while r.out discards
}

// fillStart begins a fill if the start tag just written (raw, tag name
// name as tagName gives it) is a marker whose children can be replaced:
// not void, not raw text, not foreign content (an svg's children are not
// HTML), not self-closed, which leaves nothing to replace, and not before
// the head insertion (<html>, <head>), which must not be dropped with them.
func (r *Rewriter) fillStart(name string, raw []byte, selfClosing bool) {
	if selfClosing || r.opts.CookieTable == nil || r.fill != nil || !r.headDone || !r.opts.CookieTableSelector.mayMatch(raw) ||
		isRawText(name) || !r.opts.XML && r.cdata() {
		return
	}
	full := fullName(raw[1:])
	_, r.attrs = scanTag(raw, r.attrs)
	if !r.opts.CookieTableSelector.matches(full, r.attrs) || !r.opts.XML && voidElements[full] {
		return
	}
	if r.discard == nil {
		r.discard = bufio.NewWriterSize(io.Discard, 16)
	}
	r.fill = &filling{name: full, out: r.out}
	r.out = r.discard
}

// fillTag follows the nesting of the filled element's name: a start tag
// (end false) of that name opens one more, an end tag closes one or, at
// depth 0, the filled element itself. </body> and </html> end the fill
// too, so a marker never closed cannot take the rest of the page.
func (r *Rewriter) fillTag(raw []byte, end, selfClosing bool) {
	f := r.fill
	if end {
		switch n := fullName(raw[2:]); {
		case n == f.name && f.depth > 0:
			f.depth--
		case n == f.name, n == "body", n == "html":
			r.fillEnd()
		}
		return
	}
	// A self-closed start tag opens an element in HTML, not in XML or SVG.
	if fullName(raw[1:]) == f.name && !(selfClosing && (r.opts.XML || r.cdata())) {
		f.depth++
	}
}

// fillEnd writes the cookie table and restores the output, at the filled
// element's end tag or at the end of the page.
func (r *Rewriter) fillEnd() {
	if r.fill == nil {
		return
	}
	r.out = r.fill.out
	r.fill = nil
	r.out.Write(r.opts.CookieTable(r.page))
}

// fullName returns the lower-cased name of the tag whose raw bytes start at
// b, whatever it is (tagName knows only the names rules act on).
func fullName(b []byte) string {
	n := 0
	for n < len(b) && !isSpace(b[n]) && b[n] != '/' && b[n] != '>' {
		n++
	}
	s := make([]byte, n)
	for i := range n {
		s[i] = lower(b[i])
	}
	return string(s)
}

// voidElements have no children and no end tag in HTML.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true, "keygen": true,
	"frame": true, "image": true,
}

// Selector names the element the cookie table fills, as a CSS selector list
// of simple compounds: tag, #id, .class, [attr] and [attr=value], such as
// `div#cookies.table[data-x]` or `#cookies, .cookie-table`. Combinators and
// pseudo-classes are refused: the fill decides on one start tag, without
// the tree a descendant or :nth-child selector needs. The zero Selector is
// [data-consent-cookie-table].
type Selector struct {
	alts []compound
}

// compound is one selector of the list: every part must match.
type compound struct {
	tag     string   // lower case; "" for any
	id      string   // "" for none
	classes []string // each a class token the element must have
	attrs   []attrIs
	needle  string // an attribute name the raw tag must contain, lower case; "" for a bare tag
}

// attrIs is [name] or, with set, [name=value].
type attrIs struct {
	name, value string
	set         bool
}

var defaultSelector = []compound{{attrs: []attrIs{{name: fillAttr}}, needle: fillAttr}}

func (s Selector) compounds() []compound {
	if s.alts == nil {
		return defaultSelector
	}
	return s.alts
}

// mayMatch is a test on the raw tag that is cheap enough for every start
// tag of a page: false when no compound can match it.
func (s Selector) mayMatch(raw []byte) bool {
	for _, c := range s.compounds() {
		if (c.tag == "" || tagIs(raw, c.tag)) && (c.needle == "" || containsFold(raw, c.needle)) {
			return true
		}
	}
	return false
}

// tagIs reports whether the raw start tag's name is tag (lower case).
func tagIs(raw []byte, tag string) bool {
	if len(raw) < len(tag)+2 {
		return false
	}
	for i := range len(tag) {
		if lower(raw[1+i]) != tag[i] {
			return false
		}
	}
	c := raw[1+len(tag)]
	return isSpace(c) || c == '/' || c == '>'
}

// matches reports whether an element named name (lower case) with attrs
// matches one of s's compounds, as a browser would match the selector.
func (s Selector) matches(name string, attrs []attr) bool {
	for _, c := range s.compounds() {
		if c.matches(name, attrs) {
			return true
		}
	}
	return false
}

func (c compound) matches(name string, attrs []attr) bool {
	if c.tag != "" && c.tag != name {
		return false
	}
	if c.id != "" {
		if a, ok := get(attrs, "id"); !ok || a.value() != c.id {
			return false
		}
	}
	if len(c.classes) > 0 {
		a, ok := get(attrs, "class")
		if !ok {
			return false
		}
		tokens := strings.FieldsFunc(a.value(), func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
		for _, want := range c.classes {
			if !slices.Contains(tokens, want) {
				return false
			}
		}
	}
	for _, w := range c.attrs {
		a, ok := get(attrs, w.name)
		if !ok || w.set && a.value() != w.value {
			return false
		}
	}
	return true
}

// ParseSelector reads a selector list for Options.CookieTableSelector.
func ParseSelector(s string) (Selector, error) {
	var sel Selector
	for part := range strings.SplitSeq(s, ",") {
		c, err := parseCompound(strings.TrimSpace(part))
		if err != nil {
			return Selector{}, fmt.Errorf("cookie table selector %q: %w", s, err)
		}
		sel.alts = append(sel.alts, c)
	}
	return sel, nil
}

var errSimpleOnly = errors.New("only tag, #id, .class, [attr] and [attr=value] are supported, one element each, with no combinators or pseudo-classes")

// parseCompound reads one compound selector such as div#a.b[c="d"].
func parseCompound(s string) (compound, error) {
	var c compound
	if s == "" {
		return c, errors.New("empty selector")
	}
	i := 0
	if isIdentStart(s[0]) {
		n := identLen(s)
		c.tag, i = strings.ToLower(s[:n]), n
	}
	for i < len(s) {
		switch s[i] {
		case '#', '.':
			n := identLen(s[i+1:])
			if n == 0 {
				return c, fmt.Errorf("%q must be followed by a name: %w", s[i], errSimpleOnly)
			}
			if v := s[i+1 : i+1+n]; s[i] == '#' {
				if c.id != "" && c.id != v {
					return c, fmt.Errorf("two ids %q and %q never match one element", c.id, v)
				}
				c.id, c.needle = v, "id"
			} else {
				c.classes = append(c.classes, v)
				c.needle = "class"
			}
			i += 1 + n
		case '[':
			a, n, err := parseAttr(s[i:])
			if err != nil {
				return c, err
			}
			c.attrs = append(c.attrs, a)
			c.needle = a.name
			i += n
		case ' ', '\t', '\n', '\r', '\f', '>', '+', '~':
			return c, fmt.Errorf("combinators are not supported (%q): %w", s, errSimpleOnly)
		case ':':
			return c, fmt.Errorf("pseudo-classes are not supported (%q): %w", s, errSimpleOnly)
		default:
			return c, fmt.Errorf("unexpected %q: %w", s[i:], errSimpleOnly)
		}
	}
	return c, nil
}

// parseAttr reads [name] or [name=value] at the start of s, the value a
// name or quoted, and returns how many bytes it took.
func parseAttr(s string) (attrIs, int, error) {
	i := skipSpace(s, 1)
	n := identLen(s[i:])
	if n == 0 {
		return attrIs{}, 0, fmt.Errorf("[ wants an attribute name: %w", errSimpleOnly)
	}
	a := attrIs{name: strings.ToLower(s[i : i+n])}
	if i = skipSpace(s, i+n); i < len(s) && s[i] == '=' {
		i = skipSpace(s, i+1)
		switch {
		case i < len(s) && (s[i] == '"' || s[i] == '\''):
			end := strings.IndexByte(s[i+1:], s[i])
			if end < 0 {
				return attrIs{}, 0, errors.New("unclosed quote")
			}
			a.value, i = s[i+1:i+1+end], i+end+2
		default:
			n := identLen(s[i:])
			if n == 0 {
				return attrIs{}, 0, errors.New("quote a value that is not a name")
			}
			a.value, i = s[i:i+n], i+n
		}
		if strings.ContainsRune(a.value, '\\') {
			return attrIs{}, 0, errors.New("escapes are not supported")
		}
		a.set = true
		i = skipSpace(s, i)
	}
	if i >= len(s) || s[i] != ']' {
		return attrIs{}, 0, fmt.Errorf("want ] after the attribute: %w", errSimpleOnly)
	}
	return a, i + 1, nil
}

// skipSpace returns the offset of the first byte at or after i in s that is
// not white space.
func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// identLen is the length of the CSS identifier at the start of s: ASCII
// letters, digits, '-' and '_', and any non-ASCII; not starting with a digit
// or "-digit". Escapes are not taken.
func identLen(s string) int {
	if s == "" || !isIdentStart(s[0]) || s[0] == '-' && (len(s) < 2 || '0' <= s[1] && s[1] <= '9') {
		return 0
	}
	n := 1
	for n < len(s) && (isIdentStart(s[n]) || '0' <= s[n] && s[n] <= '9') {
		n++
	}
	return n
}

func isIdentStart(c byte) bool {
	return isLetter(c) || c == '-' || c == '_' || c >= 0x80
}
