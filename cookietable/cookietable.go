// Package cookietable builds the cookie table a privacy page promises: every
// cookie the site may set, from the tracker catalogue and the site's own
// declarations, with its provider, purpose, typical content and expiry.
package cookietable

import (
	"encoding/csv"
	"fmt"
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

// labels is the page's own wording per language; the rows come from the
// catalogue and the site's declarations as they are.
type labels struct {
	Lang, Title, Intro, ChangeSettings, Caption                          string
	Name, Provider, Purpose, Content, Expires, Category, SetBy, Download string
	ThirdParty, ThisSite                                                 string
}

var wording = map[string]labels{
	"en": {
		Lang: "en", Title: "Cookies used on %s", Intro: "Optional cookies are only set after you agree to them.",
		ChangeSettings: "Change your cookie settings", Caption: "Cookies and similar storage",
		Name: "Name", Provider: "Provider", Purpose: "Purpose", Content: "Typical content", Expires: "Expires",
		Category: "Category", SetBy: "Set by", Download: "Download as CSV",
		ThirdParty: "Third party: can only be deleted in your browser", ThisSite: "This site",
	},
	"cy": {
		Lang: "cy", Title: "Cwcis a ddefnyddir ar %s", Intro: "Dim ond ar \u00f4l i chi gytuno iddynt y caiff cwcis dewisol eu gosod.",
		ChangeSettings: "Newid eich gosodiadau cwcis", Caption: "Cwcis a storfa debyg",
		Name: "Enw", Provider: "Darparwr", Purpose: "Diben", Content: "Cynnwys nodweddiadol", Expires: "Yn dod i ben",
		Category: "Categori", SetBy: "Wedi'i osod gan", Download: "Lawrlwytho fel CSV",
		ThirdParty: "Trydydd parti: dim ond yn eich porwr y gellir ei ddileu", ThisSite: "Y wefan hon",
	},
}

var page = template.Must(template.New("t").Parse(`<!DOCTYPE html>
<html lang="{{.L.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="stylesheet" href="{{.Prefix}}/banner.css"></head>
<body class="cg-page"><main class="cg cg-standalone">
<h1>{{.Title}}</h1>
<p>{{.L.Intro}} <a href="{{.Prefix}}/settings">{{.L.ChangeSettings}}</a>.</p>
<table class="cg-table"><caption>{{.L.Caption}}</caption>
<thead><tr><th scope="col">{{.L.Name}}</th><th scope="col">{{.L.Provider}}</th><th scope="col">{{.L.Purpose}}</th><th scope="col">{{.L.Content}}</th><th scope="col">{{.L.Expires}}</th><th scope="col">{{.L.Category}}</th><th scope="col">{{.L.SetBy}}</th></tr></thead>
<tbody>{{range .Rows}}<tr><td><code>{{.Name}}</code>{{if ne .Storage "cookie"}} ({{.Storage}}){{end}}</td><td>{{.Provider}}</td><td>{{.Purpose}}</td><td>{{.Content}}</td><td>{{.Expiry}}</td><td>{{.Category}}</td><td>{{if .ThirdParty}}{{$.L.ThirdParty}}{{else}}{{$.L.ThisSite}}{{end}}</td></tr>
{{end}}</tbody></table>
<p><a href="?format=csv">{{.L.Download}}</a> · <a href="?format=json">JSON</a></p>
</main></body></html>
`))

// WriteHTML renders the table as a stand-alone page, its wording in lang
// ("en" or "cy"; anything else is English).
func WriteHTML(w io.Writer, site, prefix, lang string, rows []Row) error {
	l, ok := wording[lang]
	if !ok {
		l = wording["en"]
	}
	return page.Execute(w, map[string]any{"Site": site, "Prefix": prefix, "Rows": rows, "L": l, "Title": fmt.Sprintf(l.Title, site)})
}
