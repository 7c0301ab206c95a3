package banner

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// find returns the first element in n's tree with the given id.
func find(n *html.Node, id string) *html.Node {
	for c := range n.Descendants() {
		for _, a := range c.Attr {
			if a.Key == "id" && a.Val == id {
				return c
			}
		}
	}
	return nil
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func parse(t *testing.T, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// The settings layer is a modal dialog, and each switch has its On and Off
// words beside it, hidden from the accessible name (the switch has its
// own checked state).
func TestSettingsLayerIsModalWithOnOffWords(t *testing.T) {
	for locale, want := range map[string][2]string{"en": {"On", "Off"}, "cy": {"Ymlaen", "I ffwrdd"}} {
		doc := parse(t, Body(testPage(t, locale, nil)))
		panel := find(doc, "cg-settings")
		if panel == nil {
			t.Fatal("no #cg-settings")
		}
		role, _ := attr(panel, "role")
		modal, _ := attr(panel, "aria-modal")
		if role != "dialog" || modal != "true" {
			t.Errorf("%s: settings layer role=%q aria-modal=%q, want dialog and true", locale, role, modal)
		}
		sw := find(doc, "cg-c-analytics").Parent
		if got := text(sw); got != want[0]+want[1] {
			t.Errorf("%s: beside the Analytics switch %q, want %q then %q", locale, got, want[0], want[1])
		}
		for c := range sw.ChildNodes() {
			if c.Data == "span" {
				if v, _ := attr(c, "aria-hidden"); v != "true" {
					t.Errorf("%s: the %q word is not aria-hidden: it would change the switch's name", locale, text(c))
				}
			}
		}
	}
}

// The message of what was saved: a live region that can take focus,
// hidden until a choice; for a visitor who has chosen it says what, in
// English and Welsh, and the settings page shows it once saved.
func TestSavedMessage(t *testing.T) {
	for _, tc := range []struct {
		locale  string
		granted []bool
		want    string
	}{
		{"en", []bool{true, true, true, true}, "You've accepted additional cookies. You can change your cookie settings at any time. Hide this message"},
		{"en", []bool{false, false, false, false}, "You've rejected additional cookies. You can change your cookie settings at any time. Hide this message"},
		{"en", []bool{true, false, false, false}, "You've saved your cookie settings. You can change your cookie settings at any time. Hide this message"},
		{"cy", []bool{true, true, true, true}, "Rydych wedi derbyn cwcis ychwanegol. Gallwch newid eich gosodiadau cwcis unrhyw bryd. Cuddio'r neges hon"},
		{"cy", []bool{false, false, false, false}, "Rydych wedi gwrthod cwcis ychwanegol. Gallwch newid eich gosodiadau cwcis unrhyw bryd. Cuddio'r neges hon"},
		{"cy", []bool{false, true, false, true}, "Rydych wedi cadw eich gosodiadau cwcis. Gallwch newid eich gosodiadau cwcis unrhyw bryd. Cuddio'r neges hon"},
	} {
		p := testPage(t, tc.locale, nil)
		p.Decided = true
		for i := range p.Categories {
			p.Categories[i].Checked = tc.granted[i]
		}
		var c Cache
		for name, out := range map[string][]byte{"body": Body(p), "cached body": c.Body(p), "settings page": SettingsPage(p)} {
			m := find(parse(t, out), "cg-saved")
			if m == nil {
				t.Fatalf("%s %s: no #cg-saved", tc.locale, name)
			}
			if got := strings.ReplaceAll(text(m), "’", "'"); got != tc.want {
				t.Errorf("%s %s %v: message %q, want %q", tc.locale, name, tc.granted, got, tc.want)
			}
			role, _ := attr(m, "role")
			tab, _ := attr(m, "tabindex")
			_, hidden := attr(m, "hidden")
			if role != "status" || tab != "-1" || !hidden {
				t.Errorf("%s %s: message role=%q tabindex=%q hidden=%v, want status, -1 and hidden until shown", tc.locale, name, role, tab, hidden)
			}
		}
		// Each kind is there for the script to show after a choice.
		m := find(parse(t, Body(p)), "cg-saved")
		for _, k := range []string{"data-cg-all", "data-cg-none", "data-cg-some"} {
			if v, _ := attr(m, k); v == "" {
				t.Errorf("%s: message lacks %s", tc.locale, k)
			}
		}
		p.Saved = true
		if _, hidden := attr(find(parse(t, SettingsPage(p)), "cg-saved"), "hidden"); hidden {
			t.Errorf("%s: the settings page reached after saving hides its message", tc.locale)
		}
	}
	// Before a choice there is nothing to say.
	p := testPage(t, "en", nil)
	if got := text(find(parse(t, Body(p)), "cg-saved")); strings.Contains(got, "You've") {
		t.Errorf("before a choice the message already says %q", got)
	}
}

// The settings page names the site and links back to the page.
func TestSettingsPageNamesSiteAndLinksBack(t *testing.T) {
	p := testPage(t, "cy", nil)
	p.Site, p.ReturnTo = "Cyngor Sir Llanwern", "/cy/biniau"
	doc := parse(t, SettingsPage(p))
	var title string
	links := 0
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "title" {
			title = text(n)
		}
		if href, _ := attr(n, "href"); n.Data == "a" && href == "/cy/biniau" {
			links++
		}
	}
	if !strings.Contains(title, "Cwcis ar Cyngor Sir Llanwern") {
		t.Errorf("settings page title %q does not name the site", title)
	}
	if !strings.Contains(text(doc), "Cwcis ar Cyngor Sir Llanwern") {
		t.Error("settings page does not show the site's name")
	}
	if links == 0 {
		t.Error("settings page has no link back to /cy/biniau")
	}
}
