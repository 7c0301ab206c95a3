package caddymodule

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/consentgate/consentgate/trackers"
)

// TestGuardJSON: the guard's configuration carries each host's rules in the
// catalogue's match order, '*' paths as anchored patterns that match what
// path.Match does, site rules and necessary exemptions, and only ASCII.
func TestGuardJSON(t *testing.T) {
	cat, err := trackers.New(trackers.Builtin, []trackers.Rule{
		{Pattern: "maps.example.com/embed/", Category: trackers.Media},
		{Pattern: "bücher.example", Category: trackers.Marketing},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := guardJSON(cat)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			t.Fatalf("non-ASCII byte at %d in %s", i, s)
		}
	}
	var cfg map[string][][4]string
	if err := json.Unmarshal([]byte(s), &cfg); err != nil {
		t.Fatal(err)
	}
	if got := cfg["maps.example.com"]; len(got) != 1 || got[0] != [4]string{"/embed/", "", "media", "site:maps.example.com/embed/"} {
		t.Errorf("site rule: %v", got)
	}
	if _, ok := cfg["bücher.example"]; !ok {
		t.Errorf("non-ASCII site host lost: %v", s)
	}
	// Most specific first: gtag.js for Google Ads before the host's
	// catch-all Analytics rule.
	var order []string
	for _, r := range cfg["googletagmanager.com"] {
		order = append(order, r[3]+" "+r[0]+"?"+r[1])
	}
	ads, ga := -1, -1
	for i, o := range order {
		switch o {
		case "google-ads /gtag/js?id=AW-":
			ads = i
		case "google-analytics ?":
			ga = i
		}
	}
	if ads < 0 || ga < 0 || ads > ga {
		t.Errorf("googletagmanager.com rules in the order %v, want Google Ads' gtag.js before Analytics' catch-all", order)
	}
	matches := func(path string) bool {
		for _, r := range cfg["connect.facebook.net"] {
			if r[3] == "facebook-sdk" && r[0] != "" && r[0][0] == '^' && regexp.MustCompile(r[0]).MatchString(path) {
				return true
			}
		}
		return false
	}
	for path, want := range map[string]bool{"/en_GB/sdk.js": true, "/en_GB/x/sdk.js": false, "/sdk.js": false} {
		if matches(path) != want {
			t.Errorf("facebook-sdk patterns on %s: %v, want %v", path, !want, want)
		}
	}
	necessary := false
	for _, rs := range cfg {
		for _, r := range rs {
			necessary = necessary || r[2] == string(trackers.Necessary)
		}
	}
	if !necessary {
		t.Error("no necessary exemption in the guard configuration")
	}
}
