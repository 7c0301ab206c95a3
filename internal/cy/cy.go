// Package cy holds the one piece of Welsh grammar the product's text
// needs: a name after "ar" ("on") or "i" ("to") takes the soft mutation,
// so the banner says "Cwcis ar Gyngor Sir Llanwern" for a council that
// calls itself "Cyngor Sir Llanwern".
package cy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// soft is the soft mutation of each initial, longest first: the digraphs
// ch, dd, ff and th do not mutate, so they stand for themselves before
// their first letters can match.
var soft = []struct{ from, to string }{
	{"ch", "ch"}, {"dd", "dd"}, {"ff", "ff"}, {"th", "th"}, {"ll", "l"}, {"rh", "r"},
	{"p", "b"}, {"t", "d"}, {"c", "g"}, {"b", "f"}, {"d", "dd"}, {"g", ""}, {"m", "f"},
}

// Soft returns name softly mutated, keeping its capital: "Cyngor" gives
// "Gyngor", "Gwynedd" "Wynedd", "Llanwern" "Lanwern". A name with no
// mutable initial (a vowel, "Ff", "Ch", "Th", a digit) is unchanged. Only
// the first word changes, as in Welsh.
func Soft(name string) string {
	lower := strings.ToLower(name)
	for _, m := range soft {
		if !strings.HasPrefix(lower, m.from) {
			continue
		}
		rest := name[len(m.from):]
		if m.to == "" { // g- is dropped: the next letter takes the capital
			r, n := utf8.DecodeRuneInString(rest)
			if r == utf8.RuneError || !unicode.IsUpper(rune(name[0])) {
				return rest
			}
			return string(unicode.ToUpper(r)) + rest[n:]
		}
		to := m.to
		if unicode.IsUpper(rune(name[0])) {
			to = strings.ToUpper(to[:1]) + to[1:]
		}
		return to + rest
	}
	return name
}
