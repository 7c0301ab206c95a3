package consent

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// SafeReturn accepts only a same-origin absolute path as where a choice
// returns the visitor, so the forms cannot be used to redirect visitors
// elsewhere, and returns it cleaned: dot segments and doubled slashes
// resolved, no fragment, every byte printable ASCII. Anything else, a
// control byte (%00, CR, LF) or a backslash above all, becomes "/": such a
// value never came from the banner, which posts the page's own request URI,
// and it must not reach Location or the record.
func SafeReturn(s string) string {
	if s == "" || s[0] != '/' || len(s) > maxReturn || strings.HasPrefix(s, "//") {
		return "/"
	}
	for i := range len(s) {
		if b := s[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	p := path.Clean(u.EscapedPath())
	if strings.HasSuffix(u.Path, "/") && p != "/" {
		p += "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	var b strings.Builder
	for i := range len(p) {
		if c := p[i]; c <= ' ' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	if b.Len() > maxReturn { // escaping can lengthen it past what a second look accepts
		return "/"
	}
	return b.String()
}

// maxReturn bounds a return path, before and after cleaning.
const maxReturn = 2048
