package cookietable

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/trackers"
)

func TestExpiryWords(t *testing.T) {
	for _, tc := range []struct {
		in     string
		en, cy string
		maxAge int64 // -1: none
	}{
		{"2 years", "2 years", "2 flynedd", 2 * 365 * 86400},
		{"1 year", "1 year", "1 flwyddyn", 365 * 86400},
		{"2y", "2 years", "2 flynedd", 2 * 365 * 86400},
		{"5 years", "5 years", "5 mlynedd", 5 * 365 * 86400},
		{"13 months", "13 months", "13 mis", 390 * 86400},
		{"13mo", "13 months", "13 mis", 390 * 86400},
		{"2 months", "2 months", "2 fis", 60 * 86400},
		{"30 minutes", "30 minutes", "30 munud", 1800},
		{"1 minute", "1 minute", "1 munud", 60},
		{"90m", "90 minutes", "90 munud", 5400},
		{"24 hours", "24 hours", "24 awr", 86400},
		{"30d", "30 days", "30 diwrnod", 30 * 86400},
		{"2 days", "2 days", "2 ddiwrnod", 2 * 86400},
		{"2w", "2 weeks", "2 wythnos", 14 * 86400},
		{"Up to 365 days", "up to 365 days", "hyd at 365 diwrnod", 365 * 86400},
		{"session", "when you close your browser", "pan fyddwch yn cau eich porwr", -1},
		{"End of session", "when you close your browser", "pan fyddwch yn cau eich porwr", -1},
		{"Until cleared", "until you clear it in your browser", "nes i chi ei glirio yn eich porwr", -1},
	} {
		e, err := ParseExpiry(tc.in)
		if err != nil {
			t.Errorf("ParseExpiry(%q): %v", tc.in, err)
			continue
		}
		if en, cy := e.Words("en"), e.Words("cy"); en != tc.en || cy != tc.cy {
			t.Errorf("%q: %q / %q, want %q / %q", tc.in, en, cy, tc.en, tc.cy)
		}
		if s, ok := e.MaxAge(); ok != (tc.maxAge >= 0) || ok && s != tc.maxAge {
			t.Errorf("%q: max age %d %v, want %d", tc.in, s, ok, tc.maxAge)
		}
	}
	for _, bad := range []string{"", "soon", "0d", "-1d", "2 fortnights", "years"} {
		if _, err := ParseExpiry(bad); err == nil {
			t.Errorf("ParseExpiry(%q) accepted", bad)
		}
	}
}

func TestLasting(t *testing.T) {
	day := 24 * time.Hour
	reject := Lasting(180 * day)
	accept := Lasting(360 * day)
	accept.IfRejected = &reject
	for _, tc := range []struct {
		e      Expiry
		en, cy string
	}{
		{Lasting(390 * day), "13 months", "13 mis"},
		{Lasting(730 * day), "2 years", "2 flynedd"},
		{Lasting(365 * day), "1 year", "1 flwyddyn"},
		{Lasting(45 * day), "45 days", "45 diwrnod"},
		{Lasting(90 * time.Minute), "90 minutes", "90 munud"},
		{Lasting(1500 * time.Millisecond), "2 seconds", "2 eiliad"},
		{Lasting(0), "when you close your browser", "pan fyddwch yn cau eich porwr"},
		{accept, "6 months if you reject, 12 months if you accept", "6 mis os byddwch yn gwrthod, 12 mis os byddwch yn derbyn"},
	} {
		if en, cy := tc.e.Words("en"), tc.e.Words("cy"); en != tc.en || cy != tc.cy {
			t.Errorf("%+v: %q / %q, want %q / %q", tc.e, en, cy, tc.en, tc.cy)
		}
	}
}

// Every catalogue cookie has Welsh and an expiry the table can say.
func TestCatalogueComplete(t *testing.T) {
	for _, v := range trackers.Builtin {
		for _, c := range v.Cookies {
			cy, ok := catalogueCy[c.Name]
			if !ok || cy.Purpose == "" || cy.Content == "" {
				t.Errorf("%s cookie %s: no Welsh purpose and content in catalogueCy", v.ID, c.Name)
			}
			if _, err := ParseExpiry(c.Expiry); err != nil {
				t.Errorf("%s cookie %s: %v", v.ID, c.Name, err)
			}
		}
	}
}

// Both languages have every key of the table's wording.
func TestWordingHasBothLanguages(t *testing.T) {
	if !reflect.DeepEqual(keys(Wording["en"]), keys(Wording["cy"])) {
		t.Errorf("en and cy wording have different keys:\n%v\n%v", keys(Wording["en"]), keys(Wording["cy"]))
	}
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// testRows are a site's rows: its own necessary and analytics cookies and
// every catalogue vendor's.
func testRows(t *testing.T) []Row {
	t.Helper()
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := []Row{
		{Name: "consentgate", Storage: "cookie", Category: trackers.Necessary, Provider: "Cyngor <Sir>",
			Purpose: Text{"Remembers your cookie choice", "Yn cofio eich dewis cwcis"}, Content: Text{"Consent ID", "ID caniatâd"},
			Expiry: Lasting(180 * 24 * time.Hour), Justification: Text{"Keeps your refusal", "Yn cadw eich gwrthodiad"}},
		{Name: "PHPSESSID", Storage: "cookie", Category: trackers.Necessary, Provider: "Cyngor <Sir>",
			Purpose: Text{"Keeps you signed in", "Yn eich cadw wedi mewngofnodi"}, Content: Text{"A random session identifier", "Dynodwr sesiwn ar hap"}, Expiry: Session},
		{Name: "ab_", Prefix: true, Storage: "cookie", Category: trackers.Analytics, Provider: "Cyngor <Sir>",
			Purpose: Text{"Tests page designs", "Yn profi dyluniadau tudalennau"}, Content: Text{"A or B", "A neu B"}, Expiry: Expiry{N: 30, Unit: Days}},
	}
	for _, v := range cat.Vendors() {
		rows = append(rows, VendorRows(v)...)
	}
	return rows
}

func testPage(t *testing.T, lang string, rows []Row, overrides map[string]string) *html.Node {
	t.Helper()
	return render(t, basePage(t, lang, rows, overrides))
}

// basePage is the page of a visitor who has allowed embedded videos, with
// the banner's category wording.
func basePage(t *testing.T, lang string, rows []Row, overrides map[string]string) Page {
	t.Helper()
	text, err := banner.LoadText(lang, nil)
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]CategoryText{}
	for id, c := range text.Categories {
		cats[id] = CategoryText{c.Name, c.Desc}
	}
	return Page{Lang: lang, Site: "Cyngor <Sir>", Prefix: "/_consent", Rows: rows, ReturnTo: "/_consent/cookies", Text: overrides,
		Category: cats, IDLabel: text.ConsentID, NoChoice: text.NoChoice, ConsentID: "0123456789abcdef0123456789abcdef",
		Decided: true, Granted: []trackers.Category{trackers.Media}, Changed: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
}

func render(t *testing.T, p Page) *html.Node {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, p); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&b)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func find(n *html.Node, a atom.Atom) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.DataAtom == a {
			out = append(out, d)
		}
	}
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestPageStructure(t *testing.T) {
	rows := testRows(t)
	for _, tc := range []struct {
		lang, title, back, firstH2 string
		cols                       []string
	}{
		{"en", "Cookies used on Cyngor <Sir>", "Back to Cyngor <Sir>", "Strictly necessary cookies",
			[]string{"Name", "Provider", "Purpose", "Typical content", "Expires", "First or third party"}},
		{"cy", "Cwcis a ddefnyddir ar Cyngor <Sir>", "Yn ôl i Cyngor <Sir>", "Cwcis hollol angenrheidiol",
			[]string{"Enw", "Darparwr", "Diben", "Cynnwys nodweddiadol", "Yn dod i ben", "Parti cyntaf neu drydydd parti"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			doc := testPage(t, tc.lang, rows, nil)
			if h := find(doc, atom.Html)[0]; attr(h, "lang") != tc.lang {
				t.Errorf("html lang %q", attr(h, "lang"))
			}
			if got := text(find(doc, atom.Title)[0]); got != tc.title {
				t.Errorf("title %q", got)
			}
			if h1 := find(doc, atom.H1); len(h1) != 1 || text(h1[0]) != tc.title {
				t.Errorf("h1 %d, want one saying %q", len(h1), tc.title)
			}
			if a := find(doc, atom.A)[0]; text(a) != tc.back || attr(a, "href") != "/" {
				t.Errorf("first link %q → %q, want %q → /", text(a), attr(a, "href"), tc.back)
			}
			// The visitor's choice, and the way to change it.
			body := text(find(doc, atom.Body)[0])
			for _, want := range []string{"0123456789abcdef0123456789abcdef", map[string]string{"en": "2 December 2026", "cy": "2 Rhagfyr 2026"}[tc.lang]} {
				if !strings.Contains(body, want) {
					t.Errorf("page does not say %q", want)
				}
			}
			settings := false
			for _, a := range find(doc, atom.A) {
				settings = settings || strings.HasPrefix(attr(a, "href"), "/_consent/settings?return_to=%2F_consent%2Fcookies")
			}
			if !settings {
				t.Error("no link to the settings page returning here")
			}
			// One section per category with rows, strictly necessary first.
			var groups []string
			for _, h2 := range find(doc, atom.H2) {
				if id := attr(h2, "id"); id != "cg-choice" {
					groups = append(groups, strings.TrimPrefix(id, "cg-"))
				}
			}
			if want := []string{"necessary", "analytics", "media", "social", "marketing"}; !slices.Equal(groups, want) {
				t.Errorf("category headings %v, want %v", groups, want)
			}
			if h2 := find(doc, atom.H2); len(h2) < 2 || text(h2[1]) != tc.firstH2 {
				t.Errorf("first category heading %q, want %q", text(h2[1]), tc.firstH2)
			}
			tables := find(doc, atom.Table)
			if len(tables) != len(groups) {
				t.Fatalf("%d tables for %d categories", len(tables), len(groups))
			}
			n := 0
			for _, tab := range tables {
				if c := find(tab, atom.Caption); len(c) != 1 || text(c[0]) == "" {
					t.Error("table without a caption")
				}
				var cols []string
				for _, th := range find(tab, atom.Th) {
					cols = append(cols, text(th))
					if attr(th, "scope") != "col" {
						t.Errorf("th %q without scope=col", text(th))
					}
				}
				if !slices.Equal(cols, tc.cols) {
					t.Errorf("columns %q, want %q", cols, tc.cols)
				}
				for _, tr := range find(find(tab, atom.Tbody)[0], atom.Tr) {
					n++
					tds := find(tr, atom.Td)
					if len(tds) != len(tc.cols) {
						t.Errorf("row with %d cells", len(tds))
					}
					for i, td := range tds {
						if text(td) == "" || attr(td, "data-label") != tc.cols[i] {
							t.Errorf("cell %d of %q: %q, data-label %q", i, text(tds[0]), text(td), attr(td, "data-label"))
						}
					}
				}
			}
			if n != len(rows) {
				t.Errorf("%d rows shown, %d given", n, len(rows))
			}
			// The inline style is the one StyleHash allows.
			if s := find(doc, atom.Style); len(s) != 1 || text(s[0]) != strings.TrimSpace(style) {
				t.Error("the page's style is not the hashed one")
			}
		})
	}
}

// englishWords would betray English left on the Welsh page. Provider names
// and cookie names (in <code>) are proper nouns and are not read.
var englishWords = []string{"the", "and", "your", "you", "of", "to", "for", "is", "cookie", "cookies", "name", "provider",
	"purpose", "typical", "content", "expires", "first", "third", "party", "year", "years", "month", "months", "minute",
	"minutes", "hour", "hours", "day", "days", "when", "close", "browser", "back", "strictly", "necessary", "random",
	"session", "visitor", "visitors", "remembers", "used", "until", "clear", "analytics", "marketing", "social", "media",
	"video", "advertising", "legacy", "state", "change", "settings", "download", "table", "statistics", "object", "objected",
	"objection", "allow", "again", "without", "consent", "counts", "sends", "run"}

func TestWelshPageIsWelsh(t *testing.T) {
	assertWelsh(t, testPage(t, "cy", testRows(t), nil), 200)
}

// assertWelsh fails when doc's text, less names and providers, has an
// English word, or fewer than atLeast words to judge by.
func assertWelsh(t *testing.T, doc *html.Node, atLeast int) {
	t.Helper()
	var words []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Code || n.DataAtom == atom.Style || attr(n, "data-label") == "Darparwr") {
			return
		}
		if n.Type == html.TextNode {
			// Product names in the catalogue's purposes are proper nouns too.
			s := strings.NewReplacer("Google Analytics", "", "Universal Analytics", "", "Tag Manager", "").Replace(n.Data)
			words = append(words, strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
				return !('a' <= r && r <= 'z' || r > 127)
			})...)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, w := range words {
		if slices.Contains(englishWords, w) && !slices.Contains([]string{"cyngor", "sir"}, w) {
			t.Errorf("Welsh page says %q", w)
		}
	}
	if len(words) < atLeast {
		t.Fatalf("only %d words read: the test reads too little", len(words))
	}
}

// The site's own wording overrides the table's, as it does the banner's.
func TestPageOverrides(t *testing.T) {
	doc := testPage(t, "en", testRows(t), map[string]string{"tableTitle": "Our cookies", "tableName": "Cookie"})
	if got := text(find(doc, atom.H1)[0]); got != "Our cookies" {
		t.Errorf("h1 %q", got)
	}
	if got := text(find(doc, atom.Th)[0]); got != "Cookie" {
		t.Errorf("first column %q", got)
	}
}

// JSON and CSV give the same rows under the same stable columns.
func TestExportSchema(t *testing.T) {
	rows := testRows(t)
	for _, lang := range []string{"en", "cy"} {
		recs := Records(rows, lang, map[string]string{"necessary": "N", "analytics": "A", "media": "M", "social": "S", "marketing": "K"})
		var j bytes.Buffer
		if err := WriteJSON(&j, recs); err != nil {
			t.Fatal(err)
		}
		var objs []map[string]any
		if err := json.Unmarshal(j.Bytes(), &objs); err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if err := WriteCSV(&c, recs); err != nil {
			t.Fatal(err)
		}
		lines, err := csv.NewReader(&c).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(lines[0], Columns) {
			t.Errorf("CSV header %q", lines[0])
		}
		if len(objs) != len(rows) || len(lines) != len(rows)+1 {
			t.Fatalf("%s: %d JSON and %d CSV rows for %d", lang, len(objs), len(lines)-1, len(rows))
		}
		for i, o := range objs {
			var ks []string
			for k := range o {
				ks = append(ks, k)
			}
			slices.Sort(ks)
			if want := slices.Sorted(slices.Values(Columns)); !slices.Equal(ks, want) {
				t.Fatalf("JSON keys %q, want %q", ks, want)
			}
			for k, col := range Columns {
				v := o[col]
				s := ""
				switch v := v.(type) {
				case string:
					s = v
				case bool:
					s = map[bool]string{true: "true", false: "false"}[v]
				case float64:
					s = strconv.FormatFloat(v, 'f', -1, 64)
				}
				if got := strings.TrimPrefix(lines[i+1][k], "'"); got != s && !(v == nil && got == "") {
					t.Errorf("%s row %d %s: CSV %q, JSON %v", lang, i, col, got, v)
				}
			}
			if o["lang"] != lang || o["expires"] == "" || o["purpose"] == "" || o["typical_content"] == "" {
				t.Errorf("%s row %d: %v", lang, i, o)
			}
		}
		if objs[0]["max_age_seconds"] != float64(180*86400) || objs[1]["max_age_seconds"] != nil || objs[1]["session"] != true {
			t.Errorf("max_age_seconds %v, %v", objs[0]["max_age_seconds"], objs[1]["max_age_seconds"])
		}
		if objs[2]["name"] != "ab_*" || objs[2]["prefix"] != true || objs[2]["category_name"] != "A" {
			t.Errorf("prefix row %v", objs[2])
		}
	}
}

func TestCSVIsInert(t *testing.T) {
	var c bytes.Buffer
	_ = WriteCSV(&c, Records([]Row{{Name: "=HYPERLINK(1)", Provider: "@x", Category: trackers.Analytics}}, "en", nil))
	if !strings.Contains(c.String(), "'=HYPERLINK(1)") || !strings.Contains(c.String(), "'@x") {
		t.Errorf("formula cells left live: %s", c.String())
	}
}

// The fragment for a site's privacy page: the page's sections and rows,
// one heading level down, with no document around them, ASCII only, well
// formed as XML, and downloads that point at the table's endpoint.
func TestFragment(t *testing.T) {
	rows := testRows(t)
	for _, lang := range []string{"en", "cy"} {
		t.Run(lang, func(t *testing.T) {
			words, err := banner.LoadText(lang, nil)
			if err != nil {
				t.Fatal(err)
			}
			cats := map[string]CategoryText{}
			for id, c := range words.Categories {
				cats[id] = CategoryText{c.Name, c.Desc}
			}
			p := Page{Lang: lang, Site: "Cyngor <Sir>", Prefix: "/_consent", Rows: rows, ReturnTo: "/privacy.html", Category: cats,
				IDLabel: words.ConsentID, NoChoice: words.NoChoice}
			b, err := Fragment(p)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range b {
				if c >= 0x80 {
					t.Fatalf("byte %d is %#x: the fragment must be ASCII to suit the page's charset", i, c)
				}
			}
			assertWellFormedXML(t, b)
			nodes, err := html.ParseFragment(bytes.NewReader(b), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
			if err != nil {
				t.Fatal(err)
			}
			root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
			for _, n := range nodes {
				root.AppendChild(n)
			}
			for _, a := range []atom.Atom{atom.Html, atom.Head, atom.Body, atom.Title, atom.Style, atom.H1, atom.H2, atom.Main} {
				if n := find(root, a); len(n) > 0 {
					t.Errorf("fragment has a <%s>", a)
				}
			}
			var headings []string
			for _, h := range find(root, atom.H3) {
				headings = append(headings, attr(h, "id"))
			}
			if want := []string{"cg-choice", "cg-necessary", "cg-analytics", "cg-media", "cg-social", "cg-marketing"}; !slices.Equal(headings, want) {
				t.Errorf("h3 headings %v, want %v", headings, want)
			}
			n := 0
			for _, tab := range find(root, atom.Table) {
				n += len(find(find(tab, atom.Tbody)[0], atom.Tr))
			}
			if n != len(rows) {
				t.Errorf("%d rows shown, %d given", n, len(rows))
			}
			s := text(root)
			if want := map[string]string{"en": "You have not made a choice yet.", "cy": words.NoChoice}[lang]; !strings.Contains(s, want) {
				t.Errorf("fragment does not say %q", want)
			}
			var links []string
			for _, a := range find(root, atom.A) {
				links = append(links, attr(a, "href"))
			}
			q := map[string]string{"en": "", "cy": "&lang=cy"}[lang]
			if want := []string{"/_consent/settings?return_to=%2Fprivacy.html" + q, "/_consent/cookies?format=csv" + q, "/_consent/cookies?format=json" + q}; !slices.Equal(links, want) {
				t.Errorf("links %q, want %q", links, want)
			}
		})
	}
}

// The page's Welsh downloads keep lang=cy as a parameter of its own.
func TestPageDownloadsKeepLanguage(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, Page{Lang: "cy", Prefix: "/_consent"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="?format=csv&amp;lang=cy"`, `href="?format=json&amp;lang=cy"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Welsh page lacks %s", want)
		}
	}
}

// assertWellFormedXML fails t unless fragment b is well-formed XML, as an
// XHTML page needs it.
func assertWellFormedXML(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(append(append([]byte("<div>"), b...), "</div>"...)))
	d.Entity = xml.HTMLEntity
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
	}
}
