package cookieseen

import (
	"time"

	"github.com/consentgate/consentgate/cookietable"
)

// Words says where a name was seen, as the web team reads it in the
// console and the CLI.
func (s Source) Words() string {
	switch s {
	case Upstream:
		return "set by the site's responses"
	case Banner:
		return "reported by visitors' browsers"
	case Page:
		return "found in the site's pages"
	}
	return string(s)
}

// Words says what kind of name it is.
func (k Kind) Words() string {
	switch k {
	case Storage:
		return "local storage key"
	case Cookie, Vendor:
		return string(k)
	}
	return string(k)
}

// maxAgeCap is the longest a browser keeps a cookie whatever its Max-Age
// or Expires says (RFC 6265bis, Chromium): 400 days.
const maxAgeCap = 400 * 24 * time.Hour

// ExpiryOf is how long a sighting's cookie lasts: the lifetime the site's
// own Set-Cookie gave it (0: a session cookie), capped at the 400 days a
// browser keeps any cookie. false when no Set-Cookie gave one.
func ExpiryOf(maxAge int64) (cookietable.Expiry, bool) {
	if maxAge < 0 {
		return cookietable.Expiry{}, false
	}
	d := maxAgeCap
	if maxAge < int64(maxAgeCap/time.Second) {
		d = time.Duration(maxAge) * time.Second
	}
	return cookietable.Lasting(d), true
}

// Lifetime words a sighting's MaxAge, or says "not known" when no
// Set-Cookie gave one.
func Lifetime(maxAge int64) string {
	e, ok := ExpiryOf(maxAge)
	if !ok {
		return "not known"
	}
	return e.Words("en")
}
