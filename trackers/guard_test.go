package trackers

import (
	"encoding/json"
	"net/url"
	pathpkg "path"
	"strings"
	"testing"
)

func TestGuardHostsJSON(t *testing.T) {
	c := builtin(t)
	var got []string
	for _, r := range c.GuardHosts() {
		if r.Host == "googletagmanager.com" || r.Host == "google.com" && r.Path == "/recaptcha/" {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(b))
		}
	}
	want := []string{
		`{"h":"google.com","p":"/recaptcha/","c":"necessary","v":"google-recaptcha"}`,
		`{"h":"googletagmanager.com","p":"/gtag/destination","q":"id=AW-","c":"marketing","v":"google-ads"}`,
		`{"h":"googletagmanager.com","p":"/gtag/destination","q":"id=DC-","c":"marketing","v":"google-ads"}`,
		`{"h":"googletagmanager.com","p":"/gtag/js","q":"id=AW-","c":"marketing","v":"google-ads"}`,
		`{"h":"googletagmanager.com","p":"/gtag/js","q":"id=DC-","c":"marketing","v":"google-ads"}`,
		`{"h":"googletagmanager.com","p":"/ns.html","c":"analytics","v":"google-tag-manager"}`,
		`{"h":"googletagmanager.com","p":"/gtm.js","c":"analytics","v":"google-tag-manager"}`,
		`{"h":"googletagmanager.com","c":"analytics","v":"google-analytics"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The algorithm GuardRule documents, run on URLs a browser has parsed,
// agrees with MatchURL on every well-formed URL of TestMatchURL.
func TestGuardHostsAgree(t *testing.T) {
	c := builtin(t)
	rules := map[string][]GuardRule{}
	for _, r := range c.GuardHosts() {
		rules[r.Host] = append(rules[r.Host], r)
	}
	match := func(u *url.URL) string {
		p, err := url.PathUnescape(u.EscapedPath())
		if err != nil {
			p = u.Path
		}
		for h := strings.TrimSuffix(u.Hostname(), "."); h != ""; {
			for _, r := range rules[h] {
				if guardPath(r.Path, p) && guardQuery(r.Query, u.RawQuery) {
					if r.Category == Necessary {
						return ""
					}
					return r.VendorID
				}
			}
			_, h, _ = strings.Cut(h, ".")
		}
		return ""
	}
	urls := []string{
		"https://www.google-analytics.com/analytics.js", "https://www.googletagmanager.com/gtag/js?id=AW-123",
		"https://www.googletagmanager.com/gtag/js?l=dl&id=DC-123", "https://www.googletagmanager.com/gtag/js?id=G-1",
		"https://www.googletagmanager.com/gtm.js?id=GTM-1", "https://www.googletagmanager.com/ns.html?id=GTM-1",
		"https://stats.g.doubleclick.net/r/collect", "https://googleads.g.doubleclick.net/pagead/x",
		"https://connect.facebook.net/en_GB/sdk.js", "https://connect.facebook.net/en_US/sdk/xfbml.customerchat.js",
		"https://connect.facebook.net/en_US/fbevents.js", "https://www.facebook.com/tr?id=1", "https://www.facebook.com/tr/?id=1",
		"https://www.facebook.com/travelwales", "https://www.google.com/recaptcha/api.js", "https://www.google.com/pagead/1p-conversion/1/",
		"https://www.google.com/maps/embed", "https://fonts.googleapis.com/css2", "https://example.com/embed/x",
		"https://example.com/embedded", "https://maps.example.org/x", "https://www.youtube-nocookie.com/embed/x",
		"https://www.gstatic.com/recaptcha/releases/x.js", "https://t.co/i/adsct", "https://x.com/x",
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		want := ""
		if v := c.MatchURL(raw); v != nil {
			want = v.ID
		}
		if got := match(u); got != want {
			t.Errorf("%s: guard rules say %q, MatchURL %q", raw, got, want)
		}
	}
}

func guardPath(rule, p string) bool {
	switch {
	case rule == "":
		return true
	case strings.Contains(rule, "*"):
		ok, _ := pathpkg.Match(rule, p)
		return ok
	}
	return p == rule || strings.HasPrefix(p, rule) && (strings.HasSuffix(rule, "/") || p[len(rule)] == '/')
}

func guardQuery(rule, q string) bool {
	if rule == "" {
		return true
	}
	for p := range strings.SplitSeq(q, "&") {
		if strings.HasPrefix(p, rule) {
			return true
		}
	}
	return false
}
