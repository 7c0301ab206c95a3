// Package cookietable builds the cookie table a privacy page promises: every
// cookie the site may set, from the tracker catalogue and the site's own
// declarations, with its provider, purpose, typical content and expiry.
package cookietable

import (
	"encoding/csv"
	"html/template"
	"io"
	"strconv"

	"github.com/consentgate/consentgate/trackers"
)

// Row is one cookie in the table.
type Row struct {
	Name       string `json:"name"`
	Provider   string `json:"provider"`
	Category   string `json:"category"`
	Purpose    string `json:"purpose"`
	Content    string `json:"typical_content"`
	Expiry     string `json:"expires"`
	ThirdParty bool   `json:"third_party"`
	Storage    string `json:"storage"`
}

// Build lists the cookies of every vendor in cat, after the extra rows (the
// strictly necessary ones first, as visitors expect).
func Build(cat *trackers.Catalogue, extra []Row) []Row {
	rows := append([]Row(nil), extra...)
	for _, v := range cat.Vendors() {
		for _, c := range v.Cookies {
			name := c.Name
			if c.Prefix {
				name += "*"
			}
			storage := c.Storage
			if storage == "" {
				storage = "cookie"
			}
			rows = append(rows, Row{
				Name: name, Provider: v.Name, Category: string(v.Category), Purpose: c.Purpose,
				Content: c.Content, Expiry: c.Expiry, ThirdParty: c.ThirdParty, Storage: storage,
			})
		}
	}
	return rows
}

// Columns is the stable column order of the CSV export.
var Columns = []string{"name", "provider", "category", "purpose", "typical_content", "expires", "third_party", "storage"}

// WriteCSV writes rows as CSV with a header line.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(Columns)
	for _, r := range rows {
		_ = cw.Write([]string{r.Name, r.Provider, r.Category, r.Purpose, r.Content, r.Expiry, strconv.FormatBool(r.ThirdParty), r.Storage})
	}
	cw.Flush()
	return cw.Error()
}

var page = template.Must(template.New("t").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cookies used on {{.Site}}</title><link rel="stylesheet" href="{{.Prefix}}/banner.css"></head>
<body class="cg-page"><main class="cg cg-standalone">
<h1>Cookies used on {{.Site}}</h1>
<p>Optional cookies are only set after you agree to them. <a href="{{.Prefix}}/settings">Change your cookie settings</a>.</p>
<table class="cg-table"><caption>Cookies and similar storage</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Provider</th><th scope="col">Purpose</th><th scope="col">Typical content</th><th scope="col">Expires</th><th scope="col">Category</th><th scope="col">Set by</th></tr></thead>
<tbody>{{range .Rows}}<tr><td><code>{{.Name}}</code>{{if ne .Storage "cookie"}} ({{.Storage}}){{end}}</td><td>{{.Provider}}</td><td>{{.Purpose}}</td><td>{{.Content}}</td><td>{{.Expiry}}</td><td>{{.Category}}</td><td>{{if .ThirdParty}}Third party: can only be deleted in your browser{{else}}This site{{end}}</td></tr>
{{end}}</tbody></table>
<p><a href="?format=csv">Download as CSV</a> · <a href="?format=json">JSON</a></p>
</main></body></html>
`))

// WriteHTML renders the table as a stand-alone page.
func WriteHTML(w io.Writer, site, prefix string, rows []Row) error {
	return page.Execute(w, map[string]any{"Site": site, "Prefix": prefix, "Rows": rows})
}
