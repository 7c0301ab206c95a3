package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/cookieseen"
)

// After consent the banner reports the names (never the values) of the
// cookies and localStorage keys in the browser, without a reload; before
// any choice it reports nothing. The names land in the consent store, for
// the web team's review.
func TestBannerReportsNamesAfterConsent(t *testing.T) {
	e := newEnvWith(t, "cookie_report 1", "")
	e.open("/index.html")
	// A first-party script of the council's keeps state of its own.
	e.do("set the site's own state", chromedp.Evaluate[chromedp.Void](`localStorage.setItem('llanwern_recent_pages', '/bins'); document.cookie = 'llanwern_text_size=large; path=/'`))
	time.Sleep(4 * time.Second) // longer than the banner waits before reporting
	if got := bannerReported(t); len(got) > 0 {
		t.Fatalf("before any choice the banner reported %q", got)
	}

	check := e.clickInPlace(acceptButton)
	e.waitConsentCookie()
	var got []string
	e.waitFor("the banner's report in the store", 15*time.Second, func() (bool, string) {
		got = bannerReported(t)
		for _, want := range []string{"cookie _ga", "cookie llanwern_text_size", "storage llanwern_recent_pages"} {
			if !slices.Contains(got, want) {
				return false, fmt.Sprintf("stored %q", got)
			}
		}
		return true, ""
	})
	check()
	if slices.Contains(got, "cookie consentgate") {
		t.Errorf("the banner reported its own consent cookie: %q", got)
	}
	for _, name := range got {
		if slices.Contains([]string{"cookie GA1.1.123.456", "storage /bins", "cookie large"}, name) {
			t.Errorf("a value was reported as a name: %q", got)
		}
	}
}

// bannerReported lists the names the store holds from banner reports, as
// "<kind> <name>".
func bannerReported(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	path := consentlog.DefaultPath(caddy.AppDataDir())
	if _, err := os.Stat(path); err != nil {
		return nil // not created yet
	}
	s, err := consentlog.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seen, err := s.Sightings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range seen {
		if x.Source == cookieseen.Banner {
			out = append(out, string(x.Kind)+" "+x.Name)
		}
	}
	return out
}
