package caddymodule

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/cookietable"
	"github.com/consentgate/consentgate/trackers"
)

// cookieRows is the table for this site: our own cookie, the declared ones,
// then the catalogue.
func (h *Handler) cookieRows() []cookietable.Row {
	rows := []cookietable.Row{{
		Name: consent.CookieName, Provider: h.SiteName, Category: string(trackers.Necessary),
		Purpose: "Remembers your cookie choice", Content: "Consent ID, the categories you chose, the date",
		Expiry:  fmt.Sprintf("%s if you reject, %s if you accept", humanDuration(h.policy.RejectMaxAge), humanDuration(h.policy.AcceptMaxAge)),
		Storage: "cookie",
	}}
	for _, n := range h.NecessaryCookies {
		rows = append(rows, cookietable.Row{Name: n, Provider: h.SiteName, Category: string(trackers.Necessary), Purpose: "Needed for the site to work", Storage: "cookie"})
	}
	for _, c := range h.Cookies {
		name := c.Name
		if c.Prefix {
			name += "*"
		}
		rows = append(rows, cookietable.Row{Name: name, Provider: h.SiteName, Category: c.Category, Storage: "cookie"})
	}
	return cookietable.Build(h.catalogue, rows)
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

func (h *Handler) serveCookieTable(w http.ResponseWriter, r *http.Request) error {
	rows := h.cookieRows()
	switch r.URL.Query().Get("format") {
	case "json":
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(rows)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="cookies.csv"`)
		return cookietable.WriteCSV(w, rows)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return cookietable.WriteHTML(w, h.SiteName, Prefix, h.locale("", r.URL.Query().Get("lang")), rows)
}
