package consentlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
)

// LogOptions tune a Log. Zero values take the defaults.
type LogOptions struct {
	// AppendTimeout bounds a direct store append before the record is
	// spooled instead, so a hung database cannot hold up visitors. 2s.
	AppendTimeout time.Duration
	// RetryMin and RetryMax bound the exponential backoff between replays
	// of the spool: 500ms and 30s.
	RetryMin, RetryMax time.Duration
	// OnError hears about every store failure that the Log absorbed (the
	// record was spooled, or a replay or an open failed). There can be one
	// per decision while the store is down; Logger gets the summary.
	OnError func(error)
	// OnHealth hears every change of Health: the store going down or
	// coming back, and each change of the spooled count (for a gauge). It
	// is called with the Log's health lock held, in order: it must be
	// quick and must not call back into the Log.
	OnHealth func(Health)
	// Logger gets the health lines: one ERROR when the store goes down,
	// repeated at most once a minute while it stays down, and one INFO
	// when it is reachable again and the spool has drained. nil: none.
	Logger *zap.Logger
}

// Health is the state of a Log's store, for the console and metrics.
type Health struct {
	StoreUp   bool      // records go straight to the store
	Spooled   int       // records waiting in the spool
	LastError string    // the store's last error while it is down
	Since     time.Time // when the current state (up or down) began
}

// downRepeat is how often the ERROR line repeats while the store stays down.
const downRepeat = time.Minute

// Log is where decisions go: it stamps, validates and appends them to a
// Store, and when the store is unreachable it writes them to a local,
// fsync'd spool and replays them, in order, once the store is back. Append
// returns only after the record is either committed in the store or
// durable in the spool.
//
// While the spool holds anything, new records are spooled behind it rather
// than appended directly, so a node's records reach the chain in the order
// they were decided. Replay is idempotent (records carry their ID), so a
// crash mid-replay at worst re-sends records the store then skips.
//
// Use one Log per spool directory per process; across config reloads the
// caller shares it (e.g. with a caddy.UsagePool) rather than opening a
// second one on the same directory.
type Log struct {
	store *liveStore
	opts  LogOptions
	dir   string
	// open, for OpenLog, opens the store in the background until it
	// succeeds; the Log then owns the store and closes it.
	open func(context.Context) (Store, error)

	mu       sync.RWMutex // RLock: direct appends; Lock: spool writes and mode changes
	spooling bool
	closed   bool
	spool    *os.File // append handle, opened lazily

	kick chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup

	hmu       sync.Mutex // guards the fields below; OnHealth runs under it
	health    Health
	announced bool      // the ERROR line for this outage was logged
	lastLine  time.Time // of the last ERROR line
	replayed  int       // records replayed since the store went down
}

const (
	spoolName  = "spool.jsonl"
	offsetName = "spool.offset" // bytes of spool.jsonl already replayed
	batchSize  = 100
)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("consentlog: log closed")

// NewLog returns a Log appending to store and spooling into dir (created
// if missing). Records left in the spool by an earlier run are replayed.
// The Log does not own store: close the Log first, then the store.
func NewLog(store Store, dir string, opts LogOptions) (*Log, error) {
	return newLog(&liveStore{s: store}, nil, dir, opts)
}

// OpenLog opens the store named by dsn (as Open does; an SQLite file's
// directory is created) and returns a Log in front of it, spooling into
// spoolDir. A store that cannot be opened is not an error: the Log starts
// with records going to the spool, opens the store in the background with
// the replay's backoff, and replays the spool once it is open; until then
// Log.Store answers ErrUnavailable. The first attempt is made before
// OpenLog returns, bounded by ctx. OpenLog fails only when the spool
// directory cannot be used, since then no record could be kept durably.
// The Log owns the store: Close closes it.
func OpenLog(ctx context.Context, dsn, spoolDir string, opts LogOptions) (*Log, error) {
	open := func(ctx context.Context) (Store, error) {
		if path, ok := sqlitePath(dsn); ok {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, fmt.Errorf("consentlog: open %s: %w", path, err)
			}
		}
		return Open(ctx, dsn)
	}
	ls := &liveStore{}
	if s, err := open(ctx); err == nil {
		ls.s = s
	} else {
		ls.err = err
	}
	l, err := newLog(ls, open, spoolDir, opts)
	if err != nil {
		if ls.s != nil {
			ls.s.Close()
		}
		return nil, err
	}
	return l, nil
}

func newLog(store *liveStore, open func(context.Context) (Store, error), dir string, opts LogOptions) (*Log, error) {
	if opts.AppendTimeout <= 0 {
		opts.AppendTimeout = 2 * time.Second
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 500 * time.Millisecond
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(30*time.Second, opts.RetryMin)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("consentlog: spool dir %s: %w", dir, err)
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	l := &Log{store: store, open: open, opts: opts, dir: dir, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	pending, err := l.repairSpool()
	if err != nil {
		return nil, err
	}
	_, down := store.get()
	l.spooling = pending > 0 || down != nil
	l.health = Health{StoreUp: !l.spooling, Spooled: pending, Since: time.Now()}
	if down != nil {
		l.storeDown(down)
	} else {
		l.notify()
	}
	l.wg.Add(1)
	go l.replayLoop()
	if l.spooling {
		l.wake()
	}
	return l, nil
}

// Store is the Log's store, for reading (the console, the retention
// purge). While OpenLog has not opened it yet its methods answer an error
// wrapping ErrUnavailable; its Close does nothing (close the Log).
func (l *Log) Store() Store { return l.store }

// Health reports the store's state and the spool's depth.
func (l *Log) Health() Health {
	l.hmu.Lock()
	defer l.hmu.Unlock()
	return l.health
}

// notify passes the health to OnHealth. Caller holds hmu, or is newLog.
func (l *Log) notify() {
	if l.opts.OnHealth != nil {
		l.opts.OnHealth(l.health)
	}
}

// storeDown records a store failure: the first one of an outage, and one a
// minute after that, is logged.
func (l *Log) storeDown(err error) {
	l.hmu.Lock()
	defer l.hmu.Unlock()
	now := time.Now()
	if l.health.StoreUp {
		l.health.StoreUp, l.health.Since, l.replayed = false, now, 0
	}
	l.health.LastError = err.Error()
	if !l.announced || now.Sub(l.lastLine) >= downRepeat {
		l.opts.Logger.Error("consent log store unavailable; decisions are spooled on disk and replayed",
			zap.Int("spooled", l.health.Spooled), zap.Time("since", l.health.Since), zap.String("spool", l.dir), zap.Error(err))
		l.announced, l.lastLine = true, now
	}
	l.notify()
}

// storeUp records that the spool drained and appends go direct again.
func (l *Log) storeUp() {
	l.hmu.Lock()
	defer l.hmu.Unlock()
	if l.health.StoreUp {
		return
	}
	if l.announced {
		l.opts.Logger.Info("consent log store reachable again; spool drained",
			zap.Int("replayed", l.replayed), zap.Duration("down_for", time.Since(l.health.Since)))
	} else if l.replayed > 0 {
		l.opts.Logger.Info("consent log: records spooled by an earlier run replayed", zap.Int("replayed", l.replayed))
	}
	l.health = Health{StoreUp: true, Since: time.Now()}
	l.announced, l.replayed = false, 0
	l.notify()
}

// spooledDelta changes the spooled count by n (negative: replayed).
func (l *Log) spooledDelta(n int) {
	l.hmu.Lock()
	defer l.hmu.Unlock()
	l.health.Spooled = max(l.health.Spooled+n, 0)
	if n < 0 {
		l.replayed -= n
	}
	l.notify()
}

// repairSpool cuts a torn last line (a crash mid-write: never acknowledged)
// and counts the records waiting.
func (l *Log) repairSpool() (int, error) {
	path := filepath.Join(l.dir, spoolName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("consentlog: read spool %s: %w", path, err)
	}
	keep := int64(bytes.LastIndexByte(data, '\n') + 1)
	if keep != int64(len(data)) {
		if err := os.Truncate(path, keep); err != nil {
			return 0, fmt.Errorf("consentlog: repair spool %s: %w", path, err)
		}
	}
	off := min(max(l.offset(), 0), keep)
	return bytes.Count(data[off:keep], []byte("\n")), nil
}

func (l *Log) offset() int64 {
	b, err := os.ReadFile(filepath.Join(l.dir, offsetName))
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(string(b), 10, 64)
	return n
}

func (l *Log) wake() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

func (l *Log) report(err error) {
	if l.opts.OnError != nil {
		l.opts.OnError(err)
	}
}

// Append records one decision. The server time is taken now, whatever
// happens next; the IP is truncated and the User-Agent reduced before the
// record goes anywhere. It returns an error only for an invalid input
// (ErrInvalid), after Close, or when the spool itself cannot be written.
func (l *Log) Append(ctx context.Context, in Input) (Record, error) {
	rec := NewRecord(in, time.Now())
	if err := validate(rec); err != nil {
		return Record{}, err
	}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return Record{}, ErrClosed
	}
	if !l.spooling {
		// Not the caller's cancellation: a visitor who leaves mid-request
		// must not lose their record.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.AppendTimeout)
		err := l.store.Append(actx, rec)
		cancel()
		l.mu.RUnlock()
		if err == nil {
			return rec, nil
		}
		err = fmt.Errorf("consentlog: store append failed, spooling %s: %w", rec.ID, err)
		l.report(err)
		l.storeDown(err)
	} else {
		l.mu.RUnlock()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Record{}, ErrClosed
	}
	if err := l.writeSpool(rec); err != nil {
		return Record{}, err
	}
	l.spooledDelta(1)
	l.spooling = true
	l.wake()
	return rec, nil
}

// writeSpool appends one JSON line and fsyncs it. Caller holds mu.
func (l *Log) writeSpool(rec Record) error {
	path := filepath.Join(l.dir, spoolName)
	if l.spool == nil {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("consentlog: open spool %s: %w", path, err)
		}
		// Make the new directory entry durable too.
		if d, err := os.Open(l.dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
		l.spool = f
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("consentlog: encode %s: %w", rec.ID, err)
	}
	if _, err := l.spool.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("consentlog: write spool %s: %w", path, err)
	}
	if err := l.spool.Sync(); err != nil {
		return fmt.Errorf("consentlog: sync spool %s: %w", path, err)
	}
	return nil
}

// replayLoop opens the store if OpenLog could not, and replays the spool,
// with exponential backoff after a failure. A failing store is not retried
// on every spooled decision (wake): only when the backoff has passed.
func (l *Log) replayLoop() {
	defer l.wg.Done()
	backoff := l.opts.RetryMin
	timer := time.NewTimer(backoff)
	defer timer.Stop()
	failing := false
	for {
		select {
		case <-l.stop:
			return
		case <-l.kick:
			if failing {
				continue
			}
		case <-timer.C:
		}
		l.mu.RLock()
		spooling := l.spooling
		l.mu.RUnlock()
		if !spooling {
			timer.Reset(l.opts.RetryMax)
			continue
		}
		err := l.openStore()
		if err == nil {
			err = l.replay()
		}
		if err != nil {
			l.report(err)
			l.storeDown(err)
			failing = true
			timer.Reset(backoff)
			backoff = min(2*backoff, l.opts.RetryMax)
			continue
		}
		failing = false
		backoff = l.opts.RetryMin
		timer.Reset(backoff)
	}
}

// openStore tries OpenLog's open if the store is not open yet.
func (l *Log) openStore() error {
	_, err := l.store.get()
	if err == nil || l.open == nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.AppendTimeout+10*time.Second)
	defer cancel()
	go func() {
		select {
		case <-l.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	s, err := l.open(ctx)
	if err != nil {
		l.store.failed(err)
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	l.store.set(s)
	return nil
}

// replay sends the spool to the store in batches, in file order, and
// removes it once everything arrived and nothing new was spooled.
func (l *Log) replay() error {
	path := filepath.Join(l.dir, spoolName)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("consentlog: replay %s: %w", path, err)
	}
	defer f.Close()
	off := l.offset()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("consentlog: replay %s: %w", path, err)
	}
	br := bufio.NewReader(f)
	for {
		var batch []Record
		var n int64
		for len(batch) < batchSize {
			line, err := br.ReadBytes('\n')
			if err == io.EOF {
				break // a line without "\n" is still being written
			}
			if err != nil {
				return fmt.Errorf("consentlog: replay %s: %w", path, err)
			}
			var r Record
			if err := json.Unmarshal(line, &r); err != nil {
				return fmt.Errorf("consentlog: replay %s at byte %d: %w", path, off+n, err)
			}
			batch = append(batch, r)
			n += int64(len(line))
		}
		if len(batch) == 0 {
			return l.finish(off)
		}
		select {
		case <-l.stop:
			return nil
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.opts.AppendTimeout+time.Duration(len(batch))*100*time.Millisecond)
		err := l.store.Append(ctx, batch...)
		cancel()
		if err != nil {
			return fmt.Errorf("consentlog: replay %d spooled records: %w", len(batch), err)
		}
		off += n
		l.spooledDelta(-len(batch))
		if err := os.WriteFile(filepath.Join(l.dir, offsetName), []byte(strconv.FormatInt(off, 10)), 0o600); err != nil {
			return fmt.Errorf("consentlog: save spool offset: %w", err)
		}
		if len(batch) < batchSize {
			// Maybe the end; finish checks under the lock.
			if err := l.finish(off); err != errMore {
				return err
			}
		}
	}
}

// errMore tells replay that records were spooled while it worked.
var errMore = errors.New("more spooled")

// finish switches back to direct appends if the spool ends at off.
func (l *Log) finish(off int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	fi, err := os.Stat(filepath.Join(l.dir, spoolName))
	if err != nil {
		return fmt.Errorf("consentlog: stat spool: %w", err)
	}
	if fi.Size() != off {
		return errMore
	}
	if l.spool != nil {
		l.spool.Close()
		l.spool = nil
	}
	// Offset first: a crash between the two removes leaves a spool that is
	// replayed from 0, which the store's ID check makes harmless.
	for _, name := range []string{offsetName, spoolName} {
		if err := os.Remove(filepath.Join(l.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("consentlog: remove %s: %w", name, err)
		}
	}
	l.spooling = false
	l.storeUp()
	return nil
}

// Pending reports whether records are waiting in the spool.
func (l *Log) Pending() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.spooling
}

// Flush replays the spool now and waits until it is empty or ctx ends;
// call it on shutdown before Close.
func (l *Log) Flush(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for l.Pending() {
		l.wake()
		select {
		case <-ctx.Done():
			return fmt.Errorf("consentlog: flush: records still spooled in %s: %w", l.dir, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// Close stops the background replay, and closes the store if OpenLog
// opened it. Records still spooled stay on disk and are replayed by the
// next Log on the same directory.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.stop)
	var err error
	if l.spool != nil {
		err = l.spool.Close()
		l.spool = nil
	}
	l.mu.Unlock()
	l.wg.Wait()
	if err != nil {
		err = fmt.Errorf("consentlog: close spool: %w", err)
	}
	if l.open != nil {
		if cerr := l.store.close(); err == nil {
			err = cerr
		}
	}
	return err
}
