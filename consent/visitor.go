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
	// Statistics says the site runs statistics under the exception
	// (Policy.Statistics).
	Statistics bool
}

// ReadVisitor reads the consent cookie's value (empty when there is none).
// A forged or malformed cookie counts as none. One from an older policy or
// expired counts as no choice, but its consent ID is kept so a renewed
// choice continues the same record history.
func ReadVisitor(c *Codec, p Policy, cookie string, gpc bool, now time.Time) Visitor {
	v := Visitor{GPC: gpc, Statistics: p.Statistics}
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

// Objects reports whether the visitor objects to statistics under the
// exception: they said so, or their browser sends GPC, which counts as an
// objection whatever the site's gpc setting (that is about consent).
func (v Visitor) Objects() bool {
	return v.Statistics && (v.Decision.Objected || v.GPC)
}

// Allows reports whether c may run for the visitor. Strictly necessary
// always may, statistics unless the visitor objects, the rest only with a
// current choice that consents to it.
func (v Visitor) Allows(c trackers.Category) bool {
	switch c {
	case trackers.Necessary:
		return true
	case trackers.Statistics:
		return !v.Objects()
	}
	return v.Decided && v.Decision.Allows(c)
}

// Runs lists the optional categories that run for the visitor: those
// consented to, and statistics where the site runs them under the exception
// and the visitor does not object.
func (v Visitor) Runs() []trackers.Category {
	var out []trackers.Category
	for _, c := range trackers.Optional {
		if v.Allows(c) && (c != trackers.Statistics || v.Statistics) {
			out = append(out, c)
		}
	}
	return out
}

// GrantsAll reports whether nothing is held for the visitor, so that a page
// needs no run-time guard.
func (v Visitor) GrantsAll() bool {
	for _, c := range trackers.Optional {
		if !v.Allows(c) {
			return false
		}
	}
	return true
}
