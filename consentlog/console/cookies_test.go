package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/consentlog/console"
	"github.com/consentgate/consentgate/cookieseen"
	"github.com/consentgate/consentgate/trackers"
)

// findings is the review of a council site: its PHP session and a cookie of
// its own nobody described, a hostile storage key a visitor's browser
// reported, Google Analytics and the declared consent cookie.
func findings(t *testing.T) []cookieseen.Finding {
	t.Helper()
	at := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	seen := []cookieseen.Sighting{
		{Kind: cookieseen.Cookie, Name: "PHPSESSID", Source: cookieseen.Upstream, MaxAge: 0, First: at(1), Last: at(8), Hits: 10},
		{Kind: cookieseen.Cookie, Name: "PHPSESSID", Source: cookieseen.Banner, MaxAge: -1, First: at(3), Last: at(9), Hits: 4},
		{Kind: cookieseen.Cookie, Name: "council_ab_test", Source: cookieseen.Upstream, MaxAge: 7776000, First: at(5), Last: at(6), Hits: 2},
		{Kind: cookieseen.Storage, Name: `<script>alert(1)</script>`, Source: cookieseen.Banner, MaxAge: -1, First: at(4), Last: at(4), Hits: 1},
		{Kind: cookieseen.Cookie, Name: "_ga", Source: cookieseen.Banner, MaxAge: -1, First: at(2), Last: at(2), Hits: 1},
		{Kind: cookieseen.Cookie, Name: "cookie_consent", Source: cookieseen.Upstream, MaxAge: 31536000, First: at(1), Last: at(9), Hits: 50},
	}
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := cookieseen.Declaration{Version: "3", Cookies: []cookieseen.Declared{{Name: "cookie_consent", Category: "necessary"}}}
	return cookieseen.Review(seen, d, cat, nil)
}

// withFindings gives f's console the Findings hook, answering fs or err.
func (f *fixture) withFindings(fs []cookieseen.Finding, err error) {
	f.h = console.New(f.store, console.Options{Prefix: prefix, User: func(*http.Request) string { return "dpo" },
		Findings: func(context.Context) ([]cookieseen.Finding, error) { return fs, err }})
}

func TestCookiesPage(t *testing.T) {
	f := newFixture(t)
	f.withFindings(findings(t), nil)
	body := wantStatus(t, f.get(prefix+"/cookies"), http.StatusOK)
	wantContains(t, body,
		`<title>Cookies found – Consent records</title>`,
		`<a href="/_consent/admin/cookies" aria-current="page">Cookies found</a>`,
		"Names reported by visitors' browsers are not shown to visitors in the cookie table until the site declares them or the catalogue knows them",
		"<p>3 undeclared, 1 declared, 1 from the catalogue.",
		`<a href="/_consent/admin/cookies.json">JSON</a>`,
		`<tr><th scope="row"><code>PHPSESSID</code></th><td>cookie</td><td>reported by visitors&#39; browsers; set by the site&#39;s responses</td><td>2026-11-01T09:00:00Z</td><td>2026-11-09T09:00:00Z</td><td>when you close your browser</td><td>PHP (necessary): Keeps your visit together`,
		"<pre>cookie PHPSESSID necessary {\n\tprovider PHP\n",
		`<td>3 months</td><td>Nothing known has this name.</td>`,
		"<pre># choose: necessary, analytics, media, social or marketing\ncookie council_ab_test CATEGORY {",
		`<code>&lt;script&gt;alert(1)&lt;/script&gt;</code></th><td>local storage key</td><td>reported by visitors&#39; browsers</td>`,
		`cookie &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34; CATEGORY {`,
		`<tr><th scope="row"><code>_ga</code></th><td>cookie</td><td>in the catalogue: Google Analytics</td>`,
		`<tr><th scope="row"><code>cookie_consent</code></th><td>cookie</td><td>declared by the site</td><td>set by the site&#39;s responses</td><td>2026-11-09T09:00:00Z</td><td>1 year</td></tr>`,
	)
	if strings.Contains(body, "<script") {
		t.Error("a reported name reached the page as markup")
	}
	if i, j := strings.Index(body, "council_ab_test"), strings.Index(body, "<code>_ga</code>"); i < 0 || j < i {
		t.Error("the undeclared names are not listed first")
	}
	// The two tables are captioned and inside their scroll containers, so
	// that the page reflows at 390 px.
	if n := strings.Count(body, `<div class="scroll" tabindex="0" role="region"`); n != 2 || strings.Count(body, "<caption>") != 2 {
		t.Errorf("%d scroll containers, %d captions", n, strings.Count(body, "<caption>"))
	}
	// Every console page links it.
	wantContains(t, wantStatus(t, f.get(prefix+"/verify"), http.StatusOK), `<a href="/_consent/admin/cookies">Cookies found</a>`)
	wantAudit(t, f, "dpo cookies")
}

func TestCookiesPageWhenAllIsDeclared(t *testing.T) {
	f := newFixture(t)
	var explained []cookieseen.Finding
	for _, x := range findings(t) {
		if x.Status != cookieseen.StatusUndeclared {
			explained = append(explained, x)
		}
	}
	f.withFindings(explained, nil)
	body := wantStatus(t, f.get(prefix+"/cookies"), http.StatusOK)
	wantContains(t, body, "<p>0 undeclared, 1 declared, 1 from the catalogue.",
		`<p class="notice">Every name the site was seen to use is declared or known to the catalogue.</p>`)
	if strings.Contains(body, "<pre>") || strings.Count(body, "<caption>") != 1 {
		t.Errorf("a table of undeclared names without any:\n%s", body)
	}
}

func TestCookiesJSON(t *testing.T) {
	f := newFixture(t)
	fs := findings(t)
	f.withFindings(fs, nil)
	w := f.get(prefix + "/cookies.json")
	body := wantStatus(t, w, http.StatusOK)
	if h := w.Header(); h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d records:\n%s", len(got), body)
	}
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	want := []string{"first_seen", "hits", "kind", "last_seen", "max_age_seconds", "name", "snippet", "sources", "status", "suggestion", "vendor"}
	for _, r := range got {
		if !slices.Equal(keys(r), want) {
			t.Errorf("%v: keys %v, want %v", r["name"], keys(r), want)
		}
	}
	php, ga := got[1], got[3]
	if php["name"] != "PHPSESSID" || php["status"] != "undeclared" || php["max_age_seconds"] != 0.0 || php["first_seen"] != "2026-11-01T09:00:00Z" ||
		!slices.Equal(php["sources"].([]any), []any{"banner", "upstream"}) || php["snippet"] != fs[1].Snippet {
		t.Errorf("PHPSESSID: %v", php)
	}
	if sg, _ := php["suggestion"].(map[string]any); !slices.Equal(keys(sg), []string{"category", "provider", "purpose", "retention"}) || sg["provider"] != "PHP" {
		t.Errorf("PHPSESSID suggestion: %v", php["suggestion"])
	}
	if ga["name"] != "_ga" || ga["status"] != "catalogue" || ga["vendor"] != "Google Analytics" || ga["max_age_seconds"] != nil || ga["suggestion"] != nil {
		t.Errorf("_ga: %v", ga)
	}
	f.withFindings(nil, nil)
	if body := wantStatus(t, f.get(prefix+"/cookies.json"), http.StatusOK); body != "[]\n" {
		t.Errorf("no findings: %q", body)
	}
	wantAudit(t, f, "dpo cookies format=json", "dpo cookies format=json")
}

// Without the hook there is no page, and no link to one.
func TestCookiesPageHidden(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/cookies", "/cookies.json"} {
		wantContains(t, wantStatus(t, f.get(prefix+p), http.StatusNotFound), "Page not found")
	}
	if strings.Contains(wantStatus(t, f.get(prefix+"/stats"), http.StatusOK), "Cookies found") {
		t.Error("a link to the cookies page without Options.Findings")
	}
}

func TestCookiesPageFailures(t *testing.T) {
	f := newFixture(t)
	f.withFindings(nil, errors.New("store down"))
	for _, p := range []string{"/cookies", "/cookies.json"} {
		w := f.get(prefix + p)
		wantContains(t, wantStatus(t, w, http.StatusServiceUnavailable), "The consent records are not available")
		if w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", p, w.Header().Get("Content-Type"))
		}
	}
	w := f.do(http.MethodPost, prefix+"/cookies", nil)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /cookies: %d Allow %q", w.Code, w.Header().Get("Allow"))
	}
	// Nothing is read without its audit entry.
	ran := false
	st := &failingAudit{Store: f.store}
	f.h = console.New(st, console.Options{Prefix: prefix, User: func(*http.Request) string { return "dpo" },
		Findings: func(context.Context) ([]cookieseen.Finding, error) { ran = true; return nil, nil }})
	wantStatus(t, f.get(prefix+"/cookies"), http.StatusServiceUnavailable)
	if ran {
		t.Error("the findings were read without an audit entry")
	}
}
