package rewrite

import (
	"bytes"
	"html"
	"strconv"
)

// attr is one attribute of a raw start tag, located by byte offsets so that
// edits can splice the raw bytes and leave everything else as the page had it.
type attr struct {
	name       string // lower-cased
	nameStart  int
	nameEnd    int
	value      string // entity-decoded, for matching only
	hasValue   bool
	valueStart int // including quotes
	valueEnd   int
}

// scanTag returns the end of the tag name and the attributes of a complete
// raw start tag ("<name ...>"), following the HTML tokenization rules for the
// before-attribute-name, attribute-name and attribute-value states.
func scanTag(raw []byte) (nameEnd int, attrs []attr) {
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
		a.name = string(bytes.ToLower(raw[a.nameStart:a.nameEnd]))
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
					k = len(raw) - j - 1
					a.value = html.UnescapeString(string(raw[j+1 : j+1+k]))
					j = len(raw)
				} else {
					a.value = html.UnescapeString(string(raw[j+1 : j+1+k]))
					j += k + 2
				}
			default:
				for j < len(raw) && !isSpace(raw[j]) && raw[j] != '>' {
					j++
				}
				a.value = html.UnescapeString(string(raw[a.valueStart:j]))
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
		if a.name == name {
			return a, true
		}
	}
	return attr{}, false
}

// escapeAttr escapes s for a double-quoted attribute value and turns every
// non-ASCII character into a character reference, so inserted text is right
// whatever charset the page is in.
func escapeAttr(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString("&quot;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r < 0x80:
			b.WriteRune(r)
		default:
			b.WriteString("&#")
			b.WriteString(strconv.Itoa(int(r)))
			b.WriteByte(';')
		}
	}
	return b.String()
}
