package consentlog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver, pure Go
)

// sqliteBackend is one SQLite file, opened as two pools: a single writer
// connection and any number of WAL readers. Readers never wait for the
// writer, so Verify, Export and the console (in this process or the CLI's)
// read while appends go on; they are query_only, so nothing but write()
// changes the file.
//
// The file's identity (device and inode) is recorded when it is opened and
// checked before every operation and again after every committed write. A
// file renamed, deleted or copied over while open would otherwise keep
// taking records that nobody will ever read at the path: instead the
// handle is closed, operations answer ErrUnavailable (so the Log spools),
// and the backend reopens the path once a consent log is back there. It
// never creates a new file after the first open: an empty log in place of
// a lost one would verify as "OK" and hide the loss. (Restarting creates
// one deliberately.)
type sqliteBackend struct {
	path string
	// sem is this process's one writer slot: a channel rather than a
	// mutex, so that waiting for it ends with the caller's context.
	sem chan struct{}

	mu      sync.Mutex
	f       *sqliteFile   // nil while the file at path is not the one opened
	down    error         // why f is nil
	closing chan struct{} // closed once the previous file's pools are closed
	lastTry time.Time     // of a reopen, which is rate-limited
	shut    bool
}

type sqliteFile struct {
	w, r *sql.DB
	id   fileID
}

// defaultBusy is how long a write without a deadline (the CLI) waits for
// another process's write lock, and how long a reader waits in the rare
// cases a WAL reader must (recovery after a crash).
const defaultBusy = 10 * time.Second

// reopenEvery bounds how often a replaced or removed file's path is tried.
const reopenEvery = 200 * time.Millisecond

func openSQLite(path string) (*sqliteBackend, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("consentlog: sqlite path %q: empty or contains ? or #", path)
	}
	f, err := openSQLiteFile(path, true)
	if err != nil {
		return nil, err
	}
	return &sqliteBackend{path: path, sem: make(chan struct{}, 1), f: f}, nil
}

// openSQLiteFile opens path, creating it (owner-only: SQLite would make it
// world-readable) only if create is set.
func openSQLiteFile(path string, create bool) (*sqliteFile, error) {
	flag := os.O_RDWR
	if create {
		flag |= os.O_CREATE
	}
	fh, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("consentlog: open %s: %w", path, err)
	}
	fi, err := fh.Stat()
	fh.Close()
	if err != nil {
		return nil, fmt.Errorf("consentlog: open %s: %w", path, err)
	}
	// mode=rw: SQLite itself never creates the file (a reopen must not).
	// synchronous(FULL): in WAL mode NORMAL may lose the last commits on
	// power loss, and a consent record that was acknowledged must survive.
	base := "file:" + path + "?mode=rw&_pragma=busy_timeout(" + strconv.FormatInt(defaultBusy.Milliseconds(), 10) + ")"
	w, err := sql.Open("sqlite", base+"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	if err != nil {
		return nil, fmt.Errorf("consentlog: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("consentlog: open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err == nil {
		err = r.Ping()
	}
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("consentlog: open %s for reading: %w", path, err)
	}
	return &sqliteFile{w: w, r: r, id: identity(fi)}, nil
}

func (f *sqliteFile) close() {
	f.r.Close()
	f.w.Close() // last: closing the last connection checkpoints the WAL into the file
}

// closeMoved closes a file no longer at its path. SQLite does not
// checkpoint a moved database on close, so its last commits would stay in
// the WAL beside the path, where a copy of the moved file cannot find them
// (it verifies "OK" without them) and where a different file put at the
// path would replay them. So the WAL is checkpointed into the file first
// (through the open descriptor, wherever the file is now) and truncated.
func (f *sqliteFile) closeMoved() {
	f.r.Close() // waits for reads in flight, which would hold the checkpoint back
	ctx, cancel := context.WithTimeout(context.Background(), defaultBusy)
	defer cancel()
	var busy, frames, done int64
	_ = f.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done)
	f.w.Close()
}

// file returns the open file, after checking that it is still the one at
// the path, or reopening the path if it was not.
func (b *sqliteBackend) file() (*sqliteFile, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shut {
		return nil, errors.New("consentlog: store closed")
	}
	if b.f == nil {
		if err := b.reopenLocked(); err != nil {
			return nil, err
		}
	}
	if err := b.checkLocked(); err != nil {
		return nil, err
	}
	return b.f, nil
}

// checkLocked compares the path's identity with the open file's and drops
// the file on a mismatch. Caller holds mu and b.f is set.
func (b *sqliteBackend) checkLocked() error {
	id, err := statIdentity(b.path)
	if err == nil && id == b.f.id {
		return nil
	}
	what := "replaced by another file"
	if errors.Is(err, os.ErrNotExist) {
		what = "removed"
	} else if err != nil {
		what = "unreadable (" + err.Error() + ")"
	}
	b.down = fmt.Errorf("%w: %s was %s while open (records after that are spooled until a consent log is back at that path; restore it, or restart to start a new log)",
		ErrUnavailable, b.path, what)
	old, done := b.f, make(chan struct{})
	b.f, b.closing = nil, done
	go func() {
		old.closeMoved()
		close(done)
	}()
	return b.down
}

// reopenLocked opens the path again if a consent log is there. Caller
// holds mu and b.f is nil.
func (b *sqliteBackend) reopenLocked() error {
	if time.Since(b.lastTry) < reopenEvery {
		return b.down
	}
	select {
	case <-b.closing:
	default:
		// The old pools still close (and checkpoint into the old file);
		// a new WAL must not be created beside it before they are done.
		return b.down
	}
	b.lastTry = time.Now()
	f, err := openSQLiteFile(b.path, false)
	if err != nil {
		return b.down
	}
	var v int64
	if err := f.r.QueryRow("SELECT version FROM schema_version").Scan(&v); err != nil || int(v) != len(migrations) {
		f.close()
		b.down = fmt.Errorf("%w: %s is not a consent log of schema version %d (restore the consent log there, or restart to start a new log)",
			ErrUnavailable, b.path, len(migrations))
		return b.down
	}
	b.f, b.down = f, nil
	return nil
}

func (b *sqliteBackend) close() {
	b.mu.Lock()
	b.shut = true
	f, closing := b.f, b.closing
	b.f = nil
	b.mu.Unlock()
	if f != nil {
		f.close()
	}
	if closing != nil {
		<-closing
	}
}

func (b *sqliteBackend) exec(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := b.write(ctx, func(tx querier) error {
		var err error
		n, err = tx.exec(ctx, q, args...)
		return err
	})
	return n, err
}

func (b *sqliteBackend) query(ctx context.Context, q string, args ...any) (rows, error) {
	f, err := b.file()
	if err != nil {
		return nil, err
	}
	return sqlQuery(ctx, f.r, q, args...)
}

func (b *sqliteBackend) queryRow(ctx context.Context, q string, args ...any) scanner {
	f, err := b.file()
	if err != nil {
		return errScanner{err}
	}
	return f.r.QueryRowContext(ctx, q, args...)
}

type errScanner struct{ err error }

func (e errScanner) Scan(...any) error { return e.err }

func (b *sqliteBackend) write(ctx context.Context, fn func(querier) error) error {
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for this process's other writers: %w", ctx.Err())
	}
	defer func() { <-b.sem }()
	f, err := b.file()
	if err != nil {
		return err
	}
	if err := tx(ctx, f.w, true, fn); err != nil {
		return err
	}
	// Replaced while the transaction ran: what it committed is not in the
	// file at the path, so the caller must not count it as stored.
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.f != f {
		return b.down
	}
	return b.checkLocked()
}

func (b *sqliteBackend) read(ctx context.Context, fn func(querier) error) error {
	f, err := b.file()
	if err != nil {
		return err
	}
	return tx(ctx, f.r, false, fn)
}

// tx runs fn on one connection between BEGIN (IMMEDIATE for a write:
// database/sql's BeginTx cannot ask for it per transaction) and COMMIT.
// However it fails, the connection goes back to the pool outside any
// transaction, or not at all.
func tx(ctx context.Context, db *sql.DB, write bool, fn func(querier) error) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	begin := "BEGIN"
	if write {
		// busy_timeout belongs to the connection, not the statement: bound
		// it by what is left of ctx, so that a lock held by another
		// process (the CLI, a sqlite3 shell) makes an append give up in
		// time rather than after defaultBusy.
		if _, err := c.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(busyMillis(ctx), 10)); err != nil {
			c.Close()
			return err
		}
		begin = "BEGIN IMMEDIATE"
	}
	sc := &sqlConn{c: c}
	if _, err = c.ExecContext(ctx, begin); err == nil {
		if err = fn(sc); err == nil {
			// The work is done: COMMIT is not cancelled, so that a commit
			// that succeeds is never reported as failed (the driver answers
			// ctx.Err() if the context ends while a statement runs, even one
			// that completed), which would spool a record already stored.
			if _, err = c.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err == nil {
				sc.close()
				return c.Close()
			}
		}
	}
	sc.close()
	endTx(c)
	return err
}

// endTx leaves c outside any transaction whatever state a failure left it
// in. A BEGIN or COMMIT cut short by its context may or may not have taken
// effect, so ROLLBACK runs on a context of its own; if that fails for any
// reason but "no transaction is active", the connection is discarded
// rather than pooled, where every later BEGIN would fail with "cannot
// start a transaction within a transaction".
func endTx(c *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.ExecContext(ctx, "ROLLBACK"); err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
	}
	c.Close()
}

func busyMillis(ctx context.Context) int64 {
	d, ok := ctx.Deadline()
	if !ok {
		return defaultBusy.Milliseconds()
	}
	return max(time.Until(d).Milliseconds(), 1)
}

func (b *sqliteBackend) lockChain() string      { return "" }
func (b *sqliteBackend) lockMigrations() string { return "" }
