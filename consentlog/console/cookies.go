package console

import (
	"encoding/json"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/cookieseen"
)

// The "Cookies found" page shows the web team what the site was seen to
// use (Options.Findings): what nobody declared first, each with the
// Caddyfile block that declares it, then what is already explained.

type cookiesData struct {
	Undeclared, Explained []findingRow
	Declared, Catalogue   int
	JSON                  string
}

// findingRow is a finding as the tables show it.
type findingRow struct {
	cookieseen.Finding
	KindLabel, Seen, FirstSeen, LastSeen, Lifetime, Suggested, Explained string
}

func newFindingRow(f cookieseen.Finding) findingRow {
	seen := make([]string, len(f.Sources))
	for i, s := range f.Sources {
		seen[i] = s.Words()
	}
	row := findingRow{Finding: f, KindLabel: f.Kind.Words(), Seen: strings.Join(seen, "; "),
		FirstSeen: f.First.UTC().Format(isoTime), LastSeen: f.Last.UTC().Format(isoTime), Lifetime: cookieseen.Lifetime(f.MaxAge)}
	switch {
	case f.Status == cookieseen.StatusDeclared:
		row.Explained = "declared by the site"
	case f.Status == cookieseen.StatusCatalogue:
		row.Explained = "in the catalogue: " + f.Vendor
	case f.Suggestion != nil:
		k := f.Suggestion
		category := k.Category
		if category == "" {
			category = "no category suggested: choose one"
		}
		row.Suggested = k.Provider + " (" + category + "): " + k.Purpose
	default:
		row.Suggested = "Nothing known has this name."
	}
	return row
}

// findings audits action and runs the Findings hook; false means the
// response is already an error page.
func (h *handler) findings(w http.ResponseWriter, r *http.Request, action, detail string) ([]cookieseen.Finding, bool) {
	if err := h.audit(r.Context(), r, action, "", detail); err != nil {
		h.unavailable(w, r, action, err)
		return nil, false
	}
	fs, err := h.finds(r.Context())
	if err != nil {
		h.unavailable(w, r, action, err)
		return nil, false
	}
	return fs, true
}

func (h *handler) cookies(w http.ResponseWriter, r *http.Request) {
	fs, ok := h.findings(w, r, "cookies", "")
	if !ok {
		return
	}
	d := cookiesData{JSON: h.prefix + "/cookies.json"}
	for _, f := range fs {
		row := newFindingRow(f)
		switch f.Status {
		case cookieseen.StatusUndeclared:
			d.Undeclared = append(d.Undeclared, row)
			continue
		case cookieseen.StatusDeclared:
			d.Declared++
		case cookieseen.StatusCatalogue:
			d.Catalogue++
		}
		d.Explained = append(d.Explained, row)
	}
	h.render(w, r, http.StatusOK, "cookies", view{Title: "Cookies found", Nav: "cookies", Data: d})
}

// cookiesJSON gives the findings as `caddy consent-log cookies --format
// json` does, byte for byte.
func (h *handler) cookiesJSON(w http.ResponseWriter, r *http.Request) {
	fs, ok := h.findings(w, r, "cookies", "format=json")
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cookieseen.Records(fs)); err != nil {
		h.log.Error("console: cookies.json", zap.Error(err))
	}
}
