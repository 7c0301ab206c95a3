package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/consentgate/consentgate/internal/testpg"
)

// storeConns is the crowd for the store scenarios: enough to keep appends
// in flight at every fault, few enough that the fault, not the load, is
// what is tested.
const storeConns = 50

// phase is how long each step of a store scenario keeps the load on.
func (o options) phase() time.Duration { return max(2*time.Second, o.duration/10) }

// spoolPending counts the records in a spool not yet replayed.
func spoolPending(dir string) int {
	b, _ := os.ReadFile(filepath.Join(dir, "spool.jsonl"))
	off, _ := os.ReadFile(filepath.Join(dir, "spool.offset"))
	if n, err := strconv.Atoi(string(off)); err == nil && n <= len(b) {
		b = b[n:]
	}
	return bytes.Count(b, []byte("\n"))
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// fileMoved is scenario c(i): the SQLite file is renamed away under load
// and renamed back, then deleted under load. Every choice answered must be
// in a file (the one at the path, or one Caddy created while the original
// was away, which the harness keeps aside rather than overwrite). After
// the delete, every choice sent once the file was gone must be in the new
// file at the path: none may go to the unlinked one.
func fileMoved(o options, dir string) (string, []string) {
	db := filepath.Join(dir, "consent.db")
	spool := filepath.Join(dir, "spool")
	cfg := config{consent: fmt.Sprintf("log %s\nlog_spool %s", db, spool), handler: "respond \"ok\""}
	in, err := start(o.caddy, dir, cfg)
	if err != nil {
		return "caddy did not start", []string{err.Error()}
	}
	defer func() { in.stop() }()
	var problems []string
	ctx := context.Background()

	// Rename away and back.
	l := startLoad(in.base(), storeConns)
	time.Sleep(o.phase())
	if err := os.Rename(db, db+".away"); err != nil {
		return "rename failed", []string{err.Error()}
	}
	time.Sleep(o.phase())
	created := exists(db)
	if created {
		if err := os.Rename(db, db+".created"); err != nil {
			return "rename failed", []string{err.Error()}
		}
	}
	if err := os.Rename(db+".away", db); err != nil {
		return "rename failed", []string{err.Error()}
	}
	time.Sleep(o.phase())
	res := l.finish()
	problems = append(problems, res.problems()...)
	if _, err := spoolDrained(spool, 90*time.Second); err != nil {
		problems = append(problems, err.Error())
	}
	ids, err := in.exportIDs(ctx, db)
	if err != nil {
		problems = append(problems, err.Error())
	}
	inPath := len(ids)
	if created {
		more, err := in.exportIDs(ctx, db+".created")
		if err != nil {
			problems = append(problems, "file Caddy created while the original was away: "+err.Error())
		}
		for id := range more {
			ids[id] = true
		}
	}
	if _, err := in.verify(ctx, db); err != nil {
		problems = append(problems, "after rename back: "+err.Error())
	}
	stored := int64(len(ids))
	if stored != res.answered {
		problems = append(problems, fmt.Sprintf("rename away and back: %d choices answered, %d records stored (%d lost)", res.answered, stored, res.answered-stored))
	}
	summary := fmt.Sprintf("rename away+back: %s, stored %d (%d in the restored file, new file while away: %v), lost %d",
		res, stored, inPath, created, max(0, res.answered-stored))

	// Delete.
	l = startLoad(in.base(), storeConns)
	time.Sleep(o.phase())
	rmBegin := time.Now()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(db + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			problems = append(problems, err.Error())
		}
	}
	rmDone := time.Now()
	time.Sleep(2 * o.phase())
	res = l.finish()
	problems = append(problems, res.problems()...)
	// Records may wait in the spool until the file is back or Caddy is
	// restarted (which starts a new log); both keep them.
	restarted, waiting := false, 0
	if _, err := spoolDrained(spool, 10*time.Second); err != nil && !exists(db) {
		waiting = spoolPending(spool)
		in.stop()
		if in, err = start(o.caddy, dir, cfg); err != nil {
			return summary + "; caddy did not restart after the delete", append(problems, err.Error())
		}
		restarted = true
	}
	if _, err := spoolDrained(spool, 90*time.Second); err != nil {
		problems = append(problems, err.Error())
	}
	mustHave, mayHave := res.between(rmDone, rmBegin)
	var after int64
	if !exists(db) {
		problems = append(problems, fmt.Sprintf("after rm, no database file at %s: the %d choices answered since went to the deleted file", db, mustHave))
	} else {
		ids, err := in.exportIDs(ctx, db)
		if err != nil {
			problems = append(problems, err.Error())
		}
		after = int64(len(ids))
		if _, err := in.verify(ctx, db); err != nil {
			problems = append(problems, "after rm: "+err.Error())
		}
		if after < mustHave || after > mayHave {
			problems = append(problems, fmt.Sprintf("after rm: %d choices sent after the delete and %d answered after it began, but %d records in the new file", mustHave, mayHave, after))
		}
	}
	if len(problems) > 0 {
		problems = append(problems, "caddy's last errors: "+in.errors(3))
	}
	how := "no restart needed"
	if restarted {
		how = fmt.Sprintf("%d spooled until a restart", waiting)
	}
	return summary + fmt.Sprintf("; delete: %s, %d sent after rm, %s, %d in the new file, lost %d",
		res, mustHave, how, after, max(0, mustHave-after)), problems
}

// unreachableAtStart is scenario c(ii): the log path is under a regular
// file, so the store cannot open. The site must start and serve, choices
// must be answered (spooled), and once the path is made reachable every
// record must arrive.
func unreachableAtStart(o options, dir string) (string, []string) {
	blocker := filepath.Join(dir, "blocker")
	if err := os.WriteFile(blocker, []byte("not a directory\n"), 0o644); err != nil {
		return "setup failed", []string{err.Error()}
	}
	db := filepath.Join(blocker, "consent.db")
	spool := filepath.Join(dir, "spool")
	in, err := start(o.caddy, dir, config{consent: fmt.Sprintf("log %s\nlog_spool %s", db, spool), handler: "respond \"ok\""})
	if err != nil {
		return "the site did not start with its store unreachable", []string{err.Error()}
	}
	defer in.stop()
	return storeComesBack(o, in, db, spool, "unreachable path", func() error {
		if err := os.Remove(blocker); err != nil {
			return err
		}
		return os.Mkdir(blocker, 0o700)
	})
}

// postgresDownAtStart is scenario c(iii): PostgreSQL is down when Caddy
// starts and comes up under load.
func postgresDownAtStart(o options, dir string) (string, []string) {
	if _, err := testpg.FindBin(); err != nil {
		return "skipped: no PostgreSQL server binaries", nil
	}
	cluster, err := testpg.New(testpg.Options{})
	if err != nil {
		return "no cluster", []string{err.Error()}
	}
	defer cluster.Close()
	dsn, err := cluster.CreateDatabase(context.Background(), "consent")
	if err != nil {
		return "no database", []string{err.Error()}
	}
	if err := cluster.Stop(); err != nil {
		return "cluster did not stop", []string{err.Error()}
	}
	spool := filepath.Join(dir, "spool")
	in, err := start(o.caddy, dir, config{consent: fmt.Sprintf("log %s\nlog_spool %s", dsn, spool), handler: "respond \"ok\""})
	if err != nil {
		return "the site did not start with PostgreSQL down", []string{err.Error()}
	}
	defer in.stop()
	return storeComesBack(o, in, dsn, spool, "PostgreSQL down", cluster.Start)
}

// storeComesBack posts choices while the store is unavailable, repairs it,
// posts more, and checks every answered choice arrived.
func storeComesBack(o options, in *instance, store, spool, what string, repair func() error) (string, []string) {
	l := startLoad(in.base(), storeConns)
	time.Sleep(o.phase())
	spooled := exists(filepath.Join(spool, "spool.jsonl"))
	if err := repair(); err != nil {
		l.finish()
		return "repair failed", []string{err.Error()}
	}
	repaired := time.Now()
	time.Sleep(o.phase())
	res := l.finish()
	problems := res.problems()
	if _, err := spoolDrained(spool, 90*time.Second); err != nil {
		problems = append(problems, err.Error())
	}
	drained := time.Since(repaired)
	ids, err := in.exportIDs(context.Background(), store)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if _, err := in.verify(context.Background(), store); err != nil {
		problems = append(problems, err.Error())
	}
	stored := int64(len(ids))
	if stored != res.answered {
		problems = append(problems, fmt.Sprintf("%d choices answered, %d records stored", res.answered, stored))
	}
	if !spooled && res.answered > 0 {
		problems = append(problems, "nothing was spooled while the store was unavailable")
	}
	if len(problems) > 0 {
		problems = append(problems, "caddy's last errors: "+in.errors(3))
	}
	return fmt.Sprintf("%s at start: site up, %s; spooled while down: %v; spool drained %s after repair; stored %d, lost %d",
		what, res, spooled, drained.Round(100*time.Millisecond), stored, max(0, res.answered-stored)), problems
}
