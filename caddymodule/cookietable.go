package caddymodule

import (
	"encoding/json"
	"net/http"

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
		Expiry: "6 months if you reject, 12 months if you accept", Storage: "cookie",
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
	return cookietable.WriteHTML(w, h.SiteName, Prefix, rows)
}
