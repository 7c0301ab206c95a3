package caddymodule

import (
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentgate/consentgate/cookieseen"
	"github.com/consentgate/consentgate/trackers"
)

// The block the console and the CLI suggest for an undeclared cookie is
// real config: pasted in, one with a known category is accepted and
// declares the cookie as suggested; one without is refused until the web
// team chooses.
func TestSuggestedSnippetsAreConfig(t *testing.T) {
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	up := func(name string, maxAge int64) cookieseen.Sighting {
		return cookieseen.Sighting{Kind: cookieseen.Cookie, Name: name, Source: cookieseen.Upstream, MaxAge: maxAge, First: now, Last: now, Hits: 1}
	}
	imported := []cookieseen.Known{{Name: "jadu_poll", Provider: "Jadu", Category: "analytics", Purpose: `Counts "votes" in polls`, Retention: "1 year"}}
	seen := []cookieseen.Sighting{up("PHPSESSID", 0), up("__RequestVerificationToken", 0), up("jadu_poll", 31536000), up("mystery", 3600),
		{Kind: cookieseen.Storage, Name: "widget state", Source: cookieseen.Banner, MaxAge: -1, First: now, Last: now, Hits: 1}}
	findings := cookieseen.Review(seen, cookieseen.Declaration{}, cat, imported)
	if len(findings) != len(seen) {
		t.Fatalf("%d findings for %d names", len(findings), len(seen))
	}
	for _, f := range findings {
		t.Run(f.Name, func(t *testing.T) {
			h := new(Handler)
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("cookie_consent {\n" + f.Snippet + "\n}"))
			if err == nil {
				err = h.Validate()
			}
			if f.Suggestion == nil || f.Suggestion.Category == "" {
				if err == nil || !strings.Contains(err.Error(), "unknown category") {
					t.Errorf("a block without a category chosen is accepted (%v):\n%s", err, f.Snippet)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v:\n%s", err, f.Snippet)
			}
			if len(h.Cookies) != 1 || h.Cookies[0].Category != f.Suggestion.Category || h.Cookies[0].Provider != f.Suggestion.Provider {
				t.Errorf("declares %+v, want %s by %s:\n%s", h.Cookies, f.Suggestion.Category, f.Suggestion.Provider, f.Snippet)
			}
		})
	}
}
