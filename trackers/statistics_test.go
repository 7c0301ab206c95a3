package trackers

import (
	"strings"
	"testing"
)

func TestUnderStatisticsException(t *testing.T) {
	rules := []Rule{{Pattern: "stats.council.example", Category: Analytics}, {Pattern: "maps.example", Category: Media}}
	vendors, out, err := UnderStatisticsException(Builtin, rules, []string{"google-analytics", "stats.council.example"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(vendors, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ url, want string }{
		{"https://www.googletagmanager.com/gtag/js?id=G-ABC123", "statistics"},
		{"https://www.google-analytics.com/analytics.js", "statistics"},
		{"https://stats.council.example/matomo.js", "statistics"},
		// Ads on gtag.js, Tag Manager and Hotjar keep their categories.
		{"https://www.googletagmanager.com/gtag/js?id=AW-123", "marketing"},
		{"https://www.googletagmanager.com/gtm.js?id=GTM-X", "analytics"},
		{"https://static.hotjar.com/c/hotjar-1.js", "analytics"},
		{"https://maps.example/embed", "media"},
	} {
		if v := c.MatchURL(tc.url); v == nil || string(v.Category) != tc.want {
			t.Errorf("MatchURL(%s) = %+v, want %s", tc.url, v, tc.want)
		}
	}
	if v, _ := c.MatchCookie("_ga_ABC123"); v == nil || v.Category != Statistics {
		t.Errorf("_ga_ABC123 belongs to %+v, want a statistics vendor", v)
	}
	if Builtin[3].Category != Analytics || rules[0].Category != Analytics {
		t.Error("the inputs were modified")
	}

	for _, tc := range []struct{ name, err string }{
		{"hotjar", "session recordings"},
		{"google-tag-manager", "whatever tags"},
		{"google-ads", "is marketing, not analytics"},
		{"meta", "is marketing"},
		{"facebook-tr", "is marketing"},
		{"youtube", "is media"},
		{"amp-analytics", "any vendor"},
		{"maps.example", "rule \"maps.example\" is media"},
		{"piwik", "neither a catalogue vendor nor a site rule"},
	} {
		_, _, err := UnderStatisticsException(Builtin, rules, []string{tc.name})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.err)
		}
	}
	// A site rule is only as good as what it matches.
	for _, r := range []Rule{
		{Pattern: "static.hotjar.com", Category: Analytics},
		{Pattern: "www.googletagmanager.com/gtag/js?id=AW-", Category: Analytics},
		{Pattern: "www.clarity.ms/tag", Category: Analytics},
		{Pattern: "bat.bing.com", Category: Analytics},
		{Pattern: "clarity.ms/tag/", Category: Analytics, Inline: true},
		{Pattern: "_hjSettings", Category: Analytics, Inline: true},
	} {
		if _, _, err := UnderStatisticsException(Builtin, []Rule{r}, []string{r.Pattern}); err == nil || !strings.Contains(err.Error(), "cannot run without consent") {
			t.Errorf("rule %+v under the exception: error %v", r, err)
		}
	}
	if _, _, err := UnderStatisticsException(Builtin, []Rule{{Pattern: "www.google-analytics.com/g/collect", Category: Analytics}}, []string{"www.google-analytics.com/g/collect"}); err != nil {
		t.Errorf("a rule covering Google Analytics: %v", err)
	}
	if _, _, err := UnderStatisticsException(Builtin, rules, nil); err == nil {
		t.Error("no names: no error")
	}
}
