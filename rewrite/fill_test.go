package rewrite

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/trackers"
)

// table stands for the cookie table, saying the language it was asked in.
func table(p Page) []byte { return []byte("<TABLE lang=" + p.Lang + ">") }

// An element marked data-consent-cookie-table gets the table in place of its
// children; everything else passes byte for byte, however the input is cut.
func TestCookieTableFill(t *testing.T) {
	const m = `data-consent-cookie-table`
	tests := []struct{ name, in, want string }{
		{"fallback replaced", `<p>a</p><div id="cookie-table" ` + m + `>Our cookie table will appear here</div><p>b</p>`,
			`<p>a</p><div id="cookie-table" ` + m + `><TABLE lang=></div><p>b</p>`},
		{"empty marker", `<div ` + m + `></div>x`, `<div ` + m + `><TABLE lang=></div>x`},
		{"nested divs", `<div ` + m + `><div>x<div>y</div></div>z</div><div>after</div>`,
			`<div ` + m + `><TABLE lang=></div><div>after</div>`},
		{"section, any case", `<SECTION class=c DATA-Consent-Cookie-Table="">fallback<section>n</section></SECTION><p>after`,
			`<SECTION class=c DATA-Consent-Cookie-Table=""><TABLE lang=></SECTION><p>after`},
		{"page language", `<html lang="cy"><body><div ` + m + `>Bydd ein tabl cwcis yn ymddangos yma</div></body></html>`,
			`<html lang="cy"><body><div ` + m + `><TABLE lang=cy></div></body></html>`},
		{"no end tag before </body>", `<body><div ` + m + `>fallback<p>more</body></html>`,
			`<body><div ` + m + `><TABLE lang=></body></html>`},
		{"no end tag at all", `<div ` + m + `>fallback<div>`, `<div ` + m + `><TABLE lang=>`},
		{"end tag in a script is not one", `<div ` + m + `><script>var s = "</div>";</script>fallback</div>after`,
			`<div ` + m + `><TABLE lang=></div>after`},
		{"self-closed child opens one in HTML", `<div ` + m + `><div/>x</div>y</div>z`, `<div ` + m + `><TABLE lang=></div>z`},
		{"two markers", `<div ` + m + `>a</div><p>b</p><aside ` + m + `>c</aside>`,
			`<div ` + m + `><TABLE lang=></div><p>b</p><aside ` + m + `><TABLE lang=></aside>`},
		{"a marker inside a marker is a child", `<div ` + m + `><span ` + m + `>x</span></div>y`, `<div ` + m + `><TABLE lang=></div>y`},
		{"fallback trackers dropped", `<div ` + m + `><script src="https://www.google-analytics.com/ga.js"></script><iframe src="https://www.youtube.com/embed/x"></iframe><noscript><img src="https://www.facebook.com/tr?id=1"></noscript></div>`,
			`<div ` + m + `><TABLE lang=></div>`},
		{"a held marker element is held and filled", `<amp-iframe ` + m + ` src="https://www.youtube.com/embed/x">fallback</amp-iframe>`,
			`<cg-held data-consent="media" data-consent-vendor="youtube" data-consent-el="amp-iframe" ` + m + ` src="https://www.youtube.com/embed/x"><TABLE lang=></cg-held>`},
	}
	untouched := []struct{ name, in string }{
		{"void element", `<img ` + m + ` src="/a.png">text<hr ` + m + `>`},
		{"self-closed", `<div ` + m + `/>text</div>`},
		{"only in a value", `<div title="` + m + `">x</div><div data-consent-cookie-tables>y</div>`},
		{"in noscript (raw text)", `<noscript><div ` + m + `>x</div></noscript>`},
		{"raw-text element", `<textarea ` + m + `>x</textarea><script ` + m + `>y</script>`},
		{"in SVG", `<svg><g ` + m + `>x</g></svg>`},
		{"before the head insertion", `<html ` + m + `><head><title>t</title></head></html>`},
		{"in a srcdoc document", `<iframe srcdoc="<div ` + m + `>x</div><script src='https://www.google-analytics.com/ga.js'></script>"></iframe>`},
	}
	for _, chunk := range []int{0, 1, 3, 7} {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n := 0
				opts := Options{CookieTable: table, OnNeutralise: func(*trackers.Vendor) { n++ }}
				if got := string(run(t, []byte(tt.in), chunk, opts)); got != tt.want {
					t.Errorf("chunk %d\n in: %s\ngot: %s\nwant: %s", chunk, tt.in, got, tt.want)
				}
				if want := strings.Count(tt.want, "data-consent-vendor"); n != want {
					t.Errorf("chunk %d: OnNeutralise called %d times, want %d (dropped children are not on the page)", chunk, n, want)
				}
			})
		}
		for _, tt := range untouched {
			t.Run(tt.name, func(t *testing.T) {
				got := string(run(t, []byte(tt.in), chunk, Options{CookieTable: table}))
				if strings.Contains(got, "<TABLE") {
					t.Errorf("chunk %d: filled\n in: %s\ngot: %s", chunk, tt.in, got)
				}
			})
		}
	}
}

// XHTML: a self-closed element is closed, and the marker still takes "".
func TestCookieTableFillXML(t *testing.T) {
	in := `<div data-consent-cookie-table=""><div/>x</div>y`
	if got, want := string(run(t, []byte(in), 0, Options{XML: true, CookieTable: table})), `<div data-consent-cookie-table=""><TABLE lang=></div>y`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// Fallback text longer than MaxToken is streamed by oversize.go, and dropped.
func TestCookieTableFillOversized(t *testing.T) {
	in := `<div data-consent-cookie-table>` + strings.Repeat("fallback ", 100) + `<p title="` + strings.Repeat("t", 200) + `">x</p></div>after`
	got := string(run(t, []byte(in), 0, Options{MaxToken: 64, CookieTable: table}))
	if want := `<div data-consent-cookie-table><TABLE lang=></div>after`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// What precedes a marker is not kept back while its children are dropped:
// a flush sends it.
func TestCookieTableFillStreams(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, Options{Catalogue: catalogue(t), CookieTable: table})
	r.Write([]byte(`<p>before</p><div data-consent-cookie-table>Our cookie `))
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), `<p>before</p><div data-consent-cookie-table>`) {
		t.Errorf("after the first write: %q", out.String())
	}
	r.Write([]byte(`table will appear here</div><p>after</p>`))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if want := `<p>before</p><div data-consent-cookie-table><TABLE lang=></div><p>after</p>`; out.String() != want {
		t.Errorf("got %s, want %s", out.String(), want)
	}
}

// The demo privacy page: the fallback goes, nothing else changes.
func TestCookieTableFillPrivacyPage(t *testing.T) {
	for _, p := range []string{"../testdata/site/privacy.html", "../testdata/site/cy/privacy.html"} {
		in, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		start := bytes.Index(in, []byte("data-consent-cookie-table"))
		open := start + bytes.IndexByte(in[start:], '>') + 1
		end := open + bytes.Index(in[open:], []byte("</div>"))
		if start < 0 || bytes.TrimSpace(in[open:end]) == nil {
			t.Fatalf("%s: no marker with fallback text", p)
		}
		want := string(in[:open]) + "<TABLE lang=" + map[bool]string{true: "cy", false: "en-GB"}[strings.Contains(p, "/cy/")] + ">" + string(in[end:])
		for _, chunk := range []int{0, 5} {
			if got := string(run(t, in, chunk, Options{Allowed: allow(trackers.Optional...), CookieTable: table})); got != want {
				t.Errorf("%s, chunk %d: the page changed beyond the marker's children:\n%s", p, chunk, got)
			}
		}
	}
}
