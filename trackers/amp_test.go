package trackers

import (
	"strings"
	"testing"
)

// AMP components as the AMP docs and the WordPress AMP plugin write them.
func TestMatchElement(t *testing.T) {
	c := builtin(t)
	tests := []struct {
		name  string
		attrs map[string]string
		want  string
	}{
		{"amp-analytics", map[string]string{"type": "googleanalytics", "config": "https://amp.analytics-debugger.com/ga4.json"}, "google-analytics"},
		{"amp-analytics", map[string]string{"type": "gtag", "data-credentials": "include"}, "google-analytics"},
		{"AMP-ANALYTICS", map[string]string{"type": " GTag "}, "google-analytics"},
		{"amp-analytics", map[string]string{"type": "googleadwords"}, "google-ads"},
		{"amp-analytics", map[string]string{"type": "facebookpixel"}, "meta"},
		{"amp-analytics", map[string]string{"config": "https://www.googletagmanager.com/amp.json?id=GTM-1&gtm.url=SOURCE_URL"}, "google-analytics"},
		{"amp-analytics", map[string]string{"type": "contentsquare"}, "hotjar"},
		{"amp-analytics", map[string]string{"type": "chartbeat"}, "amp-analytics"},
		{"amp-analytics", map[string]string{"config": "/analytics.json"}, "amp-analytics"},
		{"amp-analytics", nil, "amp-analytics"},
		{"amp-pixel", map[string]string{"src": "https://www.facebook.com/tr?id=1&ev=PageView&noscript=1"}, "facebook-tr"},
		{"amp-pixel", map[string]string{"src": "https://stats.council.example/pixel?RANDOM", "layout": "nodisplay"}, "amp-analytics"},
		{"amp-pixel", nil, "amp-analytics"},
		{"amp-ad", map[string]string{"type": "adsense", "data-ad-client": "ca-pub-1", "data-ad-slot": "2"}, "google-ads"},
		{"amp-ad", map[string]string{"type": "doubleclick", "data-slot": "/1/x"}, "google-ads"},
		{"amp-ad", map[string]string{"type": "facebook", "data-placementid": "1_2"}, "meta"},
		{"amp-ad", map[string]string{"type": "taboola"}, "amp-ad"},
		{"amp-embed", map[string]string{"type": "outbrain"}, "amp-ad"},
		{"amp-sticky-ad", map[string]string{"layout": "nodisplay"}, "amp-ad"},
		{"amp-auto-ads", map[string]string{"type": "adsense", "data-ad-client": "ca-pub-1"}, "google-ads"},
		{"amp-youtube", map[string]string{"data-videoid": "abc", "layout": "responsive"}, "youtube"},
		{"amp-iframe", map[string]string{"src": "https://www.youtube.com/embed/abc"}, "youtube"},
		{"amp-iframe", map[string]string{"src": "https://www.google.com/maps/embed?pb=x"}, ""},
		{"amp-iframe", map[string]string{"src": "https://www.google.com/recaptcha/api2/anchor"}, ""},
		{"amp-iframe", nil, ""},
		{"amp-twitter", map[string]string{"data-tweetid": "1"}, "twitter"},
		{"amp-facebook", map[string]string{"data-href": "https://www.facebook.com/council/posts/1"}, "facebook"},
		{"amp-facebook-page", nil, "facebook"},
		{"amp-facebook-like", nil, "facebook"},
		{"amp-facebook-comments", nil, "facebook"},
		{"amp-instagram", map[string]string{"data-shortcode": "abc"}, "instagram"},
		{"amp-call-tracking", map[string]string{"config": "https://calls.example/number.json"}, "amp-call-tracking"},
		{"amp-img", map[string]string{"src": "https://i.ytimg.com/vi/abc/0.jpg"}, ""},
		{"amp-consent", nil, ""},
		{"div", map[string]string{"type": "adsense"}, ""},
	}
	for _, tt := range tests {
		got := ""
		v := c.MatchElement(tt.name, func(n string) (string, bool) { s, ok := tt.attrs[n]; return s, ok })
		if v != nil {
			got = v.ID
			if !v.Category.Valid() || v.Name == "" {
				t.Errorf("%s: vendor %+v", tt.name, v)
			}
		}
		if got != tt.want {
			t.Errorf("MatchElement(%s %v) = %q, want %q", tt.name, tt.attrs, got, tt.want)
		}
	}
}

// A necessary rule exempts a first-party amp-pixel from the fail-safe.
func TestMatchElementNecessary(t *testing.T) {
	c, err := New(Builtin, []Rule{{Pattern: "stats.council.example", Category: Necessary}})
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n string) (string, bool) { return "https://stats.council.example/p", n == "src" }
	if v := c.MatchElement("amp-pixel", attr); v != nil {
		t.Errorf("got %s", v.ID)
	}
	// Without Google Analytics (consent_mode advanced), still held.
	var noGA []Vendor
	for _, v := range Builtin {
		if !strings.HasPrefix(v.ID, "google-") {
			noGA = append(noGA, v)
		}
	}
	c, err = New(noGA, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := c.MatchElement("amp-analytics", func(n string) (string, bool) { return "gtag", n == "type" }); v == nil || v.ID != "amp-analytics" {
		t.Errorf("gtag without Google vendors: got %v", v)
	}
}
