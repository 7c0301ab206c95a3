package rewrite

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/trackers"
)

var update = flag.Bool("update", false, "rewrite golden files")

func catalogue(t testing.TB) *trackers.Catalogue {
	t.Helper()
	c, err := trackers.New(trackers.Builtin, []trackers.Rule{{Pattern: "maps.example.org", Category: trackers.Media}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run rewrites in in chunks of size chunk (0: one write) and returns the output.
func run(t testing.TB, in []byte, chunk int, opts Options) []byte {
	t.Helper()
	if opts.Catalogue == nil {
		opts.Catalogue = catalogue(t)
	}
	var out bytes.Buffer
	r := New(&out, opts)
	if chunk <= 0 {
		chunk = len(in) + 1
	}
	for i := 0; i < len(in); i += chunk {
		if _, err := r.Write(in[i:min(i+chunk, len(in))]); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return out.Bytes()
}

func allow(cats ...trackers.Category) func(trackers.Category) bool {
	return func(c trackers.Category) bool {
		for _, a := range cats {
			if a == c {
				return true
			}
		}
		return false
	}
}

// Each vendor snippet form, as sites paste it, and what must come out.
func TestVendorSnippets(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"gtag external", `<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`,
			`<script type="text/plain" data-consent="analytics" data-consent-vendor="google-analytics" async data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`},
		{"gtag inline config", "<script>\nwindow.dataLayer = window.dataLayer || [];\nfunction gtag(){dataLayer.push(arguments);}\ngtag('config', 'G-1');\n</script>",
			"<script type=\"text/plain\" data-consent=\"analytics\" data-consent-vendor=\"google-analytics\">\nwindow.dataLayer = window.dataLayer || [];\nfunction gtag(){dataLayer.push(arguments);}\ngtag('config', 'G-1');\n</script>"},
		{"analytics.js loader", `<script>(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');ga('create','UA-1-1','auto');</script>`,
			`<script type="text/plain" data-consent="analytics" data-consent-vendor="google-analytics">(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');ga('create','UA-1-1','auto');</script>`},
		{"ga.js legacy typed", `<script type="text/javascript">var _gaq = _gaq || [];_gaq.push(['_setAccount','UA-1']);</script>`,
			`<script type="text/plain" data-consent-type="text/javascript" data-consent="analytics" data-consent-vendor="google-analytics" type="text/javascript">var _gaq = _gaq || [];_gaq.push(['_setAccount','UA-1']);</script>`},
		{"gtm container", `<script>(function(w,d,s,l,i){w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});j.src='https://www.googletagmanager.com/gtm.js?id='+i})(window,document,'script','dataLayer','GTM-1');</script>`,
			`<script type="text/plain" data-consent="analytics" data-consent-vendor="google-tag-manager">(function(w,d,s,l,i){w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});j.src='https://www.googletagmanager.com/gtm.js?id='+i})(window,document,'script','dataLayer','GTM-1');</script>`},
		{"gtm noscript iframe", `<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-1" height="0" width="0"></iframe></noscript>`,
			`<noscript><iframe data-consent="analytics" data-consent-vendor="google-tag-manager" data-consent-src="https://www.googletagmanager.com/ns.html?id=GTM-1" height="0" width="0"></iframe></noscript>`},
		{"hotjar", `<script>(function(h,o,t,j,a,r){h.hj=h.hj||function(){};h._hjSettings={hjid:1,hjsv:6};})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>`,
			`<script type="text/plain" data-consent="analytics" data-consent-vendor="hotjar">(function(h,o,t,j,a,r){h.hj=h.hj||function(){};h._hjSettings={hjid:1,hjsv:6};})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>`},
		{"meta pixel", `<script>!function(f,b,e,v,n,t,s){}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init','1');</script>`,
			`<script type="text/plain" data-consent="marketing" data-consent-vendor="meta">!function(f,b,e,v,n,t,s){}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init','1');</script>`},
		{"meta pixel noscript img", `<noscript><img height=1 width=1 style="display:none" src="https://www.facebook.com/tr?id=1&ev=PageView&noscript=1"/></noscript>`,
			`<noscript><img data-consent="marketing" data-consent-vendor="facebook-tr" height=1 width=1 style="display:none" data-consent-src="https://www.facebook.com/tr?id=1&ev=PageView&noscript=1"/></noscript>`},
		{"facebook sdk", `<script async defer crossorigin="anonymous" src="https://connect.facebook.net/en_GB/sdk.js#xfbml=1"></script>`,
			`<script type="text/plain" data-consent="social" data-consent-vendor="facebook-sdk" async defer crossorigin="anonymous" data-consent-src="https://connect.facebook.net/en_GB/sdk.js#xfbml=1"></script>`},
		{"facebook plugin iframe", `<iframe src="https://www.facebook.com/plugins/page.php?href=x" width="340"></iframe>`,
			`<iframe data-consent="social" data-consent-vendor="facebook" data-consent-src="https://www.facebook.com/plugins/page.php?href=x" width="340"></iframe>`},
		{"twitter widgets", `<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>`,
			`<script type="text/plain" data-consent="social" data-consent-vendor="twitter" async data-consent-src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>`},
		{"x widgets inline loader", `<script>window.twttr = (function(d, s, id) {})(document, "script", "twitter-wjs");</script>`,
			`<script type="text/plain" data-consent="social" data-consent-vendor="twitter">window.twttr = (function(d, s, id) {})(document, "script", "twitter-wjs");</script>`},
		{"youtube iframe", `<iframe width="560" height="315" src="https://www.youtube.com/embed/abc" allowfullscreen></iframe>`,
			`<iframe data-consent="media" data-consent-vendor="youtube" width="560" height="315" data-consent-src="https://www.youtube.com/embed/abc" allowfullscreen></iframe>`},
		{"youtube nocookie lazy uppercase", `<IFRAME data-src="https://www.youtube-nocookie.com/embed/abc" class=lazyload></IFRAME>`,
			`<IFRAME data-consent="media" data-consent-vendor="youtube" data-consent-data-src="https://www.youtube-nocookie.com/embed/abc" class=lazyload></IFRAME>`},
		{"protocol-relative unquoted", `<SCRIPT SRC=//www.google-analytics.com/ga.js></SCRIPT>`,
			`<SCRIPT type="text/plain" data-consent="analytics" data-consent-vendor="google-analytics" data-consent-src=//www.google-analytics.com/ga.js></SCRIPT>`},
		{"preconnect dropped", `<link rel="preconnect" href="https://www.google-analytics.com"><link rel=dns-prefetch href=//connect.facebook.net>`, ``},
		{"preload dropped", `<link rel="preload" as="script" href="https://www.googletagmanager.com/gtag/js?id=G-1">`, ``},
		{"site rule iframe", `<iframe src="https://maps.example.org/embed?q=1"></iframe>`,
			`<iframe data-consent="media" data-consent-vendor="site:maps.example.org" data-consent-src="https://maps.example.org/embed?q=1"></iframe>`},
		{"entity-encoded url", `<img src="https://www.facebook.com/tr?id=1&amp;ev=x">`,
			`<img data-consent="marketing" data-consent-vendor="facebook-tr" data-consent-src="https://www.facebook.com/tr?id=1&amp;ev=x">`},
		{"module from tracker keeps type", `<script type="module" src="https://platform.twitter.com/m.js"></script>`,
			`<script type="text/plain" data-consent-type="module" data-consent="social" data-consent-vendor="twitter" type="module" data-consent-src="https://platform.twitter.com/m.js"></script>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(run(t, []byte(tt.in), 0, Options{}))
			if got != tt.want {
				t.Errorf("rewrite\n in: %s\ngot: %s\nwant: %s", tt.in, got, tt.want)
			}
		})
	}
}

// First-party code, data scripts and already-consented vendors pass byte for byte.
func TestUntouched(t *testing.T) {
	tests := []struct {
		name, in string
		opts     Options
	}{
		{"first-party analytics.js", `<script src="/js/analytics.js"></script><script src="https://cdn.council.gov.uk/analytics.js"></script>`, Options{}},
		{"json-ld mentioning tracker", `<script type="application/ld+json">{"sameAs":["https://www.facebook.com/x","https://twitter.com/x"],"gtag(":1}</script>`, Options{}},
		{"module app", `<script type="module" src="/js/app.js"></script><script type="module">import x from "/a.js"; x();</script>`, Options{}},
		{"inline first party", `<script>document.documentElement.className += ' js';</script>`, Options{}},
		{"links to trackers are fine", `<a href="https://www.facebook.com/council">Facebook</a><a href="https://www.youtube.com/watch?v=1">video</a>`, Options{}},
		{"template script", `<script type="text/x-template"><iframe src="https://www.youtube.com/embed/x"></iframe></script>`, Options{}},
		{"consented analytics", `<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script><script>gtag('config','G-1')</script>`, Options{Allowed: allow(trackers.Analytics)}},
		{"consented media", `<iframe src="https://www.youtube.com/embed/x"></iframe>`, Options{Allowed: allow(trackers.Media)}},
		{"tracker host in text and comments", `<p>Visit youtube.com</p><!-- <script src="https://www.google-analytics.com/ga.js"></script> -->`, Options{}},
		{"stylesheet from first party", `<link rel="stylesheet" href="/style.css"><link rel=preconnect href="https://fonts.gstatic.com">`, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(run(t, []byte(tt.in), 0, tt.opts)); got != tt.in {
				t.Errorf("changed untouched input\n in: %s\ngot: %s", tt.in, got)
			}
		})
	}
}

// Injection points: after <head>, before the first real </body>, or at the end.
func TestInjection(t *testing.T) {
	head := []byte("<HEAD-INJECT>")
	body := func(lang string) []byte { return []byte("<BODY-INJECT lang=" + lang + ">") }
	tests := []struct{ name, in, want string }{
		{"normal", `<!DOCTYPE html><html lang="cy"><head><title>x</title></head><body><p>hi</p></body></html>`,
			`<!DOCTYPE html><html lang="cy"><head><HEAD-INJECT><title>x</title></head><body><p>hi</p><BODY-INJECT lang=cy></body></html>`},
		{"no head no body end", `<p>hi`, `<HEAD-INJECT><p>hi<BODY-INJECT lang=>`},
		{"body end in comment and script string", `<html><head></head><body><!-- </body> --><script>var s = "</bo" + "dy>"; var t = '</body>';</script></body>`,
			`<html><head><HEAD-INJECT></head><body><!-- </body> --><script>var s = "</bo" + "dy>"; var t = '</body>';</script><BODY-INJECT lang=></body>`},
		{"uppercase body", `<HTML><HEAD></HEAD><BODY>x</BODY></HTML>`, `<HTML><HEAD><HEAD-INJECT></HEAD><BODY>x<BODY-INJECT lang=></BODY></HTML>`},
		{"only first body end", `<body>a</body>b</body>`, `<HEAD-INJECT><body>a<BODY-INJECT lang=></body>b</body>`},
		{"empty", ``, `<BODY-INJECT lang=>`},
		{"truncated tag at eof", `<html><body><p>x</p><div cla`, `<html><HEAD-INJECT><body><p>x</p><div cla<BODY-INJECT lang=>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(run(t, []byte(tt.in), 0, Options{HeadInject: head, BodyInject: body}))
			if got != tt.want {
				t.Errorf("\ngot:  %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// The demo council page against its golden output, and the same output
// whatever the chunking of the input.
func TestGoldenAndChunking(t *testing.T) {
	pages, _ := filepath.Glob("../testdata/site/*.html")
	more, _ := filepath.Glob("../testdata/site/*/*.html")
	pages = append(pages, more...)
	if len(pages) < 4 {
		t.Fatalf("demo site pages missing: %v", pages)
	}
	opts := Options{HeadInject: []byte("<!--head-->"), BodyInject: func(string) []byte { return []byte("<!--banner-->") }}
	for _, p := range pages {
		name := strings.ReplaceAll(strings.TrimPrefix(p, "../testdata/site/"), "/", "_")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			whole := run(t, in, 0, opts)
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				os.WriteFile(golden, whole, 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./rewrite -update)", err)
			}
			if !bytes.Equal(whole, want) {
				t.Errorf("output differs from %s (inspect, then go test ./rewrite -update)", golden)
			}
			for _, chunk := range []int{1, 2, 3, 7, 64, 1000} {
				if got := run(t, in, chunk, opts); !bytes.Equal(got, whole) {
					t.Errorf("chunk size %d changes the output", chunk)
				}
			}
		})
	}
}

// Bytes that are not valid UTF-8 (a windows-1252 page) pass unchanged.
func TestNonUTF8Untouched(t *testing.T) {
	in := []byte("<html><head><meta charset=windows-1252></head><body><p>Council tax \xa3120 \x93caf\xe9\x94</p><img src=\"https://www.facebook.com/tr?id=1\" alt=\"\xe9\"></body></html>")
	got := run(t, in, 5, Options{})
	if !bytes.Contains(got, []byte("<p>Council tax \xa3120 \x93caf\xe9\x94</p>")) || !bytes.Contains(got, []byte(`alt="`+"\xe9"+`"`)) {
		t.Errorf("non-UTF-8 bytes changed: %q", got)
	}
	if !bytes.Contains(got, []byte(`data-consent-src="https://www.facebook.com/tr?id=1"`)) {
		t.Errorf("pixel not neutralised: %q", got)
	}
}

// A token over MaxToken is passed through, memory stays bounded, and
// rewriting resumes after it (in raw-text mode inside a script).
func TestOversizedTokens(t *testing.T) {
	big := strings.Repeat("x", 5000)
	in := `<img src="data:image/png;base64,` + big + `"><script>var s = "` + big + `"; gtag('config','G');</script>` +
		`<iframe src="https://www.youtube.com/embed/a"></iframe>`
	got := string(run(t, []byte(in), 100, Options{MaxToken: 1024}))
	if strings.Count(got, big) != 2 {
		t.Fatalf("oversized tokens not passed through intact")
	}
	if !strings.Contains(got, `<iframe data-consent="media" data-consent-vendor="youtube" data-consent-src="https://www.youtube.com/embed/a">`) {
		t.Errorf("rewriting did not resume after an oversized token:\n%s", got[len(got)-200:])
	}
}

// An upstream gzip stream that breaks: what decoded is written, the error
// is reported, nothing panics.
func TestDecodeErrors(t *testing.T) {
	page := []byte(strings.Repeat("<p>Bins are collected weekly.</p>\n", 500) + `<script src="https://www.google-analytics.com/ga.js"></script>`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(page)
	zw.Close()
	decode := func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }

	var out bytes.Buffer
	r := New(&out, Options{Catalogue: catalogue(t), Decode: decode})
	r.Write(gz.Bytes()[:gz.Len()/2])
	if err := r.Close(); err == nil {
		t.Error("truncated gzip: no error reported")
	}
	if !bytes.HasPrefix(page, out.Bytes()[:out.Len()/2]) || out.Len() == 0 {
		t.Errorf("truncated gzip: decoded prefix not written (%d bytes)", out.Len())
	}

	out.Reset()
	r = New(&out, Options{Catalogue: catalogue(t), Decode: decode})
	r.Write([]byte("this is not gzip at all"))
	if err := r.Close(); err == nil || out.Len() != 0 {
		t.Errorf("garbage gzip: err=%v, wrote %d bytes", err, out.Len())
	}
}
