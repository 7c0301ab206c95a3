package caddymodule_test

// Streaming, concurrency, policy versions and the other endpoints.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/internal/testcaddy"
)

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
	itGet(t, c, base+"/page", map[string]string{"Accept": "text/html", "X-Test-Encoding": "identity"}) // see its vendors first
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
	itSeen(t, c, base, "/index.html") // the demo home page: GA, Meta, Hotjar, YouTube, X

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
