package consent

import (
	"time"

	"github.com/consentgate/consentgate/trackers"
)

// Visitor is what is known of the person making a request.
type Visitor struct {
	Decision Decision // zero ID when there is no valid cookie
	Decided  bool     // a current choice: made under this policy version, not expired
	GPC      bool     // the browser sends Global Privacy Control (Sec-GPC: 1)
}

// ReadVisitor reads the consent cookie's value (empty when there is none).
// A forged or malformed cookie counts as none. One from an older policy or
// expired counts as no choice, but its consent ID is kept so a renewed
// choice continues the same record history.
func ReadVisitor(c *Codec, p Policy, cookie string, gpc bool, now time.Time) Visitor {
	v := Visitor{GPC: gpc}
	if cookie == "" {
		return v
	}
	d, err := c.Decode(cookie)
	if err != nil {
		return v
	}
	v.Decision = d
	v.Decided = p.Current(d, now)
	return v
}

// Allows reports whether the visitor has consented to c. Strictly necessary
// is always allowed; nothing else is without a current choice.
func (v Visitor) Allows(c trackers.Category) bool {
	return c == trackers.Necessary || v.Decided && v.Decision.Allows(c)
}

// GrantsAll reports whether the visitor has consented to every category, so
// that a page needs no run-time guard.
func (v Visitor) GrantsAll() bool {
	for _, c := range trackers.Categories {
		if !v.Allows(c) {
			return false
		}
	}
	return true
}
