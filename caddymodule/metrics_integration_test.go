package caddymodule_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// The module's metrics reach Caddy's /metrics: a page view counts the
// trackers it neutralised by vendor, a choice counts as a decision, and
// the store reports itself up with nothing spooled.
func TestMetricsReachCaddysRegistry(t *testing.T) {
	base := testcaddy.Start(t, "handle /metrics {\n\tmetrics\n}\nhandle {\n"+itFileServer(t, "")+"}\n")
	c := itClient(t)
	scrape := func() string {
		t.Helper()
		_, body := itGet(t, c, base+"/metrics", nil)
		return string(body)
	}
	value := func(text, series string) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
		if m == nil {
			return 0
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	gtm := `consentgate_neutralised_elements_total{vendor="google-tag-manager"}`
	rejects := `consentgate_decisions_total{event="initial",granted="none",method="no_js_form"}` // the plain form, as itConsent posts it
	before := scrape()
	if resp, _ := itGet(t, c, base+"/", map[string]string{"Accept": "text/html"}); resp.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", resp.StatusCode)
	}
	itConsent(t, c, base, url.Values{"action": {"reject_all"}})
	after := scrape()
	if d := value(after, gtm) - value(before, gtm); d < 1 {
		t.Errorf("%s grew by %v after a page with Google Tag Manager\n%s", gtm, d, after)
	}
	if d := value(after, rejects) - value(before, rejects); d != 1 {
		t.Errorf("%s grew by %v after one Reject all from the plain form", rejects, d)
	}
	if v := value(after, `consentgate_store_up{store="sqlite"}`); v != 1 {
		t.Errorf("store_up = %v, want 1", v)
	}
}
