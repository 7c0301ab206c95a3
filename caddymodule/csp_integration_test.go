package caddymodule_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// TestPreConsentCSP: a visitor who has not consented to everything gets a
// second policy wall that leaves out the tracker hosts; full consent lifts
// it; the report endpoint takes reports and refuses anything else.
func TestPreConsentCSP(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, "pre_consent_csp enforce https://cdn.example.org"))
	c := itClient(t)
	page := map[string]string{"Accept": "text/html"}

	resp, _ := itGet(t, c, base+"/index.html", page)
	policy := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self' https://cdn.example.org ", "frame-src 'self' https://cdn.example.org;", "report-uri /_consent/csp-report"} {
		if !strings.Contains(policy, want) {
			t.Errorf("pre-consent policy %q lacks %q", policy, want)
		}
	}
	for _, host := range []string{"google-analytics.com", "googletagmanager.com", "youtube", "facebook", "hotjar"} {
		if strings.Contains(policy, host) {
			t.Errorf("pre-consent policy allows %s before any consent: %q", host, policy)
		}
	}

	media := itConsent(t, c, base, url.Values{"action": {"save"}, "category": {"media"}})
	resp, _ = itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Cookie": media})
	policy = resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(policy, "*.youtube-nocookie.com") || strings.Contains(policy, "google-analytics.com") {
		t.Errorf("with media consented the policy should allow YouTube and still not Google Analytics: %q", policy)
	}

	all := itConsent(t, c, base, url.Values{"action": {"accept_all"}})
	resp, _ = itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Cookie": all})
	if p := resp.Header.Get("Content-Security-Policy"); p != "" {
		t.Errorf("a visitor who accepted everything still gets a pre-consent policy: %q", p)
	}

	report := `{"csp-report":{"document-uri":"http://x/index.html?q=secret","blocked-uri":"https://www.google-analytics.com/analytics.js?tid=1","violated-directive":"script-src-elem"}}`
	for _, tc := range []struct {
		method, body string
		want         int
	}{
		{http.MethodPost, report, http.StatusNoContent},
		{http.MethodPost, `{"not":"a report"}`, http.StatusBadRequest},
		{http.MethodPost, `{"csp-report":{"blocked-uri":"` + strings.Repeat("a", 20<<10) + `"}}`, http.StatusRequestEntityTooLarge},
		{http.MethodGet, "", http.StatusMethodNotAllowed},
	} {
		resp, _ := itDo(t, c, itRequest(t, tc.method, base+"/_consent/csp-report", map[string]string{"Content-Type": "application/csp-report"}, strings.NewReader(tc.body)))
		if resp.StatusCode != tc.want {
			t.Errorf("%s csp-report (%d bytes): status %d, want %d", tc.method, len(tc.body), resp.StatusCode, tc.want)
		}
	}
}

// TestPreConsentCSPReportOnly is the default way to start: nothing breaks.
func TestPreConsentCSPReportOnly(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, "pre_consent_csp report-only"))
	resp, _ := itGet(t, itClient(t), base+"/index.html", map[string]string{"Accept": "text/html"})
	if resp.Header.Get("Content-Security-Policy") != "" || !strings.Contains(resp.Header.Get("Content-Security-Policy-Report-Only"), "script-src 'self' 'unsafe-inline'") {
		t.Errorf("report-only: got enforcing %q and report-only %q", resp.Header.Get("Content-Security-Policy"), resp.Header.Get("Content-Security-Policy-Report-Only"))
	}
}
