package consentlogcli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/cookieseen"
)

func seenDay(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }

// cliSeedSightings records what a council site was seen to use: its PHP
// session, a cookie of its own nobody described, Google Analytics, the
// consent cookie it declares, and names only visitors' browsers reported.
func cliSeedSightings(t *testing.T, st consentlog.Store, declare bool) {
	t.Helper()
	ctx := context.Background()
	err := st.Observe(ctx, []cookieseen.Sighting{
		{Kind: cookieseen.Cookie, Name: "PHPSESSID", Source: cookieseen.Upstream, MaxAge: 0, First: seenDay(1), Last: seenDay(8), Hits: 10},
		{Kind: cookieseen.Cookie, Name: "PHPSESSID", Source: cookieseen.Banner, MaxAge: -1, First: seenDay(3), Last: seenDay(9), Hits: 4},
		{Kind: cookieseen.Cookie, Name: "council_ab_test", Source: cookieseen.Upstream, MaxAge: 7776000, First: seenDay(5), Last: seenDay(6), Hits: 2},
		{Kind: cookieseen.Cookie, Name: "_ga", Source: cookieseen.Banner, MaxAge: -1, First: seenDay(2), Last: seenDay(2), Hits: 1},
		{Kind: cookieseen.Cookie, Name: "cookie_consent", Source: cookieseen.Upstream, MaxAge: 31536000, First: seenDay(1), Last: seenDay(9), Hits: 50},
		{Kind: cookieseen.Cookie, Name: "sidebarPinned", Source: cookieseen.Banner, MaxAge: -1, First: seenDay(4), Last: seenDay(4), Hits: 1},
		{Kind: cookieseen.Cookie, Name: "evil\x1b[2Jname", Source: cookieseen.Banner, MaxAge: -1, First: seenDay(4), Last: seenDay(4), Hits: 1},
		{Kind: cookieseen.Vendor, Name: "youtube", Source: cookieseen.Page, MaxAge: -1, First: seenDay(1), Last: seenDay(1), Hits: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	if declare {
		if _, err := st.Declare(ctx, cookieseen.Declaration{Version: "3", Cookies: []cookieseen.Declared{{Name: "cookie_consent", Category: "necessary"}}}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCLICookies(t *testing.T) {
	dsn, st := cliSQLite(t)
	cliSeedSightings(t, st, true)
	out, stderr, status := cliRun(t, "cookies", "--store", dsn)
	if status != 0 || stderr != "" {
		t.Fatalf("cookies: exit %d, stderr %q\n%s", status, stderr, out)
	}
	wantIn := func(what, s string, subs ...string) {
		t.Helper()
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				t.Errorf("%s lacks %q:\n%s", what, sub, s)
			}
		}
	}
	wantIn("cookies", out,
		"PHPSESSID (cookie)\n"+
			"  Seen:       reported by visitors' browsers; set by the site's responses\n"+
			"  First seen: 2026-11-01T09:00:00Z\n"+
			"  Last seen:  2026-11-09T09:00:00Z\n"+
			"  Hits:       14\n"+
			"  Lifetime:   when you close your browser\n"+
			"  Suggested:  provider PHP; category necessary\n",
		"    cookie PHPSESSID necessary {\n    \tprovider PHP\n",
		"council_ab_test (cookie)\n",
		"  Lifetime:   3 months\n",
		"  Suggested:  nothing: no known cookie has this name\n",
		"    cookie council_ab_test CATEGORY {\n",
		`evil\x1b[2Jname (cookie)`,
		"  Lifetime:   not known\n",
		"Declared: cookie_consent\nFrom the catalogue: _ga (Google Analytics)\n",
	)
	if !strings.HasSuffix(out, "\n4 undeclared, 1 declared, 1 from the catalogue\n") {
		t.Errorf("no summary at the end:\n%s", out)
	}
	if strings.Contains(out, "\x1b") || strings.Contains(out, "youtube") {
		t.Error("an escape sequence reached the terminal, or a vendor is listed as a name")
	}
	if strings.Index(out, "council_ab_test") > strings.Index(out, "Declared:") {
		t.Error("undeclared names are not first")
	}

	out, stderr, status = cliRun(t, "cookies", "--store", dsn, "--format", "json")
	if status != 0 || stderr != "4 undeclared, 1 declared, 1 from the catalogue\n" {
		t.Fatalf("cookies json: exit %d, stderr %q", status, stderr)
	}
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatal(err)
	}
	byName := map[string]map[string]any{}
	var names []string
	for _, r := range recs {
		byName[r["name"].(string)] = r
		names = append(names, r["name"].(string))
		var keys []string
		for k := range r {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"first_seen", "hits", "kind", "last_seen", "max_age_seconds", "name", "snippet", "sources", "status", "suggestion", "vendor"}; !slices.Equal(keys, want) {
			t.Errorf("%s: keys %v, want %v", r["name"], keys, want)
		}
	}
	if want := []string{"PHPSESSID", "council_ab_test", "evil\x1b[2Jname", "sidebarPinned", "_ga", "cookie_consent"}; !slices.Equal(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
	php := byName["PHPSESSID"]
	if php["status"] != "undeclared" || php["max_age_seconds"] != 0.0 || php["hits"] != 14.0 || php["first_seen"] != "2026-11-01T09:00:00Z" ||
		!slices.Equal(php["sources"].([]any), []any{"banner", "upstream"}) || !strings.HasPrefix(php["snippet"].(string), "cookie PHPSESSID necessary {") {
		t.Errorf("PHPSESSID: %v", php)
	}
	if sg, _ := php["suggestion"].(map[string]any); sg["provider"] != "PHP" || sg["category"] != "necessary" || sg["retention"] != "session" || sg["purpose"] == "" {
		t.Errorf("PHPSESSID suggestion: %v", php["suggestion"])
	}
	if ga := byName["_ga"]; ga["status"] != "catalogue" || ga["vendor"] != "Google Analytics" || ga["max_age_seconds"] != nil || ga["suggestion"] != nil || ga["snippet"] != "" {
		t.Errorf("_ga: %v", ga)
	}
	if cc := byName["cookie_consent"]; cc["status"] != "declared" || cc["max_age_seconds"] != 31536000.0 {
		t.Errorf("cookie_consent: %v", cc)
	}
	if sp := byName["sidebarPinned"]; sp["suggestion"] != nil || !strings.Contains(sp["snippet"].(string), "CATEGORY") {
		t.Errorf("sidebarPinned before the import: %v", sp)
	}
	cliWantAudit(t, st, "cookies", "cookies")
}

// Without a recorded declaration everything is reviewed against an empty
// one, and stderr says why the consent cookie shows as undeclared.
func TestCLICookiesWithoutDeclaration(t *testing.T) {
	dsn, st := cliSQLite(t)
	cliSeedSightings(t, st, false)
	out, stderr, status := cliRun(t, "cookies", "--store", dsn)
	if status != 0 || !strings.Contains(stderr, "No declaration is recorded in this consent log yet") ||
		!strings.Contains(out, "cookie_consent (cookie)") || !strings.HasSuffix(out, "5 undeclared, 0 declared, 1 from the catalogue\n") {
		t.Errorf("exit %d, stderr %q\n%s", status, stderr, out)
	}
	// An empty store is an empty array.
	dsn2 := filepath.Join(t.TempDir(), "empty.db")
	openStore(t, dsn2)
	out, stderr, status = cliRun(t, "cookies", "--store", dsn2, "--format", "json")
	if status != 0 || out != "[]\n" || !strings.HasSuffix(stderr, "0 undeclared, 0 declared, 0 from the catalogue\n") {
		t.Errorf("empty store: exit %d, %q, stderr %q", status, out, stderr)
	}
}

func TestCLICookiesImport(t *testing.T) {
	dsn, st := cliSQLite(t)
	cliSeedSightings(t, st, true)
	csvPath, err := filepath.Abs("../cookieseen/testdata/open-cookie-database.csv")
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, status := cliRun(t, "cookies", "import", csvPath, "--store", dsn)
	known, _ := st.KnownCookies(context.Background())
	if status != 0 || len(known) == 0 || out != "imported "+itoa(len(known))+" cookie descriptions from "+csvPath+"\n" {
		t.Fatalf("import: exit %d, %q, stderr %q, %d known", status, out, stderr, len(known))
	}
	// A name only the database knows now has its suggestion; Salesforce's
	// Personalization has no category of ours, so the web team still chooses.
	out, _, _ = cliRun(t, "cookies", "--store", dsn, "--format", "json")
	var recs []cookieseen.FindingRecord
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(recs, func(r cookieseen.FindingRecord) bool { return r.Name == "sidebarPinned" })
	if i < 0 || recs[i].Suggestion == nil || recs[i].Suggestion.Provider != "Salesforce" || recs[i].Suggestion.Retention != "10 years" ||
		!strings.Contains(recs[i].Snippet, "CATEGORY") || !strings.Contains(recs[i].Snippet, `provider Salesforce`) {
		t.Errorf("sidebarPinned after the import: %+v", recs)
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("Category,Cookie / Data Key name,Description\nAnalytics,_x,\"unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noHeader := filepath.Join(dir, "other.csv")
	if err := os.WriteFile(noHeader, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cookies", "import", filepath.Join(dir, "missing.csv"), "--store", dsn}, "missing.csv: no such file or directory"},
		{[]string{"cookies", "import", bad, "--store", dsn}, "line 2"},
		{[]string{"cookies", "import", noHeader, "--store", dsn}, `no "Cookie / Data Key name" column`},
		{[]string{"cookies", "import", csvPath, "--store", filepath.Join(dir, "missing.db")}, "no consent log at"},
		{[]string{"cookies", "import", "--store", dsn}, "accepts 1 arg"},
	} {
		out, stderr, status := cliRun(t, tc.args...)
		if status != 1 || out != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q, stderr %q, want %q", tc.args, status, out, stderr, tc.want)
		}
	}
	if k, _ := st.KnownCookies(context.Background()); len(k) != len(known) {
		t.Errorf("a failed import changed the database: %d entries, had %d", len(k), len(known))
	}
	cliWantAudit(t, st, "cookies_import cookies="+itoa(len(known))+"&file=open-cookie-database.csv", "cookies")
}

func itoa(n int) string { return strconv.Itoa(n) }
