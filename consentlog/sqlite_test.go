package consentlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// spooledIDs returns the IDs of the records in l's spool not yet replayed.
func spooledIDs(t *testing.T, l *Log) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	b, err := os.ReadFile(filepath.Join(l.dir, spoolName))
	if errors.Is(err, os.ErrNotExist) {
		return ids
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b[l.offset():])), "\n") {
		if i := strings.Index(line, `"id":"`); i >= 0 {
			ids[line[i+6:i+6+26]] = true
		}
	}
	return ids
}

// storedIDs returns the IDs of every record in the store.
func storedIDs(t *testing.T, s Store) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for after := int64(0); ; {
		p, err := s.Search(context.Background(), Query{After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			ids[r.ID] = true
			after = r.Seq
		}
		if len(p.Records) < 1000 {
			return ids
		}
	}
}

// TestSQLiteSurvivesDeadlinesUnderLoad: 600 concurrent appends with
// timeouts so short that many run out mid-BEGIN, mid-insert or mid-COMMIT.
// The connection pool must never be left inside a transaction: every later
// append succeeds, every record is stored or spooled exactly once, and the
// chain verifies, while a second Open of the same file (the CLI) reads
// and audits throughout.
func TestSQLiteSurvivesDeadlinesUnderLoad(t *testing.T) {
	dsn := freshDSN(t, "sqlite")
	s := openT(t, dsn)
	dir := t.TempDir()
	var mu sync.Mutex
	var errs []error
	opts := LogOptions{AppendTimeout: 100 * time.Millisecond, RetryMin: time.Hour, RetryMax: time.Hour,
		OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }}
	log, err := NewLog(s, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()

	cli := openT(t, dsn)
	stop := make(chan struct{})
	cliDone := make(chan error, 1)
	go func() {
		defer close(cliDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := cli.Audit(ctx, AuditEntry{Actor: "cli:test", Action: "verify"}); err != nil {
				cancel()
				cliDone <- fmt.Errorf("CLI audit while Caddy writes: %w", err)
				return
			}
			rep, err := cli.Verify(ctx)
			cancel()
			if err != nil || !rep.OK() {
				cliDone <- fmt.Errorf("CLI verify while Caddy writes: %+v, %v", rep, err)
				return
			}
		}
	}()

	const n = 600
	var wg sync.WaitGroup
	appended := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := log.Append(context.Background(), input(i))
			if err != nil {
				t.Errorf("append %d: %v", i, err)
				return
			}
			appended <- r.ID
		}()
	}
	wg.Wait()
	close(appended)
	close(stop)
	if err := <-cliDone; err != nil {
		t.Fatal(err)
	}
	for _, err := range errs {
		if strings.Contains(err.Error(), "within a transaction") {
			t.Fatalf("a connection went back to the pool inside a transaction: %v", err)
		}
	}
	t.Logf("%d of %d appends ran out of time and were spooled", len(errs), n)

	// Every record is in the store or the spool; none is in both or lost.
	log.Close() // no replay while we count
	stored, spooled := storedIDs(t, s), spooledIDs(t, log)
	for id := range appended {
		if stored[id] == spooled[id] {
			t.Fatalf("record %s: stored %v, spooled %v", id, stored[id], spooled[id])
		}
	}
	if len(stored)+len(spooled) != n {
		t.Fatalf("%d stored + %d spooled, want %d", len(stored), len(spooled), n)
	}
	mustVerify(t, s)

	// With time to spare, direct appends work again on every pooled
	// connection, and the spool drains into one chain.
	for i := range 20 {
		if err := s.Append(ctxT(t), NewRecord(input(n+i), time.Now())); err != nil {
			t.Fatalf("append after the deadlines: %v", err)
		}
	}
	log3, err := NewLog(s, dir, fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer log3.Close()
	if err := log3.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := len(storedIDs(t, s)); got != n+20 {
		t.Fatalf("%d records after the spool drained, want %d", got, n+20)
	}
	mustVerify(t, s)
}

// TestSQLiteAppendHonoursTimeout: with another connection holding the
// write lock (a sqlite3 shell in a long transaction), an append gives up
// when its context ends rather than after busy_timeout, and a Log spools
// it within about AppendTimeout.
func TestSQLiteAppendHonoursTimeout(t *testing.T) {
	dsn := freshDSN(t, "sqlite")
	s := openT(t, dsn)
	other := openT(t, dsn)
	locked := make(chan struct{})
	release := make(chan struct{})
	go other.b.write(context.Background(), func(q querier) error {
		close(locked)
		<-release
		return nil
	})
	<-locked
	defer close(release)

	// The in-process writer slot is also taken: the wait for it is bounded too.
	log, err := NewLog(s, t.TempDir(), LogOptions{AppendTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			if _, err := log.Append(context.Background(), input(i)); err != nil {
				t.Error(err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("append %d took %v against an append timeout of 200ms", i, d)
			}
		}()
	}
	wg.Wait()
	if h := log.Health(); h.StoreUp || h.Spooled != 5 {
		t.Errorf("health %+v, want the store down and 5 spooled", h)
	}

	// A second Open of the same file (the CLI) reads while the lock is held.
	if _, err := openT(t, dsn).Verify(ctxT(t)); err != nil {
		t.Errorf("a reader was blocked by the writer: %v", err)
	}
}
