package cookiepolicy

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

func testPolicy(t *testing.T) *Policy {
	t.Helper()
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		t.Fatal(err)
	}
	return New(cat, []string{"session", "_ga_keep"}, []Declared{
		{Name: "site_ab", Category: trackers.Analytics},
		{Name: "promo_", Prefix: true, Category: trackers.Marketing},
		{Name: "_gid", Category: trackers.Media}, // a declaration wins over the catalogue
	})
}

func granting(cs ...trackers.Category) consent.Visitor {
	return consent.Visitor{Decided: true, Decision: consent.Decision{ID: consent.NewID(), Granted: cs}}
}

func TestCategory(t *testing.T) {
	p := testPolicy(t)
	for _, tc := range []struct {
		name string
		cat  trackers.Category // empty: needs no consent
	}{
		{"_ga", trackers.Analytics},
		{"_ga_ABC123", trackers.Analytics},
		{"_fbp", trackers.Marketing},
		{"YSC", trackers.Media},
		{"site_ab", trackers.Analytics},
		{"site_abc", ""},
		{"promo_summer", trackers.Marketing},
		{"_gid", trackers.Media},
		{"_GRECAPTCHA", trackers.Necessary}, // a necessary vendor's cookie is its own category, always allowed
		{"session", ""},
		{"_ga_keep", ""},
		{consent.CookieName, ""},
		{"unknown", ""},
		{"", ""},
	} {
		got, ok := p.Category(tc.name)
		if ok != (tc.cat != "") || got != tc.cat {
			t.Errorf("Category(%q) = %q, %v; want %q", tc.name, got, ok, tc.cat)
		}
	}
}

func TestFilterSetCookie(t *testing.T) {
	p := testPolicy(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	lines := []string{
		"_ga=GA1.1.1.1; Path=/; Max-Age=63072000",
		"_fbp=fb.1.2.3; Path=/",
		"session=abc; HttpOnly",
		"_ga=; Max-Age=0; Path=/",                       // Max-Age=0 parses as -1: a deletion
		"_fbp=; Expires=Thu, 01 Jan 1970 00:00:00 GMT",  // a deletion by date
		"_fbp=x; Expires=Wed, 01 Jan 2031 00:00:00 GMT", // a cookie that lives on
		"=no name", // does not parse: passes
		"consentgate=1.x; Path=/",
	}
	for _, tc := range []struct {
		name string
		v    consent.Visitor
		want []int // indexes into lines kept, in order
	}{
		{"no choice", consent.Visitor{}, []int{2, 3, 4, 6, 7}},
		{"analytics", granting(trackers.Analytics), []int{0, 2, 3, 4, 6, 7}},
		{"everything", granting(trackers.Categories...), []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{"an expired choice of everything", consent.Visitor{Decision: granting(trackers.Categories...).Decision}, []int{2, 3, 4, 6, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{"Set-Cookie": slices.Clone(lines), "Other": {"x"}}
			p.FilterSetCookie(hdr, tc.v, now, nil)
			var want []string
			for _, i := range tc.want {
				want = append(want, lines[i])
			}
			if got := hdr["Set-Cookie"]; !slices.Equal(got, want) {
				t.Errorf("Set-Cookie\n got %q\nwant %q", got, want)
			}
			if hdr.Get("Other") != "x" {
				t.Error("another header changed")
			}
		})
	}
}

// Every cookie that parses is handed to seen, the ones filtered out too,
// each once.
func TestFilterSetCookieShowsEachCookie(t *testing.T) {
	hdr := http.Header{"Set-Cookie": {"_ga=1; Max-Age=63072000", "session=x; HttpOnly", "=bad", "_fbp=2"}}
	var names []string
	testPolicy(t).FilterSetCookie(hdr, consent.Visitor{}, time.Now(), func(c *http.Cookie, _ time.Time) {
		names = append(names, c.Name)
	})
	if got := strings.Join(names, " "); got != "_ga session _fbp" {
		t.Errorf("seen %q, want _ga session _fbp", got)
	}
	if got := hdr.Values("Set-Cookie"); len(got) != 2 || got[0] != "session=x; HttpOnly" {
		t.Errorf("Set-Cookie %q, want the session cookie and the unparseable line", got)
	}
}

func TestFilterSetCookieDropsTheHeader(t *testing.T) {
	hdr := http.Header{"Set-Cookie": {"_ga=1", "_fbp=2"}}
	testPolicy(t).FilterSetCookie(hdr, consent.Visitor{}, time.Now(), nil)
	if _, ok := hdr["Set-Cookie"]; ok {
		t.Errorf("Set-Cookie %q left", hdr["Set-Cookie"])
	}
}

func TestScrubCookieHeader(t *testing.T) {
	p := testPolicy(t)
	for _, tc := range []struct {
		name string
		in   []string
		v    consent.Visitor
		want []string // nil: no Cookie header
	}{
		{"no cookies", nil, consent.Visitor{}, nil},
		{"trackers dropped", []string{"_ga=1; session=abc;  _fbp=2; x=y"}, consent.Visitor{}, []string{"session=abc; x=y"}},
		{"consented kept", []string{"_ga=1; session=abc; _fbp=2"}, granting(trackers.Analytics), []string{"_ga=1; session=abc"}},
		{"pairs rejoined with \"; \"", []string{"a=1;b=2 ;  _ga=1;c"}, consent.Visitor{}, []string{"a=1; b=2; c"}},
		{"several headers", []string{"_ga=1", "a=1; _fbp=2"}, consent.Visitor{}, []string{"a=1"}},
		{"only trackers", []string{"_ga=1; _fbp=2"}, consent.Visitor{}, nil},
		{"everything", []string{"_ga=1; _fbp=2"}, granting(trackers.Categories...), []string{"_ga=1; _fbp=2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{}
			if tc.in != nil {
				hdr["Cookie"] = slices.Clone(tc.in)
			}
			p.ScrubCookieHeader(hdr, tc.v)
			got, ok := hdr["Cookie"]
			if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
				t.Errorf("Cookie = %q (present %v), want %q", got, ok, tc.want)
			}
		})
	}
}

func TestExpire(t *testing.T) {
	p := testPolicy(t)
	sent := []*http.Cookie{{Name: "_ga", Value: "1"}, {Name: "session", Value: "s"}, {Name: "_fbp", Value: "2"}, {Name: consent.CookieName, Value: "x"}}
	for _, tc := range []struct {
		name string
		host string
		v    consent.Visitor
		want []string // Set-Cookie lines
	}{
		{"host-only and parent domains", "www.shop.example.co.uk:8443", granting(trackers.Marketing), []string{
			"_ga=; Path=/; Max-Age=0",
			"_ga=; Path=/; Domain=www.shop.example.co.uk; Max-Age=0",
			"_ga=; Path=/; Domain=shop.example.co.uk; Max-Age=0",
			"_ga=; Path=/; Domain=example.co.uk; Max-Age=0",
		}},
		{"registrable host, trailing dot, upper case", "Example.COM.", consent.Visitor{}, []string{
			"_ga=; Path=/; Max-Age=0", "_ga=; Path=/; Domain=example.com; Max-Age=0",
			"_fbp=; Path=/; Max-Age=0", "_fbp=; Path=/; Domain=example.com; Max-Age=0",
		}},
		{"IP address: host-only", "192.0.2.1:80", granting(trackers.Analytics), []string{"_fbp=; Path=/; Max-Age=0"}},
		{"IPv6", "[2001:db8::1]", granting(trackers.Analytics), []string{"_fbp=; Path=/; Max-Age=0"}},
		{"single label", "localhost", granting(trackers.Analytics), []string{"_fbp=; Path=/; Max-Age=0"}},
		{"public suffix", "co.uk", granting(trackers.Analytics), []string{"_fbp=; Path=/; Max-Age=0"}},
		{"everything allowed", "example.com", granting(trackers.Categories...), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range p.Expire(tc.host, sent, tc.v) {
				got = append(got, c.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Expire\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
