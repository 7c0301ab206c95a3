package rewrite

import "testing"

// A site's own "Cookie settings" link that goes nowhere opens the settings
// page without JavaScript; links that go somewhere, and unmarked ones, are
// untouched.
func TestOpenLinkGoesToTheSettingsPage(t *testing.T) {
	const settings = "/_consent/settings?return_to=%2Fbins&lang=cy"
	const want = `"/_consent/settings?return_to=%2Fbins&amp;lang=cy"`
	for _, tc := range []struct{ in, out string }{
		{`<a href="#" data-consent-open>Cookie settings</a>`, `<a href=` + want + ` data-consent-open>Cookie settings</a>`},
		{`<A HREF='#' DATA-CONSENT-OPEN class=x>Cookies</A>`, `<A HREF=` + want + ` DATA-CONSENT-OPEN class=x>Cookies</A>`},
		{`<a data-consent-open href=# id=c>c</a>`, `<a data-consent-open href=` + want + ` id=c>c</a>`},
		{`<a href="" data-consent-open>c</a>`, `<a href=` + want + ` data-consent-open>c</a>`},
		{`<a href="javascript:void(0)" data-consent-open>c</a>`, `<a href=` + want + ` data-consent-open>c</a>`},
		{`<a href=" #! " data-consent-open>c</a>`, `<a href=` + want + ` data-consent-open>c</a>`},
		// Left alone: a real target, no marker, no href, a button, a text mention.
		{`<a href="/cookies" data-consent-open>c</a>`, ""},
		{`<a href="#cookie-table" data-consent-open>c</a>`, ""},
		{`<a href="#">top</a>`, ""},
		{`<a data-consent-open>c</a>`, ""},
		{`<button type="button" data-consent-open>c</button>`, ""},
		{`<p>data-consent-open <a href="#">x</a></p>`, ""},
	} {
		out := tc.out
		if out == "" {
			out = tc.in
		}
		page := "<!DOCTYPE html><html><head><title>t</title></head><body>" + tc.in + "</body></html>"
		wantPage := "<!DOCTYPE html><html><head><title>t</title></head><body>" + out + "</body></html>"
		for _, chunk := range []int{0, 1, 7} {
			if got := string(run(t, []byte(page), chunk, Options{SettingsHref: settings})); got != wantPage {
				t.Errorf("%s (chunks of %d):\n got %s\nwant %s", tc.in, chunk, got, wantPage)
			}
		}
		if got := string(run(t, []byte(page), 0, Options{})); got != page {
			t.Errorf("%s without SettingsHref: %s", tc.in, got)
		}
	}
}
