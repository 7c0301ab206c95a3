package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// corpusDir is testdata/corpus: the council pages the corpus test grades.
func corpusDir() string { return filepath.Join(testcaddy.RepoRoot(), "testdata", "corpus") }

// corpusOrigin is the council's web server behind Caddy: it serves
// testdata/corpus under /corpus/ as a CMS would. Each NAME.html (.xhtml,
// .svg) is sent with the header lines of NAME.headers; "{{nonce}}" in a page
// or its headers becomes a fresh nonce per response, as a CSP-aware CMS
// makes one; an "Early-Hints-Link" header line is sent as the Link of a
// 103 Early Hints response before the final one. Files under fragments/
// answer requests from htmx (HX-Request), Turbo (Turbo-Frame) and XHR
// (X-Requested-With) with the fragment alone and anything else with the
// fragment inside the site layout, as server-rendered apps do. /media/oembed
// renders a first-party sub-document for an embed URL; the oversized pages
// are generated (see corpusGenerated).
type corpusOrigin struct {
	srv *httptest.Server

	mu   sync.Mutex
	reqs []string // path?query of every request, for the fragment checks
}

func startCorpusOrigin(t *testing.T) *corpusOrigin {
	t.Helper()
	o := &corpusOrigin{}
	o.srv = httptest.NewServer(http.HandlerFunc(o.serve))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *corpusOrigin) addr() string { return o.srv.Listener.Addr().String() }

func (o *corpusOrigin) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.reqs = append(o.reqs, r.URL.RequestURI())
	o.mu.Unlock()
	w.Header().Set("Cache-Control", "no-cache")
	switch {
	case r.URL.Path == "/media/oembed":
		o.serveOEmbed(w, r)
		return
	case r.URL.Path == "/favicon.ico":
		w.WriteHeader(http.StatusNoContent)
		return
	case !strings.HasPrefix(r.URL.Path, "/corpus/"):
		http.NotFound(w, r)
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/corpus/")
	if gen, ok := corpusGenerated[name]; ok {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(gen())
		return
	}
	file := filepath.Join(corpusDir(), filepath.FromSlash(name))
	body, err := os.ReadFile(file)
	if err != nil || strings.HasSuffix(name, ".headers") {
		http.NotFound(w, r)
		return
	}
	if ct := corpusContentType(name); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if strings.HasPrefix(name, "fragments/") && !isFragmentRequest(r) {
		body = fmt.Appendf(nil, "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>Llanwern County Council</title>\n</head>\n<body>\n%s</body>\n</html>\n", body)
	}
	nonce := ""
	if bytes.Contains(body, []byte("{{nonce}}")) {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		nonce = base64.RawURLEncoding.EncodeToString(b)
		body = bytes.ReplaceAll(body, []byte("{{nonce}}"), []byte(nonce))
	}
	if hdr, err := os.ReadFile(strings.TrimSuffix(file, path.Ext(file)) + ".headers"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(hdr))
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok || strings.HasPrefix(strings.TrimSpace(k), "#") {
				continue
			}
			v = strings.ReplaceAll(strings.TrimSpace(v), "{{nonce}}", nonce)
			if k == "Early-Hints-Link" {
				w.Header().Add("Link", v)
				w.WriteHeader(http.StatusEarlyHints)
				w.Header().Del("Link")
				continue
			}
			if strings.EqualFold(k, "Content-Type") {
				w.Header().Set(k, v) // replaces the default: two fields would be a page with two types
				continue
			}
			w.Header().Add(k, v)
		}
	}
	_, _ = w.Write(body)
}

// isFragmentRequest: the request headers of htmx, Turbo and jQuery-style
// XHR that server-rendered apps answer with a fragment.
func isFragmentRequest(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" || r.Header.Get("Turbo-Frame") != "" ||
		strings.EqualFold(r.Header.Get("X-Requested-With"), "XMLHttpRequest")
}

func corpusContentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".xhtml":
		return "application/xhtml+xml; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".png":
		return "image/png"
	case ".json":
		return "application/json"
	}
	return ""
}

// serveOEmbed is the CMS's oEmbed proxy: a small first-party document that
// the page frames, holding the provider's player (as Drupal's media_oembed
// and WordPress's wp-embed do).
func (o *corpusOrigin) serveOEmbed(w http.ResponseWriter, r *http.Request) {
	u, _ := url.Parse(r.URL.Query().Get("url"))
	id := "unknown"
	if u != nil && u.Query().Get("v") != "" {
		id = u.Query().Get("v")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>%[1]s</title>
<script>(window.__marks = window.__marks || []).push('oembed-inline');</script>
<style>html, body { margin: 0; padding: 0; overflow: hidden; }</style>
</head>
<body class="media-oembed-content">
<iframe width="480" height="270" src="https://www.youtube.com/embed/%[2]s?feature=oembed" frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture" allowfullscreen title="%[1]s"></iframe>
</body>
</html>
`, html.EscapeString("Council meeting (oEmbed)"), url.PathEscape(id))
}

// corpusGenerated are the oversized pages, built at test time rather than
// committed: a tracker tag whose 1.5 MB attribute ends in "<!--" or
// "<textarea>", and an inline script of 1.5 MB ending in a GA bootstrap.
// Each has trackers after the big token that must stay neutralised.
var corpusGenerated = map[string]func() []byte{
	"oversized-attr-comment.html":  func() []byte { return oversizedAttr("oversized-attr-comment", "<!--") },
	"oversized-attr-textarea.html": func() []byte { return oversizedAttr("oversized-attr-textarea", "<textarea>") },
	"oversized-script.html":        oversizedScript,
}

const bigSize = 1536 * 1024

func corpusHead(name string) string {
	return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>` + name + ` - Llanwern County Council</title>
<link rel="stylesheet" href="/corpus/css/council.css">
<script src="/corpus/js/mark.js"></script>
<script>(window.__marks = window.__marks || []).push('head-inline');</script>
`
}

// corpusTail is the rest of a generated page: later trackers of every
// kind, then a first-party marker that must still run.
const corpusTail = `<main id="main">
<h1>Planning applications</h1>
<p>Search and comment on planning applications.</p>
<iframe width="560" height="315" src="https://www.youtube.com/embed/AfterBig1" title="YouTube video player" frameborder="0" allowfullscreen></iframe>
<script async src="https://static.hotjar.com/c/hotjar-3021001.js?sv=6"></script>
<img src="https://www.facebook.com/tr?id=222222222222222&amp;ev=PageView&amp;noscript=1" height="1" width="1" alt="">
</main>
<script>(window.__marks = window.__marks || []).push('tail-inline');</script>
</body>
</html>
`

func oversizedAttr(name, tail string) []byte {
	var b bytes.Buffer
	b.WriteString(corpusHead(name))
	b.WriteString(`<script async src="https://www.googletagmanager.com/gtag/js?id=G-BIGATTR1" data-cfasync="false" data-config="`)
	pad := bigSize - len(tail)
	for b.Len() < pad {
		b.WriteString("eyJwYWdlX3BhdGgiOiIvcGxhbm5pbmcifQ")
	}
	// The attribute ends in markup: a tokenizer that lost its place after
	// the 1 MiB limit reads the rest of the page as a comment or RCDATA.
	b.WriteString(html.EscapeString(tail) + tail + `"></script>
</head>
<body>
`)
	b.WriteString(corpusTail)
	return b.Bytes()
}

func oversizedScript() []byte {
	var b bytes.Buffer
	b.WriteString(corpusHead("oversized-script"))
	b.WriteString("<script>\n/* theme bundle */\nvar councilTheme = {};\n")
	for i := 0; b.Len() < bigSize; i++ {
		fmt.Fprintf(&b, "councilTheme.s%d = function (el) { return el && el.classList && el.classList.toggle('is-open-%d'); };\n", i, i%7)
	}
	b.WriteString(`(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){
(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),
m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');
ga('create', 'UA-1234567-8', 'auto');
ga('send', 'pageview');
</script>
</head>
<body>
`)
	b.WriteString(corpusTail)
	return b.Bytes()
}
