// Package banner renders what the visitor sees: the consent banner, the
// settings layer, the persistent "Cookie settings" control and the no-JS
// settings page, in English and Welsh, plus the static CSS and JS assets.
package banner

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed assets locales templates
var files embed.FS

// CategoryText is the name and description of one consent category.
type CategoryText struct {
	Name string `json:"name"`
	Desc string `json:"desc"`
}

// Text is every string the visitor can read, for one locale.
type Text struct {
	Title           string `json:"title"`
	Intro           string `json:"intro"`
	IntroShort      string `json:"introShort"` // the intro at phone widths, where the banner takes under a third of the screen
	GPC             string `json:"gpc"`
	CookieTableLink string `json:"cookieTableLink"`
	AcceptAll       string `json:"acceptAll"`
	RejectAll       string `json:"rejectAll"`
	Settings        string `json:"settings"`
	SettingsTitle   string `json:"settingsTitle"`
	SettingsIntro   string `json:"settingsIntro"`
	Save            string `json:"save"`
	On              string `json:"on"`
	Off             string `json:"off"`
	AlwaysOn        string `json:"alwaysOn"`
	Providers       string `json:"providers"`
	ConsentID       string `json:"consentID"`
	NoChoice        string `json:"noChoice"`
	Close           string `json:"close"`
	Back            string `json:"back"`
	Saved           string `json:"saved"` // after saving some categories
	AcceptedAll     string `json:"acceptedAll"`
	RejectedAll     string `json:"rejectedAll"`
	ChangeAnyTime   string `json:"changeAnyTime"`
	HideMessage     string `json:"hideMessage"`
	PlaceholderText string `json:"placeholderText"`
	LoadOnce        string `json:"loadOnce"`
	AlwaysAllow     string `json:"alwaysAllow"`
	ViewOn          string `json:"viewOn"`
	// Statistics under the exception (Page.Statistics): the first layer's
	// sentence and button, and what it says after an objection.
	StatisticsNotice   string                  `json:"statisticsNotice"`
	StatisticsShort    string                  `json:"statisticsNoticeShort"` // at phone widths, as IntroShort
	ObjectStatistics   string                  `json:"objectStatistics"`
	StatisticsObjected string                  `json:"statisticsObjected"`
	StatisticsGPC      string                  `json:"statisticsGPC"`
	Categories         map[string]CategoryText `json:"categories"`
}

// Locales lists the built-in locales.
var Locales = []string{"en", "cy"}

// LoadText returns the built-in text for locale with overrides applied.
// Override keys are the JSON keys of the locale files ("acceptAll"), and
// "categories.<id>.name" or ".desc" for category text.
func LoadText(locale string, overrides map[string]string) (*Text, error) {
	b, err := files.ReadFile("locales/" + locale + ".json")
	if err != nil {
		return nil, fmt.Errorf("banner: unknown locale %q", locale)
	}
	var t Text
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("banner: locale %s: %w", locale, err)
	}
	if len(overrides) == 0 {
		return &t, nil
	}
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	for k, v := range overrides {
		if cat, field, ok := strings.Cut(strings.TrimPrefix(k, "categories."), "."); ok && strings.HasPrefix(k, "categories.") {
			ct, known := t.Categories[cat]
			switch {
			case !known:
				return nil, fmt.Errorf("banner: text override %q: unknown category", k)
			case field == "name":
				ct.Name = v
			case field == "desc":
				ct.Desc = v
			default:
				return nil, fmt.Errorf("banner: text override %q: want name or desc", k)
			}
			t.Categories[cat] = ct
			continue
		}
		if _, known := m[k]; !known || k == "categories" {
			return nil, fmt.Errorf("banner: text override %q: unknown key", k)
		}
		m[k] = v
	}
	b, _ = json.Marshal(m)
	cats := t.Categories
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	t.Categories = cats
	return &t, nil
}

// Category is one row of the settings layer.
type Category struct {
	ID        string
	Name      string
	Desc      string
	Providers []string
	Checked   bool
}

// Page is what one rendering of the banner needs to know.
type Page struct {
	Locale      string
	Text        *Text
	Site        string
	Prefix      string // the consent endpoints' path prefix, e.g. "/_consent"
	CookieTable string // path of the cookie table page
	ReturnTo    string // same-origin path the forms return to
	Decided     bool   // the visitor has a current choice: no banner, only the control
	ConsentID   string
	GPC         bool   // the browser sent Sec-GPC: 1
	Nonce       string // the page's CSP nonce for scripts, if it has one
	StyleNonce  string // the page's CSP nonce for styles, if it has one
	// Guard is the run-time guard's configuration (JSON, see guard.go), for
	// a visitor who has not consented to every category; "" sends no guard.
	Guard string
	// XML: the page is XHTML, so inline script text goes in CDATA.
	XML        bool
	Categories []Category
	Saved      bool // the settings page was reached after saving
	// NoticeOnly shows, instead of the banner, a notice of the statistics
	// run under the exception: the site says nothing else needs consent.
	// Noticed: the visitor has dismissed it.
	NoticeOnly, Noticed bool
	// Report is the share of page views, 0 to 1, whose banner tells the
	// server the names of the cookies and storage keys the page's scripts
	// set once something is granted, for the discovered cookie table; 0
	// never.
	Report float64
}

// Title returns the banner heading with the site name filled in.
func (p Page) Title() string { return strings.ReplaceAll(p.Text.Title, "{site}", p.Site) }

// Outcome says what the visitor's current choice was: accepted all,
// rejected all or saved some. Statistics under the exception are not a
// consent choice and do not count.
func (p Page) Outcome() string {
	n, of := 0, 0
	for _, c := range p.Categories {
		if c.ID != statistics {
			of++
			n += btoi(c.Checked)
		}
	}
	switch n {
	case 0:
		return p.Text.RejectedAll
	case of:
		return p.Text.AcceptedAll
	}
	return p.Text.Saved
}

// statistics is the ID of the settings row of statistics run under the
// exception (trackers.Statistics), which is on unless the visitor objects.
const statistics = "statistics"

// Statistics is the settings row of statistics under the exception, or nil
// when the site runs none: the first layer then says nothing of them.
func (p Page) Statistics() *Category {
	for i := range p.Categories {
		if p.Categories[i].ID == statistics {
			return &p.Categories[i]
		}
	}
	return nil
}

// GrantedList returns the granted category IDs, space-separated: what the
// run-time guard, Consent Mode and the banner script release.
func (p Page) GrantedList() string {
	var ids []string
	for _, c := range p.Categories {
		if c.Checked {
			ids = append(ids, c.ID)
		}
	}
	return strings.Join(ids, " ")
}

var tmpl = template.Must(template.New("").ParseFS(files, "templates/*.html"))

// Body renders the markup injected before </body>: the banner (unless the
// visitor has chosen), the settings layer and the persistent control. The
// result is pure ASCII, so it is right in a page of any ASCII-compatible
// charset.
func Body(p Page) []byte { return render("body.html", p) }

// SettingsPage renders the stand-alone settings page used without JavaScript.
func SettingsPage(p Page) []byte { return render("settings-page.html", p) }

// Head renders the tags injected first in <head>: the run-time guard
// (inline, when p.Guard is set), then Consent Mode defaults, applied before
// any Google tag can run.
func Head(p Page) []byte { return render("head.html", p) }

func render(name string, p any) []byte {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, name, p); err != nil {
		panic(fmt.Sprintf("banner: template %s: %v", name, err)) // templates are embedded and tested
	}
	return asciiOnly(b.Bytes())
}

// asciiOnly replaces every non-ASCII character with a numeric character
// reference.
func asciiOnly(b []byte) []byte {
	for i := 0; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			goto convert
		}
	}
	return b
convert:
	out := make([]byte, 0, len(b)+64)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r < utf8.RuneSelf {
			out = append(out, b[0])
		} else {
			out = append(out, "&#"...)
			out = strconv.AppendInt(out, int64(r), 10)
			out = append(out, ';')
		}
		b = b[n:]
	}
	return out
}
