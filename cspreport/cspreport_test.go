package cspreport

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []cspKey
	}{
		{"legacy", `{"csp-report":{"document-uri":"https://site.example/news/?q=secret","blocked-uri":"https://www.google-analytics.com/analytics.js?tid=1","violated-directive":"script-src-elem"}}`,
			[]cspKey{{"www.google-analytics.com", "/news/"}}},
		{"legacy inline", `{"csp-report":{"document-uri":"https://site.example/","blocked-uri":"inline"}}`, []cspKey{{"inline", "/"}}},
		{"legacy data", `{"csp-report":{"document-uri":"https://site.example/a","blocked-uri":"data:image/png;base64,AAAA"}}`, []cspKey{{"data", "/a"}}},
		{"legacy odd host", `{"csp-report":{"document-uri":"https://site.example/a","blocked-uri":"https://ev%3Cil.example/"}}`, []cspKey{{"invalid", "/a"}}},
		{"legacy no document", `{"csp-report":{"blocked-uri":"https://x.example"}}`, []cspKey{{"x.example", "/"}}},
		{"reporting api", `[{"type":"csp-violation","age":1,"url":"https://site.example/p","body":{"documentURL":"https://site.example/p?x","blockedURL":"https://connect.facebook.net/en_US/fbevents.js","effectiveDirective":"script-src-elem"}},` +
			`{"type":"deprecation","body":{"id":"x"}},{"type":"csp-violation","body":{"documentURL":"https://site.example/q","blockedURL":"eval"}}]`,
			[]cspKey{{"connect.facebook.net", "/p"}, {"eval", "/q"}}},
		{"reporting api, no violation", `[{"type":"deprecation","body":{}}]`, nil},
		{"not a report", `{"not":"a report"}`, nil},
		{"empty blocked", `{"csp-report":{"blocked-uri":""}}`, nil},
		{"not json", `<script>alert(1)</script>`, nil},
		{"null report", `{"csp-report":null}`, nil},
	} {
		vs, err := Parse([]byte(tc.body))
		if (err != nil) != (tc.want == nil) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
			continue
		}
		var got []cspKey
		for _, v := range vs {
			got = append(got, v.key())
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzCSPReport: whatever a client posts, parsing does not panic, reads a
// bounded number of violations, and what is kept of each (the counting key,
// the only part ever logged) is short printable ASCII.
func FuzzCSPReport(f *testing.F) {
	for _, s := range []string{
		`{"csp-report":{"document-uri":"https://site.example/news/?q=secret","blocked-uri":"https://www.google-analytics.com/a.js","violated-directive":"script-src-elem"}}`,
		`[{"type":"csp-violation","body":{"documentURL":"https://site.example/p","blockedURL":"https://connect.facebook.net/x.js","effectiveDirective":"script-src-elem"}}]`,
		`{"csp-report":{"blocked-uri":"inline","document-uri":"\u0000\r\n"}}`,
		`{"csp-report":{"blocked-uri":"https://[::1]:80/","document-uri":"https://s/%zz"}}`,
		`[{"type":"csp-violation","body":{"blockedURL":"http://a\u00e9.example/","documentURL":"/\u2028"}}]`,
		`[]`, `{}`, `null`, `[null]`, `{"csp-report":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		vs, err := Parse(body)
		if err != nil {
			return
		}
		if len(vs) == 0 || len(vs) > maxCSPPerPost {
			t.Fatalf("%d violations from one post", len(vs))
		}
		for _, v := range vs {
			k := v.key()
			for _, s := range []string{k.host, k.page, directiveName(v.Directive)} {
				if s == "" || len(s) > 256 {
					t.Fatalf("key part %q", s)
				}
				for i := range len(s) {
					if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' {
						t.Fatalf("key part %q has byte %#x", s, c)
					}
				}
			}
		}
	})
}

// testTable is a fresh table with a logger the test reads and a clock that
// moves 100 ms per report counted.
type testTable struct {
	*Counts
	log        *zap.Logger
	logs       *observer.ObservedLogs
	clock      time.Time
	violations int // calls of the onViolation hook
}

func newTestTable() *testTable {
	core, logs := observer.New(zap.DebugLevel)
	tt := &testTable{log: zap.New(core), logs: logs, clock: time.Unix(1e9, 0)}
	tt.Counts = NewCounts(func(string) { tt.violations++ })
	tt.now = func() time.Time { return tt.clock }
	return tt
}

var errTooLarge = errors.New("over MaxBody")

// post does with one post what the endpoint does: ration it, refuse it
// over MaxBody, parse it and count it. accepted is false for a post the
// limiter refused, which the endpoint answers 204 like a counted one.
func (tt *testTable) post(ip, body string) (accepted bool, err error) {
	if !tt.Allow(tt.log, ip+":40000") {
		return false, nil
	}
	if len(body) > MaxBody {
		return false, errTooLarge
	}
	vs, err := Parse([]byte(body))
	if err != nil {
		return false, err
	}
	tt.clock = tt.clock.Add(100 * time.Millisecond)
	tt.Add(tt.log, vs)
	return true, nil
}

// TestFloodIsCountedNotLogged: 10,000 reports of 15 KB, from one
// client or from 10,000 networks naming 10,000 hosts, give a bounded
// number of log lines, none of which carries the report's bytes.
func TestFloodIsCountedNotLogged(t *testing.T) {
	const payload = `<script>alert(1)</script>`
	pad := strings.Repeat("A", 7<<10) // twice in a report: 15 KB
	for _, tc := range []struct {
		name     string
		ip, host func(i int) string
		maxLines int
	}{
		{"one client, one host", func(int) string { return "203.0.113.7" }, func(int) string { return "www.googletagmanager.com" }, 1 + 1 + 20},
		{"many networks, many hosts", func(i int) string { return fmt.Sprintf("10.%d.%d.1", i/256, i%256) },
			func(i int) string { return fmt.Sprintf("h%d.evil.example", i) }, maxCSPLogged + 1 + 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTestTable()
			accepted := 0
			for i := range 10000 {
				body := fmt.Sprintf(`{"csp-report":{"document-uri":"https://site.example/p?%s%s","blocked-uri":"https://%s/x.js?%s%s","violated-directive":"script-src-elem %s"}}`,
					pad, payload, tc.host(i), pad, payload, payload)
				ok, err := tt.post(tc.ip(i), body)
				if err != nil {
					t.Fatalf("report %d (%d bytes): %v; want it counted or dropped, so answered 204", i, len(body), err)
				}
				if ok {
					accepted++
				}
				if tt.dropped != uint64(i+1-accepted) {
					t.Fatalf("report %d: %d dropped, %d accepted", i, tt.dropped, accepted)
				}
			}
			n := tt.logs.Len()
			if n > tc.maxLines {
				t.Errorf("%d log lines for 10,000 reports, want at most %d", n, tc.maxLines)
			}
			if n == 0 {
				t.Error("nothing logged: the first blocked host must be announced")
			}
			for _, e := range tt.logs.All() {
				line := fmt.Sprint(e.Message, e.ContextMap())
				if strings.Contains(line, "AAAA") || strings.Contains(line, "<") || strings.Contains(line, "alert") {
					t.Fatalf("report content reached the log: %.300s", line)
				}
			}
			if len(tt.counts) > maxCSPEntries {
				t.Errorf("%d counted pairs, cap %d", len(tt.counts), maxCSPEntries)
			}
			if tt.violations != accepted {
				t.Errorf("onViolation called %d times for %d reports counted", tt.violations, accepted)
			}
			t.Logf("%d log lines, %d reports accepted, %d dropped, %d pairs, %d other", n, accepted, tt.dropped, len(tt.counts), tt.other)
		})
	}
}

// TestSummary: reports are summed into one line a minute.
func TestSummary(t *testing.T) {
	tt := newTestTable()
	for i := range 1300 { // 130 s of reports, 10 networks
		if _, err := tt.post(fmt.Sprintf("198.51.%d.1", i%10), `{"csp-report":{"document-uri":"https://site.example/p","blocked-uri":"https://static.hotjar.com/c.js"}}`); err != nil {
			t.Fatal(err)
		}
	}
	var summaries, announcements int
	for _, e := range tt.logs.All() {
		switch {
		case strings.HasPrefix(e.Message, "pre-consent CSP violations counted"):
			summaries++
			if top := fmt.Sprint(e.ContextMap()["top"]); !strings.Contains(top, "static.hotjar.com on /p:") {
				t.Errorf("summary top %s", top)
			}
		case strings.HasPrefix(e.Message, "pre-consent CSP blocked a host"):
			announcements++
		}
	}
	if summaries != 2 || announcements != 1 {
		t.Errorf("%d summaries and %d announcements in %d lines, want 2 and 1", summaries, announcements, tt.logs.Len())
	}
}
