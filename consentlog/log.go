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
)

// LogOptions tune a Log. Zero values take the defaults.
type LogOptions struct {
	// AppendTimeout bounds a direct store append before the record is
	// spooled instead, so a hung database cannot hold up visitors. 2s.
	AppendTimeout time.Duration
	// RetryMin and RetryMax bound the exponential backoff between replays
	// of the spool: 500ms and 30s.
	RetryMin, RetryMax time.Duration
	// OnError hears about store failures that the Log absorbed (the record
	// was spooled, or a replay failed), so the caller can log them.
	OnError func(error)
}

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
	store Store
	opts  LogOptions
	dir   string

	mu       sync.RWMutex // RLock: direct appends; Lock: spool writes and mode changes
	spooling bool
	closed   bool
	spool    *os.File // append handle, opened lazily

	kick chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
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
	l := &Log{store: store, opts: opts, dir: dir, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	pending, err := l.repairSpool()
	if err != nil {
		return nil, err
	}
	l.spooling = pending
	l.wg.Add(1)
	go l.replayLoop()
	if pending {
		l.wake()
	}
	return l, nil
}

// repairSpool cuts a torn last line (a crash mid-write: never acknowledged)
// and reports whether records are waiting.
func (l *Log) repairSpool() (bool, error) {
	path := filepath.Join(l.dir, spoolName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("consentlog: read spool %s: %w", path, err)
	}
	keep := int64(bytes.LastIndexByte(data, '\n') + 1)
	if keep != int64(len(data)) {
		if err := os.Truncate(path, keep); err != nil {
			return false, fmt.Errorf("consentlog: repair spool %s: %w", path, err)
		}
	}
	return keep > l.offset(), nil
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
		l.report(fmt.Errorf("consentlog: store append failed, spooling %s: %w", rec.ID, err))
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

func (l *Log) replayLoop() {
	defer l.wg.Done()
	backoff := l.opts.RetryMin
	timer := time.NewTimer(backoff)
	defer timer.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-l.kick:
		case <-timer.C:
		}
		l.mu.RLock()
		spooling := l.spooling
		l.mu.RUnlock()
		if !spooling {
			timer.Reset(l.opts.RetryMax)
			continue
		}
		if err := l.replay(); err != nil {
			l.report(err)
			timer.Reset(backoff)
			backoff = min(2*backoff, l.opts.RetryMax)
			continue
		}
		backoff = l.opts.RetryMin
		timer.Reset(backoff)
	}
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

// Close stops the background replay. Records still spooled stay on disk
// and are replayed by the next NewLog on the same directory.
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
		return fmt.Errorf("consentlog: close spool: %w", err)
	}
	return nil
}
