package console_test

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/consentlog/console"
	"github.com/consentgate/consentgate/trackers"
)

const prefix = "/_consent/admin"

// Consent IDs of the seeded visitors (26 letters and digits 2–7).
var (
	alice = strings.Repeat("a", 26)
	bryn  = strings.Repeat("b", 26)
	ceri  = strings.Repeat("c", 26)
)

func day(d, h int) time.Time { return time.Date(2025, 3, d, h, 0, 0, 0, time.UTC) }

// seed is the log every test starts from: two decisions of alice on 1 and
// 2 March, bryn's GPC rejection in Welsh, ceri's custom choice and
// withdrawal, and a record whose path and locale are hostile markup.
func seed() []consentlog.Record {
	all := []trackers.Category{trackers.Analytics, trackers.Media, trackers.Social, trackers.Marketing}
	rec := func(t time.Time, id string, ev consentlog.Event, m consentlog.Method, granted []trackers.Category, locale, path string) consentlog.Record {
		r := consentlog.NewRecord(consentlog.Input{
			ConsentID: id, Event: ev, Method: m, Granted: granted, PolicyVersion: "v1",
			BannerHash: consentlog.HashBannerText("banner"), Locale: locale, URL: path,
			RemoteIP: "192.0.2.55", UserAgent: "Mozilla/5.0 Firefox/128.0",
		}, t)
		return r
	}
	gpc := rec(day(1, 11), bryn, consentlog.EventInitial, consentlog.MethodGPC, nil, "cy", "/cy/")
	gpc.GPC = true
	return []consentlog.Record{
		rec(day(1, 10), alice, consentlog.EventInitial, consentlog.MethodAcceptAll, all, "en", "/bins?postcode=CF10"),
		gpc,
		rec(day(2, 9), alice, consentlog.EventUpdate, consentlog.MethodRejectAll, nil, "en", "/council-tax"),
		rec(day(2, 12), ceri, consentlog.EventInitial, consentlog.MethodSaveSettings, all[:1], "en", "/parking"),
		rec(day(3, 8), ceri, consentlog.EventWithdraw, consentlog.MethodAPI, nil, "en", "/<script>alert(1)</script>"),
	}
}

type fixture struct {
	t     *testing.T
	store consentlog.Store
	dsn   string
	h     http.Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "consent-log.db")
	st, err := consentlog.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Append(context.Background(), seed()...); err != nil {
		t.Fatal(err)
	}
	h := console.New(st, console.Options{Prefix: prefix, User: func(r *http.Request) string { return r.Header.Get("X-Test-User") }})
	return &fixture{t: t, store: st, dsn: dsn, h: h}
}

// do sends one request as user "dpo" (unless headers name another).
func (f *fixture) do(method, target string, body url.Values, headers ...string) *httptest.ResponseRecorder {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	r := httptest.NewRequest(method, "http://council.test"+target, rd)
	r.Header.Set("X-Test-User", "dpo")
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func (f *fixture) get(target string) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do(http.MethodGet, target, nil)
}

// audit returns the audit log as "actor action detail about=<consent ID>"
// lines. The store keeps only a keyed hash of the ID: the test finds which
// of its IDs an entry is about by asking AuditOf for each.
func (f *fixture) audit() []string {
	f.t.Helper()
	ctx := context.Background()
	es, err := f.store.AuditLog(ctx, time.Time{}, time.Time{}, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	about := map[string]string{}
	for _, id := range []string{alice, bryn, ceri, strings.Repeat("z", 26)} {
		of, err := f.store.AuditOf(ctx, id)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, e := range of {
			about[e.ID] = id
		}
	}
	var out []string
	for _, e := range es {
		line := e.Actor + " " + e.Action + " " + e.Detail
		if e.ConsentIDHash != "" {
			line += " about=" + cmp.Or(about[e.ID], "?")
		}
		out = append(out, strings.Join(strings.Fields(line), " "))
	}
	return out
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) string {
	t.Helper()
	body := w.Body.String()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body:\n%s", w.Code, status, body)
	}
	return body
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func wantAudit(t *testing.T, f *fixture, want ...string) {
	t.Helper()
	got := f.audit()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

var rowRE = regexp.MustCompile(`(?s)<tbody>(.*?)</tbody>`)

// tableRows counts the body rows of the page's first table.
func tableRows(body string) int {
	m := rowRE.FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	return strings.Count(m[1], "<tr>")
}

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/", "/?id=" + alice, "/history?id=" + alice, "/export?format=csv", "/stats",
		"/verify?run=1", "/erase?id=" + alice, "/audit", "/console.css", "/nowhere", "/?from=yesterday"} {
		w := f.get(prefix + target)
		h := w.Header()
		for k, v := range map[string]string{
			"Cache-Control":           "no-store",
			"X-Frame-Options":         "DENY",
			"X-Robots-Tag":            "noindex, nofollow",
			"Referrer-Policy":         "same-origin",
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		} {
			if k == "Referrer-Policy" && strings.HasPrefix(target, "/erase") {
				v = "same-origin" // so that the form's POST carries its Origin
			}
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", target, k, h.Get(k), v)
			}
		}
		if b := w.Body.String(); !strings.HasPrefix(target, "/export") && strings.Contains(b, "<script") || strings.Contains(b, "style=") || strings.Contains(b, "https://") {
			t.Errorf("%s: page has a script, inline style or external URL", target)
		}
	}
	if w := f.get(prefix); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != prefix+"/" {
		t.Errorf("bare prefix: %d to %q", w.Code, w.Header().Get("Location"))
	}
	css := f.get(prefix + "/console.css")
	if ct := css.Header().Get("Content-Type"); ct != "text/css; charset=utf-8" || !strings.Contains(css.Body.String(), ".masthead") {
		t.Errorf("stylesheet: %q %.40q", ct, css.Body.String())
	}
}

func TestSearchByConsentIDAndDates(t *testing.T) {
	f := newFixture(t)
	body := wantStatus(t, f.get(prefix+"/"), http.StatusOK)
	wantContains(t, body, `<label for="id">Consent ID`, `<input type="date" id="from" name="from" value="">`)
	if strings.Contains(body, "Results") {
		t.Error("the search page without a search shows results")
	}
	wantAudit(t, f) // showing the form is not a query

	// What a visitor reads aloud: capitals and spaces are forgiven.
	body = wantStatus(t, f.get(prefix+"/?id="+url.QueryEscape(" AAAAA AAAAA"+strings.Repeat("A", 16)+" ")), http.StatusOK)
	if n := tableRows(body); n != 2 {
		t.Errorf("alice's search shows %d rows, want 2", n)
	}
	wantContains(t, body, `href="/_consent/admin/history?id=`+alice+`"`, "<td>Accepted all</td>", "<td>Rejected all</td>", "<td>First choice</td>", "<td>Changed choice</td>",
		"<td>2025-03-01T10:00:00Z</td>",
		"analytics, media, social, marketing", `href="/_consent/admin/export?format=csv&amp;id=`+alice+`"`)
	if strings.Contains(body, bryn) {
		t.Error("alice's search shows bryn")
	}

	body = wantStatus(t, f.get(prefix+"/?id=&from=2025-03-02&to=2025-03-02"), http.StatusOK)
	if n := tableRows(body); n != 2 {
		t.Errorf("2 March shows %d rows, want 2 (the to date is included)", n)
	}
	wantContains(t, body, `value="2025-03-02"`, "/council-tax", "/parking")

	body = wantStatus(t, f.get(prefix+"/?id="+bryn+"&from=2025-03-02"), http.StatusOK)
	wantContains(t, body, "No records match this search.")

	wantAudit(t, f, "dpo search about="+alice, "dpo search from=2025-03-02&to=2025-03-02", "dpo search from=2025-03-02 about="+bryn)
}

func TestSearchPages(t *testing.T) {
	f := newFixture(t)
	var more []consentlog.Record
	for i := range 70 {
		id := fmt.Sprintf("%026d", i)
		id = strings.Map(func(r rune) rune { return 'd' + (r - '0') }, id)
		more = append(more, consentlog.NewRecord(consentlog.Input{ConsentID: id, Event: consentlog.EventInitial,
			Method: consentlog.MethodRejectAll, Locale: "en", URL: "/"}, day(4, 0).Add(time.Duration(i)*time.Minute)))
	}
	if err := f.store.Append(context.Background(), more...); err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, f.get(prefix+"/?from=2025-03-04"), http.StatusOK)
	if n := tableRows(body); n != 50 {
		t.Fatalf("first page has %d rows, want 50", n)
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	body = wantStatus(t, f.get(html.UnescapeString(next[1])), http.StatusOK)
	if n := tableRows(body); n != 20 {
		t.Errorf("second page has %d rows, want 20", n)
	}
	if strings.Contains(body, `rel="next"`) {
		t.Error("the last page links to a next one")
	}
	wantAudit(t, f, "dpo search from=2025-03-04", "dpo search after=55&from=2025-03-04")
}

func TestHistory(t *testing.T) {
	f := newFixture(t)
	body := wantStatus(t, f.get(prefix+"/history?id="+ceri), http.StatusOK)
	if n := tableRows(body); n != 2 {
		t.Errorf("ceri's history has %d rows, want 2", n)
	}
	wantContains(t, body, "<code>"+ceri+"</code>", "<td>Saved settings</td>", "<td>Withdrew consent</td>", "<td>By the site or console</td>", ">analytics<",
		`href="/_consent/admin/erase?id=`+ceri+`"`, `href="/_consent/admin/export?format=json&amp;id=`+ceri+`"`)
	body = wantStatus(t, f.get(prefix+"/history?id="+strings.Repeat("z", 26)), http.StatusOK)
	wantContains(t, body, "There are no records of this consent ID.")
	wantStatus(t, f.get(prefix+"/history"), http.StatusBadRequest)
	wantAudit(t, f, "dpo history about="+ceri, "dpo history about="+strings.Repeat("z", 26))
}

func TestExport(t *testing.T) {
	f := newFixture(t)
	for _, format := range []consentlog.Format{consentlog.CSV, consentlog.JSON} {
		w := f.get(prefix + "/export?format=" + string(format) + "&from=2025-03-01&to=2025-03-02")
		got := wantStatus(t, w, http.StatusOK)
		var want bytes.Buffer
		q := consentlog.Query{From: day(1, 0), To: day(3, 0)}
		if err := f.store.Export(context.Background(), &want, format, q); err != nil {
			t.Fatal(err)
		}
		if got != want.String() {
			t.Errorf("%s export:\n%s\nwant the store's export:\n%s", format, got, want.String())
		}
		ct := map[consentlog.Format]string{consentlog.CSV: "text/csv; charset=utf-8", consentlog.JSON: "application/json"}[format]
		if w.Header().Get("Content-Type") != ct {
			t.Errorf("%s: Content-Type %q", format, w.Header().Get("Content-Type"))
		}
		cd := regexp.MustCompile(`^attachment; filename="consent-records-\d{8}-\d{6}\.` + string(format) + `"$`)
		if !cd.MatchString(w.Header().Get("Content-Disposition")) {
			t.Errorf("%s: Content-Disposition %q", format, w.Header().Get("Content-Disposition"))
		}
		switch format {
		case consentlog.CSV:
			rows, err := csv.NewReader(strings.NewReader(got)).ReadAll()
			if err != nil || len(rows) != 5 || strings.Join(rows[0], ",") != strings.Join(consentlog.Columns, ",") {
				t.Errorf("CSV: %d rows, header %v, err %v", len(rows), rows[0], err)
			}
		case consentlog.JSON:
			var rows []map[string]any
			if err := json.Unmarshal([]byte(got), &rows); err != nil || len(rows) != 4 {
				t.Errorf("JSON: %d rows, err %v", len(rows), err)
			}
		}
	}
	// One consent ID, as the history page links it.
	rows, err := csv.NewReader(strings.NewReader(wantStatus(t, f.get(prefix+"/export?format=csv&id="+alice), http.StatusOK))).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][3] != alice || rows[2][3] != alice {
		t.Errorf("alice's export: %v, %v", rows, err)
	}

	for _, target := range []string{"/export", "/export?format=xml", "/export?format=csv&from=31/03/2025"} {
		body := wantStatus(t, f.get(prefix+target), http.StatusBadRequest)
		if got := f.get(prefix + target).Header().Get("Content-Disposition"); got != "" {
			t.Errorf("%s: refused export is an attachment", target)
		}
		wantContains(t, body, "There is a problem")
	}
	wantContains(t, f.get(prefix+"/export?format=xml").Body.String(), "“xml” is not an export format: choose csv or json.")
	wantAudit(t, f, "dpo export format=csv&from=2025-03-01&to=2025-03-02", "dpo export format=json&from=2025-03-01&to=2025-03-02",
		"dpo export format=csv about="+alice)
}

// objections are records of the objection to statistics and its
// withdrawal: bryn's GPC signal objects too, alice objects with the button
// and later withdraws the objection in her settings.
func objections() []consentlog.Record {
	rec := func(t time.Time, id string, ev consentlog.Event, m consentlog.Method, gpc bool, locale string) consentlog.Record {
		r := consentlog.NewRecord(consentlog.Input{
			ConsentID: id, Event: ev, Method: m, GPC: gpc, PolicyVersion: "v1",
			BannerHash: consentlog.HashBannerText("banner"), Locale: locale, URL: "/",
			RemoteIP: "192.0.2.55", UserAgent: "Mozilla/5.0 Firefox/128.0",
		}, t)
		return r
	}
	return []consentlog.Record{
		rec(day(1, 11).Add(time.Second), bryn, consentlog.EventObjection, consentlog.MethodGPC, true, "cy"),
		rec(day(2, 10), alice, consentlog.EventObjection, consentlog.MethodObject, false, "en"),
		rec(day(3, 9), alice, consentlog.EventObjectionWithdrawn, consentlog.MethodSaveSettings, false, "en"),
	}
}

func TestStatsChart(t *testing.T) {
	f := newFixture(t)
	if err := f.store.Append(context.Background(), objections()...); err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, f.get(prefix+"/stats?from=2025-03-01&to=2025-03-04"), http.StatusOK)
	// Per-day table: day, accept, reject, custom, withdraw, GPC, objected,
	// withdrew objection, decisions: objections are not decisions.
	for _, row := range []string{
		`<th scope="row">2025-03-01</th><td class="num">1 <span class="share">(50%)</span></td><td class="num">1 <span class="share">(50%)</span></td><td class="num">0 <span class="share">(0%)</span></td><td class="num">0 <span class="share">(0%)</span></td><td class="num">1</td><td class="num">1</td><td class="num">0</td><td class="num">2</td>`,
		`<th scope="row">2025-03-02</th><td class="num">0 <span class="share">(0%)</span></td><td class="num">1 <span class="share">(50%)</span></td><td class="num">1 <span class="share">(50%)</span></td><td class="num">0 <span class="share">(0%)</span></td><td class="num">0</td><td class="num">1</td><td class="num">0</td><td class="num">2</td>`,
		`<th scope="row">2025-03-03</th><td class="num">0 <span class="share">(0%)</span></td><td class="num">0 <span class="share">(0%)</span></td><td class="num">0 <span class="share">(0%)</span></td><td class="num">1 <span class="share">(100%)</span></td><td class="num">0</td><td class="num">0</td><td class="num">1</td><td class="num">1</td>`,
		`<th scope="row">2025-03-04</th><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td>`,
		`<th scope="row">cy</th><td class="num">0 <span class="share">(0%)</span></td><td class="num">1 <span class="share">(100%)</span></td><td class="num">0 <span class="share">(0%)</span></td><td class="num">0 <span class="share">(0%)</span></td><td class="num">1</td><td class="num">1</td><td class="num">0</td><td class="num">1</td>`,
		`<th scope="row">en</th><td class="num">1 <span class="share">(25%)</span></td><td class="num">1 <span class="share">(25%)</span></td><td class="num">1 <span class="share">(25%)</span></td><td class="num">1 <span class="share">(25%)</span></td><td class="num">0</td><td class="num">1</td><td class="num">1</td><td class="num">4</td>`,
		`<th scope="col" class="num">Objected to statistics</th><th scope="col" class="num">Withdrew objection to statistics</th><th scope="col" class="num">Decisions</th>`,
	} {
		wantContains(t, body, row)
	}
	wantContains(t, body, "5 in all", "Of all decisions: 20% accepted all, 40% rejected all, 20% chose some and 20% withdrew.")
	// Four charts: counts and shares, per day and per language; every
	// non-zero count is a bar with a height and a title.
	if n := strings.Count(body, "<svg xmlns"); n != 4 {
		t.Errorf("%d charts, want 4", n)
	}
	bars := regexp.MustCompile(`<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#[0-9a-f]{6}"><title>([^<]+)</title></rect>`).FindAllStringSubmatch(body, -1)
	var titles []string
	for _, b := range bars {
		if h, _ := strconv.ParseFloat(b[1], 64); h <= 0 {
			t.Errorf("bar %q has height %s", b[2], b[1])
		}
		titles = append(titles, b[2])
	}
	want := []string{
		"2025-03-01: Accepted all 1", "2025-03-01: Rejected all 1", "2025-03-01: With GPC signal 1", "2025-03-01: Objected to statistics 1",
		"2025-03-02: Rejected all 1", "2025-03-02: Chose some 1", "2025-03-02: Objected to statistics 1",
		"2025-03-03: Withdrew 1", "2025-03-03: Withdrew objection to statistics 1",
		"cy: Rejected all 1", "cy: With GPC signal 1", "cy: Objected to statistics 1",
		"en: Accepted all 1", "en: Rejected all 1", "en: Chose some 1", "en: Withdrew 1",
		"en: Objected to statistics 1", "en: Withdrew objection to statistics 1",
	}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Errorf("bars:\n%s\nwant:\n%s", strings.Join(titles, "\n"), strings.Join(want, "\n"))
	}
	// Share bars: a day's or a language's decisions stack to the full
	// height (200), in proportion; a day without decisions has none.
	shares := regexp.MustCompile(`<rect class="share" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#[0-9a-f]{6}"><title>([^<]+)</title></rect>`).FindAllStringSubmatch(body, -1)
	var got []string
	for _, b := range shares {
		got = append(got, b[2]+" h="+b[1])
	}
	want = []string{
		"2025-03-01: Accepted all 50% (1 of 2) h=100", "2025-03-01: Rejected all 50% (1 of 2) h=100",
		"2025-03-02: Rejected all 50% (1 of 2) h=100", "2025-03-02: Chose some 50% (1 of 2) h=100",
		"2025-03-03: Withdrew 100% (1 of 1) h=200",
		"cy: Rejected all 100% (1 of 1) h=200",
		"en: Accepted all 25% (1 of 4) h=50", "en: Rejected all 25% (1 of 4) h=50", "en: Chose some 25% (1 of 4) h=50", "en: Withdrew 25% (1 of 4) h=50",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("share bars:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantContains(t, body, `dy="4" text-anchor="end" font-size="11" fill="#0b0c0c">100%</text>`)
	if strings.Contains(body, "statistical-purposes exception") {
		t.Error("the exception's section shows without the exception")
	}

	wantStatus(t, f.get(prefix+"/stats?from=2024-01-01&to=2025-03-01"), http.StatusBadRequest)
	wantStatus(t, f.get(prefix+"/stats?from=2025-03-02&to=2025-03-01"), http.StatusBadRequest)
	body = wantStatus(t, f.get(prefix+"/stats?from=2020-01-01&to=2020-01-31"), http.StatusOK)
	wantContains(t, body, "No decisions in this period.")
	wantAudit(t, f, "dpo stats from=2025-03-01&to=2025-03-04", "dpo stats from=2020-01-01&to=2020-01-31")
}

// With the exception configured, the statistics page says what runs under
// it, who assessed it and when, escaped, and the period's objections.
func TestStatsShowsTheException(t *testing.T) {
	f := newFixture(t)
	if err := f.store.Append(context.Background(), objections()...); err != nil {
		t.Fatal(err)
	}
	f.h = console.New(f.store, console.Options{Prefix: prefix, User: func(r *http.Request) string { return r.Header.Get("X-Test-User") },
		Statistics: &console.StatisticsException{Vendors: []string{"google-analytics", "<b>stats</b>"}, AssessedBy: "Siân O'Brien <DPO>", AssessedOn: "2026-03-02",
			Settings: []string{"Google Analytics: turn off Google signals & ad links"}}})
	body := wantStatus(t, f.get(prefix+"/stats?from=2025-03-01&to=2025-03-04"), http.StatusOK)
	wantContains(t, body, `<h2 id="statistics-exception">Statistics without consent (UK statistical-purposes exception)</h2>`,
		"<li><code>google-analytics</code></li><li><code>&lt;b&gt;stats&lt;/b&gt;</code></li>",
		"Assessed by Siân O&#39;Brien &lt;DPO&gt; on 2026-03-02.",
		"From 2025-03-01 to 2025-03-04, objections: 2 (those of a browser’s GPC signal included); objections withdrawn: 1.",
		"<li>Google Analytics: turn off Google signals &amp; ad links</li>")
	if strings.Contains(body, "<b>stats</b>") || strings.Contains(body, "<DPO>") {
		t.Error("the assessment is not escaped")
	}
}

// One consent ID's history names the objection, its withdrawal and the
// button in plain words.
func TestHistoryShowsObjections(t *testing.T) {
	f := newFixture(t)
	if err := f.store.Append(context.Background(), objections()...); err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, f.get(prefix+"/history?id="+alice), http.StatusOK)
	wantContains(t, body, "<td>Objected to statistics</td>", "<td>Object to statistics button</td>", "<td>Withdrew objection to statistics</td>")
}

// rawDB opens the store's SQLite file directly, as an attacker with file
// access would.
func (f *fixture) rawDB() *sql.DB {
	f.t.Helper()
	db, err := sql.Open("sqlite", f.dsn)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	return db
}

func TestVerify(t *testing.T) {
	f := newFixture(t)
	body := wantStatus(t, f.get(prefix+"/verify"), http.StatusOK)
	wantContains(t, body, `<input type="hidden" name="run" value="1">`, "Check the records now")
	wantAudit(t, f)

	rep, err := f.store.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body = wantStatus(t, f.get(prefix+"/verify?run=1"), http.StatusOK)
	wantContains(t, body, "OK: no record has been altered.", "5 records checked (numbers 1 to 5)", "<code>"+rep.Head+"</code>", "Write this down")

	if _, err := f.rawDB().Exec("UPDATE records SET locale = 'fr' WHERE seq = 3"); err != nil {
		t.Fatal(err)
	}
	body = wantStatus(t, f.get(prefix+"/verify?run=1"), http.StatusOK)
	wantContains(t, body, "The chain is broken at record 3", "hash does not match the record&#39;s fields", "(2 records)")
	if strings.Contains(body, "OK: no record") {
		t.Error("a tampered chain is reported OK")
	}
	wantAudit(t, f, "dpo verify", "dpo verify")
}

// eraseForm fetches the confirmation page and returns its form fields.
func (f *fixture) eraseForm(id string) url.Values {
	f.t.Helper()
	body := wantStatus(f.t, f.get(prefix+"/erase?id="+id), http.StatusOK)
	wantContains(f.t, body, `<form method="post" action="/_consent/admin/erase">`, "This cannot be undone.")
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		f.t.Fatal("no token in the erase form")
	}
	return url.Values{"id": {id}, "token": {m[1]}}
}

func TestErase(t *testing.T) {
	f := newFixture(t)
	form := f.eraseForm(alice)
	body := wantStatus(t, f.do(http.MethodPost, prefix+"/erase", form, "Origin", "http://council.test", "Sec-Fetch-Site", "same-origin"), http.StatusOK)
	hist, err := f.store.History(context.Background(), alice)
	if err != nil || len(hist) != 0 {
		t.Fatalf("alice still has %d records (%v)", len(hist), err)
	}
	page, err := f.store.Search(context.Background(), consentlog.Query{Event: consentlog.EventErasure})
	if err != nil || len(page.Records) != 1 {
		t.Fatalf("%d erasure records (%v)", len(page.Records), err)
	}
	er := page.Records[0]
	wantContains(t, body, "Consent ID <code>"+alice+"</code> has been erased from 2 records.",
		"<code>"+er.ErasedIDs[0]+"</code>", "<code>"+er.ErasedIDs[1]+"</code>", er.Hash, fmt.Sprintf("<code>%d · %s</code>", er.Seq, er.ID))

	// Erasing again finds nothing; the chain still verifies.
	wantStatus(t, f.do(http.MethodPost, prefix+"/erase", form, "Sec-Fetch-Site", "same-origin"), http.StatusNotFound)
	if rep, err := f.store.Verify(context.Background()); err != nil || !rep.OK() {
		t.Errorf("chain after erasure: %v %v", rep.Broken, err)
	}
	wantAudit(t, f, "dpo erase about="+alice, "dpo erase about="+alice)

	// Erasure means erasure: the ID is nowhere in the store's file, yet the
	// history and the audit page, asked about it, say it was erased.
	db, err := sql.Open("sqlite", f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM audit_log WHERE instr(detail || actor || action || consent_id_hash, ?) > 0", alice).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d audit entries hold the erased ID in plain text (%v)", n, err)
	}
	body = wantStatus(t, f.get(prefix+"/history?id="+alice), http.StatusOK)
	if !regexp.MustCompile(`There are no records of this consent ID: it was erased on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by dpo\.`).MatchString(body) {
		t.Errorf("history of an erased ID does not say so:\n%s", body)
	}
	body = wantStatus(t, f.get(prefix+"/audit?id="+alice), http.StatusOK)
	wantContains(t, body, "<caption>Audit log entries about consent ID "+alice+"</caption>", "<td>dpo</td><td>erase</td><td>a consent ID<code")
}

func TestEraseRefusesForgery(t *testing.T) {
	f := newFixture(t)
	form := f.eraseForm(bryn)
	otherID := url.Values{"id": {ceri}, "token": form["token"]}
	for _, tc := range []struct {
		name    string
		form    url.Values
		headers []string
	}{
		{"cross-site fetch metadata", form, []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}},
		{"same-site but other origin", form, []string{"Sec-Fetch-Site", "same-site", "Origin", "http://www.council.test"}},
		{"foreign Origin without fetch metadata", form, []string{"Origin", "https://evil.example"}},
		{"opaque Origin without fetch metadata", form, []string{"Origin", "null"}},
		{"no token", url.Values{"id": {bryn}}, []string{"Sec-Fetch-Site", "same-origin"}},
		{"forged token", url.Values{"id": {bryn}, "token": {"AAAA"}}, []string{"Sec-Fetch-Site", "same-origin"}},
		{"token for another consent ID", otherID, []string{"Sec-Fetch-Site", "same-origin"}},
		{"token of another user", form, []string{"Sec-Fetch-Site", "same-origin", "X-Test-User", "mallory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := wantStatus(t, f.do(http.MethodPost, prefix+"/erase", tc.form, tc.headers...), http.StatusForbidden)
			wantContains(t, body, "nothing was erased")
		})
	}
	// A GET never erases, whatever it carries.
	wantStatus(t, f.get(prefix+"/erase?"+form.Encode()), http.StatusOK)
	for _, id := range []string{bryn, ceri} {
		if hist, err := f.store.History(context.Background(), id); err != nil || len(hist) == 0 {
			t.Errorf("%s was erased by a forged request (%v)", id, err)
		}
	}
	wantAudit(t, f)
	wantStatus(t, f.do(http.MethodDelete, prefix+"/erase", nil), http.StatusMethodNotAllowed)
}

func TestAuditLogPage(t *testing.T) {
	f := newFixture(t)
	f.get(prefix + "/?id=" + alice)
	f.do(http.MethodGet, prefix+"/verify?run=1", nil, "X-Test-User", "records.officer")
	today := time.Now().UTC().Format(time.DateOnly)
	body := wantStatus(t, f.get(prefix+"/audit"), http.StatusOK)
	// Newest first: this view, the verification, the search.
	i := strings.Index(body, "<td>audit_log</td>")
	j := strings.Index(body, "<td>records.officer</td><td>verify</td>")
	k := strings.Index(body, "<td>dpo</td><td>search</td><td>a consent ID<code class=\"small\"></code>")
	if i < 0 || j < 0 || k < 0 || !(i < j && j < k) {
		t.Errorf("audit page order: audit_log %d, verify %d, search %d\n%s", i, j, k, body)
	}
	wantStatus(t, f.get(prefix+"/audit?from=2025-01-01&to=2025-01-31"), http.StatusOK)
	wantAudit(t, f, "dpo search about="+alice, "records.officer verify", "dpo audit_log from="+time.Now().UTC().AddDate(0, 0, -30).Format(time.DateOnly)+"&to="+today,
		"dpo audit_log from=2025-01-01&to=2025-01-31")
}

func TestHostileInputIsEscaped(t *testing.T) {
	f := newFixture(t)
	const evil = `<script>alert(1)</script>`
	for _, target := range []string{
		"/?id=" + url.QueryEscape(evil),
		"/history?id=" + url.QueryEscape(evil),
		"/erase?id=" + url.QueryEscape(evil),
		"/export?format=" + url.QueryEscape(evil),
		"/stats?from=" + url.QueryEscape(evil),
	} {
		body := wantStatus(t, f.get(prefix+target), http.StatusBadRequest)
		if strings.Contains(body, "<script") {
			t.Errorf("%s: markup from the address reached the page", target)
		}
		wantContains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	}
	// Stored markup (a page path) is shown, escaped.
	body := wantStatus(t, f.get(prefix+"/history?id="+ceri), http.StatusOK)
	wantContains(t, body, "/&lt;script&gt;alert(1)&lt;/script&gt;")
	if strings.Contains(body, "<script") {
		t.Error("a stored path reached the page as markup")
	}
	wantAudit(t, f, "dpo history about="+ceri)
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	for target, msg := range map[string]string{
		"/?from=31/03/2025":                          "is not a date: use the form YYYY-MM-DD",
		"/?to=2025-02-30":                            "is not a date",
		"/?from=2025-03-02&to=2025-03-01":            "The to date is before the from date.",
		"/?id=" + strings.Repeat("a", 101):           "is too long",
		"/?id=" + strings.Repeat("a", 27):            "is not a consent ID",
		"/?after=-1":                                 "The page position is not valid",
		"/?id=" + strings.Repeat("&x=1", 600):        "The address is too long.",
		"/?id=%zz":                                   "The address is not well formed.",
		"/stats?from=2020-01-01&to=2025-01-01":       "Choose at most 366 days at a time.",
		"/audit?from=2025-13-01":                     "is not a date",
		"/verify?run=" + strings.Repeat("1", 200):    "is too long",
		"/export?format=csv&to=" + "2025-3-1":        "is not a date",
		"/history?id=" + url.QueryEscape("a b\x00c"): "is not a consent ID",
	} {
		body := wantStatus(t, f.get(prefix+target), http.StatusBadRequest)
		wantContains(t, body, msg)
	}
	wantStatus(t, f.get(prefix+"/nowhere"), http.StatusNotFound)
	wantStatus(t, f.get("/elsewhere/"), http.StatusNotFound)
	wantStatus(t, f.do(http.MethodPost, prefix+"/", url.Values{}), http.StatusMethodNotAllowed)
	big := url.Values{"id": {bryn}, "token": {strings.Repeat("x", 5000)}}
	wantStatus(t, f.do(http.MethodPost, prefix+"/erase", big, "Sec-Fetch-Site", "same-origin"), http.StatusBadRequest)
	wantAudit(t, f)
}

func TestClosedStoreIs503(t *testing.T) {
	f := newFixture(t)
	form := f.eraseForm(alice)
	f.store.Close()
	for _, tc := range []struct {
		method, target string
		form           url.Values
	}{
		{http.MethodGet, "/?id=" + alice, nil},
		{http.MethodGet, "/history?id=" + alice, nil},
		{http.MethodGet, "/export?format=json", nil},
		{http.MethodGet, "/stats", nil},
		{http.MethodGet, "/verify?run=1", nil},
		{http.MethodGet, "/audit", nil},
		{http.MethodPost, "/erase", form},
	} {
		w := f.do(tc.method, prefix+tc.target, tc.form, "Sec-Fetch-Site", "same-origin")
		body := wantStatus(t, w, http.StatusServiceUnavailable)
		wantContains(t, body, "The consent records are not available", "nothing was read or changed")
		if w.Header().Get("Content-Disposition") != "" || w.Header().Get("Retry-After") != "60" {
			t.Errorf("%s: headers %v", tc.target, w.Header())
		}
	}
}

// failingAudit is a store whose audit log cannot be written.
type failingAudit struct {
	consentlog.Store
	ran []string
}

func (s *failingAudit) Audit(context.Context, consentlog.AuditEntry) error {
	return errors.New("audit table is read-only")
}

func (s *failingAudit) Search(ctx context.Context, q consentlog.Query) (consentlog.Page, error) {
	s.ran = append(s.ran, "search")
	return s.Store.Search(ctx, q)
}

func (s *failingAudit) Export(ctx context.Context, w io.Writer, f consentlog.Format, q consentlog.Query) error {
	s.ran = append(s.ran, "export")
	return s.Store.Export(ctx, w, f, q)
}

func (s *failingAudit) Erase(ctx context.Context, id string) (consentlog.Record, error) {
	s.ran = append(s.ran, "erase")
	return s.Store.Erase(ctx, id)
}

// TestNoAuditNoAction: an action whose audit entry cannot be written does
// not run.
func TestNoAuditNoAction(t *testing.T) {
	f := newFixture(t)
	st := &failingAudit{Store: f.store}
	f.h = console.New(st, console.Options{Prefix: prefix, User: func(*http.Request) string { return "dpo" }})
	form := f.eraseForm(alice)
	wantStatus(t, f.get(prefix+"/?id="+alice), http.StatusServiceUnavailable)
	wantStatus(t, f.get(prefix+"/export?format=csv"), http.StatusServiceUnavailable)
	wantStatus(t, f.do(http.MethodPost, prefix+"/erase", form), http.StatusServiceUnavailable)
	if len(st.ran) != 0 {
		t.Errorf("ran without an audit entry: %v", st.ran)
	}
	if hist, _ := f.store.History(context.Background(), alice); len(hist) != 2 {
		t.Errorf("alice has %d records", len(hist))
	}
}

// TestHealthLine: every page says whether the consent log store is
// reachable and how many records wait in the spool, the store's error
// escaped.
func TestHealthLine(t *testing.T) {
	since := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		h    consentlog.Health
		want string
	}{
		{"up", consentlog.Health{StoreUp: true, Since: since},
			`<p class="health">Consent log store: reachable.</p>`},
		{"draining", consentlog.Health{StoreUp: true, Spooled: 3, Since: since},
			`<p class="health">Consent log store: reachable; 3 records waiting in the spool are being written to it.</p>`},
		{"down", consentlog.Health{Spooled: 1, LastError: `open "/var/lib/x.db": <read-only>`, Since: since},
			`<p class="health warning-text">Consent log store: unreachable since 2025-03-01T09:30:00Z; 1 record waiting in the spool; last error: open &#34;/var/lib/x.db&#34;: &lt;read-only&gt;. New records are kept in the spool and written once it is back.</p>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.h = console.New(f.store, console.Options{Prefix: prefix, User: func(*http.Request) string { return "dpo" },
				Health: func() consentlog.Health { return tc.h }})
			for _, p := range []string{"/", "/stats", "/audit"} {
				wantContains(t, wantStatus(t, f.get(prefix+p), http.StatusOK), tc.want)
			}
		})
	}
	f := newFixture(t)
	if strings.Contains(f.get(prefix+"/").Body.String(), "Consent log store") {
		t.Error("a health line without Options.Health")
	}
}

// TestSignOutButton: a console with a login of its own offers a sign-out
// form in the header; one behind other authentication does not.
func TestSignOutButton(t *testing.T) {
	f := newFixture(t)
	button := `<form method="post" action="/_consent/admin/logout"><button type="submit" class="signout">Sign out</button></form>`
	if strings.Contains(f.get(prefix+"/").Body.String(), button) {
		t.Error("sign-out button without Options.Logout")
	}
	f.h = console.New(f.store, console.Options{Prefix: prefix, User: func(*http.Request) string { return "dpo" }, Logout: prefix + "/logout"})
	wantContains(t, wantStatus(t, f.get(prefix+"/"), http.StatusOK), button, "Signed in as <strong>dpo</strong>")
}

// TestLoginPage: the sign-in page has the console's headers and style but
// no navigation, and its messages are escaped.
func TestLoginPage(t *testing.T) {
	w := httptest.NewRecorder()
	if err := console.LoginPage(w, http.StatusUnauthorized, prefix+"/", console.LoginForm{User: "<dpo>", ReturnTo: prefix + "/stats", Error: "Wrong <b>."}); err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, w, http.StatusUnauthorized)
	wantContains(t, body, `<title>Sign in – Consent records</title>`, `<link rel="stylesheet" href="/_consent/admin/console.css">`,
		`<div class="error-summary" id="login-error" role="alert">`, "Wrong &lt;b&gt;.", `value="&lt;dpo&gt;"`,
		`action="/_consent/admin/login"`, `name="return_to" value="/_consent/admin/stats"`)
	for _, s := range []string{"<nav", "Signed in as", "Sign out", "<script"} {
		if strings.Contains(body, s) {
			t.Errorf("login page has %s", s)
		}
	}
	if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers %v", w.Header())
	}
	w = httptest.NewRecorder()
	_ = console.LoginPage(w, http.StatusForbidden, prefix, console.LoginForm{Error: "Use HTTPS.", NoForm: true})
	if body := wantStatus(t, w, http.StatusForbidden); strings.Contains(body, "<form") || !strings.Contains(body, "Use HTTPS.") {
		t.Errorf("NoForm page: %s", body)
	}
}

// TestRouting pins what the ServeMux patterns answer: each page's methods
// (GET also answers HEAD), 405 with the page's own Allow header, 404 for
// anything else. Where ServeMux differs from the former hand-written
// router: a wrong method on an unknown path is 404 (was 405), and a path
// with "//" or ".." is redirected (307) to its clean form (was 404).
func TestRouting(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		method, target string
		status         int
		allow          string
	}{
		{http.MethodGet, "", http.StatusMovedPermanently, ""},
		{http.MethodGet, "/", http.StatusOK, ""},
		{http.MethodHead, "/history?id=" + alice, http.StatusOK, ""},
		{http.MethodGet, "/console.css", http.StatusOK, ""},
		{http.MethodPost, "/", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPut, "/stats", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPost, "/audit", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodDelete, "/erase", http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{http.MethodGet, "/history/", http.StatusNotFound, ""},
		{http.MethodPost, "/nowhere", http.StatusNotFound, ""},
		{http.MethodGet, "//history", http.StatusTemporaryRedirect, ""},
	} {
		w := f.do(tc.method, prefix+tc.target, nil)
		if w.Code != tc.status || w.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q", tc.method, tc.target, w.Code, w.Header().Get("Allow"), tc.status, tc.allow)
		}
		if tc.status >= 400 && !strings.Contains(w.Body.String(), `<link rel="stylesheet"`) {
			t.Errorf("%s %s: not a console page:\n%s", tc.method, tc.target, w.Body.String())
		}
	}
	if w := f.get(prefix); w.Header().Get("Location") != prefix+"/" {
		t.Errorf("redirect to %q", w.Header().Get("Location"))
	}
}
