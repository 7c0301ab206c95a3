package caddymodule_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/internal/testcaddy"
	"github.com/consentgate/consentgate/internal/testpg"
	"github.com/consentgate/consentgate/trackers"
)

func openStore(t *testing.T, dsn string) consentlog.Store {
	t.Helper()
	s, err := consentlog.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitHistory polls the store until consentID has n records.
func waitHistory(t *testing.T, s consentlog.Store, consentID string, n int) []consentlog.Record {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		recs, err := s.History(context.Background(), consentID)
		if err == nil && len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("consent %s: %d record(s) in the log (err %v), want %d", consentID, len(recs), err, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func consentID(t *testing.T, cookie string) string {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(cookie, "consentgate="), ".")
	if len(parts) < 2 {
		t.Fatalf("consent cookie %q has no ID", cookie)
	}
	return parts[1]
}

// TestDecisionsAreRecorded: every way of choosing writes one record with
// the fields of REQUIREMENTS rule 25, the IP truncated and the query gone.
func TestDecisionsAreRecorded(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "consent.db")
	base := testcaddy.Start(t, itFileServer(t, "log "+strconv.Quote(dbPath)))
	c := itClient(t)

	// A plain form: Accept all.
	resp, _ := itPostChoice(t, c, base, url.Values{"action": {"accept_all"}, "return_to": {"/services/bins.html?postcode=AB1+2CD"}},
		map[string]string{"Origin": base, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"})
	cookie := "consentgate=" + itCookieNamed(resp, "consentgate").Value
	id := consentID(t, cookie)
	// With script: Reject all (a withdrawal), then Always allow from a video placeholder.
	for _, form := range []url.Values{{"action": {"reject_all"}, "return_to": {"/cy/index.html"}}, {"action": {"allow"}, "category": {"media"}, "return_to": {"/"}}} {
		resp, _ := itPostChoice(t, c, base, form, map[string]string{"Origin": base, "Accept": "application/json", "Cookie": cookie})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%v: status %d", form, resp.StatusCode)
		}
		cookie = "consentgate=" + itCookieNamed(resp, "consentgate").Value
	}

	store := openStore(t, dbPath)
	recs := waitHistory(t, store, id, 3)
	type row struct {
		Event, Method, Granted, Path, Locale, IP string
	}
	var got []row
	for _, r := range recs {
		got = append(got, row{string(r.Event), string(r.Method), fmt.Sprint(r.Granted), r.Path, r.Locale, r.IP})
	}
	want := []row{
		{"initial", "no_js_form", fmt.Sprint(trackers.Categories), "/services/bins.html", "en", "127.0.0.0"},
		{"withdraw", "reject_all", "[]", "/cy/index.html", "cy", "127.0.0.0"},
		{"update", "placeholder", "[media]", "/", "en", "127.0.0.0"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n got %+v\nwant %+v", got, want)
	}
	if recs[0].Browser != consentlog.BrowserChrome || recs[0].BannerHash == "" || recs[0].PolicyVersion == "" {
		t.Errorf("first record: browser %q, banner hash %q, policy %q", recs[0].Browser, recs[0].BannerHash, recs[0].PolicyVersion)
	}
	if !recs[0].ConsentMode.AnalyticsStorage || !recs[0].ConsentMode.AdStorage || recs[1].ConsentMode.AnalyticsStorage {
		t.Errorf("Consent Mode states: %+v then %+v", recs[0].ConsentMode, recs[1].ConsentMode)
	}

	// A browser sending GPC is recorded as such on its first page view.
	resp, _ = itGet(t, c, base+"/index.html?utm_source=x", map[string]string{"Accept": "text/html", "Sec-GPC": "1"})
	gpc := itCookieNamed(resp, "consentgate")
	if gpc == nil {
		t.Fatal("no consent cookie for a GPC page view")
	}
	g := waitHistory(t, store, consentID(t, "consentgate="+gpc.Value), 1)
	if g[0].Method != consentlog.MethodGPC || !g[0].GPC || g[0].Path != "/index.html" || len(g[0].Granted) != 0 {
		t.Errorf("GPC record: %+v", g[0])
	}
	if rep, err := store.Verify(context.Background()); err != nil || !rep.OK() {
		t.Errorf("chain: %+v, %v", rep, err)
	}
}

// TestReloadKeepsOneLog: a config reload shares the open store and spool;
// records before and after it form one chain.
func TestReloadKeepsOneLog(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "consent.db")
	site := itFileServer(t, "log "+strconv.Quote(dbPath)+"\nlog_spool "+strconv.Quote(filepath.Join(dir, "spool")))
	ids := map[string]bool{}
	for i := range 3 {
		base := testcaddy.Start(t, site+fmt.Sprintf("\nheader X-Reload %d", i))
		ids[consentID(t, itConsent(t, itClient(t), base, url.Values{"action": {"reject_all"}}))] = true
	}
	store := openStore(t, dbPath)
	for id := range ids {
		waitHistory(t, store, id, 1)
	}
	if rep, err := store.Verify(context.Background()); err != nil || !rep.OK() {
		t.Errorf("chain after reloads: %+v, %v", rep, err)
	}
}

// TestTwoNodesShareOnePostgresLog: two Caddy servers (nodes) with one
// secret and one PostgreSQL log accept each other's cookies and append to
// one chain; with PostgreSQL stopped a choice is still honoured and its
// record arrives when the database is back.
func TestTwoNodesShareOnePostgresLog(t *testing.T) {
	pg, err := testpg.New(testpg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	dsn, err := pg.CreateDatabase(context.Background(), "nodes")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	root := strconv.Quote(filepath.Join(testcaddy.RepoRoot(), "testdata", "site"))
	var bases []string
	var sites strings.Builder
	for i := range 2 {
		port := testcaddy.FreePort(t)
		bases = append(bases, fmt.Sprintf("http://127.0.0.1:%d", port))
		fmt.Fprintf(&sites, "http://127.0.0.1:%d {\n\tcookie_consent {\n\t\tsecret \"a shared secret of the two nodes\"\n\t\tlog %q\n\t\tlog_spool %q\n\t}\n\troot * %s\n\tfile_server\n}\n",
			port, dsn, filepath.Join(dir, fmt.Sprintf("spool%d", i)), root)
	}
	if err := testcaddy.LoadSites(t, sites.String()); err != nil {
		t.Fatal(err)
	}
	c := itClient(t)
	cookie := itConsent(t, c, bases[0], url.Values{"action": {"accept_all"}})
	_, page := itGet(t, c, bases[1]+"/index.html", map[string]string{"Accept": "text/html", "Cookie": cookie})
	if strings.Contains(string(page), `id="cg-banner"`) {
		t.Error("node 2 does not accept node 1's consent cookie")
	}
	resp, _ := itPostChoice(t, c, bases[1], url.Values{"action": {"reject_all"}}, map[string]string{"Origin": bases[1], "Cookie": cookie})
	cookie = "consentgate=" + itCookieNamed(resp, "consentgate").Value

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	resp, _ = itPostChoice(t, c, bases[0], url.Values{"action": {"save"}, "category": {"analytics"}}, map[string]string{"Origin": bases[0], "Cookie": cookie})
	if resp.StatusCode != http.StatusSeeOther || itCookieNamed(resp, "consentgate") == nil {
		t.Fatalf("with the database down the choice was not honoured: status %d", resp.StatusCode)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	store := openStore(t, dsn)
	recs := waitHistory(t, store, consentID(t, cookie), 3)
	var events []consentlog.Event
	for _, r := range recs {
		events = append(events, r.Event)
	}
	if want := []consentlog.Event{consentlog.EventInitial, consentlog.EventWithdraw, consentlog.EventUpdate}; !slices.Equal(events, want) {
		t.Errorf("events across two nodes and an outage: %v, want %v", events, want)
	}
	if rep, err := store.Verify(context.Background()); err != nil || !rep.OK() {
		t.Errorf("chain: %+v, %v", rep, err)
	}
}

// spoolRecords counts the records in a spool directory's file.
func spoolRecords(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "spool.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// waitFile polls until path exists: opening it earlier would create it.
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was never created", path)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// itServesAndRecords asserts that the site serves a page with the banner
// and honours a choice, and returns the consent cookie.
func itServesAndRecords(t *testing.T, base string) string {
	t.Helper()
	c := itClient(t)
	resp, page := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="cg-banner"`) {
		t.Fatalf("page with the store down: status %d, banner %v", resp.StatusCode, strings.Contains(string(page), `id="cg-banner"`))
	}
	return itConsent(t, c, base, url.Values{"action": {"accept_all"}})
}

// TestLogStoreUnreachableAtStart: the SQLite log's directory cannot be
// created (its parent is a regular file, which root cannot get around
// either). Caddy still starts, serves and honours choices, which go to the
// spool; once the cause is gone the store is opened in the background and
// the record arrives.
func TestLogStoreUnreachableAtStart(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "data")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(blocker, "consentgate", "consent.db")
	spool := filepath.Join(dir, "spool")
	base := testcaddy.Start(t, itFileServer(t, "log "+strconv.Quote(dbPath)+"\nlog_spool "+strconv.Quote(spool)))
	id := consentID(t, itServesAndRecords(t, base))
	if n := spoolRecords(t, spool); n != 1 {
		t.Fatalf("%d records in the spool, want the choice's 1", n)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	waitFile(t, dbPath)
	store := openStore(t, dbPath)
	waitHistory(t, store, id, 1)
	if rep, err := store.Verify(context.Background()); err != nil || !rep.OK() {
		t.Errorf("chain: %+v, %v", rep, err)
	}
}

// TestLogPostgresNotYetUp: Caddy starts while PostgreSQL is still down;
// choices are honoured and spooled, and arrive once it is up.
func TestLogPostgresNotYetUp(t *testing.T) {
	pg, err := testpg.New(testpg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	dsn, err := pg.CreateDatabase(context.Background(), "late")
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(t.TempDir(), "spool")
	base := testcaddy.Start(t, itFileServer(t, "log "+strconv.Quote(dsn)+"\nlog_spool "+strconv.Quote(spool)))
	var ids []string
	for range 3 {
		ids = append(ids, consentID(t, itServesAndRecords(t, base)))
	}
	if n := spoolRecords(t, spool); n != 3 {
		t.Fatalf("%d records in the spool, want 3", n)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	store := openStore(t, dsn)
	for _, id := range ids {
		waitHistory(t, store, id, 1)
	}
	if rep, err := store.Verify(context.Background()); err != nil || !rep.OK() || rep.Records != 3 {
		t.Errorf("chain: %+v, %v", rep, err)
	}
}
