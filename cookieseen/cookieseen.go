// Package cookieseen keeps what a site was seen to use, so that its cookie
// table lists what it really does: the cookies its responses set, the
// cookies and storage keys its pages' scripts leave in visitors' browsers,
// and the catalogue vendors its pages load. It also holds the suggestions
// shown to the web team for a cookie nobody has declared. It knows nothing
// of Caddy or of the store that persists it.
package cookieseen

import "time"

// Kind is what was seen.
type Kind string

const (
	Cookie  Kind = "cookie"
	Storage Kind = "storage" // a localStorage key
	Vendor  Kind = "vendor"  // a catalogue vendor's ID
)

// Source is where a sighting came from, which decides how far it is
// trusted.
type Source string

const (
	// Upstream is a Set-Cookie header of the site's own responses.
	Upstream Source = "upstream"
	// Page is a vendor the rewriter made inert in one of the site's pages.
	Page Source = "page"
	// Banner is a name the banner script read from document.cookie or
	// localStorage after consent. Anyone can post one, so such names are
	// shown to the web team but never put in the public table unless the
	// catalogue knows them.
	Banner Source = "banner"
)

// Sighting is one name seen from one source, merged over every time it was
// seen.
type Sighting struct {
	Kind   Kind
	Name   string
	Source Source
	// MaxAge is the lifetime the latest upstream Set-Cookie gave, in
	// seconds: 0 for a session cookie, -1 when unknown (banner reports,
	// vendors).
	MaxAge      int64
	First, Last time.Time
	Hits        int64
}

// Key identifies a sighting: the same name from two sources is two.
type Key struct {
	Kind   Kind
	Name   string
	Source Source
}

// Key returns s's identity.
func (s Sighting) Key() Key { return Key{s.Kind, s.Name, s.Source} }

// Known is one entry of a cookie database, such as a row of the Open Cookie
// Database: what a cookie called Name (or, with Prefix, any name starting
// with it) is, to suggest a declaration for an undeclared one.
type Known struct {
	Name      string
	Prefix    bool
	Provider  string
	Category  string // one of the trackers categories or "necessary"; "" when unknown (the web team chooses)
	Purpose   string
	Retention string // as the database words it, e.g. "2 years", "session"
}

// Declaration is what a site declares at one policy version: every cookie
// its table names itself (the consent cookie, the strictly necessary and the
// declared ones) and the catalogue vendors it lists. Since is when the
// store first recorded this version: the table's "last changed".
type Declaration struct {
	Version string
	Since   time.Time
	Cookies []Declared
	Vendors []string
}

// Declared is one cookie a declaration names.
type Declared struct {
	Name     string `json:"name"`
	Prefix   bool   `json:"prefix,omitempty"`
	Category string `json:"category"`
}
