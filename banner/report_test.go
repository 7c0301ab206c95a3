package banner

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/consentgate/consentgate/consent"
)

// rootAttr returns the value of attribute key on the banner's root element
// in body, and whether it is there.
func rootAttr(t *testing.T, body []byte, key string) (string, bool) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(body))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		if tt != html.StartTagToken {
			continue
		}
		var id, val string
		var has bool
		for _, a := range tok.Attr {
			switch a.Key {
			case "id":
				id = a.Val
			case key:
				val, has = a.Val, true
			}
		}
		if id == "cg-root" {
			return val, has
		}
	}
	t.Fatal("no #cg-root in the banner")
	return "", false
}

// TestReportRate: the root element carries the discovery report's rate
// only when the handler asks for reports, with the rate as banner.js reads
// it, rendered or from the cache alike.
func TestReportRate(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want string // "" for no attribute
	}{{0, ""}, {-1, ""}, {0.1, "0.1"}, {0.25, "0.25"}, {1, "1"}} {
		var c Cache // one per handler, and so per rate
		p := testPage(t, "en", nil)
		p.Report = tc.rate
		for _, decided := range []bool{false, true} {
			p.Decided = decided
			for how, body := range map[string][]byte{"Body": Body(p), "Cache.Body": c.Body(p)} {
				got, has := rootAttr(t, body, "data-cg-report")
				if tc.want == "" && has {
					t.Errorf("%s with Report %v (decided %v): data-cg-report=%q, want none", how, tc.rate, decided, got)
				}
				if tc.want != "" && got != tc.want {
					t.Errorf("%s with Report %v (decided %v): data-cg-report=%q (present %v), want %q", how, tc.rate, decided, got, has, tc.want)
				}
			}
		}
	}
}

// TestReportLeavesOutTheConsentCookie: banner.js leaves the consent
// cookie out of the names it reports by name, so that name must be
// consent.CookieName; and it reads storage without writing to it.
func TestReportLeavesOutTheConsentCookie(t *testing.T) {
	b, err := fs.ReadFile(Assets, "banner.js")
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	if !strings.Contains(js, "n !== '"+consent.CookieName+"'") {
		t.Errorf("banner.js does not leave the consent cookie %q out of its report", consent.CookieName)
	}
	for _, bad := range []string{"setItem", "removeItem", "localStorage[", "localStorage."} {
		if strings.Contains(js, bad) {
			t.Errorf("banner.js contains %q: the report reads storage key names and stores nothing", bad)
		}
	}
}
