package caddymodule_test

// Tracker cookies: Set-Cookie held back, expired on withdrawal, scrubbed from requests.

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

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
	itSeen(t, c, base, "/page")
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
