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
// scripting on, as browsers parse) reports as one text token: GTM's iframe and
// the Meta pixel's img live there. Plain markup is split in place; anything
// else goes through a lexer of its own.
func (r *Rewriter) fragment(text []byte) {
	if bytes.IndexByte(text, '<') < 0 || !mayHaveURL(text) {
		r.out.Write(text)
		return
	}
	tags, ok := plainTags(text, r.tags)
	r.tags = tags
	if !ok {
		r.tokenizeFragment(text)
		return
	}
	pos := 0
	for _, t := range tags {
		r.out.Write(text[pos:t[0]])
		r.element(tagName(text[t[0]+1:]), text[t[0]:t[1]], false)
		pos = t[1]
	}
	r.out.Write(text[pos:])
}

// plainTags finds the start tags in text that this package knows by name,
// splitting it exactly as the lexer would, and appends their spans to
// tags[:0]. It handles text, complete start and end tags, and the raw text of
// elements such as iframe; for comments, doctypes, scripts, nested noscripts
// and incomplete tags it reports !ok, and the caller uses the lexer.
// A noscript holds a tag or two.
func plainTags(text []byte, tags [][2]int) ([][2]int, bool) {
	tags = tags[:0]
	i := 0
	for {
		j := bytes.IndexByte(text[i:], '<')
		if j < 0 || i+j+1 >= len(text) {
			return tags, true // a '<' at the very end is text
		}
		i += j
		switch c := text[i+1]; {
		case isLetter(c):
			end := tagAfter(text, i+1)
			if end < 0 {
				return tags, false
			}
			name := tagName(text[i+1:])
			switch name {
			case "script", "noscript", "plaintext":
				return tags, false
			case "":
			default:
				tags = append(tags, [2]int{i, end})
			}
			i = end
			if isRawText(name) {
				i = rawTextEnd(text, i, name)
			}
		case c == '/' && i+2 < len(text) && isLetter(text[i+2]):
			if i = tagAfter(text, i+2); i < 0 {
				return tags, false
			}
		case c == '/' || c == '!' || c == '?':
			return tags, false
		default:
			i++ // '<' before anything else is text
		}
	}
}

// tagAfter returns the offset just past the '>' that ends the tag whose
// name starts at b[i], or -1 if the tag is incomplete.
func tagAfter(b []byte, i int) int {
	for i < len(b) && !nameEnds[b[i]] {
		i++
	}
	end, _, _ := tagEnd(b, i, false)
	return end
}

// rawTextEnd returns the offset of the "</name" that ends raw text starting
// at b[i], or len(b), as the lexer finds it.
func rawTextEnd(b []byte, i int, name string) int {
	for {
		j := bytes.Index(b[i:], []byte("</"))
		if j < 0 {
			return len(b)
		}
		k := i + j + 2
		if k+len(name) < len(b) && bytes.EqualFold(b[k:k+len(name)], []byte(name)) {
			switch b[k+len(name)] {
			case ' ', '\n', '\r', '\t', '\f', '/', '>':
				return i + j
			}
		}
		i = i + j + 1
	}
}

// tokenizeFragment is fragment for markup plainTags does not take on.
func (r *Rewriter) tokenizeFragment(text []byte) {
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
