package consentlogcli_test

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/consentgate/consentgate/consentlog"
	_ "github.com/consentgate/consentgate/consentlogcli" // registers consent-log
	"github.com/consentgate/consentgate/internal/testpg"
	"github.com/consentgate/consentgate/trackers"
)

// cliRun runs "caddy consent-log args..." in-process through the command
// as registered with Caddy, returning stdout, stderr and the exit status
// caddycmd.Main would give (1 for any error).
func cliRun(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	reg, ok := caddycmd.Commands()["consent-log"]
	if !ok {
		t.Fatal("consent-log is not registered with caddycmd")
	}
	cmd := &cobra.Command{Use: reg.Name, Short: reg.Short}
	reg.CobraFunc(cmd)
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		status = 1
	}
	return out.String(), errb.String(), status
}

var (
	cliAlice = strings.Repeat("a", 26)
	cliBryn  = strings.Repeat("b", 26)
)

func cliDay(d, h int) time.Time { return time.Date(2025, 3, d, h, 0, 0, 0, time.UTC) }

// cliSeed writes three decisions with fixed record IDs, so that outputs
// are known to the byte: alice accepts then rejects, bryn rejects by GPC
// in Welsh.
func cliSeed(t *testing.T, st consentlog.Store) {
	t.Helper()
	all := []trackers.Category{trackers.Analytics, trackers.Media, trackers.Social, trackers.Marketing}
	rec := func(id string, at time.Time, cid string, ev consentlog.Event, m consentlog.Method, granted []trackers.Category, locale, path string) consentlog.Record {
		r := consentlog.NewRecord(consentlog.Input{ConsentID: cid, Event: ev, Method: m, Granted: granted, PolicyVersion: "v1",
			Locale: locale, URL: path, RemoteIP: "192.0.2.9", UserAgent: "Firefox/128.0"}, at)
		r.ID = id
		return r
	}
	gpc := rec("01JNE0000000000000000000B1", cliDay(1, 11), cliBryn, consentlog.EventInitial, consentlog.MethodGPC, nil, "cy", "/cy/")
	gpc.GPC = true
	err := st.Append(context.Background(),
		rec("01JNE0000000000000000000A1", cliDay(1, 10), cliAlice, consentlog.EventInitial, consentlog.MethodAcceptAll, all, "en", "/bins?postcode=CF10"),
		gpc,
		rec("01JNE0000000000000000000A2", cliDay(2, 9), cliAlice, consentlog.EventUpdate, consentlog.MethodRejectAll, nil, "en", "/council-tax"),
	)
	if err != nil {
		t.Fatal(err)
	}
}

func openStore(t *testing.T, dsn string) consentlog.Store {
	t.Helper()
	s, err := consentlog.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// cliSQLite returns the path of a seeded SQLite consent log and the store.
func cliSQLite(t *testing.T) (string, consentlog.Store) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "consent-log.db")
	st := openStore(t, dsn)
	cliSeed(t, st)
	return dsn, st
}

func cliUser(t *testing.T) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return "cli:" + u.Username
}

// cliAuditLog returns the audit log as "actor action detail about=<consent
// ID>" lines. The store keeps only a keyed hash of the ID: which of the
// test's IDs an entry is about comes from AuditOf.
func cliAuditLog(t *testing.T, st consentlog.Store) []string {
	t.Helper()
	ctx := context.Background()
	es, err := st.AuditLog(ctx, time.Time{}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	about := map[string]string{}
	for _, id := range []string{cliAlice, cliBryn, strings.Repeat("z", 26)} {
		of, err := st.AuditOf(ctx, id)
		if err != nil {
			t.Fatal(err)
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

func cliWantAudit(t *testing.T, st consentlog.Store, want ...string) {
	t.Helper()
	u := cliUser(t)
	for i := range want {
		want[i] = u + " " + want[i]
	}
	if got := cliAuditLog(t, st); !slices.Equal(got, want) {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func cliExpect(t *testing.T, what, got string, gotStatus int, want string, wantStatus int) {
	t.Helper()
	if got != want || gotStatus != wantStatus {
		t.Errorf("%s: exit %d, output:\n%s\nwant exit %d, output:\n%s", what, gotStatus, got, wantStatus, want)
	}
}

func TestCLIRegistration(t *testing.T) {
	reg := caddycmd.Commands()["consent-log"]
	cmd := &cobra.Command{Use: reg.Name}
	reg.CobraFunc(cmd)
	var names []string
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
	}
	if !slices.Equal(names, []string{"banner-text", "cookies", "erase", "export", "history", "purge", "stats", "verify"}) {
		t.Errorf("subcommands %v", names)
	}
	want := filepath.Join(caddy.AppDataDir(), "consentgate", "consent-log.db")
	if got := cmd.PersistentFlags().Lookup("store").DefValue; got != want {
		t.Errorf("--store defaults to %q, want %q (the module's default)", got, want)
	}
	_, stderr, status := cliRun(t, "verify", "--store", filepath.Join(t.TempDir(), "missing.db"))
	if status != 1 || !strings.Contains(stderr, "no consent log at") {
		t.Errorf("a missing store: exit %d, %q", status, stderr)
	}
}

// cliExport checks export against the store's own export of the same
// query, and that the CSV holds exactly the rows asked for.
func cliExport(t *testing.T, dsn string, st consentlog.Store) {
	for _, tc := range []struct {
		args []string
		q    consentlog.Query
		f    consentlog.Format
		ids  []string
	}{
		{nil, consentlog.Query{}, consentlog.CSV, []string{"01JNE0000000000000000000A1", "01JNE0000000000000000000B1", "01JNE0000000000000000000A2"}},
		{[]string{"--format", "json", "--id", strings.ToUpper(cliAlice)}, consentlog.Query{ConsentID: cliAlice}, consentlog.JSON, []string{"01JNE0000000000000000000A1", "01JNE0000000000000000000A2"}},
		{[]string{"--from", "2025-03-01", "--to", "2025-03-01"}, consentlog.Query{From: cliDay(1, 0), To: cliDay(2, 0)}, consentlog.CSV, []string{"01JNE0000000000000000000A1", "01JNE0000000000000000000B1"}},
		{[]string{"--from", "2025-03-02"}, consentlog.Query{From: cliDay(2, 0)}, consentlog.CSV, []string{"01JNE0000000000000000000A2"}},
	} {
		out, stderr, status := cliRun(t, append([]string{"export", "--store", dsn}, tc.args...)...)
		var want bytes.Buffer
		if err := st.Export(context.Background(), &want, tc.f, tc.q); err != nil {
			t.Fatal(err)
		}
		cliExpect(t, fmt.Sprint("export ", tc.args, stderr), out, status, want.String(), 0)
		var ids []string
		if tc.f == consentlog.CSV {
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if lines[0] != strings.Join(consentlog.Columns, ",") {
				t.Errorf("CSV header %q", lines[0])
			}
			for _, l := range lines[1:] {
				ids = append(ids, strings.Split(l, ",")[1])
			}
		} else {
			var rows []struct{ ID string }
			if err := json.Unmarshal([]byte(out), &rows); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				ids = append(ids, r.ID)
			}
		}
		if !slices.Equal(ids, tc.ids) {
			t.Errorf("export %v: records %v, want %v", tc.args, ids, tc.ids)
		}
	}
	for _, args := range [][]string{{"--format", "xml"}, {"--from", "01/03/2025"}, {"--id", "<script>"}, {"--from", "2025-03-02", "--to", "2025-03-01"}} {
		out, _, status := cliRun(t, append([]string{"export", "--store", dsn}, args...)...)
		cliExpect(t, fmt.Sprint("export ", args), out, status, "", 1)
	}
}

func TestCLIExport(t *testing.T) {
	dsn, st := cliSQLite(t)
	cliExport(t, dsn, st)
	cliWantAudit(t, st, "export format=csv", "export format=json about="+cliAlice, "export format=csv&from=2025-03-01&to=2025-03-01", "export format=csv&from=2025-03-02")
}

func TestCLIHistory(t *testing.T) {
	dsn, st := cliSQLite(t)
	out, _, status := cliRun(t, "history", "--store", dsn, "--id", cliAlice)
	cliExpect(t, "history", out, status, ""+
		"TIME (UTC)           EVENT    METHOD      ALLOWED                           GPC    LANGUAGE  POLICY  PAGE          RECORD\n"+
		"2025-03-01 10:00:00  initial  accept_all  analytics,media,social,marketing  false  en        v1      /bins         1 01JNE0000000000000000000A1\n"+
		"2025-03-02 09:00:00  update   reject_all  none                              false  en        v1      /council-tax  3 01JNE0000000000000000000A2\n", 0)
	out, _, status = cliRun(t, "history", "--store", dsn, "--id", cliBryn, "--format", "csv")
	if status != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, ",01JNE0000000000000000000B1,") {
		t.Errorf("history as CSV: exit %d\n%s", status, out)
	}
	out, _, status = cliRun(t, "history", "--store", dsn, "--id", strings.Repeat("z", 26))
	cliExpect(t, "history of nobody", out, status, "No records of consent ID "+strings.Repeat("z", 26)+" (erased, purged, or never recorded).\n", 0)
	_, stderr, status := cliRun(t, "verify", "--store", dsn, "--format", "csv")
	if status != 1 || !strings.Contains(stderr, `--format "csv": verify writes text, json`) {
		t.Errorf("verify --format csv: exit %d, %q", status, stderr)
	}
	_, stderr, status = cliRun(t, "history", "--store", dsn)
	if status != 1 || !strings.Contains(stderr, "history needs --id") {
		t.Errorf("history without --id: exit %d, %q", status, stderr)
	}
	cliWantAudit(t, st, "history about="+cliAlice, "history about="+cliBryn, "history about="+strings.Repeat("z", 26))
}

// Objections to statistics (bryn's by GPC, alice's by the button, which
// she then withdraws) count in columns of their own, never as decisions.
func TestCLIStats(t *testing.T) {
	dsn, st := cliSQLite(t)
	obj := func(at time.Time, cid string, ev consentlog.Event, m consentlog.Method, gpc bool, locale string) consentlog.Record {
		return consentlog.NewRecord(consentlog.Input{ConsentID: cid, Event: ev, Method: m, GPC: gpc, PolicyVersion: "v1",
			Locale: locale, URL: "/", RemoteIP: "192.0.2.9", UserAgent: "Firefox/128.0"}, at)
	}
	if err := st.Append(context.Background(),
		obj(cliDay(1, 12), cliBryn, consentlog.EventObjection, consentlog.MethodGPC, true, "cy"),
		obj(cliDay(2, 10), cliAlice, consentlog.EventObjection, consentlog.MethodObject, false, "en"),
		obj(cliDay(2, 11), cliAlice, consentlog.EventObjectionWithdrawn, consentlog.MethodSaveSettings, false, "en"),
	); err != nil {
		t.Fatal(err)
	}
	out, _, status := cliRun(t, "stats", "--store", dsn, "--from", "2025-03-01", "--to", "2025-03-31")
	cliExpect(t, "stats", out, status, ""+
		"DAY         LANGUAGE  ACCEPTED ALL  REJECTED ALL  CHOSE SOME  WITHDREW  WITH GPC  OBJECTED  WITHDREW OBJECTION\n"+
		"2025-03-01  cy        0             1             0           0         1         1         0\n"+
		"2025-03-01  en        1             0             0           0         0         0         0\n"+
		"2025-03-02  en        0             1             0           0         0         1         1\n"+
		"total                 1             2             0           0         1         2         1\n", 0)
	out, _, status = cliRun(t, "stats", "--store", dsn, "--from", "2025-03-02", "--to", "2025-03-02", "--format", "csv")
	cliExpect(t, "stats csv", out, status, "day,locale,accept,reject,custom,withdraw,gpc,objection,objection_withdrawn\n2025-03-02,en,0,1,0,0,0,1,1\n", 0)
	out, _, status = cliRun(t, "stats", "--store", dsn, "--from", "2025-03-02", "--to", "2025-03-02", "--format", "json")
	cliExpect(t, "stats json", out, status, `[
  {
    "day": "2025-03-02",
    "locale": "en",
    "accept": 0,
    "reject": 1,
    "custom": 0,
    "withdraw": 0,
    "gpc": 0,
    "objection": 1,
    "objection_withdrawn": 1
  }
]
`, 0)
	out, _, status = cliRun(t, "stats", "--store", dsn, "--to", "2024-12-31", "--format", "json")
	cliExpect(t, "stats json", out, status, "[]\n", 0)
	cliWantAudit(t, st, "stats from=2025-03-01&to=2025-03-31", "stats from=2025-03-02&to=2025-03-02", "stats from=2025-03-02&to=2025-03-02", "stats to=2024-12-31")
}

// cliVerify checks verify on an intact chain, then after tamper has
// altered record 2 behind the store's back.
func cliVerify(t *testing.T, dsn string, st consentlog.Store, tamper func()) {
	rep, err := st.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, _, status := cliRun(t, "verify", "--store", dsn)
	cliExpect(t, "verify", out, status, "OK: 3 records verified (1 to 3).\nHead: "+rep.Head+
		"\nWrite the head down with today's date, away from this server: it shows later whether the newest records were removed.\n", 0)
	tamper()
	out, stderr, status := cliRun(t, "verify", "--store", dsn)
	cliExpect(t, "verify after tampering", out, status, "BROKEN at record 2 (01JNE0000000000000000000B1): hash does not match the record's fields\n"+
		"Records verified before it: 1. Head of the verified part: "+cliHeadOf(t, st, 1)+"\n"+
		"Keep a copy of the database as it is now and report this.\n", 1)
	if !strings.Contains(stderr, "hash chain is broken") {
		t.Errorf("verify after tampering: stderr %q", stderr)
	}
	out, _, status = cliRun(t, "verify", "--store", dsn, "--format", "json")
	var got consentlog.Report
	if err := json.Unmarshal([]byte(out), &got); err != nil || status != 1 || got.Broken == nil || got.Broken.Seq != 2 {
		t.Errorf("verify --format json: exit %d, %+v, %v", status, got, err)
	}
}

// cliHeadOf is the hash of record seq: what verify reports as the head of
// the part of the chain that verified.
func cliHeadOf(t *testing.T, st consentlog.Store, seq int64) string {
	t.Helper()
	p, err := st.Search(context.Background(), consentlog.Query{After: seq - 1, Limit: 1})
	if err != nil || len(p.Records) != 1 {
		t.Fatalf("record %d: %v", seq, err)
	}
	return p.Records[0].Hash
}

func TestCLIVerify(t *testing.T) {
	dsn, st := cliSQLite(t)
	cliVerify(t, dsn, st, func() {
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("UPDATE records SET locale = 'en' WHERE seq = 2"); err != nil {
			t.Fatal(err)
		}
	})
	cliWantAudit(t, st, "verify", "verify", "verify")
}

func TestCLIPurge(t *testing.T) {
	dsn, st := cliSQLite(t) // records of March 2025
	recent := consentlog.NewRecord(consentlog.Input{ConsentID: strings.Repeat("c", 26), Event: consentlog.EventInitial,
		Method: consentlog.MethodRejectAll, Locale: "en", URL: "/"}, time.Now().Add(-time.Hour))
	if err := st.Append(context.Background(), recent); err != nil {
		t.Fatal(err)
	}
	before, err := st.Stats(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"0", "-3", "soon"} {
		out, _, status := cliRun(t, "purge", "--store", dsn, "--older-than", bad)
		cliExpect(t, "purge --older-than "+bad, out, status, "", 1)
	}
	// 10000 days keeps everything; one month removes March 2025 and keeps
	// the record of an hour ago.
	out, _, status := cliRun(t, "purge", "--store", dsn, "--older-than", "10000d")
	if status != 0 || !strings.HasPrefix(out, "Purged 0 records from before ") {
		t.Errorf("purge 10000d: exit %d, %q", status, out)
	}
	out, _, status = cliRun(t, "purge", "--store", dsn, "--older-than", "1")
	if status != 0 || !strings.HasPrefix(out, "Purged 3 records from before ") || !strings.HasSuffix(out, "; their daily counts are kept. The chain now starts after record 3.\n") {
		t.Errorf("purge 1 month: exit %d, %q", status, out)
	}
	after, err := st.Stats(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Errorf("statistics changed by the purge:\n%v\n%v", before, after)
	}
	rep, err := st.Verify(context.Background())
	if err != nil || !rep.OK() || rep.Records != 1 {
		t.Errorf("after purge: %+v %v", rep, err)
	}
	out, _, status = cliRun(t, "verify", "--store", dsn)
	if status != 0 || !strings.HasPrefix(out, "The chain starts after purged records, at anchor "+rep.Anchor+".\nOK: 1 records verified (4 to 4).\n") {
		t.Errorf("verify after purge: exit %d, %q", status, out)
	}
	got := cliAuditLog(t, st)
	if len(got) != 3 || !strings.HasPrefix(got[0], cliUser(t)+" purge before=") || !strings.HasPrefix(got[1], cliUser(t)+" purge before=") || got[2] != cliUser(t)+" verify" {
		t.Errorf("audit log %q", got)
	}
	// The default is 24 calendar months.
	out, _, status = cliRun(t, "purge", "--store", dsn)
	want := time.Now().UTC().AddDate(0, -24, 0).Format("2006-01-02T15")
	if status != 0 || !strings.Contains(out, "Purged 0 records from before "+want) {
		t.Errorf("purge with the default: exit %d, %q, want cutoff %s", status, out, want)
	}
}

func TestCLIErase(t *testing.T) {
	dsn, st := cliSQLite(t)
	out, stderr, status := cliRun(t, "erase", "--store", dsn, "--id", cliAlice)
	cliExpect(t, "erase without --yes", out, status, "Consent ID "+cliAlice+" has 2 records. Nothing was erased: run again with --yes to erase them.\n", 1)
	if !strings.Contains(stderr, "erase needs --yes") {
		t.Errorf("stderr %q", stderr)
	}
	if h, _ := st.History(context.Background(), cliAlice); len(h) != 2 {
		t.Fatalf("erase without --yes erased: %d records left", len(h))
	}
	out, _, status = cliRun(t, "erase", "--store", dsn, "--id", cliAlice, "--yes")
	p, err := st.Search(context.Background(), consentlog.Query{Event: consentlog.EventErasure})
	if err != nil || len(p.Records) != 1 {
		t.Fatalf("erasure records: %v %v", p.Records, err)
	}
	er := p.Records[0]
	cliExpect(t, "erase --yes", out, status, "Erased consent ID "+cliAlice+" from 2 records: 01JNE0000000000000000000A1, 01JNE0000000000000000000A2.\n"+
		"The erasure is recorded as "+er.ID+" at "+er.Time.Format(time.RFC3339)+".\n", 0)
	if h, _ := st.History(context.Background(), cliAlice); len(h) != 0 {
		t.Errorf("%d records left after erasure", len(h))
	}
	_, stderr, status = cliRun(t, "erase", "--store", dsn, "--id", cliAlice, "--yes")
	if status != 1 || !strings.Contains(stderr, "no records of consent ID") {
		t.Errorf("erasing twice: exit %d, %q", status, stderr)
	}
	if out, _, status := cliRun(t, "verify", "--store", dsn); status != 0 || !strings.HasPrefix(out, "OK: 4 records verified") {
		t.Errorf("verify after erasure: exit %d, %q", status, out)
	}
	cliWantAudit(t, st, "history about="+cliAlice, "erase about="+cliAlice, "erase about="+cliAlice, "verify")
	// The audit log, knowing the ID only by its keyed hash, still answers
	// "was it erased?" when asked about it.
	out, _, status = cliRun(t, "history", "--store", dsn, "--id", cliAlice)
	if status != 0 || !regexp.MustCompile(`^No records of consent ID `+cliAlice+`: it was erased on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by `+regexp.QuoteMeta(cliUser(t))+`\.\n$`).MatchString(out) {
		t.Errorf("history of an erased ID: exit %d, %q", status, out)
	}
}

// TestCLIPostgres runs verify and export against PostgreSQL, the store of
// several nodes. Missing PostgreSQL binaries fail the test.
func TestCLIPostgres(t *testing.T) {
	c, err := testpg.New(testpg.Options{})
	if err != nil {
		t.Fatalf("PostgreSQL backend cannot be tested: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	dsn, err := c.CreateDatabase(context.Background(), "cli")
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, dsn)
	cliSeed(t, st)
	cliExport(t, dsn, st)
	cliVerify(t, dsn, st, func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "UPDATE records SET locale = 'en' WHERE seq = 2"); err != nil {
			t.Fatal(err)
		}
	})
	cliWantAudit(t, st, "export format=csv", "export format=json about="+cliAlice, "export format=csv&from=2025-03-01&to=2025-03-01",
		"export format=csv&from=2025-03-02", "verify", "verify", "verify")
}

// TestCLIReadsWhileCaddyWrites: verify and export, run as the DPO would
// while Caddy appends decisions to the same SQLite file, neither fail with
// SQLITE_BUSY nor push Caddy's appends into the spool for long.
func TestCLIReadsWhileCaddyWrites(t *testing.T) {
	dsn, _ := cliSQLite(t)
	lg, err := consentlog.OpenLog(context.Background(), dsn, t.TempDir(), consentlog.LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer lg.Close()
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				done <- n
				return
			default:
			}
			in := consentlog.Input{ConsentID: strings.Repeat("c", 26), Event: consentlog.EventInitial, Method: consentlog.MethodRejectAll,
				PolicyVersion: "v1", Locale: "en", URL: "/", RemoteIP: "192.0.2.1"}
			if _, err := lg.Append(context.Background(), in); err != nil {
				t.Error(err)
			}
			n++
		}
	}()
	for range 5 {
		for _, args := range [][]string{{"verify"}, {"export", "--format", "json"}} {
			out, stderr, status := cliRun(t, append(args, "--store", dsn)...)
			if status != 0 {
				t.Fatalf("%v while Caddy writes: exit %d: %s%s", args, status, out, stderr)
			}
		}
	}
	close(stop)
	n := <-done
	if err := lg.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := lg.Store().Verify(context.Background())
	if err != nil || !rep.OK() || rep.Records != int64(3+n) {
		t.Errorf("after %d appends beside the CLI: %+v, %v", n, rep, err)
	}
	t.Logf("%d appends while the CLI ran 10 commands", n)
}
