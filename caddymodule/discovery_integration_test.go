package caddymodule_test

// The cookie table lists what the site is seen to use: cookies its own
// responses set, vendors its pages load and names visitors' browsers
// report; and the policy version asks visitors again only when what they
// consent to changes.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/cookieseen"
	"github.com/consentgate/consentgate/internal/testcaddy"
)

const itSecret = "secret-shared-by-restarts-0123456"

// itCMS is an old CMS behind the proxy: it sets its own cookies and,
// on /video, embeds YouTube.
func itCMS(t *testing.T) string {
	return itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "cms_font_size=large; Path=/; Max-Age=2592000")
		w.Header().Add("Set-Cookie", "PHPSESSID=abc123; Path=/; HttpOnly")
		w.Header().Add("Set-Cookie", "old_pref=; Path=/; Max-Age=0") // a deletion sets nothing
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		body := `<!DOCTYPE html><html lang="en"><head><title>Council</title></head><body><p>Bins</p>`
		if r.URL.Path == "/video" {
			body += `<iframe src="https://www.youtube.com/embed/abc" title="Video"></iframe>`
		}
		io.WriteString(w, body+`</body></html>`)
	})
}

// itRecords indexes a cookie table's JSON records by name.
func itRecords(recs []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range recs {
		out[r["name"].(string)] = r
	}
	return out
}

func TestDiscoveredCookiesAreListed(t *testing.T) {
	db := filepath.Join(t.TempDir(), "consent.db")
	site := "log " + strconv.Quote(db) + "\nsite_name \"Anytown Council\"\nsecret " + itSecret
	up := itCMS(t)
	base := testcaddy.Start(t, "cookie_consent {\n"+site+"\n}\nreverse_proxy "+up)
	c := itClient(t)

	// Before anything is seen, the table lists only the consent cookie.
	_, body := itGet(t, c, base+"/_consent/cookies?format=json", nil)
	var recs []map[string]any
	if err := json.Unmarshal(body, &recs); err != nil || len(recs) != 1 || recs[0]["name"] != "consentgate" {
		t.Fatalf("table before any page: %s", body)
	}

	itSeen(t, c, base, "/", "/video")
	byName := itRecords(itTableHas(t, c, base, "cms_font_size", "PHPSESSID", "YSC"))
	if r := byName["cms_font_size"]; r["category"] != "undescribed" || r["expires"] != "1 month" ||
		r["purpose"] != "Not yet described" || r["provider"] != "Anytown Council" {
		t.Errorf("cms_font_size: %v", r)
	}
	if r := byName["PHPSESSID"]; r["expires"] != "when you close your browser" {
		t.Errorf("PHPSESSID: %v", r)
	}
	if _, ok := byName["old_pref"]; ok {
		t.Error("a deletion is listed as a cookie the site sets")
	}
	if r := byName["YSC"]; r["category"] != "media" || r["vendor"] != "youtube" {
		t.Errorf("YSC: %v", r)
	}
	if _, ok := byName["_ga"]; ok {
		t.Error("Google Analytics is listed although no page uses it")
	}

	_, page := itGet(t, c, base+"/_consent/cookies?lang=cy", nil)
	for _, want := range []string{"Heb eu disgrifio eto", "<code>cms_font_size</code>", "1 mis",
		"Newidiwyd y tabl hwn ddiwethaf ar " + strconv.Itoa(time.Now().UTC().Day())} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("Welsh table lacks %q", want)
		}
	}

	// A restart (a new spool, so a new handle on the same store) keeps
	// what was seen, though the upstream now sets nothing.
	quiet := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	})
	base = testcaddy.Start(t, "cookie_consent {\n"+site+"\n}\nreverse_proxy "+quiet)
	// The old handle writes what it still held as Caddy stops it, after the
	// new one has started: the new one reads it within one reading.
	itTableHas(t, c, base, "cms_font_size", "YSC")
}

// The banner's report: only this site's pages, only for a consenting
// visitor, bounded in size, names and rate. Names the catalogue knows are
// listed; the rest only reach the store, for the web team.
func TestBannerReportOfNamesInTheBrowser(t *testing.T) {
	db := filepath.Join(t.TempDir(), "consent.db")
	base := testcaddy.Start(t, itFileServer(t, "log "+strconv.Quote(db)))
	c := itClient(t)
	itSeen(t, c, base, "/index.html")
	consented := itConsent(t, c, base, url.Values{"action": {"accept_all"}})
	post := func(body string, hdr map[string]string) int {
		t.Helper()
		h := map[string]string{"Content-Type": "application/json", "Origin": base, "Cookie": consented}
		for k, v := range hdr {
			h[k] = v
		}
		resp, _ := itDo(t, c, itRequest(t, http.MethodPost, base+"/_consent/seen", h, strings.NewReader(body)))
		return resp.StatusCode
	}
	report := `{"cookies":["_hjSessionUser_42","calc_js_state","bad name;x"],"storage":["council_theme","<script>alert(1)</script>"]}`

	// Refused before the rate is counted.
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"cross-origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"no consent", map[string]string{"Cookie": ""}, http.StatusForbidden},
	} {
		if got := post(report, tc.hdr); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	resp, _ := itGet(t, c, base+"/_consent/seen", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
		t.Errorf("GET: status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	names := make([]string, 51)
	for i := range names {
		names[i] = "n" + strconv.Itoa(i)
	}
	tooMany, _ := json.Marshal(map[string][]string{"cookies": names})
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"honest", report, http.StatusNoContent},
		{"oversized", `{"cookies":["` + strings.Repeat("a", 17000) + `"]}`, http.StatusRequestEntityTooLarge},
		{"too many names", string(tooMany), http.StatusBadRequest},
		{"not JSON", "cookies=_ga", http.StatusBadRequest},
		{"again", report, http.StatusNoContent},
		{"flood", report, http.StatusTooManyRequests},
	} {
		if got := post(tc.body, nil); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}

	// Hotjar's cookie is the catalogue's: listed. The rest are not shown
	// to visitors, and reporting changes no visitor's consent.
	recs := itRecords(itTableHas(t, c, base, "_hjSessionUser_*"))
	for _, n := range []string{"calc_js_state", "council_theme"} {
		if recs[n] != nil {
			t.Errorf("%s, reported only by a browser, is in the public table", n)
		}
	}
	_, page := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Cookie": consented})
	if bytes.Contains(page, []byte(`id="cg-banner"`)) {
		t.Error("a banner report asked the visitor again")
	}

	// The store has the names for the web team, and nothing invalid.
	var got []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := consentlog.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		seen, err := s.Sightings(context.Background())
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, x := range seen {
			if x.Source == cookieseen.Banner {
				got = append(got, string(x.Kind)+" "+x.Name)
			}
		}
		if len(got) == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := []string{"cookie _hjSessionUser_42", "cookie calc_js_state", "storage <script>alert(1)</script>", "storage council_theme"}
	if !slices.Equal(got, want) {
		t.Errorf("reported names stored %q, want %q", got, want)
	}
}

// What re-prompts: a vendor seen for the first time, a cookie declared or
// its description changed. What does not: a known vendor's cookie seen, a
// strictly necessary cookie declared.
func TestPolicyVersionFollowsTheDeclaration(t *testing.T) {
	db := filepath.Join(t.TempDir(), "consent.db")
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ga-cookie" {
			w.Header().Add("Set-Cookie", "_ga=GA1.2.3.4; Path=/; Max-Age=63072000")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		body := `<!DOCTYPE html><html><head><title>t</title>` + gtagTag + `</head><body><p>hi</p>`
		if r.URL.Path == "/video" {
			body += `<iframe src="https://www.youtube.com/embed/abc" title="Video"></iframe>`
		}
		io.WriteString(w, body+`</body></html>`)
	})
	start := func(extra string) string {
		return testcaddy.Start(t, "cookie_consent {\nlog "+strconv.Quote(db)+"\nsecret "+itSecret+"\n"+extra+"\n}\nreverse_proxy "+up)
	}
	declared := "cookie council_ab analytics {\n\tpurpose \"Tests page designs\"\n}"
	base := start(declared)
	c := itClient(t)
	itSeen(t, c, base, "/")
	cookie := itConsent(t, c, base, url.Values{"action": {"accept_all"}})
	refused := itConsent(t, c, base, url.Values{"action": {"reject_all"}})
	askedWith := func(cookie, base, path string) bool {
		t.Helper()
		_, body := itGet(t, c, base+path, map[string]string{"Accept": "text/html", "Cookie": cookie})
		return bytes.Contains(body, []byte(`id="cg-banner"`))
	}
	asked := func(base, path string) bool { t.Helper(); return askedWith(cookie, base, path) }
	if asked(base, "/") || askedWith(refused, base, "/") {
		t.Fatal("asked again straight after choosing")
	}
	// Each step is seen by a visitor who has not chosen (seen), then the
	// visitor who chose views a page.
	for _, tc := range []struct {
		name, config, seen string
		want               bool
	}{
		{"the cookie of a vendor already seen", declared, "/ga-cookie", false},
		{"a strictly necessary cookie declared", declared + "\nnecessary_cookies JSESSIONID\ncookie XSRF-TOKEN necessary", "/", false},
		{"a declared cookie described differently", "cookie council_ab analytics {\n\tpurpose \"Compares two designs\"\n}", "/", true},
		{"a cookie declared", declared + "\ncookie council_poll social", "/", true},
		{"a vendor seen for the first time", declared + "\ncookie council_poll social", "/video", true},
	} {
		base = start(tc.config)
		itSeen(t, c, base, tc.seen)
		if got := asked(base, "/"); got != tc.want {
			t.Errorf("%s: asked again %v, want %v", tc.name, got, tc.want)
		}
		// A refusal of everything covers what is new too: never nagged.
		if askedWith(refused, base, "/") {
			t.Errorf("%s: a visitor who refused everything is asked again", tc.name)
		}
		if tc.want { // choose again under the new version
			cookie = itConsent(t, c, base, url.Values{"action": {"accept_all"}})
		}
	}
	// policy_version asks everyone.
	base = start(declared + "\ncookie council_poll social\npolicy_version 2026-12")
	if !asked(base, "/") || !askedWith(refused, base, "/") {
		t.Error("policy_version changed, yet a visitor is not asked again")
	}
}

// A site names its own placeholder with cookie_table_selector.
func TestCookieTableSelector(t *testing.T) {
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!DOCTYPE html><html><head><title>Privacy</title></head><body><h1>Privacy</h1>`+
			`<section class="cms-block" id="cookie-list"><p>Cookie list coming soon</p></section></body></html>`)
	})
	base := testcaddy.Start(t, "cookie_consent {\ncookie_table_selector \"section#cookie-list\"\n}\nreverse_proxy "+up)
	_, body := itGet(t, itClient(t), base+"/privacy", map[string]string{"Accept": "text/html"})
	if bytes.Contains(body, []byte("coming soon")) || !bytes.Contains(body, []byte(`<section class="cms-block" id="cookie-list">`)) ||
		!bytes.Contains(body, []byte("<code>consentgate</code>")) {
		t.Errorf("the configured placeholder was not filled:\n%s", body)
	}
	if _, err := testcaddy.Load(t, "cookie_consent {\ncookie_table_selector \"div > p\"\n}\nrespond ok"); err == nil ||
		!strings.Contains(err.Error(), "cookie_table_selector") {
		t.Errorf("a combinator: %v, want a cookie_table_selector error", err)
	}
}

// The console shows the web team what nobody has declared, reviewed
// against the live config.
func TestConsoleReviewsDiscoveredCookies(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	opts := "log " + strconv.Quote(filepath.Join(t.TempDir(), "log.db")) + "\nadmin\ncookie PHPSESSID necessary"
	base := testcaddy.Start(t, "basic_auth /_consent/admin/* {\n\tdpo "+string(hash)+"\n}\ncookie_consent {\n"+opts+"\n}\nreverse_proxy "+itCMS(t))
	c := itClient(t)
	itSeen(t, c, base, "/")
	status := map[string]string{}
	deadline := time.Now().Add(10 * time.Second)
	for status["cms_font_size"] == "" && time.Now().Before(deadline) {
		req := itRequest(t, http.MethodGet, base+"/_consent/admin/cookies.json", nil, nil)
		req.SetBasicAuth("dpo", "correct horse")
		resp, body := itDo(t, c, req)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("cookies.json: status %d: %.200s", resp.StatusCode, body)
		}
		var recs []map[string]any
		if err := json.Unmarshal(body, &recs); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			status[r["name"].(string)], _ = r["status"].(string)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status["cms_font_size"] != "undeclared" || status["PHPSESSID"] != "declared" {
		t.Errorf("console review: %v, want cms_font_size undeclared and PHPSESSID declared", status)
	}
}

// A node that starts while its store is down keeps the policy version its
// visitors chose under, from the copy of the last reading in its spool
// directory, instead of asking every visitor again.
func TestStoreDownAtStartKeepsThePolicyVersion(t *testing.T) {
	dir := t.TempDir()
	up := itCMS(t)
	start := func(db, spool string) string {
		return testcaddy.Start(t, "cookie_consent {\nlog "+strconv.Quote(db)+"\nlog_spool "+strconv.Quote(spool)+
			"\nsecret "+itSecret+"\n}\nreverse_proxy "+up)
	}
	base := start(filepath.Join(dir, "consent.db"), filepath.Join(dir, "spool1"))
	c := itClient(t)
	itSeen(t, c, base, "/video")
	cookie := itConsent(t, c, base, url.Values{"action": {"accept_all"}})
	// Once written and read back, the reading is kept beside the spool.
	var cached []byte
	for deadline := time.Now().Add(20 * time.Second); !bytes.Contains(cached, []byte(`"youtube"`)); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the reading kept in the spool directory: %s", cached)
		}
		cached, _ = os.ReadFile(filepath.Join(dir, "spool1", "seen.json"))
	}

	// The restarted node: its spool directory (a copy, as the old config
	// still holds the first), and a store path it cannot open.
	if err := os.MkdirAll(filepath.Join(dir, "spool2"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "spool2", "seen.json"), cached, 0o600); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	base = start(filepath.Join(notDir, "consent.db"), filepath.Join(dir, "spool2"))
	_, body := itGet(t, c, base+"/", map[string]string{"Accept": "text/html", "Cookie": cookie})
	if bytes.Contains(body, []byte(`id="cg-banner"`)) {
		t.Error("with the store down at start, a visitor who had chosen is asked again")
	}
}

// Each record names the banner text its visitor saw by hash, and the store
// keeps that text, in the visitor's language, for the DPO.
func TestRecordsBannerTextIsKept(t *testing.T) {
	db := filepath.Join(t.TempDir(), "consent.db")
	base := testcaddy.Start(t, itFileServer(t, "log "+strconv.Quote(db)+"\nsite_name \"Llanwern County Council\" \"Cyngor Sir Llanwern\""))
	c := itClient(t)
	cookie := itConsent(t, c, base, url.Values{"action": {"reject_all"}, "return_to": {"/cy/index.html"}})
	id := strings.Split(cookie, ".")[1]
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := consentlog.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := s.History(context.Background(), id)
		var text consentlog.BannerText
		found := false
		if err == nil && len(recs) == 1 {
			text, found, err = s.BannerText(context.Background(), recs[0].BannerHash)
		}
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if found {
			if text.Locale != "cy" || !strings.Contains(text.Text, "Cwcis ar Gyngor Sir Llanwern") {
				t.Errorf("kept text: %s %.200s", text.Locale, text.Text)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the banner text of record %v is not kept", recs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
