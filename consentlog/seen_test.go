package consentlog

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consentgate/cookieseen"
)

func at(min int) time.Time { return time.Date(2026, 11, 1, 9, min, 0, 0, time.UTC) }

func sighting(k cookieseen.Kind, name string, src cookieseen.Source, maxAge int64, first, last time.Time, hits int64) cookieseen.Sighting {
	return cookieseen.Sighting{Kind: k, Name: name, Source: src, MaxAge: maxAge, First: first, Last: last, Hits: hits}
}

func key(k cookieseen.Kind, name string, src cookieseen.Source) cookieseen.Key {
	return cookieseen.Key{Kind: k, Name: name, Source: src}
}

func sightingsT(t *testing.T, s Store) []cookieseen.Sighting {
	t.Helper()
	got, err := s.Sightings(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func wantSightings(t *testing.T, s Store, want ...cookieseen.Sighting) {
	t.Helper()
	got := sightingsT(t, s)
	if len(got) != len(want) {
		t.Fatalf("sightings\n got %+v\nwant %+v", got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Key() != w.Key() || g.MaxAge != w.MaxAge || g.Hits != w.Hits || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) {
			t.Fatalf("sighting %d\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestSeenMerges(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		up := cookieseen.Upstream
		if err := s.Observe(ctx, []cookieseen.Sighting{
			sighting(cookieseen.Cookie, "PHPSESSID", up, 0, at(10), at(20), 2),
			sighting(cookieseen.Cookie, "_ga", up, 63072000, at(10), at(10), 1),
			// The same name from the banner is a sighting of its own.
			sighting(cookieseen.Cookie, "_ga", cookieseen.Banner, -1, at(15), at(15), 1),
		}); err != nil {
			t.Fatal(err)
		}
		// Later reports: earlier First and later Last widen the range,
		// hits add, an unknown MaxAge keeps the known one, a known one
		// replaces it; two reports of one key in a batch merge too.
		if err := s.Observe(ctx, []cookieseen.Sighting{
			sighting(cookieseen.Cookie, "PHPSESSID", up, -1, at(5), at(30), 3),
			sighting(cookieseen.Cookie, "_ga", up, 3600, at(12), at(14), 1),
			sighting(cookieseen.Cookie, "_ga", up, -1, at(11), at(40), 4),
		}); err != nil {
			t.Fatal(err)
		}
		// An older report moves neither end inward.
		if err := s.Observe(ctx, []cookieseen.Sighting{sighting(cookieseen.Cookie, "PHPSESSID", up, -1, at(7), at(8), 1)}); err != nil {
			t.Fatal(err)
		}
		wantSightings(t, s,
			sighting(cookieseen.Cookie, "PHPSESSID", up, 0, at(5), at(30), 6),
			sighting(cookieseen.Cookie, "_ga", cookieseen.Banner, -1, at(15), at(15), 1),
			sighting(cookieseen.Cookie, "_ga", up, 3600, at(10), at(40), 6),
		)
		// A report without times is stamped when it arrives.
		before := time.Now().Add(-time.Millisecond)
		if err := s.Observe(ctx, []cookieseen.Sighting{{Kind: cookieseen.Vendor, Name: "youtube", Source: cookieseen.Page, MaxAge: -1, Hits: 1}}); err != nil {
			t.Fatal(err)
		}
		got := sightingsT(t, s)
		v := got[len(got)-1]
		if v.Name != "youtube" || v.First.Before(before) || !v.First.Equal(v.Last) || v.MaxAge != -1 {
			t.Fatalf("sighting without times stored as %+v", v)
		}
	})
}

func TestSeenOrderedByKindNameSource(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		keys := []cookieseen.Key{
			key(cookieseen.Vendor, "youtube", cookieseen.Page),
			key(cookieseen.Storage, "_gcl_ls", cookieseen.Banner),
			key(cookieseen.Cookie, "_ga", cookieseen.Upstream),
			key(cookieseen.Cookie, "PHPSESSID", cookieseen.Upstream),
			key(cookieseen.Cookie, "_ga", cookieseen.Banner),
			key(cookieseen.Cookie, "ZZ", cookieseen.Banner),
			key(cookieseen.Cookie, "a", cookieseen.Banner),
			key(cookieseen.Vendor, "google-analytics", cookieseen.Page),
		}
		var in []cookieseen.Sighting
		for _, k := range keys {
			in = append(in, sighting(k.Kind, k.Name, k.Source, -1, at(1), at(1), 1))
		}
		if err := s.Observe(ctxT(t), in); err != nil {
			t.Fatal(err)
		}
		var got []cookieseen.Key
		for _, g := range sightingsT(t, s) {
			got = append(got, g.Key())
		}
		// Byte order on both backends, whatever PostgreSQL's collation.
		want := []cookieseen.Key{
			key(cookieseen.Cookie, "PHPSESSID", cookieseen.Upstream),
			key(cookieseen.Cookie, "ZZ", cookieseen.Banner),
			key(cookieseen.Cookie, "_ga", cookieseen.Banner),
			key(cookieseen.Cookie, "_ga", cookieseen.Upstream),
			key(cookieseen.Cookie, "a", cookieseen.Banner),
			key(cookieseen.Storage, "_gcl_ls", cookieseen.Banner),
			key(cookieseen.Vendor, "google-analytics", cookieseen.Page),
			key(cookieseen.Vendor, "youtube", cookieseen.Page),
		}
		if !slices.Equal(got, want) {
			t.Fatalf("order\n got %v\nwant %v", got, want)
		}
	})
}

func TestSeenRefusesInvalidWritingNothing(t *testing.T) {
	ok := sighting(cookieseen.Cookie, "fine", cookieseen.Upstream, 0, at(1), at(1), 1)
	cases := map[string]cookieseen.Sighting{
		"empty name":       sighting(cookieseen.Cookie, "", cookieseen.Banner, -1, at(1), at(1), 1),
		"unknown kind":     sighting("session", "x", cookieseen.Banner, -1, at(1), at(1), 1),
		"empty kind":       sighting("", "x", cookieseen.Banner, -1, at(1), at(1), 1),
		"unknown source":   sighting(cookieseen.Cookie, "x", "script", -1, at(1), at(1), 1),
		"name of 257":      sighting(cookieseen.Storage, strings.Repeat("k", 257), cookieseen.Banner, -1, at(1), at(1), 1),
		"name not UTF-8":   sighting(cookieseen.Cookie, "bad\xff", cookieseen.Banner, -1, at(1), at(1), 1),
		"name with NUL":    sighting(cookieseen.Cookie, "a\x00b", cookieseen.Banner, -1, at(1), at(1), 1),
		"negative hits":    sighting(cookieseen.Cookie, "x", cookieseen.Banner, -1, at(1), at(1), -1),
		"vendor from page": sighting(cookieseen.Vendor, "", cookieseen.Page, -1, at(1), at(1), 1),
	}
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		for name, bad := range cases {
			if err := s.Observe(ctx, []cookieseen.Sighting{ok, bad}); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		if got := sightingsT(t, s); len(got) != 0 {
			t.Fatalf("refused batches wrote %+v", got)
		}
		long := sighting(cookieseen.Storage, strings.Repeat("k", 256), cookieseen.Banner, -1, at(1), at(1), 1)
		if err := s.Observe(ctx, []cookieseen.Sighting{long}); err != nil {
			t.Fatalf("name of 256 bytes: %v", err)
		}
	})
}

// A report larger than one transaction's chunk is stored whole.
func TestSeenLargeBatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		var in []cookieseen.Sighting
		for i := range 2500 {
			in = append(in, sighting(cookieseen.Storage, fmt.Sprintf("key%04d", i), cookieseen.Banner, -1, at(1), at(2), int64(i)))
		}
		for range 2 {
			if err := s.Observe(ctxT(t), in); err != nil {
				t.Fatal(err)
			}
		}
		got := sightingsT(t, s)
		if len(got) != 2500 || got[2499].Name != "key2499" || got[2499].Hits != 4998 || got[1].Hits != 2 {
			t.Fatalf("%d sightings, last %+v", len(got), got[len(got)-1])
		}
	})
}

// Two handles on one store (two nodes, or Caddy and the CLI) see each
// other's sightings, and reports from both at once all count.
func TestSeenSharedBetweenHandles(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *store, dsn string) {
		ctx := ctxT(t)
		b := openT(t, dsn)
		if err := a.Observe(ctx, []cookieseen.Sighting{sighting(cookieseen.Cookie, "PHPSESSID", cookieseen.Upstream, 0, at(1), at(2), 1)}); err != nil {
			t.Fatal(err)
		}
		wantSightings(t, b, sighting(cookieseen.Cookie, "PHPSESSID", cookieseen.Upstream, 0, at(1), at(2), 1))
		if err := b.Observe(ctx, []cookieseen.Sighting{sighting(cookieseen.Cookie, "PHPSESSID", cookieseen.Upstream, -1, at(3), at(4), 2)}); err != nil {
			t.Fatal(err)
		}
		wantSightings(t, a, sighting(cookieseen.Cookie, "PHPSESSID", cookieseen.Upstream, 0, at(1), at(4), 3))

		// Both report the same keys, in opposite orders, at once.
		names := []string{"a", "b", "c", "d", "e", "f"}
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			st := []*store{a, b}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				var in []cookieseen.Sighting
				for _, n := range names {
					in = append(in, sighting(cookieseen.Storage, n, cookieseen.Banner, -1, at(1), at(1), 1))
				}
				if i%2 == 1 {
					slices.Reverse(in)
				}
				errs <- st.Observe(ctx, in)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, g := range sightingsT(t, b) {
			if g.Kind == cookieseen.Storage && g.Hits != 20 {
				t.Errorf("%s: %d hits, want 20", g.Name, g.Hits)
			}
		}
	})
}

func declareT(t *testing.T, s Store, version string, vendors ...string) time.Time {
	t.Helper()
	since, err := s.Declare(ctxT(t), cookieseen.Declaration{Version: version, Since: at(0), Vendors: vendors})
	if err != nil {
		t.Fatal(err)
	}
	return since
}

// later waits until the clock has moved past t, as stored.
func later(t time.Time) {
	for !time.Now().Truncate(time.Microsecond).After(t) {
		time.Sleep(time.Millisecond)
	}
}

func TestDeclareSinceFirstRecorded(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, dsn string) {
		ctx := ctxT(t)
		before := time.Now().Add(-time.Millisecond)
		v1 := declareT(t, s, "v1", "youtube")
		if v1.Before(before) || v1.Equal(at(0)) {
			t.Fatalf("first declaration since %v, want now (d.Since ignored)", v1)
		}
		later(v1)
		// Recorded again (a restart, another node): the same version keeps its time.
		if again := declareT(t, openT(t, dsn), "v1", "youtube"); !again.Equal(v1) {
			t.Fatalf("same version since %v, want %v", again, v1)
		}
		v2 := declareT(t, s, "v2", "youtube", "vimeo")
		if !v2.After(v1) {
			t.Fatalf("new version since %v, not after %v", v2, v1)
		}
		later(v2)
		// Reverted to v1: a change now, not v1's old time.
		back := declareT(t, s, "v1", "youtube")
		if !back.After(v2) {
			t.Fatalf("reverted version since %v, want after %v", back, v2)
		}
		if got := rawStrings(t, s, "SELECT version FROM declarations ORDER BY seq"); !slices.Equal(got, []string{"v1", "v2", "v1"}) {
			t.Fatalf("declarations %v", got)
		}
		if d, ok, err := s.LatestDeclaration(ctx); err != nil || !ok || d.Version != "v1" || !d.Since.Equal(back) {
			t.Fatalf("latest %+v %v %v", d, ok, err)
		}
		if _, err := s.Declare(ctx, cookieseen.Declaration{}); err == nil {
			t.Fatal("declaration without a version accepted")
		}
	})
}

// Nodes starting together with a new configuration record it once, and
// all answer the same time.
func TestDeclareConcurrentNodes(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *store, dsn string) {
		nodes := []*store{a, openT(t, dsn), openT(t, dsn)}
		var versions []string
		for round := range 5 {
			v := fmt.Sprintf("v%d", round)
			versions = append(versions, v)
			start := make(chan struct{})
			var wg sync.WaitGroup
			times := make(chan time.Time, 12)
			for i := range 12 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					since, err := nodes[i%3].Declare(ctxT(t), cookieseen.Declaration{Version: v})
					if err != nil {
						t.Error(err)
					}
					times <- since
				}()
			}
			close(start)
			wg.Wait()
			close(times)
			first := <-times
			for since := range times {
				if !since.Equal(first) {
					t.Fatalf("%s: nodes answered %v and %v", v, first, since)
				}
			}
		}
		if got := rawStrings(t, a, "SELECT version FROM declarations ORDER BY seq"); !slices.Equal(got, versions) {
			t.Fatalf("declarations %v, want %v", got, versions)
		}
	})
}

func TestLatestDeclarationRoundTrips(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		if d, ok, err := s.LatestDeclaration(ctx); err != nil || ok {
			t.Fatalf("empty store: %+v %v %v", d, ok, err)
		}
		want := cookieseen.Declaration{
			Version: "2026-11-a1b2",
			Cookies: []cookieseen.Declared{
				{Name: "consentgate", Category: "necessary"},
				{Name: "_ga_", Prefix: true, Category: "analytics"},
				{Name: "PHPSESSID", Category: "necessary"},
			},
			Vendors: []string{"google-analytics", "youtube"},
		}
		want.Since = declareT(t, s, "v0")
		later(want.Since)
		since, err := s.Declare(ctx, want)
		if err != nil {
			t.Fatal(err)
		}
		want.Since = since
		got, ok, err := s.LatestDeclaration(ctx)
		if err != nil || !ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("latest\n got %+v %v %v\nwant %+v", got, ok, err, want)
		}
		// Nothing declared reads back as empty, not absent.
		if _, err := s.Declare(ctx, cookieseen.Declaration{Version: "bare"}); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.LatestDeclaration(ctx); got.Cookies == nil || len(got.Cookies) != 0 || got.Vendors == nil || len(got.Vendors) != 0 {
			t.Fatalf("bare declaration read back as %+v", got)
		}
	})
}

func knownT(t *testing.T, s Store) []cookieseen.Known {
	t.Helper()
	got, err := s.KnownCookies(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestImportKnownReplaces(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		first := []cookieseen.Known{
			{Name: "_hjSession_", Prefix: true, Provider: "Hotjar", Category: "analytics", Purpose: "session", Retention: "30 minutes"},
			{Name: "_ga", Provider: "Google", Category: "analytics", Purpose: "distinguishes users", Retention: "2 years"},
			{Name: "_ga", Prefix: true, Provider: "Google", Category: "analytics", Purpose: "session state", Retention: "2 years"},
			{Name: "_ga", Provider: "Someone else", Category: "marketing"}, // repeated: the first entry stays
		}
		if err := s.ImportKnown(ctx, first); err != nil {
			t.Fatal(err)
		}
		if got := knownT(t, s); !reflect.DeepEqual(got, []cookieseen.Known{first[1], first[2], first[0]}) {
			t.Fatalf("known %+v", got)
		}
		second := []cookieseen.Known{{Name: "PHPSESSID", Provider: "PHP", Category: "necessary", Retention: "session"}}
		if err := s.ImportKnown(ctx, second); err != nil {
			t.Fatal(err)
		}
		if got := knownT(t, s); !reflect.DeepEqual(got, second) {
			t.Fatalf("after the second import %+v", got)
		}
		// A bad entry refuses the whole import and keeps the database.
		if err := s.ImportKnown(ctx, []cookieseen.Known{first[0], {Provider: "nameless"}}); err == nil {
			t.Fatal("entry without a name accepted")
		}
		if got := knownT(t, s); !reflect.DeepEqual(got, second) {
			t.Fatalf("after a refused import %+v", got)
		}
		// The Open Cookie Database's size, in one go.
		var big []cookieseen.Known
		for i := range 3000 {
			big = append(big, cookieseen.Known{Name: fmt.Sprintf("c%05d", i), Provider: "p", Category: "analytics", Purpose: "x", Retention: "1 year"})
		}
		if err := s.ImportKnown(ctx, big); err != nil {
			t.Fatal(err)
		}
		if got := knownT(t, s); len(got) != 3000 || got[2999].Name != "c02999" {
			t.Fatalf("%d known after the large import", len(got))
		}
	})
}

func TestSeenUnavailableUntilOpen(t *testing.T) {
	ls := &liveStore{}
	ctx := ctxT(t)
	_, e1 := ls.Sightings(ctx)
	_, e2 := ls.Declare(ctx, cookieseen.Declaration{Version: "v1"})
	_, _, e3 := ls.LatestDeclaration(ctx)
	_, e4 := ls.KnownCookies(ctx)
	errs := map[string]error{
		"Observe":           ls.Observe(ctx, []cookieseen.Sighting{sighting(cookieseen.Cookie, "x", cookieseen.Upstream, 0, at(1), at(1), 1)}),
		"Sightings":         e1,
		"Declare":           e2,
		"LatestDeclaration": e3,
		"ImportKnown":       ls.ImportKnown(ctx, []cookieseen.Known{{Name: "x"}}),
		"KnownCookies":      e4,
	}
	for m, err := range errs {
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s before open: %v, want ErrUnavailable", m, err)
		}
	}
	// Once open, the same calls reach the store.
	ls.set(openT(t, freshDSN(t, "sqlite")))
	if err := ls.Observe(ctx, []cookieseen.Sighting{sighting(cookieseen.Cookie, "x", cookieseen.Upstream, 0, at(1), at(1), 1)}); err != nil {
		t.Fatal(err)
	}
	if got, err := ls.Sightings(ctx); err != nil || len(got) != 1 {
		t.Fatalf("after open: %+v %v", got, err)
	}
}

// A store of schema version 2, with records and audit entries, gains the
// tables of version 3 (and any later) on open and keeps its chain.
func TestMigrationAddsSeenTables(t *testing.T) {
	for _, name := range backendNames {
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			dsn := freshDSN(t, name)
			old := openAt(t, ctx, dsn, 2)
			if err := old.Append(ctx, NewRecord(input(1), time.Now()), NewRecord(input(2), time.Now())); err != nil {
				t.Fatal(err)
			}
			if err := old.Audit(ctx, AuditEntry{Actor: "dpo", Action: "search", ConsentID: cid(1)}); err != nil {
				t.Fatal(err)
			}
			old.Close()

			s := openT(t, dsn)
			if v := rawStrings(t, s, "SELECT CAST(version AS TEXT) FROM schema_version"); !slices.Equal(v, []string{fmt.Sprint(SchemaVersion)}) {
				t.Fatalf("schema_version %v, SchemaVersion %d", v, SchemaVersion)
			}
			if rep := mustVerify(t, s); rep.Records != 2 {
				t.Fatalf("after migration %+v", rep)
			}
			if got, err := s.AuditOf(ctx, cid(1)); err != nil || len(got) != 1 {
				t.Fatalf("audit after migration %+v %v", got, err)
			}
			if err := s.Observe(ctx, []cookieseen.Sighting{sighting(cookieseen.Cookie, "PHPSESSID", cookieseen.Upstream, 0, at(1), at(1), 1)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Declare(ctx, cookieseen.Declaration{Version: "v1"}); err != nil {
				t.Fatal(err)
			}
			if err := s.ImportKnown(ctx, []cookieseen.Known{{Name: "_ga"}}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// openAt opens dsn migrated only to schema version v, as an older
// program left it.
func openAt(t *testing.T, ctx context.Context, dsn string, v int) *store {
	t.Helper()
	s, err := openMigrated(ctx, dsn, migrations[:v])
	if err != nil {
		t.Fatal(err)
	}
	return s
}
