package cookietable

// The table where a site runs statistics under the exception: their own
// group, each row marked, and the visitor's objection offered or withdrawn.

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/consentgate/consentgate/trackers"
)

// statisticsRows are testRows with Google Analytics under the exception
// and a statistics cookie of the site's own.
func statisticsRows(t *testing.T) []Row {
	t.Helper()
	vendors, _, err := trackers.UnderStatisticsException(trackers.Builtin, nil, []string{"google-analytics"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []Row
	for _, r := range testRows(t) {
		if r.Vendor != "google-analytics" {
			rows = append(rows, r)
		}
	}
	for _, v := range vendors {
		if v.ID == "google-analytics" {
			rows = append(rows, VendorRows(&v)...)
		}
	}
	return append(rows, Row{Name: "_pk_id", Prefix: true, Storage: "cookie", Category: trackers.Statistics, Provider: "Cyngor <Sir>",
		Purpose: Text{"Counts visits", "Yn cyfrif ymweliadau"}, Content: Text{"A random ID", "ID ar hap"}, Expiry: Expiry{N: 13, Unit: Months}})
}

// statisticsPage is basePage on a site running statistics, with the
// banner's statistics wording or, without it, none.
func statisticsPage(t *testing.T, lang string, bannerWords bool) Page {
	t.Helper()
	p := basePage(t, lang, statisticsRows(t), nil)
	p.Statistics = true
	if !bannerWords {
		delete(p.Category, string(trackers.Statistics))
	}
	return p
}

// section is the group section of category id.
func section(t *testing.T, doc *html.Node, id string) *html.Node {
	t.Helper()
	for _, s := range find(doc, atom.Section) {
		if attr(s, "aria-labelledby") == "cg-"+id {
			return s
		}
	}
	t.Fatalf("no section for %s", id)
	return nil
}

// forms are doc's forms, each as its action, method and fields in order
// ("name=value", the submit button's last).
func forms(doc *html.Node) [][]string {
	var out [][]string
	for _, f := range find(doc, atom.Form) {
		fields := []string{attr(f, "method") + " " + attr(f, "action")}
		for d := range f.Descendants() {
			if d.Type == html.ElementNode && (d.DataAtom == atom.Input || d.DataAtom == atom.Button) {
				fields = append(fields, attr(d, "type")+" "+attr(d, "name")+"="+attr(d, "value"))
			}
		}
		out = append(out, fields)
	}
	return out
}

// Statistics cookies are a group of their own right after the strictly
// necessary, headed in the banner's words or else the table's own, and
// each row says it is used without consent.
func TestStatisticsGroup(t *testing.T) {
	for _, tc := range []struct {
		lang        string
		bannerWords bool
		heading     string
		mark        string
	}{
		{"en", false, "Statistics (used without consent)", "Used without consent for statistics; you can object"},
		{"cy", false, "Ystadegau (heb ganiatâd)", "Defnyddir heb ganiatâd ar gyfer ystadegau; gallwch wrthwynebu"},
		{"en", true, "Visit counts", "Used without consent for statistics; you can object"},
	} {
		t.Run(tc.heading, func(t *testing.T) {
			p := statisticsPage(t, tc.lang, false)
			if tc.bannerWords {
				p.Category[string(trackers.Statistics)] = CategoryText{"Visit counts", "We count visits."}
			}
			doc := render(t, p)
			var groups []string
			for _, h2 := range find(doc, atom.H2) {
				if id := attr(h2, "id"); id != "cg-choice" {
					groups = append(groups, strings.TrimPrefix(id, "cg-"))
				}
			}
			if want := []string{"necessary", "statistics", "analytics", "media", "social", "marketing"}; !slices.Equal(groups, want) {
				t.Errorf("category headings %v, want %v", groups, want)
			}
			s := section(t, doc, "statistics")
			if h := text(find(s, atom.H2)[0]); h != tc.heading {
				t.Errorf("statistics heading %q, want %q", h, tc.heading)
			}
			if got := p.CategoryNames()["statistics"]; got != tc.heading {
				t.Errorf("export's category name %q, want %q", got, tc.heading)
			}
			var names []string
			for _, tr := range find(find(s, atom.Tbody)[0], atom.Tr) {
				names = append(names, text(find(tr, atom.Code)[0]))
				if purpose := find(tr, atom.Td)[2]; !strings.Contains(text(purpose), tc.mark) {
					t.Errorf("row %s: purpose %q lacks the mark %q", names[len(names)-1], text(purpose), tc.mark)
				}
			}
			if !slices.Contains(names, "_ga") || !slices.Contains(names, "_gid") || !slices.Contains(names, "_pk_id*") {
				t.Errorf("statistics rows %v, want _ga, _gid and _pk_id* among them", names)
			}
			if strings.Contains(text(section(t, doc, "analytics")), tc.mark) {
				t.Error("an analytics row is marked as used without consent")
			}
		})
	}
	p := statisticsPage(t, "en", false)
	if got := text(find(section(t, render(t, p), "statistics"), atom.P)[0]); got != Wording["en"]["tableStatisticsDesc"] {
		t.Errorf("statistics description %q without the banner's", got)
	}
}

// While statistics run for the visitor, the page says so and offers one
// button that objects, returning to the page.
func TestStatisticsObjectForm(t *testing.T) {
	for lang, want := range map[string][2]string{
		"en": {"We collect statistics about how this website is used without asking you first; you can object to them.", "Object to statistics"},
		"cy": {"Rydym yn casglu ystadegau am sut y caiff y wefan hon ei defnyddio heb ofyn i chi yn gyntaf; gallwch eu gwrthwynebu.", "Gwrthwynebu ystadegau"},
	} {
		doc := render(t, statisticsPage(t, lang, true))
		choice := section(t, doc, "choice")
		if !strings.Contains(text(choice), want[0]) {
			t.Errorf("%s: the choice section does not say %q", lang, want[0])
		}
		f := forms(doc)
		if w := [][]string{{"post /_consent/choice", "hidden return_to=/_consent/cookies", "submit action=object"}}; !slicesEqual(f, w) {
			t.Errorf("%s: forms %q, want %q", lang, f, w)
		}
		if b := find(doc, atom.Button); len(b) != 1 || text(b[0]) != want[1] {
			t.Errorf("%s: button %q, want %q", lang, text(b[0]), want[1])
		}
		if strings.Contains(text(doc), Wording[lang]["tableObjected"]) {
			t.Errorf("%s: says the visitor objected", lang)
		}
	}
}

// Once the visitor objects the page says so, and offers to allow
// statistics again keeping the categories they granted.
func TestStatisticsObjected(t *testing.T) {
	for lang, want := range map[string][2]string{
		"en": {"You have objected to statistics, so they do not run for you.", "Allow statistics again"},
		"cy": {"Rydych wedi gwrthwynebu ystadegau, felly nid ydynt yn rhedeg ar eich cyfer.", "Caniatáu ystadegau eto"},
	} {
		p := statisticsPage(t, lang, true)
		p.Objected = true
		p.Granted = []trackers.Category{trackers.Marketing, trackers.Media}
		doc := render(t, p)
		if !strings.Contains(text(section(t, doc, "choice")), want[0]) {
			t.Errorf("%s: the choice section does not say %q", lang, want[0])
		}
		f := forms(doc)
		if w := [][]string{{"post /_consent/choice", "hidden return_to=/_consent/cookies", "submit action=allow_statistics"}}; !slicesEqual(f, w) {
			t.Errorf("%s: forms %q, want %q", lang, f, w)
		}
		if b := find(doc, atom.Button); len(b) != 1 || text(b[0]) != want[1] {
			t.Errorf("%s: button %q, want %q", lang, text(b[0]), want[1])
		}
		if strings.Contains(text(doc), Wording[lang]["tableStatisticsRun"]) {
			t.Errorf("%s: still says statistics run", lang)
		}
	}
}

// A browser sending GPC objects by it, which the page says, and offers no
// withdrawal: the endpoint would keep the objection anyway.
func TestStatisticsGPC(t *testing.T) {
	for lang, want := range map[string]string{
		"en": "Your browser sends Global Privacy Control, which counts as an objection to statistics.",
		"cy": "Mae eich porwr yn anfon signal Rheoli Preifatrwydd Byd-eang (Global Privacy Control), sy'n cyfrif fel gwrthwynebiad i ystadegau.",
	} {
		p := statisticsPage(t, lang, true)
		p.Objected, p.GPC = true, true
		doc := render(t, p)
		s := text(section(t, doc, "choice"))
		if !strings.Contains(s, want) || !strings.Contains(s, Wording[lang]["tableObjected"]) {
			t.Errorf("%s: the choice section %q does not say the visitor objects by GPC", lang, s)
		}
		if f := forms(doc); len(f) != 0 {
			t.Errorf("%s: forms %q, want none", lang, f)
		}
	}
}

// Without the exception nothing about statistics shows, even for a GPC
// browser.
func TestStatisticsOff(t *testing.T) {
	p := basePage(t, "en", testRows(t), nil)
	p.GPC = true
	var b bytes.Buffer
	if err := WriteHTML(&b, p); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); strings.Contains(strings.ToLower(s), "statistic") || strings.Contains(s, "<form") {
		t.Errorf("page without the exception mentions statistics or has a form:\n%s", s)
	}
}

// The Welsh page says everything about statistics in Welsh, in each state.
func TestStatisticsWelsh(t *testing.T) {
	for _, state := range []struct {
		name          string
		objected, gpc bool
	}{{"running", false, false}, {"objected", true, false}, {"gpc", true, true}} {
		t.Run(state.name, func(t *testing.T) {
			for _, bannerWords := range []bool{false, true} {
				p := statisticsPage(t, "cy", bannerWords)
				p.Objected, p.GPC = state.objected, state.gpc
				assertWelsh(t, render(t, p), 200)
			}
		})
	}
}

// The fragment carries the same form, returning to the site's own page,
// and stays well-formed XML with its hidden inputs.
func TestStatisticsFragment(t *testing.T) {
	p := statisticsPage(t, "cy", false)
	p.ReturnTo, p.Objected = "/privacy.html", true
	b, err := Fragment(p)
	if err != nil {
		t.Fatal(err)
	}
	assertWellFormedXML(t, b)
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	f := forms(doc)
	if w := [][]string{{"post /_consent/choice", "hidden return_to=/privacy.html", "submit action=allow_statistics"}}; !slicesEqual(f, w) {
		t.Errorf("forms %q, want %q", f, w)
	}
	var headings []string
	for _, h := range find(doc, atom.H3) {
		headings = append(headings, attr(h, "id"))
	}
	if len(headings) < 3 || headings[2] != "cg-statistics" {
		t.Errorf("h3 headings %v, want cg-statistics after cg-necessary", headings)
	}
}

func slicesEqual(a, b [][]string) bool {
	return slices.EqualFunc(a, b, slices.Equal)
}
