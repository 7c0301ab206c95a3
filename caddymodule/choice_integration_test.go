package caddymodule_test

// The choice endpoint and forged cookies.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

func TestChoiceEndpoint(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	origin := map[string]string{"Origin": base}

	t.Run("accept-all-form-redirects-and-sets-cookie", func(t *testing.T) {
		resp, _ := itPostChoice(t, c, base, url.Values{"action": {"accept_all"}, "return_to": {"/services/bins.html?x=1"}}, origin)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != "/services/bins.html?x=1#cg-saved" {
			t.Errorf("Location %q, want /services/bins.html?x=1#cg-saved (its message of what was saved)", loc)
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
			{"/services/bins.html?x=1", "/services/bins.html?x=1#cg-saved"},
			{"/cy/", "/cy/#cg-saved"},
			{"/faq#bins", "/faq#cg-saved"},
			{"//evil.example/", "/#cg-saved"},
			{"https://evil.example/", "/#cg-saved"},
			{`/\evil.example/`, "/#cg-saved"},
			{"javascript:alert(1)", "/#cg-saved"},
			{"", "/#cg-saved"},
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
			{"put", http.MethodPut, nil, origin, http.StatusMethodNotAllowed},
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
				if tc.want == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD, POST" {
					t.Errorf("Allow %q, want GET, HEAD, POST", resp.Header.Get("Allow"))
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
	itSeen(t, c, base, "/index.html")
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

// The banner script asks what the visitor has chosen (the cookie is
// HttpOnly), as a page comes back from the back/forward cache.
func TestCurrentChoice(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	get := func(cookie string) map[string]any {
		t.Helper()
		hdr := map[string]string{"Accept": "application/json"}
		if cookie != "" {
			hdr["Cookie"] = cookie
		}
		resp, body := itGet(t, c, base+"/_consent/choice", hdr)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
			!strings.Contains(resp.Header.Get("Cache-Control"), "no-store") || len(resp.Header.Values("Set-Cookie")) > 0 {
			t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := get(""); got["decided"] != false || got["id"] != "" || len(got["granted"].([]any)) != 0 {
		t.Errorf("no choice: %v", got)
	}
	cookie := itConsent(t, c, base, url.Values{"action": {"save"}, "category": {"media"}})
	got := get(cookie)
	if got["decided"] != true || got["id"] != strings.Split(cookie, ".")[1] || fmt.Sprint(got["granted"]) != "[media]" || got["version"] == "" {
		t.Errorf("after choosing media: %v", got)
	}
}
