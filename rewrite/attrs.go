package rewrite

import (
	"bufio"
	"bytes"
	"html"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// attr is one attribute of a raw start tag, located by byte offsets so that
// edits can splice the raw bytes and leave everything else as the page had it.
// Nothing is copied or decoded until a rule asks for it.
type attr struct {
	nameStart  int
	nameEnd    int
	hasValue   bool
	valueStart int // including quotes
	valueEnd   int
	name       []byte // as written
	val        []byte // as written, without quotes
}

// is reports whether the attribute is called name (lower-case ASCII), as
// HTML compares attribute names.
func (a attr) is(name string) bool {
	if len(a.name) != len(name) {
		return false
	}
	for i := range len(name) {
		if lower(a.name[i]) != name[i] {
			return false
		}
	}
	return true
}

// value is the entity-decoded value, for matching only.
func (a attr) value() string {
	if bytes.IndexByte(a.val, '&') < 0 {
		return string(a.val)
	}
	return html.UnescapeString(string(a.val))
}

// view is the attribute's entity-decoded value for matching only: it
// shares memory with the raw tag or r.scratch, so it must not outlive the
// call it is passed to, nor another call to view. It allocates only for a
// value with a named reference other than &amp; &lt; &gt; &quot; &apos;.
func (r *Rewriter) view(a attr) string {
	if bytes.IndexByte(a.val, '&') < 0 {
		return transient(a)
	}
	d, ok := decodeRefs(r.scratch[:0], a.val)
	if !ok {
		return a.value()
	}
	r.scratch = d
	return unsafe.String(unsafe.SliceData(d), len(d))
}

// transient is view without the decoding buffer: for a value without
// references it shares the raw tag's memory, with the same rules.
func transient(a attr) string {
	if bytes.IndexByte(a.val, '&') >= 0 {
		return a.value()
	}
	return unsafe.String(unsafe.SliceData(a.val), len(a.val))
}

// decodeRefs appends v to dst with its character references decoded, as a
// browser decodes an attribute value; false for a reference it does not
// know, which html.UnescapeString's table may. A '&', letters or digits
// and '=' stay as they are (§13.2.5.73: the query strings of tracking URLs).
func decodeRefs(dst, v []byte) ([]byte, bool) {
	for {
		i := bytes.IndexByte(v, '&')
		if i < 0 {
			return append(dst, v...), true
		}
		dst = append(dst, v[:i]...)
		v = v[i:]
		j := 1
		for j < len(v) && (isLetter(v[j]) || '0' <= v[j] && v[j] <= '9' || j == 1 && v[j] == '#') {
			j++
		}
		if j == len(v) || v[j] != ';' {
			if j > 1 && (v[1] == '#' || j == len(v) || v[j] != '=') {
				return nil, false // a numeric or legacy reference without ';'
			}
			// In an attribute, letters and '=' are never a reference.
			dst, v = append(dst, v[:j]...), v[j:]
			continue
		}
		ref := v[1:j]
		switch string(ref) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if len(ref) < 2 || ref[0] != '#' {
				return nil, false
			}
			n, ok := charRef(ref[1:])
			if !ok {
				return nil, false
			}
			dst = utf8.AppendRune(dst, n)
		}
		v = v[j+1:]
	}
}

// charRef decodes the digits of a numeric reference (x and hex digits, or
// decimal), for the code points that decode to themselves.
func charRef(d []byte) (rune, bool) {
	base := 10
	if len(d) > 0 && (d[0] == 'x' || d[0] == 'X') {
		base, d = 16, d[1:]
	}
	if len(d) == 0 || len(d) > 6 {
		return 0, false
	}
	var n rune
	for _, c := range d {
		var k rune
		switch {
		case '0' <= c && c <= '9':
			k = rune(c - '0')
		case base == 16 && 'a' <= c|0x20 && c|0x20 <= 'f':
			k = rune(c|0x20-'a') + 10
		default:
			return 0, false
		}
		n = n*rune(base) + k
	}
	// NUL, surrogates, C1 controls (windows-1252 in HTML) and beyond
	// Unicode are left to html.UnescapeString.
	if n == 0 || 0x80 <= n && n < 0xa0 || 0xd800 <= n && n < 0xe000 || n > 0x10ffff {
		return 0, false
	}
	return n, true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// scanTag returns the end of the tag name and the attributes of a complete
// raw start tag ("<name ...>"), following the HTML tokenization rules for the
// before-attribute-name, attribute-name and attribute-value states. The
// attributes are appended to buf[:0], so a caller can reuse one buffer.
func scanTag(raw []byte, buf []attr) (nameEnd int, attrs []attr) {
	attrs = buf[:0]
	i := 1
	for i < len(raw) && !isSpace(raw[i]) && raw[i] != '/' && raw[i] != '>' {
		i++
	}
	nameEnd = i
	for i < len(raw) {
		for i < len(raw) && (isSpace(raw[i]) || raw[i] == '/') {
			i++
		}
		if i >= len(raw) || raw[i] == '>' {
			break
		}
		a := attr{nameStart: i}
		i++ // the first character may be '='
		for i < len(raw) && !isSpace(raw[i]) && raw[i] != '/' && raw[i] != '>' && raw[i] != '=' {
			i++
		}
		a.nameEnd = i
		a.name = raw[a.nameStart:a.nameEnd]
		j := i
		for j < len(raw) && isSpace(raw[j]) {
			j++
		}
		if j < len(raw) && raw[j] == '=' {
			j++
			for j < len(raw) && isSpace(raw[j]) {
				j++
			}
			a.hasValue = true
			a.valueStart = j
			switch {
			case j < len(raw) && (raw[j] == '"' || raw[j] == '\''):
				q := raw[j]
				k := bytes.IndexByte(raw[j+1:], q)
				if k < 0 {
					a.val = raw[j+1:]
					j = len(raw)
				} else {
					a.val = raw[j+1 : j+1+k]
					j += k + 2
				}
			default:
				for j < len(raw) && !isSpace(raw[j]) && raw[j] != '>' {
					j++
				}
				a.val = raw[a.valueStart:j]
			}
			a.valueEnd = j
			i = j
		}
		attrs = append(attrs, a)
	}
	return nameEnd, attrs
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// get returns the first attribute called name, as browsers honour the first
// of duplicates.
func get(attrs []attr, name string) (attr, bool) {
	for _, a := range attrs {
		if a.is(name) {
			return a, true
		}
	}
	return attr{}, false
}

// writeAttrValue writes s escaped for a double-quoted attribute value, with
// every non-ASCII character as a character reference, so inserted text is
// right whatever charset the page is in.
func writeAttrValue(w *bufio.Writer, s string) {
	for _, r := range s {
		switch {
		case r == '"':
			w.WriteString("&quot;")
		case r == '&':
			w.WriteString("&amp;")
		case r == '<':
			w.WriteString("&lt;")
		case r == '>':
			w.WriteString("&gt;")
		case r < 0x80:
			w.WriteByte(byte(r))
		default:
			w.WriteString("&#")
			w.WriteString(strconv.Itoa(int(r)))
			w.WriteByte(';')
		}
	}
}

// escapeAttr writes b as the value of an attribute quoted with q ('<' and
// '>' as references too in XML). Bytes outside ASCII pass as they are, so a
// page's own charset is kept.
func escapeAttr(w *bufio.Writer, b []byte, q byte, xml bool) {
	for _, c := range b {
		switch {
		case c == '&':
			w.WriteString("&amp;")
		case c == '<' && xml:
			w.WriteString("&lt;")
		case c == '>' && xml:
			w.WriteString("&gt;")
		case c == q && q == '"':
			w.WriteString("&quot;")
		case c == q:
			w.WriteString("&#39;")
		default:
			w.WriteByte(c)
		}
	}
}

// srcsetURLs yields the URL of each image candidate in a srcset value,
// split as browsers split it: candidates are separated by commas after a
// URL's descriptors, a URL may itself contain commas (only trailing ones end
// it), and descriptors may hold parenthesised commas.
func srcsetURLs(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		i := 0
		for {
			for i < len(s) && (isSpace(s[i]) || s[i] == ',') {
				i++
			}
			if i >= len(s) {
				return
			}
			j := i
			for j < len(s) && !isSpace(s[j]) {
				j++
			}
			u := s[i:j]
			i = j
			if strings.HasSuffix(u, ",") {
				u = strings.TrimRight(u, ",")
			} else {
				// Descriptors, up to a comma outside parentheses.
				for parens := false; i < len(s); i++ {
					if c := s[i]; parens {
						parens = c != ')'
					} else if c == '(' {
						parens = true
					} else if c == ',' {
						i++
						break
					}
				}
			}
			if !yield(u) {
				return
			}
		}
	}
}
