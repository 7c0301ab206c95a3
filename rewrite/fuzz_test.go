package rewrite

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/consentgate/consentgate/trackers"
)

func FuzzRewrite(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/site/*.html")
	corpus, _ := filepath.Glob("testdata/corpus/*.*")
	for _, s := range append(seeds, corpus...) {
		b, _ := os.ReadFile(s)
		f.Add(b, uint16(7))
		f.Add(b, uint16(0x8000|13))
	}
	for _, s := range []string{
		`<script src=//www.google-analytics.com/ga.js></script>`,
		`<noscript><img src="https://www.facebook.com/tr?id=1"></noscript>`,
		`<script>gtag('config')`, `<scr`, `<noscript><iframe src=https://www.youtube.com/embed/x`,
		`<svg><script href="https://x"></script></svg><math><mi><script>fbq('x')</script>`,
		`<SCRIPT TYPE="TEXT/JAVASCRIPT">_gaq.push(1)</SCRIPT><script type=module>twttr</script>`,
		"<img srcset=\"https://www.facebook.com/tr 1x, /a.png 2x\"><link rel=\"PreConnect dns-prefetch\" href=https://www.hotjar.com>",
		`<script src="https:&#x2F;&#x2F;www.googletagmanager.com&#x2F;gtag&#x2F;js?id=G-1"></script><iframe src="https:\\www.youtube.com\embed\x">`,
		`<object><param name=movie value="http://www.youtube.com/v/x&hl=en"><embed src=//www.youtube.com/v/x></object>`,
		`<script type=rocketlazyloadscript data-rocket-src=https://connect.facebook.net/en_US/fbevents.js></script><script type="text/partytown">gtag('js')</script>`,
		`<script><!--` + "\n" + `document.write('<script src="http://www.google-analytics.com/urchin.js"><\/script>');//--></script>`,
		`<link rel=me href=https://twitter.com/x><link rel="stylesheet icon" href=//platform.x.com/a.css><a href=https://youtu.be/x>v</a>`,
		`<script>__gaTracker('create','UA-1');omega('send')</script><script>gtag('config','AW-1')</script><blockquote class=twitter-tweet><p>Bins</p></blockquote>`,
		`<amp-analytics type="gtag"><script type="application/json">{}</script></amp-analytics><amp-iframe src="/x"><amp-iframe src="https://www.facebook.com/plugins/x"></amp-iframe></amp-iframe>`,
		`<iframe srcdoc="<script src=&quot;//www.google-analytics.com/ga.js&quot;></script>"></iframe><template><img src=//www.facebook.com/tr></template>`,
		`<svg><style><img src=//www.facebook.com/tr></style><foreignObject><textarea>x</textarea></foreignObject><script href="//www.google-analytics.com/ga.js"/></svg>`,
		`<head><meta http-equiv="Content-Security-Policy" content="script-src 'nonce-a'"><title>t</title><script><!-- a < <script></script> --></script></head>`,
		`<noscript><script src="https://www.googletagmanager.com/gtag/js?id=G-1"/></noscript><?xml version="1.0"?><![CDATA[<img src=//www.facebook.com/tr>]]>`,
		`<div data-consent-cookie-table><div>a<script>"</div>"</script><svg><div/></svg></div><iframe src=//www.youtube.com/embed/x></div></body><p data-consent-cookie-table>x`,
	} {
		f.Add([]byte(s), uint16(3))
		f.Add([]byte(s), uint16(0x8000|5))
	}
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		f.Fatal(err)
	}
	empty, _ := trackers.New(nil, nil)
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		chunk := int(split%512) + 1
		xml := split&0x8000 != 0 // the same input as an XHTML or SVG document
		// Nothing to rewrite (no catalogue, or everything consented):
		// byte-identical output, even across oversized tokens.
		all := allow(trackers.Optional...)
		for _, max := range []int{0, 64} {
			for _, c := range []*trackers.Catalogue{empty, cat} {
				if got := run(t, in, chunk, Options{Catalogue: c, Allowed: all, MaxToken: max, XML: xml}); !bytes.Equal(got, in) {
					t.Fatalf("identity broken (MaxToken %d):\n in: %q\nout: %q", max, in, got)
				}
			}
		}
		if xml {
			for _, max := range []int{0, 64} {
				opts := Options{Catalogue: cat, MaxToken: max, XML: true}
				if a, b := run(t, in, 0, opts), run(t, in, chunk, opts); !bytes.Equal(a, b) {
					t.Fatalf("XML: chunk size %d changes output (MaxToken %d):\n%q\n%q", chunk, max, a, b)
				}
			}
			return
		}
		whole := run(t, in, 0, Options{Catalogue: cat})
		if got := run(t, in, chunk, Options{Catalogue: cat}); !bytes.Equal(got, whole) {
			t.Fatalf("chunk size %d changes output:\n%q\n%q", chunk, whole, got)
		}
		// Tokens over the bound stay fail-safe: nothing executable loads a
		// tracker, and the output does not depend on the chunking.
		small := run(t, in, 0, Options{Catalogue: cat, MaxToken: 64})
		if got := run(t, in, chunk, Options{Catalogue: cat, MaxToken: 64}); !bytes.Equal(got, small) {
			t.Fatalf("chunk size %d changes output with MaxToken 64:\n%q\n%q", chunk, small, got)
		}
		if v := executableTracker(cat, small, false); v != "" {
			t.Fatalf("tracker executable with MaxToken 64: %s\n in: %q\nout: %q", v, in, small)
		}
		// The cookie table fill drops only markup, never a tracker's hold.
		fill := Options{Catalogue: cat, MaxToken: 64, CookieTable: table}
		filled := run(t, in, 0, fill)
		if got := run(t, in, chunk, fill); !bytes.Equal(got, filled) {
			t.Fatalf("chunk size %d changes the filled output:\n%q\n%q", chunk, filled, got)
		}
		if v := executableTracker(cat, filled, false); v != "" {
			t.Fatalf("tracker executable with the fill: %s\n in: %q\nout: %q", v, in, filled)
		}
		if v := executableTracker(cat, whole, false); v != "" {
			t.Fatalf("tracker still executable in output: %s\n in: %q\nout: %q", v, in, whole)
		}
	})
}

// executableTracker re-tokenizes rewritten output and reports any element
// that would still load or run a tracker. Inside a <noscript> scripts never
// run: with scripting on its content is not parsed, with it off nothing runs.
func executableTracker(cat *trackers.Catalogue, out []byte, inNoscript bool) string {
	z := html.NewTokenizer(bytes.NewReader(out))
	jsOpen := false
	noscript := false
	for {
		tt := z.Next()
		raw := z.Raw()
		switch tt {
		case html.ErrorToken:
			return ""
		case html.TextToken:
			if jsOpen && cat.MatchInline(raw) != nil {
				return "inline script " + string(raw)
			}
			if noscript {
				if v := executableTracker(cat, raw, true); v != "" {
					return "in noscript: " + v
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			_, attrs := scanTag(raw, nil)
			if string(name) == "script" && isJavaScript(attrs) && !inNoscript {
				if src, n := scriptSrc(attrs); n != "" {
					if cat.MatchURL(src.value()) != nil {
						return "script " + string(raw)
					}
				} else {
					jsOpen = tt == html.StartTagToken
					noscript = false
					continue
				}
			}
			if string(name) == "script" {
				continue // executable or not, decided above
			}
			if string(name) == "link" && !fetchingLink(attrs) {
				continue
			}
			for _, n := range urlAttrs[string(name)] {
				if a, ok := get(attrs, n); ok && n != "srcset" && n != "data-srcset" && cat.MatchURL(a.value()) != nil {
					return string(raw)
				}
			}
			noscript = string(name) == "noscript" && tt == html.StartTagToken
			jsOpen = false
			continue
		}
		jsOpen, noscript = false, false
	}
}

func fetchingLink(attrs []attr) bool {
	rel, _ := get(attrs, "rel")
	for _, t := range strings.Fields(strings.ToLower(rel.value())) {
		if slices.Contains(hintRels, t) || slices.Contains(fetchRels, t) {
			return true
		}
	}
	return false
}
