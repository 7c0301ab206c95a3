// Package consent is a visitor's consent as plain Go, with no HTTP server in
// it. It encodes and verifies the consent cookie: a random consent ID, the
// categories granted, the policy version the visitor saw and when they
// chose, signed with an HMAC key so that every node sharing the key accepts
// the cookie and nobody can forge one. From that cookie it reads the
// Visitor; it parses a posted Choice, applies the site's GPC refusal, makes
// the Decision and names its Event, maps it to Google Consent Mode, and
// keeps the return path after a choice on the site (SafeReturn).
package consent

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/consentgate/consentgate/trackers"
)

// CookieName is the name of the consent cookie.
const CookieName = "consentgate"

// MaxAge is the hard cap on any stored choice: ICO guidance and the CNIL's
// 13 months.
const MaxAge = 13 * 30 * 24 * time.Hour

// Decision is one visitor's stored choice.
type Decision struct {
	ID      string // random 128-bit consent ID, shown to the visitor
	Granted []trackers.Category
	Version string // policy version the visitor chose under; "" when only an objection was made
	Time    time.Time
	// Objected is the visitor's objection to statistics under the
	// exception (trackers.Statistics); Noticed, that they dismissed the
	// notice a site shows instead of the banner when statistics are all it
	// runs.
	Objected, Noticed bool
}

// Allows reports whether the decision grants category c. Strictly necessary
// is always allowed.
func (d Decision) Allows(c trackers.Category) bool {
	return c == trackers.Necessary || slices.Contains(d.Granted, c)
}

// All reports whether every choosable category is granted.
func (d Decision) All() bool {
	for _, c := range trackers.Categories {
		if !d.Allows(c) {
			return false
		}
	}
	return true
}

// NewID returns a fresh random 128-bit consent ID.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// ValidID reports whether s has the shape of a consent ID.
func ValidID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}

// Codec signs and verifies consent cookie values.
type Codec struct {
	key []byte
}

// NewCodec returns a Codec using key, which must be at least 16 bytes.
func NewCodec(key []byte) (*Codec, error) {
	if len(key) < 16 {
		return nil, fmt.Errorf("consent: signing key is %d bytes, want at least 16", len(key))
	}
	return &Codec{key: slices.Clone(key)}, nil
}

// objectedBit and noticedBit mark Objected and Noticed in the cookie's bits,
// above the categories'.
const (
	objectedBit = 1 << 7
	noticedBit  = 1 << 6
)

// Encode returns the cookie value for d: "1.<id>.<bits>.<version>.<unix>.<mac>".
func (c *Codec) Encode(d Decision) string {
	b := bits(d.Granted)
	if d.Objected {
		b |= objectedBit
	}
	if d.Noticed {
		b |= noticedBit
	}
	payload := fmt.Sprintf("1.%s.%x.%s.%d", d.ID, b, d.Version, d.Time.Unix())
	return payload + "." + c.mac(payload)
}

// Errors Decode reports; any of them means "ask the visitor again".
var (
	ErrMalformed = errors.New("consent: malformed cookie")
	ErrSignature = errors.New("consent: bad signature")
)

// Decode verifies and parses a cookie value.
func (c *Codec) Decode(value string) (Decision, error) {
	if len(value) > 200 {
		return Decision{}, ErrMalformed
	}
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return Decision{}, ErrMalformed
	}
	payload, sig := value[:i], value[i+1:]
	if !hmac.Equal([]byte(sig), []byte(c.mac(payload))) {
		return Decision{}, ErrSignature
	}
	f := strings.Split(payload, ".")
	if len(f) != 5 || f[0] != "1" || !ValidID(f[1]) {
		return Decision{}, ErrMalformed
	}
	b, err := strconv.ParseUint(f[2], 16, 8)
	if err != nil {
		return Decision{}, ErrMalformed
	}
	ts, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil {
		return Decision{}, ErrMalformed
	}
	return Decision{ID: f[1], Granted: fromBits(b), Version: f[3], Time: time.Unix(ts, 0).UTC(), Objected: b&objectedBit != 0, Noticed: b&noticedBit != 0}, nil
}

func (c *Codec) mac(payload string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func bits(cats []trackers.Category) uint64 {
	var b uint64
	for i, c := range trackers.Categories {
		if slices.Contains(cats, c) {
			b |= 1 << i
		}
	}
	return b
}

func fromBits(b uint64) []trackers.Category {
	var out []trackers.Category
	for i, c := range trackers.Categories {
		if b&(1<<i) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// Policy decides how long a stored choice lasts and which version is current.
type Policy struct {
	// Version goes into the cookie between dots, so it must have none:
	// a cookie with one would never decode (the derived version is hex).
	// A version "<base>-<content>" splits what asks everyone again (base:
	// the site's policy_version, Consent Mode) from what asks only those
	// who granted something (content: the vendors and cookies declared). A
	// refusal of everything stands while only the content changes: a new
	// tracker is refused too, and asking again would only nag.
	Version      string
	AcceptMaxAge time.Duration // default 12 months
	RejectMaxAge time.Duration // default 6 months
	// Statistics says the site runs statistics under the exception, so a
	// visitor may object to them (Visitor.Objects).
	Statistics bool
}

// MaxAgeFor returns how long d should be kept, capped at MaxAge. A choice that
// grants anything counts as an acceptance.
func (p Policy) MaxAgeFor(d Decision) time.Duration {
	age := p.RejectMaxAge
	if len(d.Granted) > 0 {
		age = p.AcceptMaxAge
	}
	return min(age, MaxAge)
}

// CookieMaxAge is how long the consent cookie carrying d lives: as long as
// the choice, or the cap when it carries an objection, which stands after
// the choice is asked again.
func (p Policy) CookieMaxAge(d Decision) time.Duration {
	if d.Objected {
		return MaxAge
	}
	return p.MaxAgeFor(d)
}

// Current reports whether a decoded decision still stands at time now: made
// under the current policy version and not expired.
func (p Policy) Current(d Decision, now time.Time) bool {
	if d.Version == "" {
		return false // an objection alone: no choice
	}
	if d.Version != p.Version && (len(d.Granted) > 0 || base(d.Version) == "" || base(d.Version) != base(p.Version)) {
		return false
	}
	age := now.Sub(d.Time)
	return age >= -time.Hour && age < p.MaxAgeFor(d)
}

// base is a version's part before "-", or "" when it has none.
func base(version string) string {
	b, _, ok := strings.Cut(version, "-")
	if !ok {
		return ""
	}
	return b
}
