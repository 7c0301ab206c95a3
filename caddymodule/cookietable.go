package caddymodule

import (
	"encoding/json"
	"net/http"

	"github.com/consentgate/consentgate/cookietable"
)

// serveCookieTable is the cookie table as a page, JSON or CSV.
func (h *Handler) serveCookieTable(w http.ResponseWriter, r *http.Request) error {
	rows := h.cookies.Table(h.SiteName, h.policy)
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
