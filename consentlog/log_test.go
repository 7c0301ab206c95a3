package consentlog

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testpg"
)

// flaky is a Store whose Append fails while down is set, as when the
// database is unreachable.
type flaky struct {
	Store
	down    atomic.Bool
	appends atomic.Int64
}

func (f *flaky) Append(ctx context.Context, recs ...Record) error {
	if f.down.Load() {
		return errors.New("connection refused")
	}
	f.appends.Add(1)
	return f.Store.Append(ctx, recs...)
}

var fastRetry = LogOptions{AppendTimeout: time.Second, RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond}

func spoolLines(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, spoolName))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// checkArrived asserts that the store holds exactly want, in that chain
// order, with the times stamped when Append was called.
func checkArrived(t *testing.T, s Store, want []Record) {
	t.Helper()
	p, err := s.Search(context.Background(), Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != len(want) {
		t.Fatalf("%d records arrived, want %d", len(p.Records), len(want))
	}
	for i, r := range p.Records {
		if r.ID != want[i].ID || !r.Time.Equal(want[i].Time) || r.ConsentID != want[i].ConsentID {
			t.Fatalf("record %d: got %s %v, want %s %v", i, r.ID, r.Time, want[i].ID, want[i].Time)
		}
	}
	mustVerify(t, s)
}

func TestLogSpoolsWhileStoreDown(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		f := &flaky{Store: s}
		dir := t.TempDir()
		var reported atomic.Int64
		opts := fastRetry
		opts.OnError = func(error) { reported.Add(1) }
		log, err := NewLog(f, dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		var sent []Record
		add := func(n int) {
			r, err := log.Append(ctx, input(n))
			if err != nil {
				t.Fatalf("decision %d refused: %v", n, err)
			}
			sent = append(sent, r)
		}
		for n := range 3 {
			add(n)
		}
		f.down.Store(true)
		for n := 3; n < 13; n++ {
			add(n)
		}
		if !log.Pending() || spoolLines(t, dir) != 10 || reported.Load() == 0 {
			t.Fatalf("pending %v, %d spooled lines, %d errors reported", log.Pending(), spoolLines(t, dir), reported.Load())
		}
		downAt := time.Now()
		time.Sleep(50 * time.Millisecond) // replay attempts fail meanwhile
		f.down.Store(false)
		add(13) // spooled behind the others, not appended ahead of them
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := log.Flush(fctx); err != nil {
			t.Fatal(err)
		}
		checkArrived(t, s, sent)
		for _, r := range sent[3:13] {
			if r.Time.After(downAt) {
				t.Fatalf("record %s stamped at replay (%v), not at decision", r.ID, r.Time)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, spoolName)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("spool not removed after replay: %v", err)
		}
		// Back to direct appends.
		before := f.appends.Load()
		add(14)
		if f.appends.Load() != before+1 || log.Pending() {
			t.Fatal("append after recovery did not go straight to the store")
		}
		checkArrived(t, s, sent)
	})
}

// Records left in the spool by a stopped process, even with a torn last
// line, are replayed by the next Log on that directory.
func TestLogReplaysSpoolOfEarlierRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		f := &flaky{Store: s}
		f.down.Store(true)
		dir := t.TempDir()
		log, err := NewLog(f, dir, fastRetry)
		if err != nil {
			t.Fatal(err)
		}
		var sent []Record
		for n := range 5 {
			r, err := log.Append(ctx, input(n))
			if err != nil {
				t.Fatal(err)
			}
			sent = append(sent, r)
		}
		if err := log.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := log.Append(ctx, input(9)); !errors.Is(err, ErrClosed) {
			t.Fatalf("append after close: %v", err)
		}
		// A crash in the middle of writing a sixth line.
		sf, err := os.OpenFile(filepath.Join(dir, spoolName), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		sf.WriteString(`{"seq":0,"id":"01TORN`)
		sf.Close()

		f.down.Store(false)
		log2, err := NewLog(f, dir, fastRetry)
		if err != nil {
			t.Fatal(err)
		}
		defer log2.Close()
		if err := log2.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		checkArrived(t, s, sent)
	})
}

func TestLogRejectsInvalidWithoutSpooling(t *testing.T) {
	s := openT(t, freshDSN(t, "sqlite"))
	dir := t.TempDir()
	log, err := NewLog(s, dir, fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	in := input(1)
	in.Method = "shouted"
	if _, err := log.Append(ctxT(t), in); !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid", err)
	}
	if log.Pending() || spoolLines(t, dir) != 0 {
		t.Fatal("invalid record spooled")
	}
}

// The real outage: PostgreSQL is stopped with pg_ctl in the middle of a
// run, decisions keep being accepted, and when it is back every record
// arrives, in order, on an intact chain.
func TestLogSurvivesPostgresOutage(t *testing.T) {
	ctx := ctxT(t)
	c, err := testpg.New(testpg.Options{})
	if err != nil {
		t.Fatalf("PostgreSQL backend cannot be tested: %v", err)
	}
	defer c.Close()
	dsn, err := c.CreateDatabase(ctx, "outage")
	if err != nil {
		t.Fatal(err)
	}
	s := openT(t, dsn)
	dir := t.TempDir()
	log, err := NewLog(s, dir, fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var sent []Record
	add := func(n int) {
		r, err := log.Append(ctx, input(n))
		if err != nil {
			t.Fatalf("decision %d refused: %v", n, err)
		}
		sent = append(sent, r)
	}
	for n := range 10 {
		add(n)
	}
	if log.Pending() {
		t.Fatal("spooling while PostgreSQL is up")
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for n := 10; n < 30; n++ {
		add(n)
	}
	if !log.Pending() || spoolLines(t, dir) != 20 {
		t.Fatalf("pending %v with %d spooled lines, want 20", log.Pending(), spoolLines(t, dir))
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for n := 30; n < 35; n++ {
		add(n)
	}
	fctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := log.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	checkArrived(t, s, sent)
	ids := make([]string, len(sent))
	for i, r := range sent {
		ids[i] = r.ID
	}
	if got := rawStrings(t, s, "SELECT id FROM records ORDER BY seq"); !slices.Equal(got, ids) {
		t.Fatalf("chain order %v, decision order %v", got, ids)
	}
}
