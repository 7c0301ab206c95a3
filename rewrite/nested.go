package rewrite

import (
	"bufio"
	"bytes"
)

// Nested documents: the markup inside a <noscript> (raw text with
// scripting on, where GTM's frame and the Meta pixel live) and the site's
// own <iframe srcdoc> documents, each rewritten as what it is.

// maxDepth bounds srcdoc nesting; deeper documents are held unread.
const maxDepth = 4

// nestedSrcdoc rewrites the document in a frame's srcdoc a as a document of
// its own (the head gets FrameInject, no banner) and, if that neutralised
// anything, writes the tag with the result in place of a's value, in a's
// quote style. It reports whether it wrote the tag.
func (r *Rewriter) nestedSrcdoc(raw []byte, a attr) bool {
	var b bytes.Buffer
	opts := r.opts
	opts.HeadInject, opts.BodyInject, opts.Decode, opts.XML, opts.CookieTable = opts.FrameInject, nil, nil, false, nil
	sub := New(&b, opts)
	sub.depth = r.depth + 1
	sub.page.ScriptNonce, sub.page.StyleNonce = r.page.ScriptNonce, r.page.StyleNonce // srcdoc frames inherit the policy
	sub.Write([]byte(a.value()))
	if err := sub.Close(); err != nil || sub.count == 0 {
		return false
	}
	r.count += sub.count
	q := byte('"')
	if c := raw[a.valueStart]; c == '\'' {
		q = c
	}
	w := r.out
	w.Write(raw[:a.valueStart])
	w.WriteByte(q)
	escapeAttr(w, b.Bytes(), q, r.opts.XML)
	w.WriteByte(q)
	w.Write(raw[a.valueEnd:])
	return true
}

// EscapeSrcdoc escapes a document for a double-quoted srcdoc attribute, as
// Options.Placeholder returns it: markup characters and every non-ASCII
// character as references, so it is right in XML and whatever the page's
// charset.
func EscapeSrcdoc(doc []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(doc) + len(doc)/8)
	w := bufio.NewWriterSize(&b, 4096)
	writeAttrValue(w, string(doc))
	w.Flush()
	return b.Bytes()
}

// fragment rewrites the raw text of a <noscript>, which the lexer (with
// scripting on, as browsers parse) reports as one text token: GTM's iframe
// and the Meta pixel's img live there. A lexer of its own splits it as a
// browser with scripting off would; it reads text in place and allocates
// nothing.
func (r *Rewriter) fragment(text []byte) {
	if bytes.IndexByte(text, '<') < 0 || !mayHaveURL(text) {
		r.out.Write(text)
		return
	}
	var l lexer
	l.resetBytes(text)
	nested := false // the text that follows is a nested <noscript>'s
	for {
		k := l.next()
		raw := l.raw()
		wasNested := nested
		nested = false
		switch k {
		case tkError:
			r.out.Write(raw)
			return
		case tkText:
			if wasNested {
				r.fragment(raw)
			} else {
				r.out.Write(raw)
			}
		case tkStart, tkSelfClosing:
			switch l.name {
			case "script":
				r.out.Write(raw) // scripts in noscript never run
			case "noscript":
				r.out.Write(raw)
				nested = k == tkStart
			default:
				r.element(l.name, raw, false)
			}
		default:
			r.out.Write(raw)
		}
	}
}
