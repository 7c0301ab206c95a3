package rewrite

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/net/html"

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
	if chunk <= 0 {
		chunk = len(in) + 1
		if opts.Decode == nil {
			// As decompressors do, the last bytes come with io.EOF.
			opts.Decode = func(r io.Reader) (io.Reader, error) { return iotest.DataErrReader(r), nil }
		}
	}
	r := New(&out, opts)
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
		{"gtag inline config runs (calls are absorbed by the guard)", "<script>\nwindow.dataLayer = window.dataLayer || [];\nfunction gtag(){dataLayer.push(arguments);}\ngtag('config', 'G-1');\n</script>",
			"<script>\nwindow.dataLayer = window.dataLayer || [];\nfunction gtag(){dataLayer.push(arguments);}\ngtag('config', 'G-1');\n</script>"},
		{"analytics.js loader", `<script>(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');ga('create','UA-1-1','auto');</script>`,
			`<script type="text/plain" data-consent="analytics" data-consent-vendor="google-analytics">(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');ga('create','UA-1-1','auto');</script>`},
		{"ga.js legacy typed loader", `<script type="text/javascript">var _gaq = _gaq || [];_gaq.push(['_setAccount','UA-1']);(function(){var ga=document.createElement('script');ga.src='https://ssl.google-analytics.com/ga.js';})();</script>`,
			`<script type="text/plain" data-consent-type="text/javascript" data-consent="analytics" data-consent-vendor="google-analytics" type="text/javascript">var _gaq = _gaq || [];_gaq.push(['_setAccount','UA-1']);(function(){var ga=document.createElement('script');ga.src='https://ssl.google-analytics.com/ga.js';})();</script>`},
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
		{"first-party scripts named like trackers", `<script src="/gtm.js"></script><script src="https://www.llanwern.gov.uk/js/analytics.js"></script><script src="/js/ga.js"></script><script src="//cdn.llanwern.gov.uk/fbevents.js"></script>`, Options{}},
		{"json-ld and data scripts", `<script type="application/ld+json">{"sameAs":["https://www.youtube.com/c/x","https://x.com/x"],"description":"call gtag('config') and fbq('init') and twttr"}</script><script type="application/json" id="state">{"ga('create'":1,"_gaq":[]}</script><script type="text/plain" data-cookieconsent="statistics" src="https://www.google-analytics.com/analytics.js"></script>`, Options{}},
		{"twitter in a first-party comment", "<script>\n// Follow us on Twitter, Facebook and YouTube (see footer)\nvar menu = document.getElementById('nav'); menu.className += ' open';\n</script>", Options{}},
		{"first-party share buttons", `<script>function share(n) { var u = encodeURIComponent(location.href); window.open(n == 'fb' ? 'https://www.facebook.com/sharer/sharer.php?u=' + u : 'https://twitter.com/intent/tweet?url=' + u); } var travel = 'https://www.facebook.com/travelwales';</script>`, Options{}},
		{"first-party functions ending in ga or hj", `<script>function omega(a, b) {} omega('create', 1); saga('send', 2); var thj = 0; function bhj(x) {} bhj('x');</script>`, Options{}},
		{"dataLayer without a tag manager", `<script>window.dataLayer = window.dataLayer || []; dataLayer.push({'event': 'page', 'section': 'bins'}); window['ga-disable-UA-1-1'] = true;</script>`, Options{}},
		{"links and metadata", `<a href="https://youtu.be/abc">Watch</a><a href="//x.com/llanwern">X</a><a class="twitter-follow-button" href="https://twitter.com/llanwern">Follow</a><link rel="me" href="https://twitter.com/llanwern"><link rel="alternate" type="application/rss+xml" href="https://www.youtube.com/feeds/videos.xml?channel_id=x"><meta property="og:video" content="https://www.youtube.com/embed/abc"><meta name="twitter:site" content="@llanwern">`, Options{}},
		{"first-party images named after vendors", `<img src="/images/youtube-logo.png" alt="YouTube"><img src="https://www.llanwern.gov.uk/img/facebook.png" alt="Facebook"><iframe src="https://www.google.com/maps/embed?pb=x"></iframe>`, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(run(t, []byte(tt.in), 0, tt.opts)); got != tt.in {
				t.Errorf("changed untouched input\n in: %s\ngot: %s", tt.in, got)
			}
		})
	}
}

// Injection points: early in the head (see TestHeadPlacement), before the
// first real </body>, or at the end.
func TestInjection(t *testing.T) {
	head := func(dst []byte, _ Page) []byte { return append(dst, "<HEAD-INJECT>"...) }
	body := func(dst []byte, p Page) []byte { return append(dst, "<BODY-INJECT lang="+p.Lang+">"...) }
	tests := []struct{ name, in, want string }{
		{"normal", `<!DOCTYPE html><html lang="cy"><head><title>x</title></head><body><p>hi</p></body></html>`,
			`<!DOCTYPE html><html lang="cy"><head><title>x</title><HEAD-INJECT></head><body><p>hi</p><BODY-INJECT lang=cy></body></html>`},
		{"no head no body end", `<p>hi`, `<HEAD-INJECT><p>hi<BODY-INJECT lang=>`},
		{"body end in comment and script string", `<html><head></head><body><!-- </body> --><script>var s = "</bo" + "dy>"; var t = '</body>';</script></body>`,
			`<html><head><HEAD-INJECT></head><body><!-- </body> --><script>var s = "</bo" + "dy>"; var t = '</body>';</script><BODY-INJECT lang=></body>`},
		{"uppercase body", `<HTML><HEAD></HEAD><BODY>x</BODY></HTML>`, `<HTML><HEAD><HEAD-INJECT></HEAD><BODY>x<BODY-INJECT lang=></BODY></HTML>`},
		{"only first body end", `<body>a</body>b</body>`, `<HEAD-INJECT><body>a<BODY-INJECT lang=></body>b</body>`},
		{"empty", ``, `<HEAD-INJECT><BODY-INJECT lang=>`},
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

// The demo council pages and the corpus of old-CMS pages against their
// golden output, with nothing left that loads a tracker, and the same output
// whatever the chunking of the input.
func TestGoldenAndChunking(t *testing.T) {
	pages, _ := filepath.Glob("../testdata/site/*.html")
	more, _ := filepath.Glob("../testdata/site/*/*.html")
	corpus, _ := filepath.Glob("testdata/corpus/*.*")
	if len(pages)+len(more) < 4 || len(corpus) == 0 {
		t.Fatalf("demo site pages or corpus missing: %v %v", pages, corpus)
	}
	pages = append(append(pages, more...), corpus...)
	html := Options{HeadInject: func(dst []byte, _ Page) []byte { return append(dst, "<!--head-->"...) },
		BodyInject:  func(dst []byte, _ Page) []byte { return append(dst, "<!--banner-->"...) },
		CookieTable: func(Page) []byte { return []byte("<!--cookie table-->") }}
	for _, p := range pages {
		name := strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(p, "../testdata/site/"), "testdata/"), "/", "_")
		opts := html
		switch filepath.Ext(p) {
		case ".xhtml":
			opts.XML = true
		case ".svg":
			opts = Options{XML: true}
		}
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
			if l := leaks(whole); len(l) > 0 {
				t.Errorf("still loads a tracker: %q", l)
			}
			if opts.XML {
				d := xml.NewDecoder(bytes.NewReader(whole))
				d.Entity = xml.HTMLEntity
				for {
					tok, err := d.Token()
					if err == io.EOF {
						break
					} else if err != nil {
						t.Fatalf("output is not well-formed XML: %v", err)
					}
					if e, ok := tok.(xml.StartElement); ok {
						seen := map[xml.Name]bool{}
						for _, a := range e.Attr {
							if seen[a.Name] {
								t.Fatalf("duplicate attribute %v on %v", a.Name, e.Name)
							}
							seen[a.Name] = true
						}
					}
				}
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

// trackerHost finds a REQUIREMENTS section G host (or another catalogue host)
// in a URL as a browser would read it. It is written independently of the
// catalogue, so that a miss there cannot hide here.
var trackerHost = regexp.MustCompile(`(?i)//([a-z0-9-]+\.)*(google-analytics\.com|analytics\.google\.com|googletagmanager\.com|doubleclick\.net|googleadservices\.com|hotjar\.com|hotjar\.io|contentsquare\.net|youtube\.com|youtube-nocookie\.com|ytimg\.com|googlevideo\.com|facebook\.com|facebook\.net|fbcdn\.net|twitter\.com|x\.com|twimg\.com|ads-twitter\.com)(?:[:/?#]|$)`)

// bootstrap finds inline loaders: tracker hosts written into script text,
// and the loader globals of GA and Hotjar. Calls to a vendor's API alone
// (gtag(), fbq(), urchinTracker()) are left to run: the run-time guard
// stubs those globals (issue 8: neutralise the loads, absorb the calls).
var bootstrap = regexp.MustCompile(`GoogleAnalyticsObject|gtm\.js|_hjSettings|` +
	`google-analytics\.com|googletagmanager\.com/gt[am]|static\.hotjar\.com|contentsquare\.net|connect\.facebook\.net|facebook\.com/tr\b|platform\.(?:twitter|x)\.com|youtube\.com/(?:iframe|player)_api|googleadservices\.com|static\.ads-twitter\.com`)

// executableJS is the independent view of which script types run.
func executableJS(tok html.Token) bool {
	for _, a := range tok.Attr {
		if a.Key == "type" {
			t, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(a.Val)), ";")
			return t == "" || strings.Contains(t, "javascript") || strings.Contains(t, "ecmascript") || t == "module" ||
				t == "text/partytown" || t == "rocketlazyloadscript"
		}
	}
	return true
}

// leaks re-parses rewritten HTML and lists whatever would still load or run
// a tracker without consent: a tracker URL in any attribute of a fetching
// element, an executable script with tracker code, the same inside
// <noscript> (where scripts never run).
func leaks(out []byte) []string { return leaksIn(out, false) }

func leaksIn(out []byte, noscriptText bool) []string {
	var found []string
	z := html.NewTokenizer(bytes.NewReader(out))
	inScript, inNoscript := false, false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return found
		case html.TextToken:
			text := z.Text()
			if inScript && bootstrap.Match(text) {
				found = append(found, "inline script: "+string(text))
			}
			if inNoscript {
				for _, l := range leaksIn(text, true) {
					found = append(found, "noscript: "+l)
				}
			}
			inScript, inNoscript = false, false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			inScript, inNoscript = false, tok.Data == "noscript" && tt == html.StartTagToken
			if strings.Contains(tok.Data, ":") || tok.Data == "cg-held" {
				continue // <fb:like>: markup for a vendor script, inert alone; a held AMP component
			}
			switch tok.Data {
			case "a", "div", "blockquote", "meta", "form", "span", "p":
				continue // links and data attributes fetch nothing
			case "link":
				if rel := attrVal(tok, "rel"); strings.Contains(rel, "me") && !strings.Contains(rel, "icon") || strings.Contains(rel, "alternate") || rel == "author" {
					continue
				}
			case "script":
				if !executableJS(tok) || noscriptText {
					continue
				}
				inScript = tt == html.StartTagToken
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(a.Key, "data-consent") {
					continue
				}
				v := strings.NewReplacer("\\", "/", "\t", "", "\n", "", "\r", "").Replace(a.Val)
				if trackerHost.MatchString(v) {
					found = append(found, tok.String())
					break
				}
			}
		default:
			inScript, inNoscript = false, false
		}
	}
}

func attrVal(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return strings.ToLower(a.Val)
		}
	}
	return ""
}

// The snippets sites have pasted over the years, each neutralised for a
// visitor with no consent: the vendors it is attributed to, in document
// order, and the parts that must survive byte for byte (readable embed
// text, links).
func TestSnippetVariants(t *testing.T) {
	tests := []struct {
		name, in string
		vendors  []string
		keep     []string
	}{
		// Google Analytics, every generation.
		{"urchin.js", `<script src="http://www.google-analytics.com/urchin.js" type="text/javascript">
</script>
<script type="text/javascript">
_uacct = "UA-12345-1";
urchinTracker();
</script>`, []string{"google-analytics"}, nil},
		{"ga.js document.write", `<script type="text/javascript">
var gaJsHost = (("https:" == document.location.protocol) ? "https://ssl." : "http://www.");
document.write(unescape("%3Cscript src='" + gaJsHost + "google-analytics.com/ga.js' type='text/javascript'%3E%3C/script%3E"));
</script>
<script type="text/javascript">
try {
var pageTracker = _gat._getTracker("UA-12345-1");
pageTracker._trackPageview();
} catch(err) {}</script>`, []string{"google-analytics"}, nil},
		{"ga.js async with CDATA", `<script type="text/javascript">
//<![CDATA[
  var _gaq = _gaq || [];
  _gaq.push(['_setAccount', 'UA-12345-1']);
  _gaq.push(['_trackPageview']);
  (function() {
    var ga = document.createElement('script'); ga.type = 'text/javascript'; ga.async = true;
    ga.src = ('https:' == document.location.protocol ? 'https://ssl' : 'http://www') + '.google-analytics.com/ga.js';
    var s = document.getElementsByTagName('script')[0]; s.parentNode.insertBefore(ga, s);
  })();
//]]>
</script>`, []string{"google-analytics"}, nil},
		{"dc.js in an HTML comment", `<script language="JavaScript">
<!--
var _gaq = _gaq || [];
_gaq.push(['_setAccount', 'UA-1-1'], ['_trackPageview']);
(function() { var ga = document.createElement('script'); ga.src = ('https:' == document.location.protocol ? 'https://' : 'http://') + 'stats.g.doubleclick.net/dc.js'; })();
//-->
</script>`, []string{"google-analytics"}, nil},
		{"urchin via document.write in comment", `<script><!--
document.write('<script src="http://www.google-analytics.com/urchin.js"><\/script>');
//--></script><p>after</p>`, []string{"google-analytics"}, []string{"<p>after</p>"}},
		{"analytics.js loader", `<script>
  (function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){
  (i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),
  m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
  })(window,document,'script','//www.google-analytics.com/analytics.js','ga');

  ga('create', 'UA-XXXXX-Y', 'auto');
  ga('send', 'pageview');
</script>`, []string{"google-analytics"}, nil},
		{"analytics.js split into three scripts", `<script type="application/javascript">(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');</script>
<script>ga('create', 'UA-1-1', 'auto');</script>
<script>ga( "require" , "displayfeatures" );
ga("set", "anonymizeIp", true);
ga("send", "pageview");</script>`, []string{"google-analytics"}, nil},
		{"analytics.js async alternative", `<script>
window.ga=window.ga||function(){(ga.q=ga.q||[]).push(arguments)};ga.l=+new Date;
ga('create', 'UA-XXXXX-Y', 'auto');
ga('send', 'pageview');
</script>
<script async src='https://www.google-analytics.com/analytics.js'></script>`, []string{"google-analytics"}, nil},
		{"MonsterInsights __gaTracker", `<script type="text/javascript" data-cfasync="false">
	var mi_version = '7.10.0';
	var mi_track_user = true;
	if ( mi_track_user ) {
		(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){
			(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),
			m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
		})(window,document,'script','//www.google-analytics.com/analytics.js','__gaTracker');
	}
</script>
<script type="text/javascript">__gaTracker('create', 'UA-1-1', 'auto');
__gaTracker('set', 'forceSSL', true);
__gaTracker('send','pageview');</script>`, []string{"google-analytics"}, nil},
		{"MonsterInsights __gtagTracker", `<script src="//www.googletagmanager.com/gtag/js?id=G-ABC123"  data-cfasync="false" data-wpfc-render="false" type="text/javascript" async></script>
<script data-cfasync="false" data-wpfc-render="false" type="text/javascript">
	var mi_version = '8.1.0';
	window.dataLayer = window.dataLayer || [];
	function __gtagTracker() {dataLayer.push( arguments );}
	window.__gtagTracker = __gtagTracker;
	__gtagTracker( 'js', new Date() );
	__gtagTracker( 'config', 'G-ABC123', {"forceSSL":"true"} );
</script>`, []string{"google-analytics"}, nil},
		{"gtag.js GA4 and UA", `<!-- Global site tag (gtag.js) - Google Analytics -->
<script async src="https://www.googletagmanager.com/gtag/js?id=UA-1-1"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'UA-1-1', { 'anonymize_ip': true });
  gtag('config', 'G-ABC123');
</script>`, []string{"google-analytics"}, nil},
		{"Site Kit gtag", `<script src="https://www.googletagmanager.com/gtag/js?id=GT-ABC" id="google_gtagjs-js" async></script>
<script id="google_gtagjs-js-after">
window.dataLayer = window.dataLayer || [];function gtag(){dataLayer.push(arguments);}
gtag("set","linker",{"domains":["www.llanwern.gov.uk"]});
gtag("js", new Date());
gtag("config", "GT-ABC");
</script>`, []string{"google-analytics"}, nil},
		{"gtag.js Google Ads", `<script async src="https://www.googletagmanager.com/gtag/js?id=AW-123456789"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'AW-123456789');
</script>
<script>
  gtag('event', 'conversion', {'send_to': 'AW-123456789/AbC-D_efG'});
</script>`, []string{"google-ads"}, nil},
		{"AdWords conversion.js", `<script type="text/javascript">
/* <![CDATA[ */
var google_conversion_id = 123456789;
var google_custom_params = window.google_tag_params;
var google_remarketing_only = true;
/* ]]> */
</script>
<script type="text/javascript" src="//www.googleadservices.com/pagead/conversion.js">
</script>
<noscript>
<div style="display:inline;">
<img height="1" width="1" style="border-style:none;" alt="" src="//googleads.g.doubleclick.net/pagead/viewthroughconversion/123456789/?guid=ON&amp;script=0"/>
</div>
</noscript>`, []string{"google-ads", "google-ads"}, []string{`<div style="display:inline;">`}},
		{"GTM custom dataLayer, environment, noscript", `<!-- Google Tag Manager -->
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl+ '&gtm_auth=AbC_dEf&gtm_preview=env-2&gtm_cookies_win=x';f.parentNode.insertBefore(j,f);
})(window,document,'script','councilLayer','GTM-ABC123');</script>
<!-- End Google Tag Manager -->
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-ABC123&gtm_auth=AbC_dEf&gtm_preview=env-2&gtm_cookies_win=x"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>`, []string{"google-tag-manager", "google-tag-manager"}, nil},
		{"GTM 2012 noscript first, protocol-relative", `<noscript><iframe src="//www.googletagmanager.com/ns.html?id=GTM-XXXX"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({"gtm.start":
new Date().getTime(),event:"gtm.js"});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!="dataLayer"?"&l="+l:"";j.async=true;j.src=
"//www.googletagmanager.com/gtm.js?id="+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,"script","dataLayer","GTM-XXXX");</script>`, []string{"google-tag-manager", "google-tag-manager"}, nil},
		{"GTM external script and entity-escaped noscript", `<script async src="https://www.googletagmanager.com/gtm.js?id=GTM-1&amp;l=dl"></script><NOSCRIPT><IFRAME SRC="https://www.googletagmanager.com/ns.html?id=GTM-1&amp;gtm_auth=x&amp;gtm_preview=env-5" HEIGHT=0 WIDTH=0></IFRAME></NOSCRIPT>`,
			[]string{"google-tag-manager", "google-tag-manager"}, nil},
		{"GA pixels and beacons", `<img src="https://www.google-analytics.com/collect?v=1&amp;tid=UA-1-1&amp;cid=555&amp;t=pageview" width=1 height=1 alt="">
<img src="https://region1.analytics.google.com/g/collect?v=2&tid=G-1" alt="">
<img src="https://stats.g.doubleclick.net/r/collect?v=1&t=dc" alt="">
<noscript><img src="https://www.google-analytics.com/__utm.gif?utmwv=5&utmac=UA-1-1" alt=""></noscript>`,
			[]string{"google-analytics", "google-analytics", "google-analytics", "google-analytics"}, nil},

		// Hotjar and Contentsquare.
		{"Hotjar 2014", `<script>
    (function(h,o,t,j,a,r){
        h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:123,hjsv:5};
        a=o.getElementsByTagName('head')[0];
        r=o.createElement('script');r.async=1;
        r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
        a.appendChild(r);
    })(window,document,'//static.hotjar.com/c/hotjar-','.js?sv=');
</script>`, []string{"hotjar"}, nil},
		{"Hotjar script tag and identify", `<script src="https://static.hotjar.com/c/hotjar-3456789.js?sv=7" async></script>
<script>hj('identify', 'u-1', {'signed_up': '2024-01-01'});</script>
<script>window.hj("event", "bins_form_submitted");</script>`, []string{"hotjar"}, nil},
		{"Contentsquare", `<script src="https://t.contentsquare.net/uxa/0123abcd.js"></script>
<script type="text/javascript">
(function () {
  window._uxa = window._uxa || [];
  if (typeof CS_CONF === 'undefined') {
    window._uxa.push(['setPath', window.location.pathname+window.location.hash.replace('#','?__')]);
    var mt = document.createElement("script"); mt.type = "text/javascript"; mt.async = true;
    mt.src = "//t.contentsquare.net/uxa/0123abcd.js";
    document.getElementsByTagName("head")[0].appendChild(mt);
  }
})();
</script>`, []string{"hotjar", "hotjar"}, nil},

		// Meta.
		{"Meta pixel with &amp; noscript", `<!-- Meta Pixel Code -->
<script>
!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '123456789012345');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=123456789012345&amp;ev=PageView&amp;noscript=1"
/></noscript>
<!-- End Meta Pixel Code -->
<script>fbq('track', 'Lead');</script>`, []string{"meta", "facebook-tr"}, nil},
		{"Facebook conversion pixel 2014", `<script>(function() {
  var _fbq = window._fbq || (window._fbq = []);
  if (!_fbq.loaded) {
    var fbds = document.createElement('script');
    fbds.async = true;
    fbds.src = '//connect.facebook.net/en_US/fbds.js';
    var s = document.getElementsByTagName('script')[0];
    s.parentNode.insertBefore(fbds, s);
    _fbq.loaded = true;
  }
})();
window._fbq = window._fbq || [];
window._fbq.push(['track', '6012345', {'value':'0.00','currency':'GBP'}]);
</script>
<noscript><img height="1" width="1" alt="" style="display:none" src="https://www.facebook.com/tr?ev=6012345&amp;cd[value]=0.00&amp;cd[currency]=GBP&amp;noscript=1" /></noscript>`,
			[]string{"meta", "facebook-tr"}, nil},
		{"Facebook SDK loader and page plugin", `<div id="fb-root"></div>
<script>(function(d, s, id) {
  var js, fjs = d.getElementsByTagName(s)[0];
  if (d.getElementById(id)) return;
  js = d.createElement(s); js.id = id;
  js.src = "https://connect.facebook.net/en_GB/sdk.js#xfbml=1&version=v3.2";
  fjs.parentNode.insertBefore(js, fjs);
}(document, 'script', 'facebook-jssdk'));</script>
<div class="fb-page" data-href="https://www.facebook.com/council" data-tabs="timeline" data-width="340"><blockquote cite="https://www.facebook.com/council" class="fb-xfbml-parse-ignore"><a href="https://www.facebook.com/council">Llanwern Council</a></blockquote></div>
<div class="fb-like" data-href="https://www.facebook.com/council" data-layout="button_count" data-action="like"></div>`,
			[]string{"facebook-sdk"}, []string{`<div class="fb-page" data-href="https://www.facebook.com/council" data-tabs="timeline" data-width="340"><blockquote cite="https://www.facebook.com/council" class="fb-xfbml-parse-ignore"><a href="https://www.facebook.com/council">Llanwern Council</a></blockquote></div>`, `<div class="fb-like" data-href="https://www.facebook.com/council" data-layout="button_count" data-action="like"></div>`}},
		{"Facebook all.js 2011", `<div id="fb-root"></div><script>(function(d, s, id) {
  var js, fjs = d.getElementsByTagName(s)[0];
  if (d.getElementById(id)) {return;}
  js = d.createElement(s); js.id = id;
  js.src = "//connect.facebook.net/en_GB/all.js#xfbml=1&appId=123";
  fjs.parentNode.insertBefore(js, fjs);
}(document, 'script', 'facebook-jssdk'));</script>
<fb:like href="https://www.facebook.com/council" send="false" width="450" show_faces="true"></fb:like>`, []string{"facebook-sdk"}, []string{`<fb:like href="https://www.facebook.com/council"`}},
		{"Facebook SDK tag with nonce", `<div id="fb-root"></div>
<script async defer crossorigin="anonymous" src="https://connect.facebook.net/en_GB/sdk.js#xfbml=1&version=v18.0&appId=1234" nonce="AbCdEf12"></script>`,
			[]string{"facebook-sdk"}, []string{`nonce="AbCdEf12"`}},
		{"Facebook fbAsyncInit", `<script>
  window.fbAsyncInit = function() {
    FB.init({appId: '1234', xfbml: true, version: 'v2.8'});
  };
</script>`, nil, nil},
		{"Facebook plugin iframes", `<iframe src="https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fcouncil&tabs=timeline&width=340&height=500" width="340" height="500" style="border:none;overflow:hidden" scrolling="no" frameborder="0" allowfullscreen="true" allow="autoplay; clipboard-write; encrypted-media; picture-in-picture; web-share"></iframe>
<iframe src="//www.facebook.com/plugins/like.php?href=http%3A%2F%2Fwww.council.gov.uk&amp;send=false&amp;layout=button_count&amp;width=450" scrolling="no" frameborder="0" style="border:none; overflow:hidden; width:450px; height:21px;" allowTransparency="true"></iframe>
<iframe src="https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fcouncil%2Fvideos%2F1%2F&show_text=0&width=560" width="560" height="315"></iframe>`,
			[]string{"facebook", "facebook", "facebook"}, []string{`width="340" height="500"`}},

		// X / Twitter.
		{"embedded tweet", `<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Bins are collected as normal on Monday <a href="https://t.co/AbC">pic.twitter.com/AbC</a></p>&mdash; Llanwern Council (@llanwern) <a href="https://twitter.com/llanwern/status/1?ref_src=twsrc%5Etfw">May 1, 2024</a></blockquote> <script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>`,
			[]string{"twitter"}, []string{`<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Bins are collected as normal on Monday <a href="https://t.co/AbC">pic.twitter.com/AbC</a></p>&mdash; Llanwern Council (@llanwern) <a href="https://twitter.com/llanwern/status/1?ref_src=twsrc%5Etfw">May 1, 2024</a></blockquote>`}},
		{"timeline on platform.x.com", `<a class="twitter-timeline" data-height="500" href="https://twitter.com/llanwern?ref_src=twsrc%5Etfw">Posts by llanwern</a> <script async src="https://platform.x.com/widgets.js" charset="utf-8"></script>`,
			[]string{"twitter"}, []string{`<a class="twitter-timeline" data-height="500" href="https://twitter.com/llanwern?ref_src=twsrc%5Etfw">Posts by llanwern</a>`}},
		{"twttr inline loader", `<script>window.twttr = (function(d, s, id) {
  var js, fjs = d.getElementsByTagName(s)[0],
    t = window.twttr || {};
  if (d.getElementById(id)) return t;
  js = d.createElement(s);
  js.id = id;
  js.src = "https://platform.twitter.com/widgets.js";
  fjs.parentNode.insertBefore(js, fjs);
  t._e = [];
  t.ready = function(f) {
    t._e.push(f);
  };
  return t;
}(document, "script", "twitter-wjs"));</script>`, []string{"twitter"}, nil},
		{"tweet button 2012", `<a href="https://twitter.com/share" class="twitter-share-button" data-via="llanwern">Tweet</a>
<script>!function(d,s,id){var js,fjs=d.getElementsByTagName(s)[0],p=/^http:/.test(d.location)?'http':'https';if(!d.getElementById(id)){js=d.createElement(s);js.id=id;js.src=p+'://platform.twitter.com/widgets.js';fjs.parentNode.insertBefore(js,fjs);}}(document, 'script', 'twitter-wjs');</script>`,
			[]string{"twitter"}, []string{`<a href="https://twitter.com/share" class="twitter-share-button" data-via="llanwern">Tweet</a>`}},
		{"syndication iframes", `<iframe src="https://syndication.twitter.com/srv/timeline-profile/screen-name/llanwern?dnt=true" width="400" height="600"></iframe>
<iframe src="https://platform.twitter.com/embed/Tweet.html?id=1&amp;dnt=true" width="550" height="400"></iframe>
<img src="https://pbs.twimg.com/profile_images/1/a.jpg" alt="">`, []string{"twitter", "twitter", "twitter"}, nil},
		{"X pixel", `<script>
!function(e,t,n,s,u,a){e.twq||(s=e.twq=function(){s.exe?s.exe.apply(s,arguments):s.queue.push(arguments);
},s.version='1.1',s.queue=[],u=t.createElement(n),u.async=!0,u.src='https://static.ads-twitter.com/uwt.js',
a=t.getElementsByTagName(n)[0],a.parentNode.insertBefore(u,a))}(window,document,'script');
twq('config','o1abc');
</script>
<noscript><img height="1" width="1" style="display:none;" alt="" src="https://analytics.twitter.com/i/adsct?txn_id=o1abc&amp;p_id=Twitter" /></noscript>`,
			[]string{"x-ads", "x-ads"}, nil},

		// YouTube.
		{"YouTube iframes", `<iframe width="560" height="315" src="https://www.youtube.com/embed/abc" title="YouTube video player" frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture" allowfullscreen></iframe>
<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/abc?rel=0" frameborder="0" allowfullscreen></iframe>
<iframe width="420" height="315" src="//www.youtube.com/embed/abc" frameborder="0" allowfullscreen></iframe>
<iframe width="640" height="360" src="http://www.youtube.com/embed/abc?feature=player_detailpage" frameborder="0" allowfullscreen></iframe>
<iframe src="https://m.youtube.com/embed/abc"></iframe>
<iframe class="youtube-player" type="text/html" width="640" height="385" src="http://www.youtube.com/embed/abc" frameborder="0"></iframe>`,
			[]string{"youtube", "youtube", "youtube", "youtube", "youtube", "youtube"}, []string{`width="560" height="315"`, `width="640" height="385"`}},
		{"YouTube lazy iframes", `<iframe class="lazyload" data-src="https://www.youtube.com/embed/abc" width="560" height="315"></iframe>
<iframe src="about:blank" data-rocket-lazyload="fitvidscompatible" data-lazy-src="https://www.youtube.com/embed/abc?feature=oembed" width="500" height="281"></iframe><noscript><iframe src="https://www.youtube.com/embed/abc?feature=oembed" width="500" height="281"></iframe></noscript>`,
			[]string{"youtube", "youtube", "youtube"}, []string{`src="about:blank"`}},
		{"YouTube Flash object and embed", `<object width="425" height="344"><param name="movie" value="http://www.youtube.com/v/abc&hl=en&fs=1"></param><param name="allowFullScreen" value="true"></param><embed src="http://www.youtube.com/v/abc&hl=en&fs=1" type="application/x-shockwave-flash" allowfullscreen="true" width="425" height="344"></embed></object>
<object type="application/x-shockwave-flash" data="//www.youtube.com/v/abc" width="425" height="350"><param name="movie" value="//www.youtube.com/v/abc" /></object>`,
			[]string{"youtube", "youtube", "youtube", "youtube"}, []string{`<param name="allowFullScreen" value="true">`}},
		{"YouTube iframe API", `<script src="https://www.youtube.com/iframe_api"></script>
<script src="http://www.youtube.com/player_api"></script>
<script>
  var tag = document.createElement('script');
  tag.src = "https://www.youtube.com/iframe_api";
  var firstScriptTag = document.getElementsByTagName('script')[0];
  firstScriptTag.parentNode.insertBefore(tag, firstScriptTag);
</script>
<script>
  var player;
  function onYouTubeIframeAPIReady() {
    player = new YT.Player('player', {height: '390', width: '640', videoId: 'abc'});
  }
</script>`, []string{"youtube", "youtube", "youtube"}, nil},
		{"YouTube thumbnail and poster", `<img src="https://i.ytimg.com/vi/abc/hqdefault.jpg" alt="Council meeting"><video poster="https://i.ytimg.com/vi/abc/maxresdefault.jpg" src="/media/meeting.mp4"></video>`,
			[]string{"youtube", "youtube"}, []string{`alt="Council meeting"`, `src="/media/meeting.mp4"`}},

		// How old CMSs and hand-edited pages write markup.
		{"uppercase, language attribute", `<SCRIPT LANGUAGE="JavaScript" SRC="http://www.google-analytics.com/urchin.js"></SCRIPT><SCRIPT LANGUAGE="JavaScript1.2">_uacct="UA-1";urchinTracker();</SCRIPT>`,
			[]string{"google-analytics"}, nil},
		{"unquoted and single-quoted", `<iframe src=https://www.youtube.com/embed/abc width=560 height=315></iframe><script src='https://www.googletagmanager.com/gtag/js?id=G-1' async></script>`,
			[]string{"youtube", "google-analytics"}, nil},
		{"entity-encoded URLs", `<script src="https:&#x2F;&#x2F;www.googletagmanager.com&#x2F;gtag&#x2F;js?id=G-1"></script><iframe src="https&#58;&#47;&#47;www.youtube.com/embed/abc"></iframe><img src="&#104;ttps://www.facebook.com/tr?id=1">`,
			[]string{"google-analytics", "youtube", "facebook-tr"}, nil},
		{"whitespace and newlines inside tags", "<iframe\n  width=\"560\"\n  src = \"https://www.youtube.com/embed/abc\"\n\tallowfullscreen\n></iframe><script\n\tasync\n\tsrc\n=\n'https://platform.twitter.com/widgets.js'\n></script>",
			[]string{"youtube", "twitter"}, nil},
		{"script types", `<script type="text/javascript" src="https://static.hotjar.com/c/hotjar-1.js"></script><script type="application/javascript">fbq('init','1')</script><script type="TEXT/JAVASCRIPT; charset=utf-8">_gaq.push(['_trackPageview'])</script><script type="application/x-javascript">twttr.ready()</script>`,
			[]string{"hotjar"}, nil},
		{"page-speed loaders", `<script type="text/partytown" src="https://www.googletagmanager.com/gtag/js?id=G-1"></script><script type="rocketlazyloadscript" data-rocket-src="https://connect.facebook.net/en_US/fbevents.js"></script><script type="rocketlazyloadscript">gtag('config','G-1')</script><script type="litespeed/javascript" data-src="https://static.hotjar.com/c/hotjar-1.js"></script>`,
			[]string{"google-analytics", "meta", "hotjar"}, nil},
		{"backslashes and newlines in URLs", "<iframe src=\"https:\\\\www.youtube.com\\embed\\abc\"></iframe><img src=\"/\n/i.ytimg.com/vi/abc/0.jpg\">", []string{"youtube", "youtube"}, nil},

		// Resource hints to every tracker host are dropped; a stylesheet
		// from one is neutralised.
		{"hints", `<link rel="preconnect" href="https://www.googletagmanager.com" crossorigin><link rel='dns-prefetch' href='//www.google-analytics.com'><LINK REL="DNS-PREFETCH" HREF="//STATIC.HOTJAR.COM"><link rel=preload as=script href=https://connect.facebook.net/en_US/fbevents.js><link rel="prefetch" href="https://www.youtube.com/s/player/x/base.js"><link rel="modulepreload" href="https://platform.x.com/m.js"><link rel="preconnect dns-prefetch" href="https://i.ytimg.com"><link rel="stylesheet" href="https://platform.twitter.com/css/x.css">`,
			[]string{"google-analytics", "google-analytics", "hotjar", "meta", "youtube", "twitter", "youtube", "twitter"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vendors []string
			opts := Options{OnNeutralise: func(v *trackers.Vendor) { vendors = append(vendors, v.ID) }}
			got := run(t, []byte(tt.in), 0, opts)
			if !slices.Equal(vendors, tt.vendors) {
				t.Errorf("neutralised %q, want %q\n in: %s\nout: %s", vendors, tt.vendors, tt.in, got)
			}
			if l := leaks(got); len(l) > 0 {
				t.Errorf("still loads a tracker: %q\nout: %s", l, got)
			}
			for _, k := range tt.keep {
				if !bytes.Contains(got, []byte(k)) {
					t.Errorf("lost %s\nout: %s", k, got)
				}
			}
			for _, chunk := range []int{1, 5} {
				if c := run(t, []byte(tt.in), chunk, Options{}); !bytes.Equal(c, got) {
					t.Errorf("chunk size %d changes the output", chunk)
				}
			}
			// With every category allowed the snippet is untouched.
			if all := run(t, []byte(tt.in), 0, Options{Allowed: allow(trackers.Optional...)}); string(all) != tt.in {
				t.Errorf("consented visitor got a changed page:\n%s", all)
			}
		})
	}
}

// Every hint relation to every tracker host of REQUIREMENTS section G is
// dropped, whatever the URL form.
func TestHintsToEveryHost(t *testing.T) {
	hosts := []string{"www.google-analytics.com", "region1.analytics.google.com", "www.googletagmanager.com", "stats.g.doubleclick.net",
		"static.hotjar.com", "ws.hotjar.io", "t.contentsquare.net", "www.youtube.com", "www.youtube-nocookie.com", "i.ytimg.com",
		"rr1---sn-x.googlevideo.com", "googleads.g.doubleclick.net", "connect.facebook.net", "www.facebook.com", "staticxx.facebook.net",
		"scontent.xx.fbcdn.net", "platform.twitter.com", "platform.x.com", "syndication.twitter.com", "cdn.syndication.twimg.com",
		"abs.twimg.com", "twitter.com", "x.com"}
	for _, h := range hosts {
		for _, rel := range []string{"preconnect", "dns-prefetch", "preload", "prefetch", "modulepreload", "PreConnect"} {
			for _, u := range []string{"https://" + h, "//" + h, "https://" + h + "/", "http://" + h + "/x.js"} {
				in := `<link rel="` + rel + `" href="` + u + `" crossorigin>`
				if got := run(t, []byte(in), 0, Options{}); len(got) != 0 {
					t.Errorf("%s: kept %s", in, got)
				}
			}
		}
	}
}

// Noscript markup, plain or not (comments, scripts, nested noscripts,
// incomplete tags), leaves no tracker live for a browser with scripting
// off, as x/net/html's tokenizer reads the output.
func TestNoscriptFragments(t *testing.T) {
	tests := []string{
		`<iframe src="https://www.googletagmanager.com/ns.html?id=GTM-1" height="0" width="0"></iframe>`,
		"<img height=\"1\" width=\"1\" style=\"display:none\"\nsrc=\"https://www.facebook.com/tr?id=1&amp;ev=PageView\"\n/>",
		`<div style="display:inline;"><img src="//googleads.g.doubleclick.net/x" alt='a>b'/></div>`,
		`<iframe src="https://www.youtube.com/embed/x"><img src="https://www.facebook.com/tr"></iframe><img src="https://www.facebook.com/tr">`,
		`<style><img src=https://www.facebook.com/tr></style ><img src=https://www.facebook.com/tr>`,
		`<TITLE></title<img src=//i.ytimg.com/x></TITLE/><IMG SRC=//i.ytimg.com/y>`,
		`<textarea></textareax><img src=//i.ytimg.com/x></textarea>`,
		`</div foo=">"><img src=//i.ytimg.com/x>`,
		`<img/src=//www.youtube.com/x><img =x src=//www.youtube.com/y><img src = 'x' src=//www.youtube.com/z>`,
		`<img src=>x src=//www.youtube.com/y>`,
		`x < y <img src=//www.youtube.com/x> 1<2 <`,
		`<iframe src=//www.youtube.com/embed/x></iframe`,
		`<img src=//www.facebook.com/tr`,
		`<img src="//www.facebook.com/tr>`,
		`<!-- <img src=//www.facebook.com/tr> --><img src=//www.facebook.com/tr>`,
		`<script>document.write('<img src=//www.facebook.com/tr>')</script><img src=//www.facebook.com/tr>`,
		`<noscript><img src=//www.facebook.com/tr></noscript><img src=//www.facebook.com/tr>`,
		`</ ><img src=//www.facebook.com/tr></><?x><img src=//www.facebook.com/tr>`,
	}
	cat := catalogue(t)
	for _, in := range tests {
		var b bytes.Buffer
		r := &Rewriter{opts: Options{Catalogue: cat, Allowed: allow()}, out: bufio.NewWriter(&b)}
		r.fragment([]byte(in))
		r.out.Flush()
		if v := executableTracker(cat, b.Bytes(), true); v != "" {
			t.Errorf("%s\n-> %s\nlive: %s", in, b.String(), v)
		}
	}
}

// The output buffer goes back to a pool on Close; a closed Rewriter must not
// touch it again.
func TestUseAfterClose(t *testing.T) {
	var a, b bytes.Buffer
	ra := New(&a, Options{Catalogue: catalogue(t)})
	ra.Write([]byte("<p>a</p>"))
	if err := ra.Close(); err != nil {
		t.Fatal(err)
	}
	rb := New(&b, Options{Catalogue: catalogue(t)})
	rb.Write([]byte("<p>b"))
	if err := ra.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := ra.Flush(); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
	if _, err := ra.Write([]byte("<p>late</p>")); err == nil {
		t.Error("Write after Close: no error")
	}
	rb.Write([]byte("</p>"))
	rb.Close()
	if a.String() != "<p>a</p>" || b.String() != "<p>b</p>" {
		t.Errorf("outputs mixed: %q %q", a.String(), b.String())
	}
}

// failAfter accepts n bytes, then fails every write, as a connection the
// client has gone from does.
type failAfter struct{ n int }

var errGone = errors.New("client gone")

func (w *failAfter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errGone
	}
	w.n -= len(p)
	return len(p), nil
}

// A failing destination ends the rewrite: the Write that meets the error,
// when the output buffer is flushed, returns it, and so does every Write
// after, without reading more. Output is buffered, so that may be a few
// Writes after the client went.
func TestWriteReportsTheDestinationsError(t *testing.T) {
	in := page(t, 1<<20)
	r := New(&failAfter{n: 50 << 10}, everyRule(t, new(int)))
	var err error
	written := 0
	for written < len(in) && err == nil {
		var n int
		n, err = r.Write(in[written:min(written+chunkSize, len(in))])
		written += n
	}
	if !errors.Is(err, errGone) {
		t.Fatalf("wrote the whole page, err %v; want the destination's error", err)
	}
	if written > 50<<10+2*chunkSize+16<<10 {
		t.Errorf("the error came after %d bytes of input; the destination failed after 50 KiB of output", written)
	}
	if _, err := r.Write(in[:chunkSize]); err == nil {
		t.Error("a Write after the error succeeded")
	}
	r.Close()
}
