package cookiepolicy

import (
	"fmt"
	"time"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/cookietable"
	"github.com/consentgate/consentgate/trackers"
)

// Table is the cookie table of site (its name as visitors know it) whose
// choices last as long as cp says: the consent cookie, the necessary and
// declared cookies, then the catalogue's.
func (p *Policy) Table(site string, cp consent.Policy) []cookietable.Row {
	rows := []cookietable.Row{{
		Name: consent.CookieName, Provider: site, Category: string(trackers.Necessary),
		Purpose: "Remembers your cookie choice", Content: "Consent ID, the categories you chose, the date",
		Expiry:  fmt.Sprintf("%s if you reject, %s if you accept", humanDuration(cp.RejectMaxAge), humanDuration(cp.AcceptMaxAge)),
		Storage: "cookie",
	}}
	for _, n := range p.necessaryNames {
		rows = append(rows, cookietable.Row{Name: n, Provider: site, Category: string(trackers.Necessary), Purpose: "Needed for the site to work", Storage: "cookie"})
	}
	for _, c := range p.declared {
		name := c.Name
		if c.Prefix {
			name += "*"
		}
		rows = append(rows, cookietable.Row{Name: name, Provider: site, Category: string(c.Category), Storage: "cookie"})
	}
	return cookietable.Build(p.catalogue, rows)
}

// humanDuration says a cookie lifetime the way a cookie table does.
func humanDuration(d time.Duration) string {
	switch days := int(d / (24 * time.Hour)); {
	case d < 24*time.Hour:
		return d.Round(time.Second).String()
	case days%30 == 0:
		return plural(days/30, "month")
	default:
		return plural(days, "day")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
