package consentlog

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consentgate/trackers"
)

func TestAppendReadBack(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		cases := []struct {
			name string
			mod  func(*Input)
			want func(*testing.T, Record)
		}{
			{"accept all", func(*Input) {}, func(t *testing.T, r Record) {
				if !slices.Equal(r.Granted, storedCategories) || !r.ConsentMode.AdPersonalization {
					t.Errorf("granted %v mode %+v", r.Granted, r.ConsentMode)
				}
			}},
			{"reject with gpc", func(in *Input) {
				in.Method, in.GPC, in.Granted, in.ConsentMode = MethodGPC, true, nil, ConsentMode{}
			}, func(t *testing.T, r Record) {
				if len(r.Granted) != 0 || !r.GPC || r.Method != MethodGPC || r.ConsentMode != (ConsentMode{}) {
					t.Errorf("%+v", r)
				}
			}},
			{"custom welsh", func(in *Input) {
				in.Event, in.Method, in.Locale = EventUpdate, MethodSaveSettings, "cy"
				in.Granted = []trackers.Category{trackers.Social, trackers.Analytics}
				in.ConsentMode = ConsentMode{AnalyticsStorage: true}
			}, func(t *testing.T, r Record) {
				if !slices.Equal(r.Granted, []trackers.Category{trackers.Analytics, trackers.Social}) ||
					r.Locale != "cy" || r.Event != EventUpdate || r.ConsentMode != (ConsentMode{AnalyticsStorage: true}) {
					t.Errorf("%+v", r)
				}
			}},
			{"ipv6 firefox", func(in *Input) {
				in.RemoteIP, in.UserAgent = "[2001:db8:77:1::99]:443", "Mozilla/5.0 (X11; rv:131.0) Gecko/20100101 Firefox/131.0"
			}, func(t *testing.T, r Record) {
				if r.IP != "2001:db8:77::" || r.Browser != BrowserFirefox {
					t.Errorf("ip %q browser %q", r.IP, r.Browser)
				}
			}},
		}
		for i, tc := range cases {
			in := input(100 + i)
			tc.mod(&in)
			before := time.Now().UTC().Truncate(time.Microsecond)
			want := NewRecord(in, time.Now())
			if err := s.Append(ctx, want); err != nil {
				t.Fatal(err)
			}
			h, err := s.History(ctx, in.ConsentID)
			if err != nil || len(h) != 1 {
				t.Fatalf("%s: history %v %v", tc.name, h, err)
			}
			got := h[0]
			if got.ID != want.ID || got.Seq != int64(i+1) || !got.Time.Equal(want.Time) || got.Time.Before(before) ||
				got.ConsentID != in.ConsentID || got.PolicyVersion != "v3" || got.BannerHash != in.BannerHash ||
				got.Path != "/bins/collection-days" || len(got.Hash) != 64 || len(got.PersonalDigest) != 64 {
				t.Errorf("%s: read back %+v, appended %+v", tc.name, got, want)
			}
			tc.want(t, got)
		}
		// Search by date range and paging.
		p, err := s.Search(ctx, Query{Limit: 3})
		if err != nil || len(p.Records) != 3 || p.Next != 3 {
			t.Fatalf("page 1: %d records next %d err %v", len(p.Records), p.Next, err)
		}
		p, err = s.Search(ctx, Query{Limit: 3, After: p.Next})
		if err != nil || len(p.Records) != 1 || p.Next != 0 || p.Records[0].Seq != 4 {
			t.Fatalf("page 2: %+v %v", p, err)
		}
		p, _ = s.Search(ctx, Query{To: time.Now().Add(-time.Hour)})
		if len(p.Records) != 0 {
			t.Fatalf("date range before the records matched %d", len(p.Records))
		}
		p, _ = s.Search(ctx, Query{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), Event: EventUpdate})
		if len(p.Records) != 1 || p.Records[0].Locale != "cy" {
			t.Fatalf("event filter: %+v", p.Records)
		}
		mustVerify(t, s)
	})
}

// Full addresses and query strings must not reach the table, whatever the
// caller passes and whichever entry point it uses.
func TestNoFullIPOrQueryStored(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, dsn string) {
		ctx := ctxT(t)
		log, err := NewLog(s, t.TempDir(), LogOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		ips := map[string]string{
			"198.51.100.23":                 "198.51.100.0",
			"198.51.100.24:8080":            "198.51.100.0",
			"::ffff:198.51.100.25":          "198.51.100.0",
			"2001:db8:1:2:3:4:5:6":          "2001:db8:1::",
			"[2001:db8:1:2:3:4:5:7]:443":    "2001:db8:1::",
			"2001:0db8:0001:0002::8%eth0":   "2001:db8:1::",
			"198.51.100.26, 198.51.100.27":  "",
			"garbage 198.51.100.28 garbage": "",
		}
		n := 0
		for ip := range ips {
			in := input(n)
			n++
			in.RemoteIP = ip
			in.URL = "https://council.example/apply?name=Jane+Doe&email=jane@example.org#top"
			if _, err := log.Append(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		// A Record built by hand, bypassing NewRecord, is normalised by the store.
		bypass := Record{ID: NewID(time.Now()), Time: time.Now(), ConsentID: cid(99), Event: EventInitial,
			Method: MethodAPI, IP: "198.51.100.29", Path: "/x?token=secret"}
		if err := s.Append(ctx, bypass); err != nil {
			t.Fatal(err)
		}
		stored := rawStrings(t, s, "SELECT ip FROM records ORDER BY seq")
		if len(stored) != len(ips)+1 {
			t.Fatalf("%d rows", len(stored))
		}
		allowed := map[string]bool{}
		for _, v := range ips {
			allowed[v] = true
		}
		for _, ip := range stored {
			if !allowed[ip] && ip != "198.51.100.0" {
				t.Errorf("stored ip %q is not a truncated network", ip)
			}
			for full := range ips {
				if ip != "" && strings.Contains(full, ip) && ip == full {
					t.Errorf("full address %q stored", full)
				}
			}
		}
		// No column anywhere holds a full address or the query.
		everything := strings.Join(rawStrings(t, s, `SELECT consent_id || '|' || path || '|' || ip || '|' || browser || '|' || locale FROM records`), "\n")
		for _, bad := range []string{"198.51.100.2", "jane", "secret", "?", "#", ":5:6", "eth0"} {
			if strings.Contains(everything, bad) {
				t.Errorf("raw table contains %q:\n%s", bad, everything)
			}
		}
		if paths := rawStrings(t, s, "SELECT DISTINCT path FROM records ORDER BY path"); !slices.Equal(paths, []string{"/apply", "/x"}) {
			t.Errorf("paths %q", paths)
		}
	})
}

func TestVerifyFindsTampering(t *testing.T) {
	cases := []struct {
		name      string
		tamper    []string
		brokenSeq int64
		reason    string
	}{
		{"field changed", []string{"UPDATE records SET analytics = 0 WHERE seq = 5"}, 5, "hash does not match"},
		{"time changed", []string{"UPDATE records SET ts = '2020-01-01T00:00:00.000000Z' WHERE seq = 3"}, 3, "hash does not match"},
		{"consent id swapped", []string{"UPDATE records SET consent_id = 'aaaaaaaaaaaaaaaaaaaaaaaaaa' WHERE seq = 7"}, 7, "personal fields"},
		{"ip changed", []string{"UPDATE records SET ip = '192.0.2.0' WHERE seq = 2"}, 2, "personal fields"},
		{"row deleted", []string{"DELETE FROM records WHERE seq = 4"}, 5, "missing"},
		{"hash recomputed", []string{"UPDATE records SET locale = 'fr', hash = prev_hash WHERE seq = 6"}, 6, "hash does not match"},
		{"erasure faked", []string{"UPDATE records SET consent_id = '', ip = '', path = '', browser = '', salt = '', erased = 1 WHERE seq = 8"}, 8, "no later erasure"},
		{"last row deleted", []string{"DELETE FROM records WHERE seq = 10"}, 10, "chain head"},
		{"two rows, first reported", []string{"UPDATE records SET locale = 'de' WHERE seq = 9", "UPDATE records SET locale = 'de' WHERE seq = 4"}, 4, "hash does not match"},
	}
	eachBackend(t, func(t *testing.T, s *store, dsn string) {
		ctx := ctxT(t)
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := s
				if i > 0 {
					s = openT(t, freshDSN(t, strings.SplitN(t.Name(), "/", 3)[1]))
				}
				for n := range 10 {
					if err := s.Append(ctx, NewRecord(input(n), time.Now())); err != nil {
						t.Fatal(err)
					}
				}
				rep := mustVerify(t, s)
				if rep.Records != 10 || rep.FirstSeq != 1 || rep.LastSeq != 10 || rep.Anchor != GenesisHash {
					t.Fatalf("report %+v", rep)
				}
				for _, q := range tc.tamper {
					if n := raw(t, s, q); n != 1 {
						t.Fatalf("%s changed %d rows", q, n)
					}
				}
				rep, err := s.Verify(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK() || rep.Broken.Seq != tc.brokenSeq || !strings.Contains(rep.Broken.Reason, tc.reason) {
					t.Fatalf("got %+v, want break at %d (%s)", rep.Broken, tc.brokenSeq, tc.reason)
				}
			})
		}
	})
}

func TestEraseKeepsChainAndStats(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		victim, other := cid(1), cid(2)
		for i, in := range []Input{input(1), input(2), input(1), input(2), input(1)} {
			if i > 0 {
				in.Event, in.Method, in.Granted = EventUpdate, MethodRejectAll, nil
			}
			if err := s.Append(ctx, NewRecord(in, time.Now())); err != nil {
				t.Fatal(err)
			}
		}
		statsBefore, _ := s.Stats(ctx, time.Time{}, time.Time{})
		er, err := s.Erase(ctx, victim)
		if err != nil {
			t.Fatal(err)
		}
		if er.Event != EventErasure || len(er.ErasedIDs) != 3 || er.ConsentID != "" {
			t.Fatalf("erasure record %+v", er)
		}
		rep := mustVerify(t, s)
		if rep.Records != 6 {
			t.Fatalf("verified %d records", rep.Records)
		}
		if h, _ := s.History(ctx, victim); len(h) != 0 {
			t.Fatalf("history after erasure: %+v", h)
		}
		if h, _ := s.History(ctx, other); len(h) != 2 || h[0].IP != "203.0.113.0" {
			t.Fatalf("other consent id touched: %+v", h)
		}
		// The raw table no longer holds the victim's ID, nor a salt for it.
		if n := rawStrings(t, s, "SELECT id FROM records WHERE consent_id = ? OR (erased = 1 AND (salt <> '' OR ip <> '' OR path <> '' OR browser <> ''))", victim); len(n) != 0 {
			t.Fatalf("personal data left in %v", n)
		}
		erased := rawStrings(t, s, "SELECT id FROM records WHERE erased = 1 ORDER BY seq")
		if !slices.Equal(erased, er.ErasedIDs) {
			t.Fatalf("erased rows %v, erasure record names %v", erased, er.ErasedIDs)
		}
		// The erasure is itself on the chain.
		p, _ := s.Search(ctx, Query{Event: EventErasure})
		if len(p.Records) != 1 || p.Records[0].Seq != 6 || p.Records[0].ID != er.ID {
			t.Fatalf("erasure not logged: %+v", p.Records)
		}
		statsAfter, _ := s.Stats(ctx, time.Time{}, time.Time{})
		if fmt.Sprint(statsBefore) != fmt.Sprint(statsAfter) {
			t.Fatalf("stats changed by erasure: %v -> %v", statsBefore, statsAfter)
		}
		if _, err := s.Erase(ctx, victim); err == nil {
			t.Fatal("second erasure of the same ID succeeded")
		}
		// Appending after an erasure keeps verifying.
		if err := s.Append(ctx, NewRecord(input(3), time.Now())); err != nil {
			t.Fatal(err)
		}
		mustVerify(t, s)
	})
}

func TestStatsAndPurge(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		day := func(d int) time.Time { return time.Date(2024, 1, d, 10, 0, 0, 0, time.UTC) }
		mk := func(n, d int, locale string, ev Event, m Method, gpc bool, cats ...trackers.Category) Record {
			in := input(n)
			in.Event, in.Method, in.GPC, in.Locale, in.Granted = ev, m, gpc, locale, cats
			return NewRecord(in, day(d).Add(time.Duration(n)*time.Minute))
		}
		all := storedCategories
		recs := []Record{
			mk(1, 1, "en", EventInitial, MethodAcceptAll, false, all...),
			mk(2, 1, "en", EventInitial, MethodRejectAll, false),
			mk(3, 1, "cy", EventInitial, MethodGPC, true),
			mk(4, 2, "en", EventInitial, MethodSaveSettings, false, trackers.Analytics),
			mk(5, 2, "en", EventWithdraw, MethodAPI, false),
			mk(6, 3, "cy", EventInitial, MethodAcceptAll, false, all...),
			mk(7, 3, "en", EventRenewal, MethodPlaceholder, false, trackers.Media),
			mk(8, 4, "en", EventInitial, MethodNoJSForm, false),
			mk(9, 5, "en", EventInitial, MethodAcceptAll, false, all...),
		}
		if err := s.Append(ctx, recs...); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Erase(ctx, cid(2)); err != nil { // erasures are not decisions
			t.Fatal(err)
		}
		want := []DayStats{
			{"2024-01-01", "cy", 0, 1, 0, 0, 1, 0, 0},
			{"2024-01-01", "en", 1, 1, 0, 0, 0, 0, 0},
			{"2024-01-02", "en", 0, 0, 1, 1, 0, 0, 0},
			{"2024-01-03", "cy", 1, 0, 0, 0, 0, 0, 0},
			{"2024-01-03", "en", 0, 0, 1, 0, 0, 0, 0},
			{"2024-01-04", "en", 0, 1, 0, 0, 0, 0, 0},
			{"2024-01-05", "en", 1, 0, 0, 0, 0, 0, 0},
		}
		got, err := s.Stats(ctx, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("stats\n got %v\nwant %v", got, want)
		}
		if w, _ := s.Stats(ctx, day(2), day(3)); !slices.Equal(w, want[2:5]) {
			t.Fatalf("stats for 2-3 Jan: %v", w)
		}

		anchor := rawStrings(t, s, "SELECT hash FROM records WHERE seq = 5")
		res, err := s.Purge(ctx, day(3))
		if err != nil {
			t.Fatal(err)
		}
		if res.Deleted != 5 || res.ThroughSeq != 5 {
			t.Fatalf("purge %+v, want 5 records through seq 5", res)
		}
		if ids := rawStrings(t, s, "SELECT id FROM records WHERE ts < ?", formatTS(day(3))); len(ids) != 0 {
			t.Fatalf("old records left: %v", ids)
		}
		if n := rawStrings(t, s, "SELECT day FROM daily_counts ORDER BY day, locale"); !slices.Equal(n, []string{"2024-01-01", "2024-01-01", "2024-01-02"}) {
			t.Fatalf("aggregates %v", n)
		}
		after, _ := s.Stats(ctx, time.Time{}, time.Time{})
		if !slices.Equal(after, want) {
			t.Fatalf("stats changed by purge\n got %v\nwant %v", after, want)
		}
		rep := mustVerify(t, s)
		if rep.FirstSeq != 6 || rep.Records != 5 || rep.Anchor != anchor[0] {
			t.Fatalf("after purge %+v", rep)
		}
		// A second purge with the same cutoff does nothing; a later one folds
		// into the same aggregate rows and stops at the (recent) erasure record.
		if res, _ := s.Purge(ctx, day(3)); res.Deleted != 0 {
			t.Fatalf("second purge deleted %d", res.Deleted)
		}
		if res, _ := s.Purge(ctx, day(10)); res.Deleted != 4 {
			t.Fatalf("final purge deleted %d", res.Deleted)
		}
		if after, _ := s.Stats(ctx, time.Time{}, time.Time{}); !slices.Equal(after, want) {
			t.Fatalf("stats after full purge\n got %v\nwant %v", after, want)
		}
		if err := s.Append(ctx, NewRecord(input(20), time.Now())); err != nil {
			t.Fatal(err)
		}
		if rep := mustVerify(t, s); rep.FirstSeq != 10 || rep.Records != 2 {
			t.Fatalf("after full purge and append: %+v", rep)
		}
	})
}

// Objections to statistics and their withdrawals carry the visitor's
// consent at the time, but are not decisions: they count apart, the same
// live and once Purge has folded them (a late record of an already folded
// day adds to its row), and a GPC objection is not counted under GPC again.
func TestStatsCountObjectionsApart(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		day := func(d int) time.Time { return time.Date(2024, 2, d, 10, 0, 0, 0, time.UTC) }
		mk := func(n, d int, ev Event, m Method, gpc bool, cats ...trackers.Category) Record {
			in := input(n)
			in.Event, in.Method, in.GPC, in.Granted = ev, m, gpc, cats
			return NewRecord(in, day(d).Add(time.Duration(n)*time.Minute))
		}
		all := storedCategories
		recs := []Record{
			mk(1, 1, EventInitial, MethodAcceptAll, false, all...),
			mk(2, 1, EventObjection, MethodObject, false, all...),
			mk(3, 1, EventObjectionWithdrawn, MethodSaveSettings, false, trackers.Analytics),
			mk(4, 1, EventInitial, MethodGPC, true),
			mk(5, 1, EventObjection, MethodGPC, true),
			mk(6, 2, EventObjection, MethodObject, false),
			mk(7, 2, EventWithdraw, MethodAPI, false),
			mk(8, 1, EventObjection, MethodSaveSettings, false, trackers.Media), // replayed late
		}
		if err := s.Append(ctx, recs...); err != nil {
			t.Fatal(err)
		}
		want := []DayStats{
			{Day: "2024-02-01", Locale: "en", Accept: 1, Reject: 1, GPC: 1, Objection: 3, ObjectionWithdrawn: 1},
			{Day: "2024-02-02", Locale: "en", Withdraw: 1, Objection: 1},
		}
		check := func(when string) {
			t.Helper()
			got, err := s.Stats(ctx, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("stats %s\n got %+v\nwant %+v", when, got, want)
			}
		}
		check("live")
		if res, err := s.Purge(ctx, day(2)); err != nil || res.Deleted != 5 {
			t.Fatalf("purge to 2 Feb: %+v %v", res, err)
		}
		if got := rawStrings(t, s, "SELECT CAST(objection AS TEXT) || '/' || CAST(objection_withdrawn AS TEXT) FROM daily_counts"); !slices.Equal(got, []string{"2/1"}) {
			t.Fatalf("folded objection/objection_withdrawn %v", got)
		}
		check("after folding part of 1 Feb")
		if res, err := s.Purge(ctx, day(10)); err != nil || res.Deleted != 3 {
			t.Fatalf("purge to 10 Feb: %+v %v", res, err)
		}
		check("after folding everything")
		mustVerify(t, s)
	})
}

// A store of schema version 4, with days already folded, gains the
// objection counts on open: the folded days read 0 objections and keep
// their other counts, and objections fold into the new columns.
func TestMigrationAddsObjectionCounts(t *testing.T) {
	for _, name := range backendNames {
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			dsn := freshDSN(t, name)
			old := openAt(t, ctx, dsn, 4)
			raw(t, old, "INSERT INTO daily_counts (day, locale, accept, reject, custom, withdraw, gpc) VALUES ('2024-01-01', 'en', 3, 2, 1, 1, 1)")
			in := input(1)
			in.Event, in.Method = EventObjection, MethodObject
			if err := old.Append(ctx, NewRecord(in, time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC))); err != nil {
				t.Fatal(err)
			}
			old.Close()

			s := openT(t, dsn)
			if v := rawStrings(t, s, "SELECT CAST(version AS TEXT) FROM schema_version"); !slices.Equal(v, []string{fmt.Sprint(SchemaVersion)}) {
				t.Fatalf("schema_version %v, SchemaVersion %d", v, SchemaVersion)
			}
			want := []DayStats{
				{Day: "2024-01-01", Locale: "en", Accept: 3, Reject: 2, Custom: 1, Withdraw: 1, GPC: 1},
				{Day: "2024-01-02", Locale: "en", Objection: 1},
			}
			if got, err := s.Stats(ctx, time.Time{}, time.Time{}); err != nil || !slices.Equal(got, want) {
				t.Fatalf("stats after migration\n got %+v %v\nwant %+v", got, err, want)
			}
			if res, err := s.Purge(ctx, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)); err != nil || res.Deleted != 1 {
				t.Fatalf("purge after migration: %+v %v", res, err)
			}
			if got, err := s.Stats(ctx, time.Time{}, time.Time{}); err != nil || !slices.Equal(got, want) {
				t.Fatalf("stats after purge\n got %+v %v\nwant %+v", got, err, want)
			}
			mustVerify(t, s)
		})
	}
}

// Several writers, and for PostgreSQL several pools as several Caddy nodes,
// append at once: the result is one chain, no fork, no gap.
func TestConcurrentAppendsOneChain(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, dsn string) {
		ctx := ctxT(t)
		nodes, writers, each := 3, 4, 15
		stores := []*store{s}
		for range nodes - 1 {
			stores = append(stores, openT(t, dsn))
		}
		var wg sync.WaitGroup
		errs := make(chan error, nodes*writers)
		for n, st := range stores {
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						in := input(n*1000 + w*100 + i)
						if err := st.Append(ctx, NewRecord(in, time.Now())); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		total := int64(nodes * writers * each)
		rep := mustVerify(t, s)
		if rep.Records != total || rep.LastSeq != total {
			t.Fatalf("report %+v, want %d records", rep, total)
		}
		prev := rawStrings(t, s, "SELECT prev_hash FROM records")
		seen := map[string]bool{}
		for _, p := range prev {
			if seen[p] {
				t.Fatalf("fork: two records link to %s", p)
			}
			seen[p] = true
		}
	})
}

func TestAuditLog(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		start := time.Now().Add(-time.Second)
		for _, e := range []AuditEntry{
			{Actor: "dpo@council.example", Action: "search", Detail: "consent_id=" + cid(1)},
			{Actor: "dpo@council.example", Action: "export", Detail: "format=csv from=2024-01-01"},
			{Actor: "clerk@council.example", Action: "erase", Detail: cid(1)},
		} {
			if err := s.Audit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.AuditLog(ctx, start, time.Time{}, 0)
		if err != nil || len(got) != 3 {
			t.Fatalf("%v %v", got, err)
		}
		if got[0].Action != "search" || got[2].Actor != "clerk@council.example" || got[1].Time.Before(start) {
			t.Fatalf("%+v", got)
		}
		if got, _ := s.AuditLog(ctx, start, time.Time{}, 2); len(got) != 2 {
			t.Fatalf("limit: %d", len(got))
		}
		if rows := rawStrings(t, s, "SELECT actor || ' ' || action FROM audit_log ORDER BY ts, id"); rows[2] != "clerk@council.example erase" {
			t.Fatalf("raw %v", rows)
		}
	})
}

func TestSQLiteFileIsOwnerOnly(t *testing.T) {
	dsn := freshDSN(t, "sqlite")
	openT(t, dsn)
	fi, err := os.Stat(dsn)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", fi.Mode(), err)
	}
}

func TestMigrateOnOpenIsIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, dsn string) {
		if err := s.Append(ctxT(t), NewRecord(input(1), time.Now())); err != nil {
			t.Fatal(err)
		}
		again := openT(t, dsn)
		if v := rawStrings(t, again, "SELECT CAST(version AS TEXT) FROM schema_version"); !slices.Equal(v, []string{fmt.Sprint(SchemaVersion)}) {
			t.Fatalf("schema_version %v", v)
		}
		mustVerify(t, again)
		raw(t, again, "UPDATE schema_version SET version = 99")
		if st, err := Open(context.Background(), dsn); err == nil {
			st.Close()
			t.Fatal("opened a database with a newer schema")
		}
	})
}

// Replaying a record twice (a crash between commit and spool bookkeeping)
// leaves one copy.
func TestAppendIsIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		r := NewRecord(input(1), time.Now())
		r2 := NewRecord(input(2), time.Now())
		if err := s.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(ctx, r, r2, r); err != nil {
			t.Fatal(err)
		}
		if ids := rawStrings(t, s, "SELECT id FROM records ORDER BY seq"); !slices.Equal(ids, []string{r.ID, r2.ID}) {
			t.Fatalf("rows %v", ids)
		}
		mustVerify(t, s)
	})
}
