package rewrite

import (
	"bufio"
	"io"
)

// The cookie table fill: an element carrying the attribute
// data-consent-cookie-table (the site's own privacy page) gets
// Options.CookieTable in place of its children, which are the site's
// fallback text. The element's start and end tags, and every byte outside
// it, pass as they are. The children are still read by the usual rules,
// with r.out discarding, so the tokenizer state (raw text, foreign content,
// held scripts, AMP) is the same as without the fill; only their output and
// their OnNeutralise calls are dropped.

// fillAttr marks the element the cookie table goes in.
const fillAttr = "data-consent-cookie-table"

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
	if selfClosing || r.opts.CookieTable == nil || r.fill != nil || !r.headDone || !containsFold(raw, fillAttr) ||
		isRawText(name) || !r.opts.XML && r.cdata() {
		return
	}
	_, r.attrs = scanTag(raw, r.attrs)
	if _, ok := get(r.attrs, fillAttr); !ok {
		return
	}
	full := fullName(raw[1:])
	if !r.opts.XML && voidElements[full] {
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
