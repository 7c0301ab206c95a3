package caddymodule_test

// The cookie table in the council's own privacy page: file_server serves
// testdata/site/privacy.html (and its Welsh twin) with fallback text in a
// data-consent-cookie-table element, and the visitor gets the table there.

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// itMarker splits a page at its cookie table marker: up to the marker's
// start tag, its children, and from its end tag (the table has no <div>).
func itMarker(t *testing.T, page []byte) (before, inside, after []byte) {
	t.Helper()
	i := bytes.Index(page, []byte("data-consent-cookie-table"))
	if i < 0 {
		t.Fatal("no data-consent-cookie-table marker")
	}
	open := i + bytes.IndexByte(page[i:], '>') + 1
	end := bytes.Index(page[open:], []byte("</div>"))
	if end < 0 {
		t.Fatal("marker never closed")
	}
	return page[:open], page[open : open+end], page[open+end:]
}

func TestCookieTableFillsThePrivacyPage(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, `site_name "Llanwern County Council"
cookie PHPSESSID necessary {
	purpose "Keeps you signed in to your account" "Yn eich cadw wedi mewngofnodi i'ch cyfrif"
	content "a random session identifier" "dynodwr sesiwn ar hap"
	justification "Needed for sign-in" "Ei angen i fewngofnodi"
}`))
	c := itClient(t)
	// The home page embeds YouTube: once the handler has seen it, the
	// table lists YouTube's cookies.
	itGet(t, c, base+"/", map[string]string{"Accept": "text/html"})
	itTableHas(t, c, base, "YSC")
	cookie := itConsent(t, c, base, url.Values{"action": {"accept_all"}})
	for _, tc := range []struct {
		path, fallback string
		cookie         string
		want           []string
	}{
		{"/privacy.html", "Our cookie table will appear here", "", []string{
			"Strictly necessary cookies", "<code>PHPSESSID</code>", "Keeps you signed in to your account",
			"Why it is strictly necessary: Needed for sign-in", "<code>YSC</code>", "when you close your browser",
			"You have not made a choice yet.", `href="/_consent/settings?return_to=%2Fprivacy.html"`,
			`href="/_consent/cookies?format=csv"`,
		}},
		{"/cy/privacy.html", "Bydd ein tabl cwcis yn ymddangos yma", "", []string{
			"Cwcis hollol angenrheidiol", "<code>PHPSESSID</code>", "Yn eich cadw wedi mewngofnodi i&#39;ch cyfrif",
			"Parti cyntaf neu drydydd parti", "pan fyddwch yn cau eich porwr", "Nid ydych",
			`href="/_consent/settings?return_to=%2Fcy%2Fprivacy.html&amp;lang=cy"`, `href="/_consent/cookies?format=csv&amp;lang=cy"`,
		}},
		{"/privacy.html", "Our cookie table will appear here", cookie, []string{
			"Your consent ID", "You have allowed: ", "<code>PHPSESSID</code>",
		}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			orig := itReadSite(t, strings.TrimPrefix(tc.path, "/"))
			hdr := map[string]string{"Accept": "text/html"}
			if tc.cookie != "" {
				hdr["Cookie"] = tc.cookie
			}
			_, body := itGet(t, c, base+tc.path, hdr)
			if bytes.Contains(body, []byte(tc.fallback)) {
				t.Errorf("the fallback text %q is still there", tc.fallback)
			}
			_, table, _ := itMarker(t, body)
			s := string(table)
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("the table in the page lacks %s", w)
				}
			}
			// Rows inside the marker, in the page's structure: parsed in a
			// <div>, the table's sections and rows are the marker's.
			nodes, err := html.ParseFragment(bytes.NewReader(table), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
			if err != nil {
				t.Fatal(err)
			}
			tables, rows := 0, 0
			for _, n := range nodes {
				for d := range n.Descendants() {
					switch {
					case d.Type != html.ElementNode:
					case d.DataAtom == atom.Table:
						tables++
					case d.DataAtom == atom.Tr && d.Parent.DataAtom == atom.Tbody:
						rows++
					}
				}
			}
			if tables < 2 || rows < 10 {
				t.Errorf("the marker holds %d tables and %d rows", tables, rows)
			}
			// Outside the marker's children, the page is the origin's with
			// only the handler's usual edits.
			ob, _, oa := itMarker(t, orig)
			want := append(append(bytes.Clone(ob), table...), oa...)
			itAssertOnlyHandlerEdits(t, want, body)
		})
	}

	// A fragment swapped in by htmx gets the table too, and no banner.
	_, body := itGet(t, c, base+"/privacy.html", map[string]string{"HX-Request": "true"})
	if _, table, _ := itMarker(t, body); !bytes.Contains(table, []byte("<code>PHPSESSID</code>")) || bytes.Contains(body, []byte(`id="cg-root"`)) {
		t.Errorf("htmx fragment: table %t, banner %t", bytes.Contains(table, []byte("PHPSESSID")), bytes.Contains(body, []byte(`id="cg-root"`)))
	}
}
