package consentlog

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// counting is a Store that records the size of every Append call (one
// call is one transaction), and holds the first one until gate is closed.
type counting struct {
	Store
	gate  chan struct{}
	mu    sync.Mutex
	calls []int
}

func (c *counting) Append(ctx context.Context, recs ...Record) error {
	c.mu.Lock()
	first := len(c.calls) == 0
	c.calls = append(c.calls, len(recs))
	c.mu.Unlock()
	if first {
		<-c.gate
	}
	return c.Store.Append(ctx, recs...)
}

// held is a Store whose Append waits until its context ends, as a hung
// database does, or until release is closed.
type held struct {
	Store
	entered chan struct{} // closed by the first Append
	once    sync.Once
	release chan struct{}
}

func newHeld(s Store) *held {
	return &held{Store: s, entered: make(chan struct{}), release: make(chan struct{})}
}

func (h *held) Append(ctx context.Context, recs ...Record) error {
	h.once.Do(func() { close(h.entered) })
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-h.release:
	}
	return h.Store.Append(ctx, recs...)
}

// appendConcurrently runs goroutines that each append n decisions in turn,
// and returns each goroutine's records in the order Append returned them.
func appendConcurrently(t *testing.T, l *Log, goroutines, n int, each func(time.Duration)) [][]Record {
	t.Helper()
	out := make([][]Record, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				start := time.Now()
				r, err := l.Append(context.Background(), input(g*n+i))
				if each != nil {
					each(time.Since(start))
				}
				if err != nil {
					t.Errorf("goroutine %d, decision %d: %v", g, i, err)
					return
				}
				out[g] = append(out[g], r)
			}
		}()
	}
	wg.Wait()
	return out
}

// checkChainOnce asserts that the chain holds every record of sent exactly
// once, each goroutine's records in the order its Appends returned, and
// nothing else; and that it verifies.
func checkChainOnce(t *testing.T, s *store, sent [][]Record) {
	t.Helper()
	pos := map[string]int{}
	for i, id := range rawStrings(t, s, "SELECT id FROM records ORDER BY seq") {
		if _, dup := pos[id]; dup {
			t.Fatalf("record %s stored twice", id)
		}
		pos[id] = i
	}
	total := 0
	for g, recs := range sent {
		total += len(recs)
		last := -1
		for _, r := range recs {
			p, ok := pos[r.ID]
			if !ok {
				t.Fatalf("record %s of goroutine %d not stored", r.ID, g)
			}
			if p <= last {
				t.Fatalf("goroutine %d: record %s at chain position %d, after its successor at %d", g, r.ID, p, last)
			}
			last = p
		}
	}
	if len(pos) != total {
		t.Fatalf("%d records in the chain, %d appended", len(pos), total)
	}
	mustVerify(t, s)
}

// TestLogGroupCommit: concurrent Appends share store transactions. While
// the first transaction is held, every other visitor's record queues, and
// the next transaction carries them all; in the end every record is
// stored once, each visitor's in order, with nothing spooled.
func TestLogGroupCommit(t *testing.T) {
	const goroutines, n = 32, 40
	s := openT(t, freshDSN(t, "sqlite"))
	c := &counting{Store: s, gate: make(chan struct{})}
	opts := fastRetry
	opts.AppendTimeout = time.Minute // no spooling however slow the machine
	l, err := NewLog(c, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		// Every goroutine but those in the held transaction is queued.
		for first := 0; first == 0 || len(l.queue) < goroutines-first; {
			time.Sleep(time.Millisecond)
			c.mu.Lock()
			if len(c.calls) > 0 {
				first = c.calls[0]
			}
			c.mu.Unlock()
		}
		close(c.gate)
	}()
	sent := appendConcurrently(t, l, goroutines, n, nil)

	c.mu.Lock()
	calls := c.calls
	c.mu.Unlock()
	sum := 0
	for _, k := range calls {
		sum += k
	}
	t.Logf("%d records in %d transactions", sum, len(calls))
	if sum != goroutines*n || len(calls) >= goroutines*n {
		t.Fatalf("%d records in %d transactions, want %d records in fewer", sum, len(calls), goroutines*n)
	}
	if calls[1] < goroutines-calls[0] || calls[1] > maxGroup {
		t.Fatalf("first transactions carried %v records, want the second to carry all %d queued behind the first", calls[:2], goroutines-calls[0])
	}
	if l.Pending() || spoolLines(t, l.dir) != 0 {
		t.Fatal("records were spooled")
	}
	checkChainOnce(t, s, sent)
}

// TestLogHungStoreSpoolsInTime: with the store hanging, each Append
// returns within about AppendTimeout (queueing behind the hung batch
// included) plus a spool fsync, every record is in the spool once, and
// once the store answers again they are all replayed, each visitor's in
// order.
func TestLogHungStoreSpoolsInTime(t *testing.T) {
	const goroutines, n, timeout = 20, 5, 100 * time.Millisecond
	s := openT(t, freshDSN(t, "sqlite"))
	h := newHeld(s)
	opts := fastRetry
	opts.AppendTimeout = timeout
	l, err := NewLog(h, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	var longest time.Duration
	sent := appendConcurrently(t, l, goroutines, n, func(d time.Duration) {
		mu.Lock()
		longest = max(longest, d)
		mu.Unlock()
	})
	t.Logf("longest Append %v against an append timeout of %v", longest, timeout)
	if longest >= 3*timeout {
		t.Errorf("an Append took %v against an append timeout of %v", longest, timeout)
	}
	ids := spooledIDs(t, l)
	for _, recs := range sent {
		for _, r := range recs {
			if !ids[r.ID] {
				t.Fatalf("record %s answered but not spooled", r.ID)
			}
		}
	}
	if got := spoolLines(t, l.dir); got != goroutines*n {
		t.Fatalf("%d spooled lines, want %d", got, goroutines*n)
	}
	if hl := l.Health(); hl.StoreUp || hl.Spooled != goroutines*n {
		t.Fatalf("health %+v, want the store down and %d spooled", hl, goroutines*n)
	}
	if got := rawStrings(t, s, "SELECT id FROM records"); len(got) != 0 {
		t.Fatalf("%d records reached the hung store", len(got))
	}

	close(h.release)
	if err := l.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	checkChainOnce(t, s, sent)
	if hl := l.Health(); !hl.StoreUp || hl.Spooled != 0 {
		t.Fatalf("health after replay %+v", hl)
	}
}

// TestLogCloseAnswersAppendsUnderWay: Close waits for the Appends it
// admitted, which are answered (here: spooled, the store hanging), and
// refuses the rest; none is left waiting.
func TestLogCloseAnswersAppendsUnderWay(t *testing.T) {
	s := openT(t, freshDSN(t, "sqlite"))
	h := newHeld(s)
	opts := fastRetry
	opts.AppendTimeout = 100 * time.Millisecond
	dir := t.TempDir()
	l, err := NewLog(h, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		rec Record
		err error
	}
	answers := make(chan answer, 10)
	for i := range 10 {
		go func() {
			r, err := l.Append(context.Background(), input(i))
			answers <- answer{r, err}
		}()
	}
	<-h.entered
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	stored := 0
	for range 10 {
		a := <-answers
		switch {
		case a.err == nil:
			stored++
		case !errors.Is(a.err, ErrClosed):
			t.Fatalf("append during Close: %v", a.err)
		}
	}
	if stored == 0 || spoolLines(t, dir) != stored {
		t.Fatalf("%d appends answered as recorded, %d spooled lines", stored, spoolLines(t, dir))
	}
}
