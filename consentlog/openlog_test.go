package consentlog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// observed returns options that log into an observer, and the observer.
func observed() (LogOptions, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.InfoLevel)
	opts := fastRetry
	opts.Logger = zap.New(core)
	return opts, logs
}

func lines(logs *observer.ObservedLogs, level zapcore.Level) []string {
	var out []string
	for _, e := range logs.All() {
		if e.Level == level {
			out = append(out, e.Message)
		}
	}
	return out
}

func appendN(t *testing.T, l *Log, from, to int) []Record {
	t.Helper()
	var out []Record
	for n := from; n < to; n++ {
		r, err := l.Append(ctxT(t), input(n))
		if err != nil {
			t.Fatalf("decision %d refused: %v", n, err)
		}
		out = append(out, r)
	}
	return out
}

// TestOpenLogStoreUnreachableAtStart: the SQLite file's directory cannot
// be created (its parent is a regular file, which root cannot get around
// either). OpenLog still returns a Log: decisions go to the spool, the
// store answers ErrUnavailable, one ERROR line says so, and once the cause
// is gone the store is opened in the background and the spool replayed.
func TestOpenLogStoreUnreachableAtStart(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "data")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(blocker, "consentgate", "consent.db")
	opts, logs := observed()
	var seen []Health
	opts.OnHealth = func(h Health) { seen = append(seen, h) }
	l, err := OpenLog(ctxT(t), dbPath, filepath.Join(dir, "spool"), opts)
	if err != nil {
		t.Fatalf("OpenLog with the store unreachable: %v", err)
	}
	defer l.Close()
	if h := l.Health(); h.StoreUp || !strings.Contains(h.LastError, "not a directory") {
		t.Errorf("health at start %+v, want down with the open error", h)
	}
	if _, err := l.Store().Verify(ctxT(t)); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "consent log store unavailable") {
		t.Errorf("Verify while unopened: %v, want ErrUnavailable", err)
	}
	sent := appendN(t, l, 0, 3)
	time.Sleep(300 * time.Millisecond) // several failed retries
	if h := l.Health(); h.StoreUp || h.Spooled != 3 {
		t.Errorf("health %+v, want down with 3 spooled", h)
	}
	if got := lines(logs, zapcore.ErrorLevel); len(got) != 1 {
		t.Errorf("ERROR lines while down: %q, want exactly one", got)
	}

	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if h := l.Health(); !h.StoreUp || h.Spooled != 0 || h.LastError != "" {
		t.Errorf("health after recovery %+v", h)
	}
	checkArrived(t, l.Store(), sent)
	info := logs.FilterMessage("consent log store reachable again; spool drained").All()
	if len(info) != 1 || info[0].ContextMap()["replayed"] != int64(3) {
		t.Errorf("INFO lines %+v, want one with replayed=3", info)
	}
	if last := seen[len(seen)-1]; !last.StoreUp || last.Spooled != 0 {
		t.Errorf("OnHealth last heard %+v", last)
	}
	// Direct appends from now on.
	sent = append(sent, appendN(t, l, 3, 5)...)
	if l.Pending() {
		t.Fatal("spooling after recovery")
	}
	checkArrived(t, l.Store(), sent)
}

// TestOpenLogSpoolDirUnusable: with nowhere to keep records durably,
// OpenLog fails (and closes the store it opened).
func TestOpenLogSpoolDirUnusable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLog(ctxT(t), filepath.Join(dir, "consent.db"), filepath.Join(blocker, "spool"), fastRetry); err == nil {
		t.Fatal("OpenLog accepted a spool directory it cannot create")
	}
}

// TestSQLiteFileReplacedOrRemoved: a record acknowledged as stored is in
// the file at the path. After the file is renamed away, or removed, no
// later record goes into the old file: each is spooled, Health says why,
// and the records arrive once a consent log is back at the path. A
// removed file is never silently recreated empty.
func TestSQLiteFileReplacedOrRemoved(t *testing.T) {
	for _, tc := range []struct {
		name    string
		take    func(path string) error // what the operator did
		restore func(t *testing.T, path string)
	}{
		{"renamed", func(path string) error { return os.Rename(path, path+".moved") },
			func(t *testing.T, path string) {
				if err := os.Rename(path+".moved", path); err != nil {
					t.Fatal(err)
				}
			}},
		{"replaced", func(path string) error {
			// Another consent log moved over it: adopted at once.
			other, err := Open(context.Background(), path+".other")
			if err != nil {
				return err
			}
			other.Close()
			return os.Rename(path+".other", path)
		}, nil},
		{"removed", os.Remove,
			func(t *testing.T, path string) {
				// Not a consent log: an empty file is not adopted.
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				time.Sleep(3 * reopenEvery)
				if _, err := os.Stat(path + "-wal"); err == nil {
					t.Error("an empty file at the path was opened as a consent log")
				}
				os.Remove(path)
				// The operator starts a new log deliberately.
				s, err := Open(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := freshDSN(t, "sqlite")
			opts, logs := observed()
			l, err := OpenLog(ctxT(t), path, t.TempDir(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			before := appendN(t, l, 0, 3)
			if l.Pending() {
				t.Fatal("spooling with the file in place")
			}
			if err := tc.take(path); err != nil {
				t.Fatal(err)
			}
			after := appendN(t, l, 3, 7)
			if got := lines(logs, zapcore.ErrorLevel); len(got) != 1 || !strings.Contains(logs.All()[0].ContextMap()["error"].(string), "while open") {
				t.Errorf("ERROR lines: %q, want one saying the file went", got)
			}
			if tc.restore == nil {
				if err := l.Flush(ctxT(t)); err != nil {
					t.Fatal(err)
				}
				checkArrived(t, openT(t, path), after)
				return
			}
			h := l.Health()
			if h.StoreUp || h.Spooled != 4 || !strings.Contains(h.LastError, "while open") {
				t.Errorf("health after the file went: %+v", h)
			}
			time.Sleep(3 * reopenEvery) // retries meanwhile
			if tc.name == "removed" {
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("the removed file was recreated: %v", err)
				}
			} else {
				// The old pools have closed, checkpointing into the moved file.
				waitEmpty(t, path+"-wal")
				moved := openT(t, path+".moved")
				if got := storedIDs(t, moved); len(got) != 3 {
					t.Fatalf("the moved file holds %d records, want the 3 acknowledged before the move", len(got))
				}
				moved.Close()
			}
			tc.restore(t, path)
			if err := l.Flush(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			want := after
			if tc.name == "renamed" {
				want = append(before, after...)
			}
			check := openT(t, path)
			checkArrived(t, check, want)
			if h := l.Health(); !h.StoreUp || h.Spooled != 0 {
				t.Errorf("health after restoring: %+v", h)
			}
			// Direct appends go to the file at the path again.
			want = append(want, appendN(t, l, 7, 8)...)
			checkArrived(t, check, want)
		})
	}
}

// waitEmpty waits until the file at path is empty or gone.
func waitEmpty(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if fi, err := os.Stat(path); errors.Is(err, os.ErrNotExist) || err == nil && fi.Size() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still holds data", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
