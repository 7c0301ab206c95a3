package cookietable

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/consentgate/consentgate/trackers"
)

// Wording is the page's own text in each language, by the keys a site's
// `text <locale> <key> <text>` overrides (the handler hands the banner the
// other keys).
var Wording = map[string]map[string]string{
	"en": {
		"tableTitle":           "Cookies used on {site}",
		"tableBack":            "Back to {site}",
		"tableIntro":           "This is every cookie and similar store of information that {site} may put on your device, grouped by what it is for. Optional cookies are only set if you agree to them.",
		"tableThirdParty":      "Third-party cookies are set by another organisation's website, such as YouTube's. We cannot delete them for you: you can delete them in your browser's settings.",
		"tableChanged":         "This table was last changed on {date}.",
		"tableYourChoice":      "Your cookie choice",
		"tableAllowed":         "You have allowed:",
		"tableOnlyNecessary":   "You have allowed only strictly necessary cookies.",
		"tableChange":          "Change your cookie settings",
		"tableCaption":         "{category}: the cookies we use",
		"tableName":            "Name",
		"tableProvider":        "Provider",
		"tablePurpose":         "Purpose",
		"tableContent":         "Typical content",
		"tableExpires":         "Expires",
		"tableParty":           "First or third party",
		"tableFirstParty":      "First party",
		"tableThirdPartyRow":   "Third party",
		"tableLocalStorage":    "local storage",
		"tableAnyName":         "any name starting with {name}",
		"tableWhyNeeded":       "Why it is strictly necessary:",
		"tableDownload":        "Download this table:",
		"tableUndescribed":     "Not yet described",
		"tableUndescribedDesc": "{site} sets these cookies, but has not yet said what they are for. They are listed so that this table shows everything the website really sets.",
		"tableStatistics":      "Statistics (used without consent)",
		"tableStatisticsDesc":  "These count visits and how pages are used, so that we can improve this website. The law lets us use them without asking you first, but you can object.",
		"tableStatisticsRow":   "Used without consent for statistics; you can object",
		"tableStatisticsRun":   "We collect statistics about how this website is used without asking you first; you can object to them.",
		"tableObject":          "Object to statistics",
		"tableObjected":        "You have objected to statistics, so they do not run for you.",
		"tableObjectedGPC":     "Your browser sends Global Privacy Control, which counts as an objection to statistics.",
		"tableAllowStatistics": "Allow statistics again",
	},
	"cy": {
		"tableTitle":           "Cwcis a ddefnyddir ar {site_soft}",
		"tableBack":            "Yn ôl i {site_soft}",
		"tableIntro":           "Dyma bob cwci a storfa debyg o wybodaeth y gall {site} eu rhoi ar eich dyfais, wedi'u grwpio yn ôl eu diben. Dim ond os byddwch yn cytuno iddynt y caiff cwcis dewisol eu gosod.",
		"tableThirdParty":      "Caiff cwcis trydydd parti eu gosod gan wefan sefydliad arall, fel YouTube. Ni allwn eu dileu ar eich rhan: gallwch eu dileu yng ngosodiadau eich porwr.",
		"tableChanged":         "Newidiwyd y tabl hwn ddiwethaf ar {date}.",
		"tableYourChoice":      "Eich dewis cwcis",
		"tableAllowed":         "Rydych wedi caniatáu:",
		"tableOnlyNecessary":   "Rydych wedi caniatáu cwcis hollol angenrheidiol yn unig.",
		"tableChange":          "Newid eich gosodiadau cwcis",
		"tableCaption":         "{category}: y cwcis rydym yn eu defnyddio",
		"tableName":            "Enw",
		"tableProvider":        "Darparwr",
		"tablePurpose":         "Diben",
		"tableContent":         "Cynnwys nodweddiadol",
		"tableExpires":         "Yn dod i ben",
		"tableParty":           "Parti cyntaf neu drydydd parti",
		"tableFirstParty":      "Parti cyntaf",
		"tableThirdPartyRow":   "Trydydd parti",
		"tableLocalStorage":    "storfa leol",
		"tableAnyName":         "unrhyw enw sy'n dechrau â {name}",
		"tableWhyNeeded":       "Pam mae'n hollol angenrheidiol:",
		"tableDownload":        "Lawrlwytho'r tabl hwn:",
		"tableUndescribed":     "Heb eu disgrifio eto",
		"tableUndescribedDesc": "Mae {site} yn gosod y cwcis hyn, ond nid yw wedi dweud eto beth yw eu diben. Maen nhw wedi'u rhestru er mwyn i'r tabl hwn ddangos popeth y mae'r wefan yn ei osod mewn gwirionedd.",
		"tableStatistics":      "Ystadegau (heb ganiatâd)",
		"tableStatisticsDesc":  "Mae'r rhain yn cyfrif ymweliadau a sut y defnyddir tudalennau, er mwyn i ni wella'r wefan hon. Mae'r gyfraith yn caniatáu i ni eu defnyddio heb ofyn i chi yn gyntaf, ond gallwch wrthwynebu.",
		"tableStatisticsRow":   "Defnyddir heb ganiatâd ar gyfer ystadegau; gallwch wrthwynebu",
		"tableStatisticsRun":   "Rydym yn casglu ystadegau am sut y caiff y wefan hon ei defnyddio heb ofyn i chi yn gyntaf; gallwch eu gwrthwynebu.",
		"tableObject":          "Gwrthwynebu ystadegau",
		"tableObjected":        "Rydych wedi gwrthwynebu ystadegau, felly nid ydynt yn rhedeg ar eich cyfer.",
		"tableObjectedGPC":     "Mae eich porwr yn anfon signal Rheoli Preifatrwydd Byd-eang (Global Privacy Control), sy'n cyfrif fel gwrthwynebiad i ystadegau.",
		"tableAllowStatistics": "Caniatáu ystadegau eto",
	},
}

// CategoryText is a category's heading and purpose, as the banner words them.
type CategoryText struct{ Name, Desc string }

// Page is what one rendering of the table needs to know.
type Page struct {
	Lang string // "en" or "cy"; anything else is English
	Site string // the site's name as visitors know it
	// SiteSoft is the name as it reads after "ar" or "i" in Welsh, softly
	// mutated ("Gyngor Sir Llanwern"); default Site.
	SiteSoft  string
	Home      string // where "Back to <site>" goes (default "/")
	Prefix    string // the consent endpoints' path prefix, e.g. "/_consent"
	Rows      []Row
	ReturnTo  string                  // the page the settings link returns to
	Text      map[string]string       // the site's overrides of Wording[Lang]
	Category  map[string]CategoryText // heading and purpose per category, in Lang
	ConsentID string                  // the visitor's, "" when they have none
	NoChoice  string                  // the banner's "You have not made a choice yet."
	IDLabel   string                  // the banner's "Your consent ID"
	Decided   bool
	Granted   []trackers.Category
	// Changed is when the table's content last changed; zero leaves the
	// sentence out.
	Changed time.Time
	// Statistics says the site runs statistics under the exception, so the
	// page offers the visitor an objection (or its withdrawal).
	Statistics bool
	Objected   bool // the visitor objects to statistics (consent.Visitor.Objects: GPC is one)
	GPC        bool // their browser sends GPC, an objection they cannot withdraw here
}

// Undescribed is the table's group for cookies the site's responses set
// that nobody has described: listed, so that the table misses nothing the
// site really does, until the web team declares them.
const Undescribed trackers.Category = "undescribed"

// UndescribedText is the purpose and typical content of an undescribed
// cookie's row.
var UndescribedText = Text{En: "Not yet described", Cy: "Heb ei ddisgrifio eto"}

// CategoryNames names each group as the page heads it, for Records.
func (p Page) CategoryNames() map[string]string {
	w := p.words()
	names := map[string]string{string(Undescribed): w["tableUndescribed"], string(trackers.Statistics): p.categoryText(trackers.Statistics, w).Name}
	for id, c := range p.Category {
		names[id] = c.Name
	}
	return names
}

// categoryText is the heading and purpose of cat's group: the banner's,
// but the table's own for the undescribed, which the banner never words,
// and for statistics where the banner's texts lack them.
func (p Page) categoryText(cat trackers.Category, w map[string]string) CategoryText {
	ct := p.Category[string(cat)]
	switch cat {
	case Undescribed:
		ct = CategoryText{Name: w["tableUndescribed"], Desc: w["tableUndescribedDesc"]}
	case trackers.Statistics:
		if ct.Name == "" {
			ct.Name = w["tableStatistics"]
		}
		if ct.Desc == "" {
			ct.Desc = w["tableStatisticsDesc"]
		}
	}
	return ct
}

// groupOrder is the order of the page's sections: strictly necessary
// first, then the statistics that run without consent, the undescribed
// last.
var groupOrder = append(append([]trackers.Category{trackers.Necessary, trackers.Statistics}, trackers.Categories...), Undescribed)

type group struct {
	ID            trackers.Category
	Name, Desc    string
	Caption       string
	Rows          []cell
	Justification bool
}

type cell struct {
	Name, Storage, AnyName, Provider, Purpose, Why, Content, Expiry, Party string
	// Mark says a statistics cookie is used without consent.
	Mark string
}

// words is Wording[lang] with the site's overrides, and {site} (and
// {site_soft}, the name after a Welsh preposition) filled in.
func (p Page) words() map[string]string {
	lang := p.lang()
	w := map[string]string{}
	for k, v := range Wording[lang] {
		if o, ok := p.Text[k]; ok {
			v = o
		}
		soft := p.SiteSoft
		if soft == "" {
			soft = p.Site
		}
		w[k] = strings.NewReplacer("{site}", p.Site, "{site_soft}", soft).Replace(v)
	}
	return w
}

func (p Page) lang() string {
	if p.Lang == "cy" {
		return "cy"
	}
	return "en"
}

var monthsCy = []string{"Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"}

// date says a day as a British reader writes it ("2 December 2026", "2 Rhagfyr 2026").
func date(t time.Time, lang string) string {
	if lang == "cy" {
		return fmt.Sprintf("%d %s %d", t.Day(), monthsCy[t.Month()-1], t.Year())
	}
	return t.Format("2 January 2006")
}

// view is what the templates read; fragment is for Fragment, whose
// headings are a level down and whose downloads point at the table's
// endpoint (the page is that endpoint).
func (p Page) view(fragment bool) map[string]any {
	lang, w := p.lang(), p.words()
	var groups []group
	for _, cat := range groupOrder {
		ct := p.categoryText(cat, w)
		g := group{ID: cat, Name: ct.Name, Desc: ct.Desc, Caption: strings.ReplaceAll(w["tableCaption"], "{category}", ct.Name)}
		for _, r := range p.Rows {
			if r.Category != cat {
				continue
			}
			c := cell{Name: r.DisplayName(), Provider: r.Provider, Purpose: r.Purpose.In(lang), Why: r.Justification.In(lang),
				Content: r.Content.In(lang), Expiry: r.Expiry.Words(lang), Party: w["tableFirstParty"]}

			if r.Prefix {
				c.AnyName = strings.ReplaceAll(w["tableAnyName"], "{name}", r.Name)
			}
			if r.Storage != "" && r.Storage != "cookie" {
				c.Storage = w["tableLocalStorage"]
			}
			if r.ThirdParty {
				c.Party = w["tableThirdPartyRow"]
			}
			if cat == trackers.Statistics {
				c.Mark = w["tableStatisticsRow"]
			}
			g.Rows = append(g.Rows, c)
		}
		if len(g.Rows) > 0 {
			groups = append(groups, g)
		}
	}
	home := p.Home
	if home == "" {
		home = "/"
	}
	var allowed []string
	for _, c := range trackers.Categories {
		if slices.Contains(p.Granted, c) {
			allowed = append(allowed, p.Category[string(c)].Name)
		}
	}
	changed := ""
	if !p.Changed.IsZero() {
		changed = strings.ReplaceAll(w["tableChanged"], "{date}", date(p.Changed, lang))
	}
	q := ""
	if lang == "cy" {
		q = "&lang=cy"
	}
	settings := p.Prefix + "/settings?return_to=" + url.QueryEscape(p.ReturnTo) + q
	export := ""
	if fragment {
		export = p.Prefix + "/cookies"
	}
	return map[string]any{
		"Lang": lang, "W": w, "Groups": groups, "Home": home, "Settings": settings, "Changed": changed,
		"ConsentID": p.ConsentID, "IDLabel": p.IDLabel, "NoChoice": p.NoChoice, "Decided": p.Decided,
		"Allowed": strings.Join(allowed, ", "), "Style": template.CSS(style), "Fragment": fragment,
		"Statistics": p.Statistics, "Objected": p.Objected, "GPC": p.GPC,
		"Choice": p.Prefix + "/choice", "ReturnTo": p.ReturnTo,
		// Whole URLs: html/template would escape an action's "&" in a query.
		"CSV": export + "?format=csv" + q, "JSON": export + "?format=json" + q,
	}
}

// style is the page's only CSS, inline so that the page needs nothing else
// and a CSP can allow it by StyleHash. Below 40em each row becomes a block
// of labelled lines (data-label), so nothing scrolls sideways at 320 px.
const style = `body{margin:0;padding:1rem;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#0b0c0c;background:#fff}
main{max-width:72rem;margin:0 auto}
h1{font-size:2rem;line-height:1.2;margin:1rem 0}
h2{font-size:1.5rem;margin:2rem 0 .5rem}
a{color:#1d4ed8}
a:focus{outline:3px solid #fd0;background:#fd0;color:#0b0c0c;text-decoration:none}
.cg-btn{display:inline-block;min-height:24px;padding:.5rem 1rem;background:#00703c;color:#fff;text-decoration:none;font-weight:bold}
button.cg-btn{border:0;font:inherit;font-weight:bold;cursor:pointer}
button.cg-btn:focus{outline:3px solid #fd0;outline-offset:0}
table{border-collapse:collapse;width:100%;margin:0 0 1.5rem}
caption{text-align:left;font-weight:bold;padding:.5rem 0}
th,td{text-align:left;vertical-align:top;padding:.5rem;border-bottom:1px solid #b1b4b6}
td,code{overflow-wrap:break-word}
.cg-note{display:block;font-size:.875rem;color:#505a5f}
@media (max-width:40em){thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
table,caption,tbody,tr,td{display:block;width:auto}
tr{border-top:2px solid #0b0c0c;padding:.5rem 0}
td{border:0;padding:.25rem 0;overflow-wrap:anywhere}
td::before{content:attr(data-label);display:block;font-weight:bold}}
`

// StyleHash is the CSP source that allows the page's inline style.
var StyleHash = func() string {
	sum := sha256.Sum256([]byte(style))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// tables are the page's and the fragment's shared parts: the visitor's
// choice, one section per category, the third-party note and the downloads.
// Headings are h2 on the page and h3 in a fragment, which sits under the
// privacy page's own heading.
var tables = template.Must(template.New("t").Parse(`{{define "choice"}}{{if .Changed}}<p>{{.Changed}}</p>
{{end}}<section class="cg-ct-choice" aria-labelledby="cg-choice">{{if .Fragment}}<h3 id="cg-choice">{{.W.tableYourChoice}}</h3>{{else}}<h2 id="cg-choice">{{.W.tableYourChoice}}</h2>{{end}}
{{if .ConsentID}}<p>{{.IDLabel}}: <code>{{.ConsentID}}</code></p>
{{end}}<p>{{if not .Decided}}{{.NoChoice}}{{else if .Allowed}}{{.W.tableAllowed}} {{.Allowed}}.{{else}}{{.W.tableOnlyNecessary}}{{end}}</p>
{{if .Statistics}}{{template "statistics" .}}{{end -}}
<p><a class="cg-btn" href="{{.Settings}}">{{.W.tableChange}}</a></p></section>
{{end}}{{define "statistics"}}{{if not .Objected}}<p>{{.W.tableStatisticsRun}}</p>
<form class="cg-ct-statistics" method="post" action="{{.Choice}}"><input type="hidden" name="return_to" value="{{.ReturnTo}}" /><button type="submit" class="cg-btn" name="action" value="object">{{.W.tableObject}}</button></form>
{{else}}<p>{{.W.tableObjected}}</p>
{{if .GPC}}<p>{{.W.tableObjectedGPC}}</p>
{{else}}<form class="cg-ct-statistics" method="post" action="{{.Choice}}"><input type="hidden" name="return_to" value="{{.ReturnTo}}" /><button type="submit" class="cg-btn" name="action" value="allow_statistics">{{.W.tableAllowStatistics}}</button></form>
{{end}}{{end}}{{end}}{{define "groups"}}{{range .Groups}}<section class="cg-ct-group" aria-labelledby="cg-{{.ID}}">{{if $.Fragment}}<h3 id="cg-{{.ID}}">{{.Name}}</h3>{{else}}<h2 id="cg-{{.ID}}">{{.Name}}</h2>{{end}}
<p>{{.Desc}}</p>
<table class="cg-ct"><caption>{{.Caption}}</caption>
<thead><tr><th scope="col">{{$.W.tableName}}</th><th scope="col">{{$.W.tableProvider}}</th><th scope="col">{{$.W.tablePurpose}}</th><th scope="col">{{$.W.tableContent}}</th><th scope="col">{{$.W.tableExpires}}</th><th scope="col">{{$.W.tableParty}}</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td data-label="{{$.W.tableName}}"><code>{{.Name}}</code>{{if .AnyName}}<span class="cg-note">{{.AnyName}}</span>{{end}}{{if .Storage}}<span class="cg-note">{{.Storage}}</span>{{end}}</td><td data-label="{{$.W.tableProvider}}">{{.Provider}}</td><td data-label="{{$.W.tablePurpose}}">{{.Purpose}}{{if .Why}}<span class="cg-note">{{$.W.tableWhyNeeded}} {{.Why}}</span>{{end}}{{if .Mark}}<span class="cg-note">{{.Mark}}</span>{{end}}</td><td data-label="{{$.W.tableContent}}">{{.Content}}</td><td data-label="{{$.W.tableExpires}}">{{.Expiry}}</td><td data-label="{{$.W.tableParty}}">{{.Party}}</td></tr>
{{end}}</tbody></table></section>
{{end}}{{end}}{{define "notes"}}<p>{{.W.tableThirdParty}}</p>
<p>{{.W.tableDownload}} <a href="{{.CSV}}">CSV</a> · <a href="{{.JSON}}">JSON</a></p>
{{end}}`))

var page = template.Must(template.Must(tables.Clone()).New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.W.tableTitle}}</title><style>{{.Style}}</style></head>
<body><main>
<p><a href="{{.Home}}">{{.W.tableBack}}</a></p>
<h1>{{.W.tableTitle}}</h1>
<p>{{.W.tableIntro}}</p>
{{template "choice" .}}{{template "groups" .}}{{template "notes" .}}</main></body></html>
`))

// fragment is the table inside a page of the site's own. Its only void
// elements, the statistics forms' hidden inputs, are self-closed, so it is
// well-formed XML too (XHTML pages).
var fragment = template.Must(template.Must(tables.Clone()).New("fragment").Parse(`
{{template "choice" .}}{{template "groups" .}}{{template "notes" .}}`))

// WriteHTML renders the table as a page of its own.
func WriteHTML(w io.Writer, p Page) error {
	return page.Execute(w, p.view(false))
}

// Fragment renders the table for a site's own privacy page, in place of
// the children of its marker element: the same sections as the page,
// without the page's document, title, back link and style, so that the
// site's CSS styles it (classes cg-ct-choice, cg-ct-group, cg-ct, cg-note,
// cg-btn; each cell's data-label lets narrow-screen CSS label stacked rows).
// The downloads link to the table's endpoint, not to the page it is on.
// The result is ASCII (other characters as references), so it is right in a
// page of any ASCII-compatible charset.
func Fragment(p Page) ([]byte, error) {
	var b bytes.Buffer
	if err := fragment.Execute(&b, p.view(true)); err != nil {
		return nil, err
	}
	return asciiOnly(b.Bytes()), nil
}

// asciiOnly replaces every non-ASCII character with a numeric character
// reference.
func asciiOnly(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/16)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r < utf8.RuneSelf {
			out = append(out, b[0])
		} else {
			out = strconv.AppendInt(append(out, "&#"...), int64(r), 10)
			out = append(out, ';')
		}
		b = b[n:]
	}
	return out
}
