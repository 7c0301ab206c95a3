package consentlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
)

// LogOptions tune a Log. Zero values take the defaults.
type LogOptions struct {
	// AppendTimeout bounds how long a record waits for the store, queueing
	// behind other appends included, before it is spooled instead, so a
	// hung or overloaded database cannot hold up visitors. 2s.
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
// durable in the spool, never both.
//
// Appends are group-committed: one writer goroutine takes every record
// waiting (up to maxGroup) and appends them in one store transaction, so
// concurrent visitors share one fsync instead of queueing for one each;
// records that go to the spool at the same moment share one write and one
// fsync too. A record waits for the store at most AppendTimeout from the
// moment Append is called, queueing included: if its batch fails, or its
// deadline passes while it waits, it is spooled with everything queued
// behind it. So the longest a caller waits is about AppendTimeout plus
// one spool fsync (plus the rest of a COMMIT under way at the deadline,
// which is not cut short so that its outcome is known).
//
// While the spool holds anything, new records are spooled behind it rather
// than appended directly, so a node's records reach the chain in the order
// they were decided (Appends that overlap in time have no order). Replay
// is idempotent (records carry their ID), so a crash mid-replay, or a
// batch whose outcome was unknown and was spooled, at worst re-sends
// records the store then skips.
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

	// queue carries each Append's record to the writer goroutine, the
	// only one that appends directly or writes the spool.
	queue chan *pending

	// cmu admits Appends: Close sets closed under it, then waits for the
	// admitted ones (inflight) before stopping the writer.
	cmu      sync.RWMutex
	closed   bool
	inflight sync.WaitGroup

	mu       sync.Mutex // guards spooling and spool: the writer's mode and spool writes, replay's switch back
	spooling bool
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
	// maxGroup bounds the records of one direct store transaction: enough
	// to absorb a burst, few enough that a batch commits well within
	// AppendTimeout.
	maxGroup = 256
)

// pending is one Append waiting for the writer.
type pending struct {
	rec      Record
	deadline time.Time  // Append's call time + AppendTimeout
	done     chan error // buffered: the writer never waits for the caller
}

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
	l := &Log{store: store, open: open, opts: opts, dir: dir, queue: make(chan *pending, maxGroup),
		kick: make(chan struct{}, 1), stop: make(chan struct{})}
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
	l.wg.Add(2)
	go l.writer()
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
// ctx is not used to give up: a visitor who leaves mid-request must not
// lose their record, and the wait is bounded by AppendTimeout anyway.
func (l *Log) Append(ctx context.Context, in Input) (Record, error) {
	rec := NewRecord(in, time.Now())
	if err := validate(rec); err != nil {
		return Record{}, err
	}
	l.cmu.RLock()
	if l.closed {
		l.cmu.RUnlock()
		return Record{}, ErrClosed
	}
	l.inflight.Add(1)
	l.cmu.RUnlock()
	defer l.inflight.Done()
	p := &pending{rec: rec, deadline: time.Now().Add(l.opts.AppendTimeout), done: make(chan error, 1)}
	l.queue <- p // the writer runs until every admitted Append is answered
	if err := <-p.done; err != nil {
		return Record{}, err
	}
	return rec, nil
}

// writer commits the queue in groups until Close, which stops it only
// once the queue is empty.
func (l *Log) writer() {
	defer l.wg.Done()
	var group []*pending
	for {
		select {
		case p := <-l.queue:
			group = l.gather(append(group[:0], p), maxGroup)
		case <-l.stop:
			return
		}
		l.commit(group)
		clear(group[:cap(group)]) // let the answered records go, commit's extras too
	}
}

// gather adds what is waiting in the queue to group, up to limit records.
func (l *Log) gather(group []*pending, limit int) []*pending {
	for len(group) < limit {
		select {
		case p := <-l.queue:
			group = append(group, p)
		default:
			return group
		}
	}
	return group
}

// commit appends group to the store in one transaction, or spools it, and
// answers each caller.
func (l *Log) commit(group []*pending) {
	l.mu.Lock()
	spooling := l.spooling
	l.mu.Unlock()
	if !spooling {
		err := l.storeGroup(group)
		if err == nil {
			for _, p := range group {
				p.done <- nil
			}
			return
		}
		err = fmt.Errorf("consentlog: store append failed, spooling %d records: %w", len(group), err)
		l.report(err)
		l.storeDown(err)
	}
	// Everything queued shares the spool's write and fsync (a spool line
	// is cheap, unlike a transaction's inserts): after a failure, what
	// queued behind the group has its deadline near too, and may not
	// overtake it.
	group = l.gather(group, math.MaxInt)
	recs := make([]Record, len(group))
	for i, p := range group {
		recs[i] = p.rec
	}
	l.mu.Lock()
	err := l.writeSpool(recs)
	if err == nil {
		l.spooling = true
	}
	l.mu.Unlock()
	if err == nil {
		l.spooledDelta(len(recs))
		l.wake()
	}
	for _, p := range group {
		p.done <- err
	}
}

// storeGroup appends the group's records in one store transaction, bounded
// by the earliest deadline among them.
func (l *Log) storeGroup(group []*pending) error {
	deadline := group[0].deadline
	recs := make([]Record, len(group))
	for i, p := range group {
		recs[i] = p.rec
		if p.deadline.Before(deadline) {
			deadline = p.deadline
		}
	}
	if !time.Now().Before(deadline) {
		return fmt.Errorf("waited %v behind other appends: %w", l.opts.AppendTimeout, context.DeadlineExceeded)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	return l.store.Append(ctx, recs...)
}

// writeSpool appends one JSON line per record in one write and fsyncs
// once. A failed write is cut off again, so that no caller told of the
// failure has a record replayed later, and the next write starts on a
// line of its own. Caller holds mu.
func (l *Log) writeSpool(recs []Record) error {
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
	var buf []byte
	for _, rec := range recs {
		line, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("consentlog: encode %s: %w", rec.ID, err)
		}
		buf = append(append(buf, line...), '\n')
	}
	fi, err := l.spool.Stat()
	if err != nil {
		return fmt.Errorf("consentlog: stat spool %s: %w", path, err)
	}
	if _, err = l.spool.Write(buf); err != nil {
		err = fmt.Errorf("consentlog: write spool %s: %w", path, err)
	} else if err = l.spool.Sync(); err != nil {
		err = fmt.Errorf("consentlog: sync spool %s: %w", path, err)
	}
	if err != nil {
		_ = l.spool.Truncate(fi.Size())
	}
	return err
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
		if !l.Pending() {
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
	l.mu.Lock()
	defer l.mu.Unlock()
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

// Close waits for the Appends under way (each is answered within about
// AppendTimeout), refuses later ones, stops the background replay, and
// closes the store if OpenLog opened it. Records still spooled stay on
// disk and are replayed by the next Log on the same directory.
func (l *Log) Close() error {
	l.cmu.Lock()
	if l.closed {
		l.cmu.Unlock()
		return nil
	}
	l.closed = true
	l.cmu.Unlock()
	l.inflight.Wait()
	close(l.stop)
	l.wg.Wait()
	var err error
	if l.spool != nil {
		if err = l.spool.Close(); err != nil {
			err = fmt.Errorf("consentlog: close spool: %w", err)
		}
		l.spool = nil
	}
	if l.open != nil {
		if cerr := l.store.close(); err == nil {
			err = cerr
		}
	}
	return err
}
