package caddymodule

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/consentgate/consentgate/cspreport"
)

// The counting and its log lines are tested in cspreport; these tests are
// of the endpoint around it.

// cspTestHandler has a logger the test reads and a fresh, process-wide
// report table.
func cspTestHandler(t *testing.T, mode string) (*Handler, *observer.ObservedLogs) {
	core, logs := observer.New(zap.DebugLevel)
	saved := cspReports
	t.Cleanup(func() { cspReports = saved })
	cspReports = cspreport.NewCounts(countCSPViolation)
	return &Handler{PreConsentCSP: mode, logger: zap.New(core)}, logs
}

func postCSPReport(h *Handler, ip, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/_consent/csp-report", strings.NewReader(body))
	r.RemoteAddr = ip + ":40000"
	r.Header.Set("Content-Type", "application/csp-report")
	w := httptest.NewRecorder()
	if err := h.serveCSPReport(w, r); err != nil {
		w.Code = 0
	}
	return w
}

// TestCSPReportFloodIsAnsweredNothing: 1,000 reports of 15 KB from one
// client, most of them beyond its burst, are each answered 204 with no
// body, and no log line carries the report's bytes.
func TestCSPReportFloodIsAnsweredNothing(t *testing.T) {
	const payload = `<script>alert(1)</script>`
	pad := strings.Repeat("A", 7<<10) // twice in a report: 15 KB
	h, logs := cspTestHandler(t, cspEnforce)
	for i := range 1000 {
		body := fmt.Sprintf(`{"csp-report":{"document-uri":"https://site.example/p?%s%s","blocked-uri":"https://www.googletagmanager.com/x.js?%s%s","violated-directive":"script-src-elem %s"}}`,
			pad, payload, pad, payload, payload)
		w := postCSPReport(h, "203.0.113.7", body)
		if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
			t.Fatalf("report %d: status %d, %d body bytes; want 204 and nothing", i, w.Code, w.Body.Len())
		}
	}
	if logs.Len() == 0 {
		t.Error("nothing logged: the first blocked host must be announced")
	}
	for _, e := range logs.All() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		if strings.Contains(line, "AAAA") || strings.Contains(line, "<") || strings.Contains(line, "alert") {
			t.Fatalf("report content reached the log: %.300s", line)
		}
	}
}

func TestCSPReportRefusals(t *testing.T) {
	report := `{"csp-report":{"document-uri":"https://site.example/","blocked-uri":"https://www.google-analytics.com/a.js"}}`
	h, _ := cspTestHandler(t, cspReportOnly)
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"report", report, http.StatusNoContent},
		{"over 16 KB", `{"csp-report":{"blocked-uri":"` + strings.Repeat("a", 17<<10) + `"}}`, 0},
		{"not a report", `{"not":"a report"}`, 0},
	} {
		if w := postCSPReport(h, "192.0.2.1", tc.body); w.Code != tc.want {
			t.Errorf("%s: status %d, want %d (0: an error for handle_errors)", tc.name, w.Code, tc.want)
		}
	}
	h.PreConsentCSP = ""
	r := httptest.NewRequest(http.MethodPost, "/_consent/csp-report", strings.NewReader(report))
	if err := h.serveCSPReport(httptest.NewRecorder(), r); err == nil || !strings.Contains(err.Error(), "without pre_consent_csp") {
		t.Errorf("without pre_consent_csp: %v, want a 404", err)
	}
}
