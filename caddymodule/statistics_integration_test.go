package caddymodule_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

const itStatistics = "statistics_exception google-analytics {\n\tassessed_by \"Jo Evans, DPO\"\n\tassessed_on 2026-03-01\n}"

// itPage fetches a page as a browser navigation, with cookie if set.
func itPage(t *testing.T, c *http.Client, u, cookie string, hdr ...string) (*http.Response, string) {
	t.Helper()
	h := map[string]string{"Accept": "text/html", "Sec-Fetch-Dest": "document"}
	if cookie != "" {
		h["Cookie"] = cookie
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	resp, body := itGet(t, c, u, h)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", u, resp.StatusCode)
	}
	return resp, string(body)
}

// Under the statistics exception Google Analytics runs before any choice,
// with statistics-only Consent Mode, while everything else waits; an
// objection, which works without script, holds it back exactly as without
// consent and expires its cookies; each objection and its withdrawal is a
// record.
func TestStatisticsRunUntilTheVisitorObjects(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "consent.db")
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.1.2", Path: "/", MaxAge: 3600})
		http.SetCookie(w, &http.Cookie{Name: "_fbp", Value: "fb.1.2.3", Path: "/", MaxAge: 3600})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(itReadSite(t, "index.html"))
	})
	base := testcaddy.Start(t, "cookie_consent {\n"+itStatistics+"\nlog "+strconv.Quote(dbPath)+"\n}\nreverse_proxy "+up)
	c := itClient(t)

	resp, page := itPage(t, c, base+"/index.html", "")
	live := itLiveTrackers([]byte(page))
	// gtag.js, and the analytics.js loader; Tag Manager's is held.
	for _, want := range []string{"script www.googletagmanager.com", "inline-script google-analytics.com"} {
		if !slices.Contains(live, want) {
			t.Errorf("before any choice %s is not live under the exception; live: %q", want, live)
		}
	}
	for _, held := range []string{"hotjar", "inline-script googletagmanager.com", "facebook", "youtube"} {
		if slices.ContainsFunc(live, func(l string) bool { return strings.Contains(l, held) }) {
			t.Errorf("before any choice %s is live: only the exempt statistics may be; live: %q", held, live)
		}
	}
	if !strings.Contains(page, `consent-mode.js" data-granted="statistics"`) {
		t.Error("Consent Mode is not told statistics are granted (analytics_storage) before the choice")
	}
	for _, want := range []string{"We collect statistics about how the site is used", `name="action" value="object"`, `value="statistics" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("the banner lacks %q", want)
		}
	}
	if sc := strings.Join(resp.Header.Values("Set-Cookie"), "\n"); !strings.Contains(sc, "_ga=GA1.1.1.2") || strings.Contains(sc, "_fbp=fb") {
		t.Errorf("Set-Cookie before a choice: %q; want _ga passed (statistics) and _fbp held (marketing)", sc)
	}

	// Object, without script: back to the page, no saved-choice message.
	resp, _ = itPostChoice(t, c, base, url.Values{"action": {"object"}, "return_to": {"/index.html"}},
		map[string]string{"Origin": base, "Cookie": "_ga=GA1.1.1.2"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/index.html" {
		t.Fatalf("objection: status %d to %q, want 303 to /index.html", resp.StatusCode, resp.Header.Get("Location"))
	}
	sc := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
	if !strings.Contains(sc, "_ga=;") {
		t.Errorf("objection does not expire _ga: %q", sc)
	}
	ck := itCookieNamed(resp, "consentgate")
	if ck == nil || ck.MaxAge < 390*24*3600 {
		t.Fatalf("objection: consent cookie %+v, want one kept 13 months", ck)
	}
	cookie := "consentgate=" + ck.Value

	resp, page = itPage(t, c, base+"/index.html", cookie)
	if live := itLiveTrackers([]byte(page)); len(live) > 0 {
		t.Errorf("after an objection these are live: %q", live)
	}
	if !strings.Contains(page, `data-consent="statistics"`) || !strings.Contains(page, "You&#39;ve objected to statistics") || strings.Contains(page, `value="object"`) {
		t.Error("after an objection the page does not hold statistics, say so, and drop the button")
	}
	if !strings.Contains(page, `id="cg-banner"`) {
		t.Error("an objection is no consent choice, but the banner no longer asks")
	}
	if sc := strings.Join(resp.Header.Values("Set-Cookie"), "\n"); strings.Contains(sc, "_ga=GA1") {
		t.Errorf("after an objection the upstream's _ga still passes: %q", sc)
	}

	// Accept all with script withdraws the objection.
	resp, body := itPostChoice(t, c, base, url.Values{"action": {"accept_all"}, "return_to": {"/index.html"}},
		map[string]string{"Origin": base, "Accept": "application/json", "Cookie": cookie})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"statistics"`) || !strings.Contains(string(body), `"decided":true`) {
		t.Fatalf("accept all after an objection: %d %s", resp.StatusCode, body)
	}

	store := openStore(t, dbPath)
	recs := waitHistory(t, store, consentID(t, cookie), 3)
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%s %s %v analytics_storage=%v", r.Event, r.Method, r.Granted, r.ConsentMode.AnalyticsStorage))
	}
	want := []string{
		"objection no_js_form [] analytics_storage=false",
		"initial accept_all [analytics media social marketing] analytics_storage=true",
		"objection_withdrawn accept_all [analytics media social marketing] analytics_storage=true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n got %q\nwant %q", got, want)
	}
}

// GPC counts as an objection: a browser sending it gets no statistics
// and its objection is recorded once, beside the GPC refusal.
func TestGPCObjectsToStatistics(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "consent.db")
	// Its own client network: the GPC record budget is per network.
	port := strconv.Itoa(testcaddy.FreePort(t))
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	globals := "servers {\n\ttrusted_proxies static 127.0.0.1/32\n\tclient_ip_headers X-Forwarded-For\n}"
	if err := testcaddy.LoadSitesWith(t, globals, "http://127.0.0.1:"+port+" {\n"+itFileServer(t, itStatistics+"\nlog "+strconv.Quote(dbPath))+"\n}\n"); err != nil {
		t.Fatal(err)
	}
	base := "http://127.0.0.1:" + port
	c := itClient(t)
	resp, page := itPage(t, c, base+"/index.html", "", "Sec-GPC", "1", "X-Forwarded-For", "192.0.2.77")
	if live := itLiveTrackers([]byte(page)); len(live) > 0 {
		t.Errorf("GPC: live %q", live)
	}
	if !strings.Contains(page, "Global Privacy Control signal, which we take as an objection") {
		t.Error("GPC: the banner does not say the signal is an objection")
	}
	ck := itCookieNamed(resp, "consentgate")
	if ck == nil {
		t.Fatal("GPC: no consent cookie")
	}
	store := openStore(t, dbPath)
	recs := waitHistory(t, store, consentID(t, "consentgate="+ck.Value), 2)
	if len(recs) != 2 || recs[0].Event != "initial" || recs[1].Event != "objection" || !recs[1].GPC || recs[1].Method != "gpc" {
		t.Fatalf("GPC records: %+v", recs)
	}
	// The next page view records nothing more.
	itPage(t, c, base+"/index.html", "consentgate="+ck.Value, "Sec-GPC", "1", "X-Forwarded-For", "192.0.2.77")
	time.Sleep(300 * time.Millisecond)
	if again, _ := store.History(t.Context(), consentID(t, "consentgate="+ck.Value)); len(again) != 2 {
		t.Errorf("a second GPC page view: %d records, want still 2", len(again))
	}
}

// The exception is refused for what is not statistics, and without the
// DPO's assessment.
func TestStatisticsExceptionRefused(t *testing.T) {
	for _, tc := range []struct{ opt, err string }{
		{"statistics_exception hotjar {\n assessed_by x\n assessed_on 2026-01-01\n}", "session recordings"},
		{"statistics_exception google-ads {\n assessed_by x\n assessed_on 2026-01-01\n}", "is marketing, not analytics"},
		{"statistics_exception meta {\n assessed_by x\n assessed_on 2026-01-01\n}", "is marketing"},
		{"statistics_exception google-tag-manager {\n assessed_by x\n assessed_on 2026-01-01\n}", "tags its container holds"},
		{"statistics_exception youtube {\n assessed_by x\n assessed_on 2026-01-01\n}", "is media"},
		{"statistics_exception google-analytics", "assessed_by and assessed_on are required"},
		{"statistics_exception google-analytics {\n assessed_by x\n assessed_on 01/03/2026\n}", "want a date"},
		{"statistics_exception google-analytics {\n assessed_by x\n assessed_on 2999-01-01\n}", "in the future"},
		{"statistics_exception google-analytics {\n assessed_by x\n assessed_on 2026-01-01\n reviewed_on 2026-02-01\n}", "unrecognized field"},
		{"cookie _pk_id statistics prefix", "needs statistics_exception"},
	} {
		_, err := testcaddy.Load(t, itFileServer(t, tc.opt))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want one saying %q", tc.opt, err, tc.err)
		}
	}
	// A first-party analytics rule may run under it, and its cookies too.
	if _, err := testcaddy.Load(t, itFileServer(t, "rule stats.council.example analytics\ncookie _pk_id statistics prefix\nstatistics_exception google-analytics stats.council.example {\n assessed_by x\n assessed_on 2026-01-01\n}")); err != nil {
		t.Errorf("a site rule under the exception: %v", err)
	}
}

// notice_only: a one-sentence notice stands in for the banner; dismissing
// it, without script, is no choice and no record, and later pages have
// only the settings control. What the module holds still waits for consent.
func TestStatisticsNoticeOnly(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "consent.db")
	notice := strings.Replace(itStatistics, "\n}", "\n\tnotice_only\n}", 1)
	base := testcaddy.Start(t, itFileServer(t, notice+"\nlog "+strconv.Quote(dbPath)))
	c := itClient(t)
	_, page := itPage(t, c, base+"/index.html", "")
	_, first, _ := strings.Cut(page, `<section id="cg-banner" class="cg-banner cg-notice"`)
	first, _, _ = strings.Cut(first, "</section>")
	if first == "" || !strings.Contains(first, `value="dismiss"`) || !strings.Contains(first, `value="object"`) || strings.Contains(first, `value="accept_all"`) {
		t.Fatalf("notice_only: first layer %q", first)
	}
	if live := itLiveTrackers([]byte(page)); !slices.Contains(live, "script www.googletagmanager.com") || slices.ContainsFunc(live, func(l string) bool { return strings.Contains(l, "youtube") }) {
		t.Errorf("notice_only: live %q; want statistics only", live)
	}

	resp, _ := itPostChoice(t, c, base, url.Values{"action": {"dismiss"}, "return_to": {"/index.html"}}, map[string]string{"Origin": base})
	ck := itCookieNamed(resp, "consentgate")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/index.html" || ck == nil {
		t.Fatalf("dismiss: status %d to %q, cookie %v", resp.StatusCode, resp.Header.Get("Location"), ck)
	}
	_, page = itPage(t, c, base+"/index.html", "consentgate="+ck.Value)
	if strings.Contains(page, `id="cg-banner"`) || !strings.Contains(page, `class="cg-reopen"`) {
		t.Error("after dismissing, the notice is still there or the settings control is gone")
	}
	if live := itLiveTrackers([]byte(page)); slices.ContainsFunc(live, func(l string) bool { return strings.Contains(l, "youtube") || strings.Contains(l, "hotjar") }) {
		t.Errorf("dismissing the notice consented to something: live %q", live)
	}
	// Nothing recorded: dismissing is no decision and no objection.
	time.Sleep(300 * time.Millisecond)
	store := openStore(t, dbPath)
	if recs, err := store.History(t.Context(), consentID(t, "consentgate="+ck.Value)); err != nil || len(recs) != 0 {
		t.Errorf("dismissing the notice was recorded: %+v, %v", recs, err)
	}
}
