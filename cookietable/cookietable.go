// Package cookietable is the cookie table a privacy page promises: each
// cookie (or storage key) the site may set, with its provider, purpose,
// typical content and expiry, in English and Welsh, rendered as an
// accessible page, JSON or CSV. Which rows a site has is cookiepolicy's
// business; this package only says them.
package cookietable

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/consentgate/consentgate/trackers"
)

// Text is one piece of row text in both languages.
type Text struct{ En, Cy string }

// In returns the text in lang, English when it has no Welsh (a council's
// own declaration in English only).
func (t Text) In(lang string) string {
	if lang == "cy" && t.Cy != "" {
		return t.Cy
	}
	return t.En
}

// Row is one cookie in the table.
type Row struct {
	Name       string // exact name, or with Prefix every name starting with it
	Prefix     bool
	Storage    string // "cookie" or "localStorage"
	Category   trackers.Category
	Provider   string
	Vendor     string // the catalogue vendor's ID; "" for the site's own cookies
	ThirdParty bool   // set on another site's domain: only the visitor's browser can delete it
	Purpose    Text
	Content    Text
	Expiry     Expiry
	// Justification says why a strictly necessary cookie needs no consent.
	Justification Text
}

// DisplayName is the name as the table shows it: a prefix ends in "*".
func (r Row) DisplayName() string {
	if r.Prefix {
		return r.Name + "*"
	}
	return r.Name
}

// VendorRows are the cookies of a catalogue vendor, in both languages.
func VendorRows(v *trackers.Vendor) []Row {
	rows := make([]Row, 0, len(v.Cookies))
	for _, c := range v.Cookies {
		storage := c.Storage
		if storage == "" {
			storage = "cookie"
		}
		cy := catalogueCy[c.Name]
		exp, err := ParseExpiry(c.Expiry)
		if err != nil {
			exp = Expiry{} // a test keeps every catalogue expiry parseable
		}
		rows = append(rows, Row{
			Name: c.Name, Prefix: c.Prefix, Storage: storage, Category: v.Category, Provider: v.Name, Vendor: v.ID,
			ThirdParty: c.ThirdParty, Purpose: Text{c.Purpose, cy.Purpose}, Content: Text{c.Content, cy.Content}, Expiry: exp,
		})
	}
	return rows
}

// Record is a row as JSON and CSV give it: the locale-independent fields,
// then the text in one language. Its keys are the export's stable schema.
type Record struct {
	Name          string `json:"name"`
	Prefix        bool   `json:"prefix"`
	Storage       string `json:"storage"`
	Category      string `json:"category"`
	Vendor        string `json:"vendor"`
	Provider      string `json:"provider"`
	ThirdParty    bool   `json:"third_party"`
	MaxAgeSeconds *int64 `json:"max_age_seconds"` // null: a session cookie, or kept until cleared
	Session       bool   `json:"session"`
	Lang          string `json:"lang"`
	CategoryName  string `json:"category_name"`
	Purpose       string `json:"purpose"`
	Content       string `json:"typical_content"`
	Expiry        string `json:"expires"`
	Justification string `json:"justification"`
}

// Columns is the stable column order of the CSV export, the JSON keys of Record.
var Columns = []string{"name", "prefix", "storage", "category", "vendor", "provider", "third_party",
	"max_age_seconds", "session", "lang", "category_name", "purpose", "typical_content", "expires", "justification"}

// Records are rows as exported in lang; categoryNames names each category
// in it (the banner's wording, with the site's overrides).
func Records(rows []Row, lang string, categoryNames map[string]string) []Record {
	if lang != "cy" {
		lang = "en"
	}
	out := make([]Record, len(rows))
	for i, r := range rows {
		out[i] = Record{
			Name: r.DisplayName(), Prefix: r.Prefix, Storage: r.Storage, Category: string(r.Category), Vendor: r.Vendor,
			Provider: r.Provider, ThirdParty: r.ThirdParty, Session: r.Expiry.Session, Lang: lang,
			CategoryName: categoryNames[string(r.Category)], Purpose: r.Purpose.In(lang), Content: r.Content.In(lang),
			Expiry: r.Expiry.Words(lang), Justification: r.Justification.In(lang),
		}
		if s, ok := r.Expiry.MaxAge(); ok {
			out[i].MaxAgeSeconds = &s
		}
	}
	return out
}

// WriteJSON writes records as a JSON array.
func WriteJSON(w io.Writer, recs []Record) error {
	if recs == nil {
		recs = []Record{}
	}
	return json.NewEncoder(w).Encode(recs)
}

// WriteCSV writes records as CSV with a header line of Columns.
func WriteCSV(w io.Writer, recs []Record) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(Columns)
	for _, r := range recs {
		maxAge := ""
		if r.MaxAgeSeconds != nil {
			maxAge = strconv.FormatInt(*r.MaxAgeSeconds, 10)
		}
		_ = cw.Write([]string{inert(r.Name), strconv.FormatBool(r.Prefix), r.Storage, r.Category, r.Vendor, inert(r.Provider),
			strconv.FormatBool(r.ThirdParty), maxAge, strconv.FormatBool(r.Session), r.Lang, inert(r.CategoryName),
			inert(r.Purpose), inert(r.Content), r.Expiry, inert(r.Justification)})
	}
	cw.Flush()
	return cw.Error()
}

// inert keeps a spreadsheet from reading a cell as a formula: names may one
// day come from what browsers report, and a DPO opens the export in Excel.
func inert(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
