package caddymodule_test

// The cookie table as Caddy serves it: from the Caddyfile's declarations,
// in both languages, with the visitor's choice.

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/cookietable"
	"github.com/consentgate/consentgate/internal/testcaddy"
)

func TestCookieTableFromTheCaddyfile(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, `site_name "Anytown Council"
necessary_cookies ASP.NET_SessionId
cookie PHPSESSID necessary {
	purpose "Keeps you signed in to your account" "Yn eich cadw wedi mewngofnodi i'ch cyfrif"
	content "a random session identifier" "dynodwr sesiwn ar hap"
	justification "Needed for sign-in" "Ei angen i fewngofnodi"
}
cookie council_ab analytics {
	provider "Optimise Ltd"
	expires 13mo
}
text en tableTitle "Cookies on the Anytown Council website"`))
	c := itClient(t)

	resp, body := itGet(t, c, base+"/_consent/cookies", nil)
	s := string(body)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src "+cookietable.StyleHash) || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q: the page shows the visitor's consent ID", cc)
	}
	for _, want := range []string{
		`<html lang="en">`,
		`<h1>Cookies on the Anytown Council website</h1>`,
		`<a href="/">Back to Anytown Council</a>`,
		`<code>PHPSESSID</code>`, "Keeps you signed in to your account", "Why it is strictly necessary: Needed for sign-in",
		"a random session identifier", "A random session identifier", // the declared one, and ASP.NET's default
		"Optimise Ltd", "13 months", "when you close your browser",
		"You have not made a choice yet.",
		`href="/_consent/settings?return_to=%2F_consent%2Fcookies"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("English table lacks %s", want)
		}
	}

	cookie := itConsent(t, c, base, url.Values{"action": {"accept_all"}})
	_, body = itGet(t, c, base+"/_consent/cookies?lang=cy", map[string]string{"Cookie": cookie})
	s = string(body)
	for _, want := range []string{
		`<html lang="cy">`, "Cwcis a ddefnyddir ar Anytown Council", "Yn eich cadw wedi mewngofnodi i&#39;ch cyfrif",
		"13 mis", "pan fyddwch yn cau eich porwr", "Eich ID caniatâd", "Rydych wedi caniatáu: Cwcis dadansoddi",
		`return_to=%2F_consent%2Fcookies%3Flang%3Dcy&amp;lang=cy`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Welsh table lacks %s", want)
		}
	}

	_, body = itGet(t, c, base+"/_consent/cookies?format=json&lang=cy", nil)
	var recs []map[string]any
	if err := json.Unmarshal(body, &recs); err != nil {
		t.Fatal(err)
	}
	byName := map[string]map[string]any{}
	for _, r := range recs {
		byName[r["name"].(string)] = r
	}
	if r := byName["council_ab"]; r == nil || r["provider"] != "Optimise Ltd" || r["expires"] != "13 mis" || r["max_age_seconds"] != float64(390*86400) || r["category"] != "analytics" {
		t.Errorf("council_ab in JSON: %v", r)
	}
	if r := byName["PHPSESSID"]; r == nil || r["category"] != "necessary" || r["justification"] != "Ei angen i fewngofnodi" {
		t.Errorf("PHPSESSID in JSON: %v", r)
	}
}

func TestNecessaryTrackerCookieRefused(t *testing.T) {
	_, err := testcaddy.Load(t, "cookie_consent {\n\tcookie _ga necessary\n}\nrespond ok")
	if err == nil || !strings.Contains(err.Error(), `cookie "_ga": Google Analytics sets it for analytics, so it is not strictly necessary`) {
		t.Errorf("cookie _ga necessary: %v", err)
	}
}
