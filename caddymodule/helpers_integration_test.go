package caddymodule_test

// In-process Caddy integration tests for the cookie_consent handler, one file per
// concern (*_integration_test.go). Each test loads a real Caddyfile and asserts
// what a client sees on the wire: status codes, headers and bytes. Caddy is
// process-global, so none of these tests run in parallel. This file holds
// their shared helpers.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

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

// itReadSite reads a file of the demo site.
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

// itTrackerHosts and itInlineSignatures are what a browser would load from
// a tracker: hosts and inline loader code.
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

// What the handler inserts, for undoing the rewrite to prove nothing else
// changed.
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

// itSettingsHrefRE is a "Cookie settings" link of the site's that went
// nowhere (href="#"), given the settings page so it works without JavaScript.
var itSettingsHrefRE = regexp.MustCompile(`href="/_consent/settings\?return_to=[^"]*"( data-consent-open)`)

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
	rest = itSettingsHrefRE.ReplaceAll(rest, []byte(`href="#"$1`))
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
	out = itSettingsHrefRE.ReplaceAll(itHeadInjectRE.ReplaceAll(out, nil), []byte(`href="#"$1`))
	outLines := strings.Split(string(out), "\n")
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

// itTableHas waits until base's cookie table (JSON) lists every name in
// names: at once for what this node saw, and within one reading (15 s) for
// what another handle on the store wrote. It fails after 20 s.
func itTableHas(t *testing.T, c *http.Client, base string, names ...string) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := itGet(t, c, base+"/_consent/cookies?format=json", nil)
		var recs []map[string]any
		if err := json.Unmarshal(body, &recs); err != nil {
			t.Fatalf("cookie table JSON: %v", err)
		}
		have := map[string]bool{}
		for _, r := range recs {
			have[r["name"].(string)] = true
		}
		missing := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return have[n] })
		if len(missing) == 0 {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s the cookie table still lacks %q", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// itSeen requests each path once, without consent, so that the handler has
// seen the vendors and cookies they use before a test's visitors consent:
// a vendor seen for the first time asks every visitor again.
func itSeen(t *testing.T, c *http.Client, base string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		itGet(t, c, base+p, map[string]string{"Accept": "text/html"})
	}
}
