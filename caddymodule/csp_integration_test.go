package caddymodule_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
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

	// index.html, requested above, has shown the handler its vendors.
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

// TestGuardRunsUnderThePagesCSP: the inline guard carries the page's nonce,
// or its hash is added to a policy that allows no inline script; a policy
// that allows inline scripts is left as it was.
func TestGuardRunsUnderThePagesCSP(t *testing.T) {
	const page = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Pay</title></head><body><p>Pay</p></body></html>`
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Security-Policy", r.URL.Query().Get("csp"))
		w.Write([]byte(page))
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	guardRE := regexp.MustCompile(`<script data-granted="[^"]*"( nonce="[^"]*")?>(?s:(.*?))</script>`)
	for _, tc := range []struct{ csp, wantCSP, wantNonce string }{
		{"script-src 'nonce-r4nd0m' 'strict-dynamic'; style-src 'self' 'nonce-r4nd0m'", "script-src 'nonce-r4nd0m' 'strict-dynamic'; style-src 'self' 'nonce-r4nd0m'", "r4nd0m"},
		{"default-src 'self'", "default-src 'self' 'sha256-{hash}'", ""},
		{"script-src 'self' 'unsafe-inline'", "script-src 'self' 'unsafe-inline'", ""},
	} {
		resp, body := itGet(t, c, base+"/?csp="+url.QueryEscape(tc.csp), map[string]string{"Accept": "text/html"})
		m := guardRE.FindSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no inline guard in\n%s", tc.csp, body)
		}
		if got := strings.TrimSuffix(strings.TrimPrefix(string(m[1]), ` nonce="`), `"`); got != tc.wantNonce {
			t.Errorf("%s: guard nonce %q, want %q", tc.csp, got, tc.wantNonce)
		}
		sum := sha256.Sum256(m[2])
		want := strings.ReplaceAll(tc.wantCSP, "{hash}", base64.StdEncoding.EncodeToString(sum[:]))
		if got := resp.Header.Get("Content-Security-Policy"); got != want {
			t.Errorf("policy %q\n got %q\nwant %q", tc.csp, got, want)
		}
	}
}

// TestCSPReportEndpointNeedsPreConsentCSP: without a policy there is
// nothing to report, so there is no endpoint to flood; with one, a report
// is answered 204 with nothing of it sent back.
func TestCSPReportEndpointNeedsPreConsentCSP(t *testing.T) {
	report := `{"csp-report":{"document-uri":"http://x/<b>","blocked-uri":"https://www.google-analytics.com/<script>alert(1)</script>"}}`
	for _, tc := range []struct {
		opts string
		want int
	}{{"", http.StatusNotFound}, {"pre_consent_csp report-only", http.StatusNoContent}} {
		base := testcaddy.Start(t, itFileServer(t, tc.opts))
		resp, body := itDo(t, itClient(t), itRequest(t, http.MethodPost, base+"/_consent/csp-report", map[string]string{"Content-Type": "application/csp-report"}, strings.NewReader(report)))
		if resp.StatusCode != tc.want || strings.Contains(string(body), "<script>") {
			t.Errorf("%q: status %d, body %q; want %d, nothing reflected", tc.opts, resp.StatusCode, body, tc.want)
		}
	}
}
