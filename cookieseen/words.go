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

// Lifetime words a sighting's MaxAge: how long the site's own Set-Cookie
// made it last, or "not known" when none did.
func Lifetime(maxAge int64) string {
	switch {
	case maxAge < 0:
		return "not known"
	case maxAge == 0:
		return cookietable.Session.Words("en")
	}
	return cookietable.Lasting(time.Duration(maxAge) * time.Second).Words("en")
}
