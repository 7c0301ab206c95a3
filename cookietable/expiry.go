package cookietable

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Unit is a unit of a cookie lifetime, as a cookie table counts it.
type Unit string

// The units a lifetime is said in. A month is 30 days and a year 365, as
// browsers count Max-Age.
const (
	Seconds Unit = "second"
	Minutes Unit = "minute"
	Hours   Unit = "hour"
	Days    Unit = "day"
	Weeks   Unit = "week"
	Months  Unit = "month"
	Years   Unit = "year"
)

var unitLength = map[Unit]time.Duration{
	Seconds: time.Second, Minutes: time.Minute, Hours: time.Hour, Days: 24 * time.Hour,
	Weeks: 7 * 24 * time.Hour, Months: 30 * 24 * time.Hour, Years: 365 * 24 * time.Hour,
}

// Expiry is how long a cookie lasts, kept as a count and a unit so that it
// reads the same in every language ("2 years", "2 flynedd"). The zero Expiry
// lasts until the visitor clears it (local storage).
type Expiry struct {
	Session bool // deleted when the browser closes
	N       int
	Unit    Unit
	UpTo    bool // N Unit is the longest it lasts
	// IfRejected, for the consent cookie, is how long a refusal lasts;
	// N Unit is then how long an acceptance lasts.
	IfRejected *Expiry
}

// Session is the lifetime of a cookie without Max-Age or Expires.
var Session = Expiry{Session: true}

// Lasting is the Expiry of a lifetime d, in the largest unit that counts it
// exactly (390 days is 13 months, 730 days 2 years, 90 minutes 90 minutes).
func Lasting(d time.Duration) Expiry {
	if d <= 0 {
		return Session
	}
	for _, u := range []Unit{Years, Months, Weeks, Days, Hours, Minutes} {
		if d%unitLength[u] == 0 {
			return Expiry{N: int(d / unitLength[u]), Unit: u}
		}
	}
	return Expiry{N: int(d.Round(time.Second) / time.Second), Unit: Seconds}
}

// MaxAge is the lifetime in seconds, and false for a session cookie or one
// kept until cleared.
func (e Expiry) MaxAge() (int64, bool) {
	if e.Session || e.Unit == "" {
		return 0, false
	}
	return int64(time.Duration(e.N) * unitLength[e.Unit] / time.Second), true
}

// ParseExpiry reads a lifetime as a council or the catalogue writes it:
// "session", "End of session", "Until cleared", "2 years", "30 minutes",
// "Up to 365 days", or compact as in a Caddyfile ("30d", "13mo", "2y", "90m").
func ParseExpiry(s string) (Expiry, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "session", "end of session", "when you close your browser", "browser session":
		return Session, nil
	case "until cleared", "persistent", "until you clear it":
		return Expiry{}, nil
	}
	e := Expiry{}
	if rest, ok := strings.CutPrefix(t, "up to "); ok {
		e.UpTo, t = true, rest
	}
	i := strings.IndexFunc(t, func(r rune) bool { return !unicode.IsDigit(r) })
	if i <= 0 {
		return Expiry{}, fmt.Errorf("cookie expiry %q: want session, until cleared, or a number and a unit (30 minutes, 2 years, 30d)", s)
	}
	n, err := strconv.Atoi(t[:i])
	if err != nil || n <= 0 {
		return Expiry{}, fmt.Errorf("cookie expiry %q: the number must be positive", s)
	}
	unit, ok := units[strings.TrimSpace(t[i:])]
	if !ok {
		return Expiry{}, fmt.Errorf("cookie expiry %q: unknown unit %q (want seconds, minutes, hours, days, weeks, months or years)", s, strings.TrimSpace(t[i:]))
	}
	e.N, e.Unit = n, unit
	return e, nil
}

var units = map[string]Unit{
	"s": Seconds, "second": Seconds, "seconds": Seconds,
	"m": Minutes, "min": Minutes, "minute": Minutes, "minutes": Minutes,
	"h": Hours, "hour": Hours, "hours": Hours,
	"d": Days, "day": Days, "days": Days,
	"w": Weeks, "week": Weeks, "weeks": Weeks,
	"mo": Months, "month": Months, "months": Months,
	"y": Years, "year": Years, "years": Years,
}

// Words says the lifetime as people read it, in lang ("en" or "cy").
func (e Expiry) Words(lang string) string {
	cy := lang == "cy"
	switch {
	case e.Session && cy:
		return "pan fyddwch yn cau eich porwr"
	case e.Session:
		return "when you close your browser"
	case e.Unit == "" && cy:
		return "nes i chi ei glirio yn eich porwr"
	case e.Unit == "":
		return "until you clear it in your browser"
	}
	s := count(e.N, e.Unit, cy)
	if e.UpTo {
		s = map[bool]string{false: "up to ", true: "hyd at "}[cy] + s
	}
	if e.IfRejected != nil {
		if cy {
			return e.IfRejected.Words(lang) + " os byddwch yn gwrthod, " + s + " os byddwch yn derbyn"
		}
		return e.IfRejected.Words(lang) + " if you reject, " + s + " if you accept"
	}
	return s
}

// count says n units. Welsh takes the singular noun after a numeral, with
// the mutations that numeral causes ("2 flynedd", "5 mlynedd", "2 fis").
func count(n int, u Unit, cy bool) string {
	if !cy {
		if n == 1 {
			return "1 " + string(u)
		}
		return fmt.Sprintf("%d %ss", n, u)
	}
	var w string
	switch u {
	case Seconds:
		w = "eiliad"
	case Minutes:
		w = map[bool]string{true: "funud", false: "munud"}[n == 2]
	case Hours:
		w = "awr"
	case Days:
		w = map[bool]string{true: "ddiwrnod", false: "diwrnod"}[n == 2]
	case Weeks:
		w = "wythnos"
	case Months:
		w = map[bool]string{true: "fis", false: "mis"}[n == 2]
	case Years:
		switch n {
		case 1:
			w = "flwyddyn"
		case 2:
			w = "flynedd"
		case 3, 4, 6:
			w = "blynedd"
		default:
			w = "mlynedd"
		}
	}
	return fmt.Sprintf("%d %s", n, w)
}
