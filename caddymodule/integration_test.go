package caddymodule_test

// In-process Caddy integration tests for the cookie_consent handler. Each
// test loads a real Caddyfile and asserts what a client sees on the wire:
// status codes, headers and bytes. Caddy is process-global, so none of these
// tests run in parallel.

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/net/html"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/internal/testcaddy"
)

// gtagTag is the GA4 loader as testdata/site/index.html has it.
const gtagTag = `<script async src="https://www.googletagmanager.com/gtag/js?id=G-DEMO12345"></script>`

// hintLinks are the resource hints to tracker hosts in index.html, which the
// handler drops for a visitor who has not consented.
var hintLinks = []string{
	`<link rel="preconnect" href="https://www.google-analytics.com">`,
	`<link rel="dns-prefetch" href="//connect.facebook.net">`,
}

// ---------------------------------------------------------------------------
// helpers

func itReadSite(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testcaddy.RepoRoot(), "testdata", "site", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// itFileServer is a site block body serving testdata/site through the handler.
func itFileServer(t *testing.T, consentOpts string) string {
	return "cookie_consent {\n" + consentOpts + "\n}\nroot * " + strconv.Quote(filepath.Join(testcaddy.RepoRoot(), "testdata", "site")) + "\nfile_server\n"
}

// itClient never follows redirects and never adds or undoes Accept-Encoding,
// so responses are seen as sent.
func itClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// itDo sends req and reads the whole body; a body that cannot be read in
// full (Content-Length mismatch, reset connection) fails the test.
func itDo(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v (status %d, %d bytes read)", req.Method, req.URL, err, resp.StatusCode, len(body))
	}
	if cl := resp.Header.Get("Content-Length"); cl != "" && req.Method != http.MethodHead {
		if n, err := strconv.Atoi(cl); err != nil || n != len(body) {
			t.Errorf("%s %s: Content-Length %q but %d body bytes", req.Method, req.URL, cl, len(body))
		}
	}
	return resp, body
}

func itRequest(t *testing.T, method, u string, hdr map[string]string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return req
}

func itGet(t *testing.T, c *http.Client, u string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	return itDo(t, c, itRequest(t, http.MethodGet, u, hdr, nil))
}

// itPostChoice posts a consent form to base's /_consent/choice.
func itPostChoice(t *testing.T, c *http.Client, base string, form url.Values, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range hdr {
		h[k] = v
	}
	return itDo(t, c, itRequest(t, http.MethodPost, base+"/_consent/choice", h, strings.NewReader(form.Encode())))
}

// itConsent makes a same-origin choice and returns the consent cookie as a
// "consentgate=<value>" pair for a Cookie header.
func itConsent(t *testing.T, c *http.Client, base string, form url.Values) string {
	t.Helper()
	resp, _ := itPostChoice(t, c, base, form, map[string]string{"Origin": base})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("consent %v: status %d, want 303", form, resp.StatusCode)
	}
	ck := itCookieNamed(resp, "consentgate")
	if ck == nil || ck.Value == "" {
		t.Fatalf("consent %v: no consentgate cookie in %q", form, resp.Header.Values("Set-Cookie"))
	}
	return "consentgate=" + ck.Value
}

func itCookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func itVaryHas(resp *http.Response, token string) bool {
	for _, v := range resp.Header.Values("Vary") {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// itUpstream starts an origin server and returns its host:port for reverse_proxy.
func itUpstream(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

// ---------------------------------------------------------------------------
// what a browser would load

var itTrackerHosts = []string{
	"googletagmanager.com", "google-analytics.com", "facebook.net", "facebook.com",
	"hotjar.com", "youtube.com", "twitter.com",
}

var itInlineSignatures = []string{
	"googletagmanager.com", "google-analytics.com", "static.hotjar.com", "fbevents.js",
}

func itTrackerHost(raw string) string {
	raw = strings.TrimSpace(raw)
	if i := strings.IndexAny(raw, " \t\n,"); i >= 0 {
		raw = raw[:i] // first srcset candidate
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	for _, th := range itTrackerHosts {
		if h == th || strings.HasSuffix(h, "."+th) {
			return h
		}
	}
	return ""
}

func itExecutableScript(attrs map[string]string) bool {
	t, ok := attrs["type"]
	if !ok {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "", "module", "text/javascript", "application/javascript", "text/ecmascript", "application/ecmascript":
		return true
	}
	return false
}

// itLiveTrackers returns the tracker loads a browser would make from body,
// as "<element> <host or signature>": executable scripts from tracker
// hosts, executable inline scripts carrying tracker code, and iframes,
// images, embeds and links pointing at tracker hosts (inside <noscript> too,
// as a browser without JavaScript would load them).
func itLiveTrackers(body []byte) []string {
	body = itHeadInjectRE.ReplaceAll(body, nil) // the guard names tracker hosts to hold them
	var live []string
	var walk func(b []byte, where string)
	walk = func(b []byte, where string) {
		z := html.NewTokenizer(bytes.NewReader(b))
		inlineScript, inNoscript := false, false
		for {
			tt := z.Next()
			switch tt {
			case html.ErrorToken:
				return
			case html.TextToken:
				if inlineScript {
					for _, sig := range itInlineSignatures {
						if bytes.Contains(z.Raw(), []byte(sig)) {
							live = append(live, where+"inline-script "+sig)
							break
						}
					}
				}
				if inNoscript {
					walk(z.Raw(), "noscript ")
				}
				inlineScript, inNoscript = false, false
			case html.StartTagToken, html.SelfClosingTagToken:
				inlineScript, inNoscript = false, false
				name, hasAttr := z.TagName()
				attrs := map[string]string{}
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if _, dup := attrs[string(k)]; !dup {
						attrs[string(k)] = string(v) // browsers keep the first
					}
				}
				tag := string(name)
				switch tag {
				case "script":
					if !itExecutableScript(attrs) {
						continue
					}
					if src, ok := attrs["src"]; ok {
						if h := itTrackerHost(src); h != "" {
							live = append(live, where+"script "+h)
						}
					} else if tt == html.StartTagToken {
						inlineScript = true
					}
				case "noscript":
					inNoscript = tt == html.StartTagToken
				case "iframe", "img", "embed", "source", "video", "audio", "frame":
					for _, a := range []string{"src", "srcset", "data-src", "data-srcset", "data-lazy-src"} {
						if h := itTrackerHost(attrs[a]); attrs[a] != "" && h != "" {
							live = append(live, where+tag+" "+h)
						}
					}
				case "object":
					if h := itTrackerHost(attrs["data"]); attrs["data"] != "" && h != "" {
						live = append(live, where+tag+" "+h)
					}
				case "link":
					if h := itTrackerHost(attrs["href"]); attrs["href"] != "" && h != "" {
						live = append(live, where+"link "+h)
					}
				}
			default:
				inlineScript, inNoscript = false, false
			}
		}
	}
	walk(body, "")
	return live
}

func itHasLive(live []string, substr string) bool {
	return slices.ContainsFunc(live, func(s string) bool { return strings.Contains(s, substr) })
}

var itVendorRE = regexp.MustCompile(`<([a-zA-Z]+) (?:type="text/plain" (?:data-consent-type="[^"]*" )?)?data-consent="([a-z]+)" data-consent-vendor="([^"]*)"`)

// itNeutralised lists the elements made inert in body, in document order, as
// "<tag> <category>/<vendor>".
func itNeutralised(body []byte) []string {
	var out []string
	for _, m := range itVendorRE.FindAllSubmatch(body, -1) {
		out = append(out, string(m[1])+" "+string(m[2])+"/"+string(m[3]))
	}
	return out
}

// indexNeutralised is what a visitor without consent gets inert in
// testdata/site/index.html: every tracker, and nothing else (not the
// JSON-LD, not the first-party /js/analytics.js).
var indexNeutralised = []string{
	"script analytics/google-tag-manager", // GTM bootstrap
	"script analytics/google-analytics",   // gtag.js loader (its inline config only calls gtag: it runs)
	"script analytics/hotjar",
	"script marketing/meta", // pixel bootstrap
	"img marketing/facebook-tr",
	"iframe analytics/google-tag-manager", // GTM noscript
	"iframe media/youtube",
	"script social/facebook-sdk",
	"iframe social/facebook",
	"script social/twitter",
	"script analytics/google-analytics", // Universal Analytics
	"script analytics/google-analytics", // ga.js
}

// ---------------------------------------------------------------------------
// undoing the rewrite, to prove nothing else changed

var (
	// The run-time guard (inline, for visitors who have not consented to
	// everything), then Consent Mode's defaults.
	itHeadInjectRE = regexp.MustCompile(`(?s)(?:<script data-granted="[^"]*"(?: nonce="[^"]*")?>.*?</script>)?<script src="/_consent/consent-mode\.js" data-granted="[^"]*"(?: nonce="[^"]*")?></script>`)
	itMarkerRE     = regexp.MustCompile(`(?: type="text/plain"(?: data-consent-type="[^"]*")?)? data-consent="[a-z]+" data-consent-vendor="[^"]*"(?: data-consent-ph srcdoc="[^"]*")?`)
	itRenamedRE    = regexp.MustCompile(`data-consent-((?:data-)?(?:src|srcset|lazy-src)|poster|data|href|srcdoc)=`)
)

const (
	itBodyStart = `<div id="cg-root"`
	itBodyEnd   = `<script src="/_consent/banner.js" defer></script>` + "\n</div>"
)

// itUnrewrite takes a rewritten page apart: the head injection, the body
// injection (the banner markup) and the rest with every neutralisation
// marker removed and every renamed URL attribute restored. For a page whose
// only edits are the handler's, rest equals the original.
func itUnrewrite(t *testing.T, out []byte) (rest, head, body []byte) {
	t.Helper()
	heads := itHeadInjectRE.FindAllIndex(out, -1)
	if len(heads) != 1 {
		t.Fatalf("want exactly one Consent Mode head script, found %d", len(heads))
	}
	head = out[heads[0][0]:heads[0][1]]
	rest = append(slices.Clone(out[:heads[0][0]]), out[heads[0][1]:]...)
	if n := bytes.Count(rest, []byte(itBodyStart)); n != 1 {
		t.Fatalf(`want exactly one %s, found %d`, itBodyStart, n)
	}
	i := bytes.Index(rest, []byte(itBodyStart))
	j := bytes.Index(rest[i:], []byte(itBodyEnd))
	if j < 0 {
		t.Fatalf("banner markup does not end with %q", itBodyEnd)
	}
	j += i + len(itBodyEnd)
	body = slices.Clone(rest[i:j])
	rest = append(rest[:i:i], rest[j:]...)
	rest = itMarkerRE.ReplaceAll(rest, nil)
	rest = itRenamedRE.ReplaceAll(rest, []byte("$1="))
	return rest, head, body
}

// itAssertOnlyHandlerEdits checks that out is orig with only the handler's
// edits: injections, neutralised start tags and the dropped hint links.
func itAssertOnlyHandlerEdits(t *testing.T, orig, out []byte, dropped ...string) {
	t.Helper()
	rest, _, _ := itUnrewrite(t, out)
	want := orig
	for _, d := range dropped {
		if !bytes.Contains(want, []byte(d)) {
			t.Fatalf("test bug: %q not in the original", d)
		}
		want = bytes.Replace(want, []byte(d), nil, 1)
	}
	if !bytes.Equal(rest, want) {
		i := 0
		for i < len(rest) && i < len(want) && rest[i] == want[i] {
			i++
		}
		lo := max(0, i-80)
		t.Errorf("page differs beyond the handler's edits at byte %d:\n got: %q\nwant: %q",
			i, rest[lo:min(len(rest), i+120)], want[lo:min(len(want), i+120)])
	}
}

// itAssertUntouchedLines checks that every line of orig that holds no
// tracker (and is not where the banner goes) is in out, verbatim and in order.
func itAssertUntouchedLines(t *testing.T, orig, out []byte) {
	t.Helper()
	trackerLine := func(l string) bool {
		for _, h := range itTrackerHosts {
			if strings.Contains(l, h) {
				return true
			}
		}
		// Start tags of tracker elements whose URL or code is on a later line.
		return l == "<head>" || l == "</BODY>" || l == "<script>" || l == `<script type="text/javascript">` ||
			strings.HasPrefix(l, "<script>(function(w,d,s,l,i)") || strings.HasPrefix(l, "<noscript><img ")
	}
	outLines := strings.Split(string(itHeadInjectRE.ReplaceAll(out, nil)), "\n")
	k, checked := 0, 0
	for n, l := range strings.Split(string(orig), "\n") {
		if trackerLine(l) {
			continue
		}
		checked++
		for k < len(outLines) && outLines[k] != l {
			k++
		}
		if k == len(outLines) {
			t.Errorf("line %d of the original is not in the output unchanged: %q", n+1, l)
			return
		}
		k++
	}
	if checked < 100 {
		t.Fatalf("test bug: only %d lines checked", checked)
	}
}

// ---------------------------------------------------------------------------
// 1. upstream content encodings

func itGzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

var itEncoders = map[string]func([]byte) []byte{
	"gzip": itGzip,
	"br": func(b []byte) []byte {
		var buf bytes.Buffer
		w := brotli.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	"zstd": func(b []byte) []byte {
		e, _ := zstd.NewWriter(nil)
		defer e.Close()
		return e.EncodeAll(b, nil)
	},
	"deflate": func(b []byte) []byte { // RFC 9110 deflate: zlib
		var buf bytes.Buffer
		w := zlib.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	"deflate-raw": func(b []byte) []byte { // what some servers send as "deflate"
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	"identity": func(b []byte) []byte { return b },
}

func TestReverseProxyDecodesEveryUpstreamEncoding(t *testing.T) {
	orig := itReadSite(t, "index.html")
	var mu sync.Mutex
	seenAE := map[string][]string{} // request id → Accept-Encoding the upstream got
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		// An origin that ignores Accept-Encoding and always sends the
		// encoding named in the path.
		mu.Lock()
		seenAE[r.URL.Query().Get("id")] = r.Header.Values("Accept-Encoding")
		mu.Unlock()
		enc := strings.TrimPrefix(r.URL.Path, "/enc/")
		body := itEncoders[enc](orig)
		if enc == "deflate-raw" {
			enc = "deflate"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if enc != "identity" {
			w.Header().Set("Content-Encoding", enc)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("ETag", `"upstream-etag"`)
		w.Write(body)
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)

	requests := []struct {
		name   string
		hdr    map[string]string
		wantAE string // what the upstream must see; "" = not asserted
	}{
		{"page-all-encodings", map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Encoding": "gzip, deflate, br, zstd"}, "identity"},
		{"page-identity", map[string]string{"Accept": "text/html", "Accept-Encoding": "identity"}, "identity"},
		{"page-no-accept-encoding", map[string]string{"Accept": "text/html"}, ""},
		{"non-page-accept-gzip", map[string]string{"Accept": "*/*", "Accept-Encoding": "gzip"}, ""},
	}
	encs := []string{"gzip", "br", "zstd", "deflate", "deflate-raw", "identity"}
	n := 0
	for _, enc := range encs {
		for _, rq := range requests {
			t.Run(enc+"/"+rq.name, func(t *testing.T) {
				n++
				id := strconv.Itoa(n)
				resp, body := itGet(t, c, base+"/enc/"+enc+"?id="+id, rq.hdr)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200; body %q", resp.StatusCode, body[:min(len(body), 200)])
				}
				if ce := resp.Header.Get("Content-Encoding"); ce != "" {
					t.Errorf("Content-Encoding %q on a decoded, rewritten body", ce)
				}
				if et := resp.Header.Get("ETag"); et != "" {
					t.Errorf("upstream ETag %q kept on a rewritten page", et)
				}
				if !itVaryHas(resp, "Cookie") {
					t.Errorf("Vary %q lacks Cookie", resp.Header.Values("Vary"))
				}
				s := string(body)
				if strings.Contains(s, `<script async src="https://www.googletagmanager.com`) {
					t.Error("executable gtag.js loader left in the page")
				}
				if !strings.Contains(s, `data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-DEMO12345"`) {
					t.Error("gtag.js loader not found with data-consent-src")
				}
				if got := strings.Count(s, `id="cg-root"`); got != 1 {
					t.Errorf(`id="cg-root" appears %d times, want 1`, got)
				} else if strings.Index(s, `id="cg-root"`) > strings.Index(s, "</BODY>") {
					t.Error(`banner injected after </BODY>`)
				}
				if live := itLiveTrackers(body); len(live) > 0 {
					t.Errorf("trackers a browser would still load: %q", live)
				}
				if got := itNeutralised(body); !slices.Equal(got, indexNeutralised) {
					t.Errorf("neutralised elements\n got %q\nwant %q", got, indexNeutralised)
				}
				itAssertUntouchedLines(t, orig, body)
				itAssertOnlyHandlerEdits(t, orig, body, hintLinks...)

				mu.Lock()
				ae := seenAE[id]
				mu.Unlock()
				if rq.wantAE != "" && !slices.Equal(ae, []string{rq.wantAE}) {
					t.Errorf("upstream got Accept-Encoding %q, want %q", ae, rq.wantAE)
				}
			})
		}
	}
}

// The README's own setup: encode in front of cookie_consent compresses the
// rewritten page once; assets are compressed but unchanged.
func TestEncodeCompressesTheRewrittenPage(t *testing.T) {
	orig := itReadSite(t, "index.html")
	css := itReadSite(t, "style.css")
	base := testcaddy.Start(t, "encode gzip\n"+itFileServer(t, ""))
	c := itClient(t)

	resp, gz := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip"})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q; want 200 gzip", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body does not decode: %v", err)
	}
	if live := itLiveTrackers(body); len(live) > 0 {
		t.Errorf("trackers a browser would still load: %q", live)
	}
	itAssertOnlyHandlerEdits(t, orig, body, hintLinks...)

	resp, gz = itGet(t, c, base+"/style.css", map[string]string{"Accept-Encoding": "gzip"})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("style.css Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err = gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, css) {
		t.Errorf("style.css through encode is not the file (err %v)", err)
	}
}

// ---------------------------------------------------------------------------
// 2. broken upstream bodies

// An HTML body that claims gzip but is not must become a clean 502 (which
// handle_errors can turn into a page), never garbage and never a dropped
// connection.
func TestUndecodableUpstreamGzipIs502(t *testing.T) {
	garbage := bytes.Repeat([]byte("this is not gzip <script src=https://www.googletagmanager.com/gtm.js></script>\n"), 20)
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(garbage)))
		w.Write(garbage)
	})
	// file_server's precompressed sidecar, broken the same way.
	dir := t.TempDir()
	for name, b := range map[string][]byte{"index.html": []byte("<html><body>fine</body></html>"), "index.html.gz": garbage} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, site string
		hdr        map[string]string
	}{
		{"reverse_proxy", "cookie_consent\nreverse_proxy " + up, map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip"}},
		{"file_server-precompressed", "cookie_consent\nroot * " + strconv.Quote(dir) + "\nfile_server {\n\tprecompressed gzip\n}",
			map[string]string{"Accept": "*/*", "Accept-Encoding": "gzip"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := testcaddy.Start(t, tc.site)
			c := itClient(t)
			resp, err := c.Do(itRequest(t, http.MethodGet, base+"/index.html", tc.hdr, nil))
			if err != nil {
				t.Fatalf("want a 502 from Caddy, got no response at all (connection closed): %v", err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("reading body: %v", err)
			}
			if resp.StatusCode != http.StatusBadGateway {
				t.Errorf("status %d, want 502", resp.StatusCode)
			}
			if bytes.Contains(body, []byte("not gzip")) || bytes.Contains(body, []byte("googletagmanager")) {
				t.Errorf("upstream garbage delivered: %q", body[:min(len(body), 120)])
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("error response labelled Content-Encoding %q", ce)
			}
			// and the server carries on
			resp, _ = itGet(t, c, base+"/_consent/banner.css", nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("next request: status %d", resp.StatusCode)
			}
		})
	}
}

func TestTruncatedUpstreamGzipDeliversDecodedPrefix(t *testing.T) {
	orig := itReadSite(t, "index.html")
	full := itGzip(orig)
	half := full[:len(full)/2]
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		body := full
		if r.URL.Path == "/truncated" {
			body = half
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	hdr := map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip"}

	resp, whole := itGet(t, c, base+"/whole-page", hdr)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(whole, []byte(`id="cg-root"`)) {
		t.Fatalf("complete gzip page: status %d, banner %v", resp.StatusCode, bytes.Contains(whole, []byte(`id="cg-root"`)))
	}

	resp, part := itGet(t, c, base+"/truncated", hdr)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 with the decodable prefix", resp.StatusCode)
	}
	if len(part) == 0 {
		t.Fatal("nothing of the decodable prefix was delivered")
	}
	// The same page at another path differs only in the banner's return_to,
	// which comes at the end: the prefix must match the complete rewrite.
	wholeAtPath := bytes.ReplaceAll(whole, []byte("/whole-page"), []byte("/truncated"))
	if !bytes.HasPrefix(wholeAtPath, part) {
		i := 0
		for i < len(part) && part[i] == wholeAtPath[i] {
			i++
		}
		t.Errorf("delivered %d bytes that are not a prefix of the rewritten page; from byte %d:\n got %q\nwant %q",
			len(part), i, part[i:min(i+200, len(part))], wholeAtPath[i:min(i+200, len(wholeAtPath))])
	}
	if len(part) >= len(wholeAtPath) {
		t.Errorf("delivered %d bytes from half a gzip stream, the whole page is %d", len(part), len(wholeAtPath))
	}
	if live := itLiveTrackers(part); len(live) > 0 {
		t.Errorf("trackers a browser would load from the partial page: %q", live)
	}

	// The server is still healthy.
	for range 3 {
		resp, again := itGet(t, c, base+"/whole-page", hdr)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(again, whole) {
			t.Fatalf("after a truncated response: status %d, body equal %v", resp.StatusCode, bytes.Equal(again, whole))
		}
	}
}

// ---------------------------------------------------------------------------
// 3. pass-through

func TestPassThroughIsByteIdentical(t *testing.T) {
	orig := itReadSite(t, "index.html")
	js := []byte("// loader\nvar s='<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-X\"></script></body>';\n" +
		"document.write(s); // googletagmanager.com </BODY>\n")
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	const event1 = "data: <script src=\"https://www.googletagmanager.com/gtm.js\"></script>\n\n"
	const event2 = "data: </body> bye\n\n"

	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/js", "/json", "/text":
			ct := map[string]string{"/js": "application/javascript", "/json": "application/json", "/text": "text/plain; charset=utf-8"}[r.URL.Path]
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Content-Length", strconv.Itoa(len(js)))
			w.Write(js)
		case "/utf16":
			w.Header().Set("Content-Type", "text/html; charset=utf-16le")
			w.Write(itUTF16LE(orig))
		case "/compress":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Encoding", "compress")
			w.Write(js) // opaque bytes in an encoding the handler cannot read
		case "/no-transform":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "public, no-transform")
			w.Header().Set("Content-Length", strconv.Itoa(len(orig)))
			w.Write(orig)
		case "/events":
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-cache")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, event1)
			http.NewResponseController(w).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			io.WriteString(w, event2)
		}
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)

	for _, tc := range []struct{ path, accept string }{
		{"/js", "*/*"}, {"/json", "application/json"}, {"/text", "text/html"},
	} {
		t.Run("non-html"+tc.path, func(t *testing.T) {
			resp, body := itGet(t, c, base+tc.path, map[string]string{"Accept": tc.accept})
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, js) {
				t.Errorf("status %d; body changed:\n got %q\nwant %q", resp.StatusCode, body, js)
			}
			if resp.Header.Get("Content-Length") != strconv.Itoa(len(js)) {
				t.Errorf("Content-Length %q, want the upstream's %d", resp.Header.Get("Content-Length"), len(js))
			}
		})
	}

	t.Run("cache-control-no-transform", func(t *testing.T) {
		resp, body := itGet(t, c, base+"/no-transform", map[string]string{"Accept": "text/html"})
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, orig) {
			t.Errorf("status %d; no-transform HTML was changed (%d bytes, original %d)", resp.StatusCode, len(body), len(orig))
		}
	})

	t.Run("utf-16-html", func(t *testing.T) {
		resp, body := itGet(t, c, base+"/utf16", map[string]string{"Accept": "text/html"})
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, itUTF16LE(orig)) {
			t.Errorf("status %d; UTF-16 page was changed", resp.StatusCode)
		}
	})

	t.Run("unknown-content-encoding", func(t *testing.T) {
		resp, body := itGet(t, c, base+"/compress", map[string]string{"Accept": "text/html", "Accept-Encoding": "compress"})
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, js) || resp.Header.Get("Content-Encoding") != "compress" {
			t.Errorf("status %d, Content-Encoding %q; body changed: %v", resp.StatusCode, resp.Header.Get("Content-Encoding"), !bytes.Equal(body, js))
		}
	})

	t.Run("event-stream", func(t *testing.T) {
		req := itRequest(t, http.MethodGet, base+"/events", map[string]string{"Accept": "text/event-stream"}, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Errorf("Content-Type %q", ct)
		}
		first := make(chan []byte, 1)
		go func() {
			b := make([]byte, len(event1))
			n, _ := io.ReadFull(resp.Body, b)
			first <- b[:n]
		}()
		select {
		case b := <-first:
			if string(b) != event1 {
				t.Errorf("first event %q, want %q", b, event1)
			}
		case <-time.After(2 * time.Second):
			t.Error("first event not delivered while the stream is open: the stream is buffered")
		}
		releaseOnce.Do(func() { close(release) })
		rest, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if string(rest) != event2 {
			t.Errorf("rest of stream %q, want %q", rest, event2)
		}
	})

	// file_server responses
	fbase := testcaddy.Start(t, itFileServer(t, ""))

	t.Run("range-206", func(t *testing.T) {
		resp, body := itGet(t, c, fbase+"/index.html", map[string]string{"Accept": "text/html", "Range": "bytes=0-99"})
		if resp.StatusCode != http.StatusPartialContent {
			t.Fatalf("status %d, want 206", resp.StatusCode)
		}
		if !bytes.Equal(body, orig[:100]) {
			t.Errorf("range body %q, want the file's first 100 bytes %q", body, orig[:100])
		}
		if cr, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes 0-99/%d", len(orig)); cr != want {
			t.Errorf("Content-Range %q, want %q", cr, want)
		}
	})

	t.Run("head", func(t *testing.T) {
		_, get := itGet(t, c, fbase+"/index.html", map[string]string{"Accept": "text/html"})
		resp, body := itDo(t, c, itRequest(t, http.MethodHead, fbase+"/index.html", map[string]string{"Accept": "text/html"}, nil))
		if resp.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD: status %d, %d body bytes", resp.StatusCode, len(body))
		}
		if cl := resp.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(get)) {
			t.Errorf("HEAD Content-Length %s, but GET sends %d bytes", cl, len(get))
		}
		if et := resp.Header.Get("ETag"); et != "" {
			t.Errorf("HEAD keeps ETag %q that GET does not send", et)
		}
		if !itVaryHas(resp, "Cookie") {
			t.Errorf("HEAD Vary %q lacks Cookie", resp.Header.Values("Vary"))
		}
		// On the wire: nothing after the header block.
		conn, err := net.Dial("tcp", strings.TrimPrefix(fbase, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "HEAD /index.html HTTP/1.1\r\nHost: %s\r\nAccept: text/html\r\nConnection: close\r\n\r\n", strings.TrimPrefix(fbase, "http://"))
		raw, err := io.ReadAll(conn)
		if err != nil {
			t.Fatal(err)
		}
		_, after, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
		if !ok || len(after) != 0 {
			t.Errorf("HEAD sent %d bytes after the header block (header complete: %v)", len(after), ok)
		}
	})

	t.Run("no-validators-on-pages", func(t *testing.T) {
		// The same cookie can mean a different page after a re-prompt, so
		// a browser must ask again every time: no validator, no freshness.
		resp, _ := itGet(t, c, fbase+"/index.html", map[string]string{"Accept": "text/html"})
		if lm, et := resp.Header.Get("Last-Modified"), resp.Header.Get("ETag"); lm != "" || et != "" {
			t.Errorf("rewritten page keeps validators: Last-Modified %q, ETag %q", lm, et)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "private, no-cache" {
			t.Errorf("rewritten page: Cache-Control %q, want private, no-cache", cc)
		}
		resp, _ = itGet(t, c, fbase+"/style.css", nil)
		if resp.Header.Get("Last-Modified") == "" {
			t.Error("a stylesheet lost its Last-Modified: only pages vary by consent")
		}
	})
}

func itUTF16LE(b []byte) []byte {
	out := make([]byte, 0, 2*len(b)+2)
	out = append(out, 0xFF, 0xFE)
	for _, r := range string(b) {
		if r > 0xFFFF {
			r = '?'
		}
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

// A HEAD response must carry the headers the GET would: the rewritten GET
// has no Content-Encoding (it is decoded), no Accept-Ranges, no ETag and no
// Content-Length.
func TestHeadHeadersMatchGet(t *testing.T) {
	orig := itReadSite(t, "index.html")
	gz := itGzip(orig)
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip") // ignores Accept-Encoding
		w.Header().Set("Accept-Ranges", "bytes")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(gz)))
		if r.Method != http.MethodHead {
			w.Write(gz)
		}
	})
	for _, tc := range []struct{ name, site string }{
		{"reverse_proxy-gzip", "cookie_consent\nreverse_proxy " + up},
		{"file_server", itFileServer(t, "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := testcaddy.Start(t, tc.site)
			c := itClient(t)
			hdr := map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip"}
			get, body := itDo(t, c, itRequest(t, http.MethodGet, base+"/index.html", hdr, nil))
			head, _ := itDo(t, c, itRequest(t, http.MethodHead, base+"/index.html", hdr, nil))
			if get.StatusCode != http.StatusOK || head.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(itBodyStart)) {
				t.Fatalf("GET %d, HEAD %d", get.StatusCode, head.StatusCode)
			}
			for _, h := range []string{"Content-Type", "Content-Encoding", "Accept-Ranges", "ETag"} {
				if g, hd := get.Header.Values(h), head.Header.Values(h); !slices.Equal(g, hd) {
					t.Errorf("%s: GET sends %q, HEAD says %q", h, g, hd)
				}
			}
			if cl := head.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
				t.Errorf("HEAD Content-Length %s, GET body is %d bytes", cl, len(body))
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 4. file_server (sendfile path)

func TestFileServerRewritesHTMLAndSendsAssetsVerbatim(t *testing.T) {
	orig := itReadSite(t, "index.html")
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)

	for _, path := range []string{"/", "/index.html"} {
		t.Run("page"+path, func(t *testing.T) {
			resp, body := itGet(t, c, base+path, map[string]string{"Accept": "text/html"})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, h := range []string{"ETag", "Accept-Ranges"} {
				if v := resp.Header.Get(h); v != "" {
					t.Errorf("rewritten page keeps %s: %q", h, v)
				}
			}
			if !itVaryHas(resp, "Cookie") {
				t.Errorf("Vary %q lacks Cookie", resp.Header.Values("Vary"))
			}
			if !bytes.Contains(body, []byte(`data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-DEMO12345"`)) {
				t.Error("gtag.js loader not neutralised")
			}
			if !bytes.Contains(body, []byte(`<script src="/js/analytics.js"></script>`)) {
				t.Error("first-party /js/analytics.js script was touched")
			}
			if live := itLiveTrackers(body); len(live) > 0 {
				t.Errorf("trackers a browser would still load: %q", live)
			}
			if got := itNeutralised(body); !slices.Equal(got, indexNeutralised) {
				t.Errorf("neutralised elements\n got %q\nwant %q", got, indexNeutralised)
			}
			itAssertUntouchedLines(t, orig, body)
			itAssertOnlyHandlerEdits(t, orig, body, hintLinks...)
		})
	}
	for _, asset := range []string{"style.css", "js/analytics.js", "js/app.js"} {
		t.Run("asset/"+asset, func(t *testing.T) {
			want := itReadSite(t, asset)
			resp, body := itGet(t, c, base+"/"+asset, nil)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
				t.Errorf("status %d; %s is not byte-identical to the file", resp.StatusCode, asset)
			}
			if resp.Header.Get("Content-Length") != strconv.Itoa(len(want)) {
				t.Errorf("Content-Length %q, want %d", resp.Header.Get("Content-Length"), len(want))
			}
			if resp.Header.Get("ETag") == "" {
				t.Error("asset lost its ETag")
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 5. Set-Cookie stripping

func TestTrackerSetCookieIsHeldBackUntilConsent(t *testing.T) {
	setCookies := []string{
		"_ga=GA1.1.1.1; Path=/; Max-Age=63072000",
		"_fbp=fb.1.1.1; Path=/; Max-Age=7776000",
		"_hjSessionUser_123=x; Path=/",
		"PHPSESSID=abc; Path=/; HttpOnly",
		"_ga=; Max-Age=0",
	}
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		for _, sc := range setCookies {
			w.Header().Add("Set-Cookie", sc)
		}
		switch r.URL.Path {
		case "/page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!DOCTYPE html><html><head><title>t</title></head><body><p>hi</p></body></html>")
		case "/api":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
		case "/redirect":
			http.Redirect(w, r, "/page", http.StatusFound)
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	analytics := itConsent(t, c, base, url.Values{"action": {"save"}, "category": {"analytics"}})
	all := itConsent(t, c, base, url.Values{"action": {"accept_all"}})

	visitors := []struct {
		name   string
		cookie string
		want   []string
	}{
		{"no-consent", "", []string{setCookies[3], setCookies[4]}},
		{"analytics", analytics, []string{setCookies[0], setCookies[2], setCookies[3], setCookies[4]}},
		{"accept-all", all, setCookies},
	}
	for _, v := range visitors {
		for _, path := range []string{"/page", "/api", "/redirect", "/empty"} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				t.Run(v.name+path+"/"+method, func(t *testing.T) {
					hdr := map[string]string{"Accept": "text/html"}
					if v.cookie != "" {
						hdr["Cookie"] = v.cookie
					}
					resp, _ := itDo(t, c, itRequest(t, method, base+path, hdr, nil))
					if resp.StatusCode >= 400 {
						t.Fatalf("status %d", resp.StatusCode)
					}
					if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, v.want) {
						t.Errorf("Set-Cookie\n got %q\nwant %q", got, v.want)
					}
				})
			}
		}
	}
}

// ---------------------------------------------------------------------------
// 6. the choice endpoint

func TestChoiceEndpoint(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	origin := map[string]string{"Origin": base}

	t.Run("accept-all-form-redirects-and-sets-cookie", func(t *testing.T) {
		resp, _ := itPostChoice(t, c, base, url.Values{"action": {"accept_all"}, "return_to": {"/services/bins.html?x=1"}}, origin)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != "/services/bins.html?x=1" {
			t.Errorf("Location %q, want /services/bins.html?x=1", loc)
		}
		var lines []string
		for _, l := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(l, "consentgate=") {
				lines = append(lines, l)
			}
		}
		if len(lines) != 1 {
			t.Fatalf("want one consentgate Set-Cookie, got %q", resp.Header.Values("Set-Cookie"))
		}
		ck, err := http.ParseSetCookie(lines[0])
		if err != nil {
			t.Fatal(err)
		}
		if ck.Path != "/" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie attributes: %q (want Path=/, HttpOnly, SameSite=Lax)", lines[0])
		}
		if days := float64(ck.MaxAge) / 86400; days < 350 || days > 370 {
			t.Errorf("Max-Age %d (%.0f days), want about a year", ck.MaxAge, days)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
	})

	t.Run("return-to", func(t *testing.T) {
		for _, tc := range []struct{ in, want string }{
			{"/services/bins.html?x=1", "/services/bins.html?x=1"},
			{"/cy/", "/cy/"},
			{"//evil.example/", "/"},
			{"https://evil.example/", "/"},
			{`/\evil.example/`, "/"},
			{"javascript:alert(1)", "/"},
			{"", "/"},
		} {
			resp, _ := itPostChoice(t, c, base, url.Values{"action": {"reject_all"}, "return_to": {tc.in}}, origin)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
				t.Errorf("return_to %q: status %d Location %q, want 303 %q", tc.in, resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		big := url.Values{"action": {"accept_all"}, "return_to": {"/"}, "pad": {strings.Repeat("a", 9000)}}
		for _, tc := range []struct {
			name   string
			method string
			form   url.Values
			hdr    map[string]string
			want   int
		}{
			{"cross-origin", http.MethodPost, url.Values{"action": {"accept_all"}}, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
			{"null-origin", http.MethodPost, url.Values{"action": {"accept_all"}}, map[string]string{"Origin": "null"}, http.StatusForbidden},
			{"cross-site-fetch", http.MethodPost, url.Values{"action": {"accept_all"}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
			{"cross-origin-referer", http.MethodPost, url.Values{"action": {"accept_all"}}, map[string]string{"Referer": "https://evil.example/page"}, http.StatusForbidden},
			{"body-over-8KB", http.MethodPost, big, origin, http.StatusBadRequest},
			{"unknown-category", http.MethodPost, url.Values{"action": {"save"}, "category": {"analytics", "telemetry"}}, origin, http.StatusBadRequest},
			{"unknown-action", http.MethodPost, url.Values{"action": {"maybe"}}, origin, http.StatusBadRequest},
			{"get", http.MethodGet, nil, origin, http.StatusMethodNotAllowed},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
				for k, v := range tc.hdr {
					h[k] = v
				}
				var body io.Reader
				if tc.form != nil {
					body = strings.NewReader(tc.form.Encode())
				}
				resp, _ := itDo(t, c, itRequest(t, tc.method, base+"/_consent/choice", h, body))
				if resp.StatusCode != tc.want {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
				}
				if sc := resp.Header.Values("Set-Cookie"); len(sc) > 0 {
					t.Errorf("refused choice still set cookies: %q", sc)
				}
				if tc.want == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != http.MethodPost {
					t.Errorf("Allow %q, want POST", resp.Header.Get("Allow"))
				}
			})
		}
	})

	t.Run("json", func(t *testing.T) {
		resp, body := itPostChoice(t, c, base, url.Values{"action": {"accept_all"}}, map[string]string{"Origin": base, "Accept": "application/json"})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		var got struct {
			ID      *string  `json:"id"`
			Granted []string `json:"granted"`
			Version *string  `json:"version"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if got.ID == nil || len(*got.ID) != 26 {
			t.Errorf("id %v, want 26 characters", got.ID)
		}
		if !slices.Equal(got.Granted, []string{"analytics", "media", "social", "marketing"}) {
			t.Errorf("granted %q", got.Granted)
		}
		if got.Version == nil || *got.Version == "" {
			t.Error("no version")
		}
		ck := itCookieNamed(resp, "consentgate")
		if ck == nil || got.ID == nil || !strings.Contains(ck.Value, "."+*got.ID+".") {
			t.Errorf("cookie %v does not carry consent id %v", ck, got.ID)
		}
		// A renewed choice keeps the consent ID.
		resp, body = itPostChoice(t, c, base, url.Values{"action": {"reject_all"}},
			map[string]string{"Origin": base, "Accept": "application/json", "Cookie": "consentgate=" + ck.Value})
		var again struct {
			ID      string   `json:"id"`
			Granted []string `json:"granted"`
		}
		if err := json.Unmarshal(body, &again); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("renewal: status %d, %v", resp.StatusCode, err)
		}
		if again.ID != *got.ID || len(again.Granted) != 0 {
			t.Errorf("renewal: id %q granted %q; want id %q and nothing granted", again.ID, again.Granted, *got.ID)
		}
	})
}

func TestForgedConsentCookieCountsAsNoChoice(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	reject := strings.TrimPrefix(itConsent(t, c, base, url.Values{"action": {"reject_all"}}), "consentgate=")
	all := strings.TrimPrefix(itConsent(t, c, base, url.Values{"action": {"accept_all"}}), "consentgate=")
	field := func(v string, i int, f func(string) string) string {
		parts := strings.Split(v, ".")
		parts[i] = f(parts[i])
		return strings.Join(parts, ".")
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	page := func(t *testing.T, cookie string) []byte {
		t.Helper()
		resp, body := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Cookie": "consentgate=" + cookie})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return body
	}

	// Baselines: the genuine cookies are honoured.
	if b := page(t, reject); bytes.Contains(b, []byte(`id="cg-banner"`)) {
		t.Fatal("genuine reject cookie: banner still shown")
	}
	if b := page(t, all); !bytes.Contains(b, []byte(gtagTag)) {
		t.Fatal("genuine accept cookie: gtag.js not restored")
	}

	for _, tc := range []struct{ name, value string }{
		{"reject-upgraded-to-all", field(reject, 2, func(string) string { return "f" })},
		{"accept-signature-char", field(all, 5, func(s string) string { return flip(s, 3) })},
		{"accept-id-char", field(all, 1, func(s string) string { return flip(s, 0) })},
		{"accept-time-char", field(all, 4, func(s string) string { return flip(s, len(s)-1) })},
		{"unsigned", field(all, 5, func(string) string { return "" })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := page(t, tc.value)
			if !bytes.Contains(body, []byte(`id="cg-banner"`)) {
				t.Error("forged cookie: banner not shown")
			}
			if bytes.Contains(body, []byte("data-cg-decided")) {
				t.Error("forged cookie treated as a decision")
			}
			if live := itLiveTrackers(body); len(live) > 0 {
				t.Errorf("forged cookie let trackers load: %q", live)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 7. consented visitors

func TestConsentedVisitorGetsTheOriginalTags(t *testing.T) {
	orig := itReadSite(t, "index.html")
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	get := func(t *testing.T, cookie string) []byte {
		t.Helper()
		resp, body := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Cookie": cookie})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return body
	}

	t.Run("accept-all", func(t *testing.T) {
		body := get(t, itConsent(t, c, base, url.Values{"action": {"accept_all"}}))
		s := string(body)
		if !strings.Contains(s, gtagTag) {
			t.Errorf("gtag.js loader not verbatim: want %s", gtagTag)
		}
		if strings.Contains(s, `id="cg-banner"`) {
			t.Error("banner shown to a visitor who has chosen")
		}
		if !strings.Contains(s, `class="cg-reopen"`) {
			t.Error("no Cookie settings control (cg-reopen)")
		}
		if !strings.Contains(s, "data-cg-decided") {
			t.Error("banner root not marked as decided")
		}
		rest, _, _ := itUnrewrite(t, body)
		if n := len(itMarkerRE.FindAll(body, -1)); n != 0 {
			t.Errorf("%d elements neutralised for a visitor who accepted everything", n)
		}
		if !bytes.Equal(rest, orig) {
			t.Error("page with everything accepted differs from the original beyond the injections")
		}
		for _, want := range []string{"script www.googletagmanager.com", "iframe www.youtube.com", "script connect.facebook.net"} {
			if live := itLiveTrackers(body); !itHasLive(live, want) {
				t.Errorf("%s not live after accept all (live: %q)", want, live)
			}
		}
	})

	t.Run("analytics-only", func(t *testing.T) {
		body := get(t, itConsent(t, c, base, url.Values{"action": {"save"}, "category": {"analytics"}}))
		s := string(body)
		if !strings.Contains(s, gtagTag) {
			t.Errorf("gtag.js loader not verbatim with analytics consent")
		}
		if !strings.Contains(s, `data-consent-src="https://www.youtube.com/embed/dQw4w9WgXcQ"`) {
			t.Error("YouTube iframe not neutralised without media consent")
		}
		if strings.Contains(s, `id="cg-banner"`) {
			t.Error("banner shown to a visitor who has chosen")
		}
		live := itLiveTrackers(body)
		for _, want := range []string{"script www.googletagmanager.com", "inline-script static.hotjar.com"} {
			if !itHasLive(live, want) {
				t.Errorf("analytics tracker %s not live (live: %q)", want, live)
			}
		}
		for _, not := range []string{"youtube", "facebook", "twitter"} {
			if itHasLive(live, not) {
				t.Errorf("%s live without consent: %q", not, live)
			}
		}
		itAssertOnlyHandlerEdits(t, orig, body, hintLinks[1]) // the GA preconnect stays
	})
}

// ---------------------------------------------------------------------------
// 8. withdrawal

func TestWithdrawalExpiresTrackerCookies(t *testing.T) {
	base, err := testcaddy.Load(t, itFileServer(t, ""), "http://www.council.gov.uk:{port}")
	if err != nil {
		t.Fatal(err)
	}
	port := base[strings.LastIndexByte(base, ':')+1:]
	c := itClient(t)
	accepted := itConsent(t, c, base, url.Values{"action": {"accept_all"}})

	type deletion struct{ name, domain string }
	for _, tc := range []struct {
		name   string
		host   string
		form   url.Values
		cookie string
		want   []deletion
	}{
		{
			name: "reject-all-host-only", host: "127.0.0.1:" + port,
			form: url.Values{"action": {"reject_all"}}, cookie: "_ga=1; _gid=2; PHPSESSID=3; " + accepted,
			want: []deletion{{"_ga", ""}, {"_gid", ""}},
		},
		{
			name: "reject-all-parent-domains", host: "www.council.gov.uk:" + port,
			form: url.Values{"action": {"reject_all"}}, cookie: "_ga=1; _gid=2; PHPSESSID=3",
			want: []deletion{
				{"_ga", ""}, {"_ga", "www.council.gov.uk"}, {"_ga", "council.gov.uk"},
				{"_gid", ""}, {"_gid", "www.council.gov.uk"}, {"_gid", "council.gov.uk"},
			},
		},
		{
			name: "keep-analytics-withdraw-marketing", host: "127.0.0.1:" + port,
			form: url.Values{"action": {"save"}, "category": {"analytics"}}, cookie: "_ga=1; _fbp=2; PHPSESSID=3; " + accepted,
			want: []deletion{{"_fbp", ""}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := itPostChoice(t, c, base, tc.form, map[string]string{
				"Host": tc.host, "Origin": "http://" + tc.host, "Cookie": tc.cookie,
			})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want 303", resp.StatusCode)
			}
			var got []deletion
			sawConsent := false
			for _, line := range resp.Header.Values("Set-Cookie") {
				ck, err := http.ParseSetCookie(line)
				if err != nil {
					t.Fatalf("bad Set-Cookie %q: %v", line, err)
				}
				if ck.Name == "consentgate" {
					sawConsent = ck.Value != "" && ck.MaxAge > 0
					continue
				}
				expired := ck.MaxAge < 0 || !ck.Expires.IsZero() && ck.Expires.Before(time.Now())
				if !expired {
					t.Errorf("Set-Cookie %q does not expire the cookie", line)
				}
				if ck.Path != "/" {
					t.Errorf("Set-Cookie %q: Path %q, want /", line, ck.Path)
				}
				got = append(got, deletion{ck.Name, ck.Domain})
			}
			if !sawConsent {
				t.Error("no new consentgate cookie")
			}
			slices.SortFunc(got, func(a, b deletion) int { return strings.Compare(a.name+" "+a.domain, b.name+" "+b.domain) })
			slices.SortFunc(tc.want, func(a, b deletion) int { return strings.Compare(a.name+" "+a.domain, b.name+" "+b.domain) })
			if !slices.Equal(got, tc.want) {
				t.Errorf("expired cookies\n got %v\nwant %v\n(Set-Cookie %q)", got, tc.want, resp.Header.Values("Set-Cookie"))
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 9. scrub_request_cookies

func TestScrubRequestCookiesHidesTrackerCookiesFromOrigin(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Header.Values("Cookie")
		mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	})
	base := testcaddy.Start(t, "cookie_consent {\n\tscrub_request_cookies\n}\nreverse_proxy "+up)
	c := itClient(t)
	analytics := itConsent(t, c, base, url.Values{"action": {"save"}, "category": {"analytics"}})

	for _, tc := range []struct {
		name, cookie string
		want         []string
	}{
		{"no-consent", "_ga=GA1.1.1.1; PHPSESSID=abc; _fbp=fb.1.1.1; theme=dark", []string{"PHPSESSID=abc; theme=dark"}},
		{"only-trackers", "_ga=GA1.1.1.1; _fbp=fb.1.1.1", nil},
		{"analytics-consent", "_ga=GA1.1.1.1; PHPSESSID=abc; _fbp=fb.1.1.1; " + analytics, []string{"_ga=GA1.1.1.1; PHPSESSID=abc; " + analytics}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := itGet(t, c, base+"/x", map[string]string{"Cookie": tc.cookie})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			mu.Lock()
			got := seen
			mu.Unlock()
			if !slices.Equal(got, tc.want) {
				t.Errorf("origin saw Cookie %q, want %q", got, tc.want)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 10 and 11. configuration

func TestCaddyfileExampleAdaptsWithoutOrder(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(testcaddy.RepoRoot(), "Caddyfile.example"))
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)^\s*order\s`).Match(src) {
		t.Fatal("test premise: Caddyfile.example should not need a global order option")
	}
	js, _, err := caddyconfig.GetAdapter("caddyfile").Adapt(src, map[string]any{"filename": "Caddyfile.example"})
	if err != nil {
		t.Fatalf("caddy adapt Caddyfile.example: %v", err)
	}
	s := string(js)
	if !strings.Contains(s, `"handler":"cookie_consent"`) {
		t.Fatalf(`no "handler":"cookie_consent" in %s`, s)
	}
	enc, cc, fs := strings.Index(s, `"handler":"encode"`), strings.Index(s, `"handler":"cookie_consent"`), strings.Index(s, `"handler":"file_server"`)
	if enc < 0 || fs < 0 || !(enc < cc && cc < fs) {
		t.Errorf("handler order: encode at %d, cookie_consent at %d, file_server at %d; want encode, cookie_consent, file_server", enc, cc, fs)
	}
	for _, want := range []string{`"site_name":"Llanwern County Council"`, `"scrub_request_cookies":true`, `"necessary_cookies":["PHPSESSID","ASP.NET_SessionId"]`, `"match":"www.google.com/maps"`} {
		if !strings.Contains(s, want) {
			t.Errorf("adapted JSON lacks %s", want)
		}
	}
}

func TestCaddyfileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, block, want string
	}{
		{"unknown-cookie-category", "cookie _x nonsense", `unknown category "nonsense"`},
		{"unknown-subdirective", "bogus_option 1", `unrecognized subdirective "bogus_option"`},
		{"max-age-over-cap", "accept_max_age 500d", "13-month cap"},
		{"unknown-locale", "text fr acceptAll Oui", `unknown locale "fr"`},
		{"short-secret", "secret tooshort", "at least 16"},
		{"cookie-usage", "cookie _x analytics suffix", "usage: cookie"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testcaddy.Load(t, "cookie_consent {\n\t"+tc.block+"\n}\nrespond ok")
			if err == nil {
				t.Fatalf("config with %q loaded without error", tc.block)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not mention %q: %v", tc.want, err)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 12. Welsh and legacy charsets

func TestWelshPagesGetTheWelshBanner(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	for _, tc := range []struct {
		path, lang, accept, notText string
	}{
		{"/cy/index.html", "cy", "Derbyn pob cwci", "Accept all cookies"},
		{"/cy/", "cy", "Derbyn pob cwci", "Accept all cookies"},
		{"/index.html", "en", "Accept all cookies", "Derbyn pob cwci"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := itGet(t, c, base+tc.path, map[string]string{"Accept": "text/html"})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			s := string(body)
			if !strings.Contains(s, `<div id="cg-root" class="cg" lang="`+tc.lang+`"`) {
				t.Errorf(`banner root without lang="%s"`, tc.lang)
			}
			if !strings.Contains(s, tc.accept) || strings.Contains(s, tc.notText) {
				t.Errorf("banner text: want %q and not %q", tc.accept, tc.notText)
			}
			if live := itLiveTrackers(body); len(live) > 0 {
				t.Errorf("trackers a browser would still load: %q", live)
			}
			table := "/_consent/cookies"
			if tc.lang == "cy" {
				table += "?lang=cy"
			}
			if !strings.Contains(s, `<a href="`+table+`">`) {
				t.Errorf("banner does not link to the cookie table in its language (%s)", table)
			}
			_, page := itGet(t, c, base+table, nil)
			if !strings.Contains(string(page), `<html lang="`+tc.lang+`">`) {
				t.Errorf("cookie table at %s is not in %s", table, tc.lang)
			}
		})
	}
}

func TestLegacyWindows1252PageKeepsItsBytes(t *testing.T) {
	orig := itReadSite(t, "legacy-latin1.html")
	if bytes.Count(orig, []byte{0xA3}) == 0 {
		t.Fatal("test premise: legacy page has no 0xA3 (£) bytes")
	}
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	resp, body := itGet(t, c, base+"/legacy-latin1.html", map[string]string{"Accept": "text/html"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// Everything up to the first edit (the Consent Mode script after <head>)
	// is the file's own bytes.
	headEnd := bytes.Index(orig, []byte("<head>")) + len("<head>")
	if !bytes.HasPrefix(body, orig[:headEnd]) {
		t.Errorf("bytes before the first edit changed: %q", body[:min(len(body), headEnd)])
	}
	if got, want := bytes.Count(body, []byte{0xA3}), bytes.Count(orig, []byte{0xA3}); got != want {
		t.Errorf("%d 0xA3 bytes in the output, %d in the file", got, want)
	}
	if !bytes.Contains(body, []byte("\xa31,187.54")) {
		t.Error(`"£1,187.54" in windows-1252 not found verbatim`)
	}
	if live := itLiveTrackers(body); len(live) > 0 {
		t.Errorf("trackers a browser would still load: %q", live)
	}
	_, head, banner := itUnrewrite(t, body)
	for name, b := range map[string][]byte{"head script": head, "banner": banner} {
		for i, ch := range b {
			if ch >= 0x80 {
				t.Errorf("injected %s has non-ASCII byte 0x%X at %d", name, ch, i)
				break
			}
		}
	}
	if i, j := bytes.Index(body, []byte(itBodyStart)), bytes.Index(body, []byte("</Body>")); i < 0 || j < i {
		t.Errorf("banner not before </Body> (banner at %d, </Body> at %d)", i, j)
	}
	itAssertOnlyHandlerEdits(t, orig, body)
}

// ---------------------------------------------------------------------------
// streaming, concurrency, policy and the other endpoints

// A page the origin streams reaches the visitor as it comes: the rewriter
// holds back at most the element it is classifying.
func TestStreamedHTMLIsNotBuffered(t *testing.T) {
	const early = "<!DOCTYPE html><html><head><title>t</title>" + gtagTag + "</head><body><h1>Early</h1>\n"
	const late = "<p>Late</p></body></html>"
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, early)
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		io.WriteString(w, late)
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	resp, err := itClient(t).Do(itRequest(t, http.MethodGet, base+"/", map[string]string{"Accept": "text/html"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	got := make(chan []byte, 1)
	br := bufio.NewReader(resp.Body)
	go func() {
		var seen []byte
		for !bytes.Contains(seen, []byte("<h1>Early</h1>")) {
			b, err := br.ReadByte()
			if err != nil {
				break
			}
			seen = append(seen, b)
		}
		got <- seen
	}()
	select {
	case early := <-got:
		if bytes.Contains(early, []byte(gtagTag)) || !bytes.Contains(early, []byte(`data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-DEMO12345"`)) {
			t.Errorf("streamed head not neutralised: %q", early)
		}
	case <-time.After(2 * time.Second):
		t.Error("the start of the page was held back while the origin was still sending")
	}
	once.Do(func() { close(release) })
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(rest, []byte("<p>Late</p>")) || !bytes.Contains(rest, []byte(itBodyStart)) {
		t.Errorf("rest of the page: %q", rest)
	}
}

// Many visitors at once, in different encodings and consent states, each
// get exactly their own page.
func TestConcurrentVisitorsGetTheirOwnPage(t *testing.T) {
	orig := itReadSite(t, "index.html")
	encoded := map[string][]byte{}
	for enc, f := range itEncoders {
		encoded[enc] = f(orig)
	}
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		enc := r.Header.Get("X-Test-Encoding")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if enc != "identity" {
			w.Header().Set("Content-Encoding", strings.TrimSuffix(enc, "-raw"))
		}
		w.Write(encoded[enc])
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	states := []string{
		"",
		itConsent(t, c, base, url.Values{"action": {"accept_all"}}),
		itConsent(t, c, base, url.Values{"action": {"save"}, "category": {"analytics"}}),
		itConsent(t, c, base, url.Values{"action": {"reject_all"}}),
	}
	want := make([][]byte, len(states))
	for i, ck := range states {
		_, want[i] = itGet(t, c, base+"/page", map[string]string{"Accept": "text/html", "Cookie": ck, "X-Test-Encoding": "identity"})
	}
	if bytes.Equal(want[0], want[1]) || bytes.Equal(want[1], want[2]) || bytes.Equal(want[0], want[3]) {
		t.Fatal("test premise: consent states should give different pages")
	}
	encs := []string{"gzip", "br", "zstd", "deflate", "deflate-raw", "identity"}
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				st, enc := (w+i)%len(states), encs[(w*7+i)%len(encs)]
				req, _ := http.NewRequest(http.MethodGet, base+"/page", nil)
				req.Header.Set("Accept", "text/html")
				req.Header.Set("X-Test-Encoding", enc)
				if states[st] != "" {
					req.Header.Set("Cookie", states[st])
				}
				resp, err := c.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(body, want[st]) {
					errs <- fmt.Sprintf("state %d, %s: status %d, err %v, body equal %v", st, enc, resp.StatusCode, err, bytes.Equal(body, want[st]))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// Cookies signed with a shared secret are honoured by every node; a new
// policy version or a different secret asks the visitor again.
func TestSecretAndPolicyVersion(t *testing.T) {
	const secret = "shared-secret-for-all-nodes-0123"
	t.Setenv("CG_TEST_SECRET", secret)
	page := func(t *testing.T, opts, cookie string) []byte {
		t.Helper()
		base := testcaddy.Start(t, itFileServer(t, opts))
		resp, body := itGet(t, itClient(t), base+"/index.html", map[string]string{"Accept": "text/html", "Cookie": cookie})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return body
	}
	base := testcaddy.Start(t, itFileServer(t, "secret {env.CG_TEST_SECRET}\npolicy_version 1"))
	cookie := itConsent(t, itClient(t), base, url.Values{"action": {"accept_all"}})

	for _, tc := range []struct {
		name, opts string
		honoured   bool
	}{
		{"same-secret-other-node", "secret " + secret + "\npolicy_version 1", true},
		{"new-policy-version", "secret " + secret + "\npolicy_version 2", false},
		{"other-secret", "secret another-secret-entirely-99\npolicy_version 1", false},
		{"random-key", "policy_version 1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := page(t, tc.opts, cookie)
			banner := bytes.Contains(body, []byte(`id="cg-banner"`))
			restored := bytes.Contains(body, []byte(gtagTag))
			if tc.honoured && (banner || !restored) {
				t.Errorf("choice not honoured: banner %v, gtag.js restored %v", banner, restored)
			}
			if !tc.honoured && (!banner || restored || len(itLiveTrackers(body)) > 0) {
				t.Errorf("stale choice honoured: banner %v, gtag.js restored %v, live %q", banner, restored, itLiveTrackers(body))
			}
		})
	}
}

func TestConsentEndpointsAndBannerVariants(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, "site_name \"Llanwern County Council\""))
	c := itClient(t)

	t.Run("settings-page", func(t *testing.T) {
		for _, tc := range []struct{ returnTo, wantReturn, text string }{
			{"/services/bins.html", "/services/bins.html", "Save cookie settings"},
			{"/cy/index.html", "/cy/index.html", "Cadw gosodiadau cwcis"},
			{"https://evil.example/", "/", "Save cookie settings"},
		} {
			resp, body := itGet(t, c, base+"/_consent/settings?return_to="+url.QueryEscape(tc.returnTo), nil)
			s := string(body)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: status %d, type %q", tc.returnTo, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if resp.Header.Get("X-Robots-Tag") != "noindex" || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
				t.Errorf("%s: X-Robots-Tag %q, Cache-Control %q", tc.returnTo, resp.Header.Get("X-Robots-Tag"), resp.Header.Get("Cache-Control"))
			}
			if !strings.Contains(s, `<input type="hidden" name="return_to" value="`+tc.wantReturn+`">`) {
				t.Errorf("%s: return_to not %q", tc.returnTo, tc.wantReturn)
			}
			if !strings.Contains(s, tc.text) || !strings.Contains(s, `action="/_consent/choice"`) {
				t.Errorf("%s: settings form without %q", tc.returnTo, tc.text)
			}
			if strings.Contains(s, "evil.example") {
				t.Errorf("%s: foreign return_to echoed", tc.returnTo)
			}
		}
		resp, _ := itDo(t, c, itRequest(t, http.MethodPost, base+"/_consent/settings", nil, nil))
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST settings: status %d, want 405", resp.StatusCode)
		}
	})

	t.Run("cookie-table", func(t *testing.T) {
		resp, body := itGet(t, c, base+"/_consent/cookies?format=json", nil)
		var rows []struct {
			Name     string `json:"name"`
			Category string `json:"category"`
		}
		if err := json.Unmarshal(body, &rows); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		cats := map[string]string{}
		for _, r := range rows {
			cats[r.Name] = r.Category
		}
		for name, cat := range map[string]string{"consentgate": "necessary", "_ga": "analytics", "_fbp": "marketing"} {
			if cats[name] != cat {
				t.Errorf("cookie table: %s is %q, want %q", name, cats[name], cat)
			}
		}
		resp, body = itGet(t, c, base+"/_consent/cookies?format=csv", nil)
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !bytes.Contains(body, []byte("_ga")) {
			t.Errorf("CSV: type %q, has _ga %v", resp.Header.Get("Content-Type"), bytes.Contains(body, []byte("_ga")))
		}
		resp, body = itGet(t, c, base+"/_consent/cookies", nil)
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("_hjSessionUser_")) {
			t.Errorf("HTML table: type %q", resp.Header.Get("Content-Type"))
		}
	})

	t.Run("assets", func(t *testing.T) {
		for _, name := range []string{"banner.js", "banner.css", "consent-mode.js"} {
			want, err := fs.ReadFile(banner.Assets, name)
			if err != nil {
				t.Fatal(err)
			}
			resp, body := itGet(t, c, base+"/_consent/"+name, nil)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
				t.Errorf("%s: status %d, identical %v", name, resp.StatusCode, bytes.Equal(body, want))
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=3600" {
				t.Errorf("%s: Cache-Control %q", name, cc)
			}
		}
		resp, _ := itGet(t, c, base+"/_consent/nope", nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown endpoint: status %d, want 404", resp.StatusCode)
		}
	})

	t.Run("banner", func(t *testing.T) {
		_, plain := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html"})
		gpcResp, gpc := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Sec-GPC": "1"})
		shown := []byte(`<p class="cg-gpc">`)
		if bytes.Contains(plain, shown) || !bytes.Contains(gpc, shown) {
			t.Errorf("GPC notice shown: without Sec-GPC %v, with %v", bytes.Contains(plain, shown), bytes.Contains(gpc, shown))
		}
		// GPC is a complete Reject all by default: recorded at once, so
		// the next page asks nothing.
		var gpcCookie *http.Cookie
		for _, ck := range gpcResp.Cookies() {
			if ck.Name == "consentgate" {
				gpcCookie = ck
			}
		}
		if gpcCookie == nil {
			t.Fatal("a page view with Sec-GPC: 1 set no consent cookie")
		}
		_, next := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Sec-GPC": "1", "Cookie": "consentgate=" + gpcCookie.Value})
		if bytes.Contains(next, []byte(`id="cg-banner"`)) || !bytes.Contains(next, []byte(`type="text/plain"`)) {
			t.Error("after the GPC refusal the next page shows the banner again or loads trackers")
		}
		for _, want := range []string{
			"Cookies on Llanwern County Council",
			`<input type="hidden" name="return_to" value="/index.html">`,
			`<button type="submit" name="action" value="accept_all" class="cg-btn">Accept all cookies</button>`,
			`<button type="submit" name="action" value="reject_all" class="cg-btn">Reject all cookies</button>`,
			`<a href="/_consent/cookies">`,
		} {
			if !bytes.Contains(plain, []byte(want)) {
				t.Errorf("banner lacks %s", want)
			}
		}
		if live := itLiveTrackers(gpc); len(live) > 0 {
			t.Errorf("GPC visitor: trackers live %q", live)
		}
	})
}
