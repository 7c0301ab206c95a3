package caddymodule

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/cookieseen"
)

// How discovery is paced and bounded.
const (
	seenPerSource = 500              // names one node keeps from each source
	seenPoll      = time.Second      // how soon a name nobody knew is written
	seenWrite     = 30 * time.Second // how often the hits of known names are
	seenReload    = 15 * time.Second // how often other nodes' sightings are read
)

// sightings is what a consent log's store knows its site uses, with what
// this node has seen: shared, like the store, by every config using it.
// Requests add to a cookieseen.Collector; a loop writes what they added and
// reads back what every node wrote, so that each node's table and policy
// version follow the same sightings.
type sightings struct {
	store  consentlog.Store
	cache  string // a file keeping the last reading, for a start with the store down
	col    *cookieseen.Collector
	wake   chan struct{}
	logger *zap.Logger

	mu   sync.Mutex
	mine map[cookieseen.Key]cookieseen.Sighting // what this node saw, for a store that is down
	kept []cookieseen.Sighting                  // the reading last written to cache

	dropped int64     // Collector.Dropped when last logged (at most every 10 minutes); the loop's own
	warned  time.Time // when
	state   atomic.Pointer[seenState]
}

// seenState is one reading of every sighting. A new reading is a new
// pointer, which is how handlers know to derive their declaration again.
type seenState struct {
	all    []cookieseen.Sighting
	stored bool // read from the store (not only this node's own)
}

// newSightings starts from the last reading this node kept in cache, so
// that a node whose store is down at start still derives the policy
// version its visitors chose under, instead of asking them all again.
func newSightings(store consentlog.Store, cache string, logger *zap.Logger) *sightings {
	s := &sightings{store: store, cache: cache, col: cookieseen.NewCollector(seenPerSource), wake: make(chan struct{}, 1),
		logger: logger, mine: map[cookieseen.Key]cookieseen.Sighting{}}
	st := &seenState{}
	if b, err := os.ReadFile(cache); err == nil {
		if err := json.Unmarshal(b, &st.all); err != nil {
			logger.Warn("ignoring an unreadable copy of the cookie sightings", zap.String("file", cache), zap.Error(err))
			st.all = nil
		}
	}
	s.state.Store(st)
	return s
}

// keep writes a reading of the store to the cache file, atomically.
func (s *sightings) keep(all []cookieseen.Sighting) {
	b, err := json.Marshal(all)
	if err == nil {
		tmp := s.cache + ".tmp"
		if err = os.WriteFile(tmp, b, 0o600); err == nil {
			err = os.Rename(tmp, s.cache)
		}
	}
	if err != nil {
		s.logger.Debug("cookie sightings not cached", zap.String("file", s.cache), zap.Error(err))
	}
}

// add notes one sighting. A name nobody knew is published at once, so that
// the response that showed it and every request after it see the new
// declaration (a choice made on that page is made under the version that
// lists it), and wakes the loop to write it.
func (s *sightings) add(x cookieseen.Sighting) {
	now := time.Now()
	if !s.col.Add(x, now) {
		return
	}
	x.First, x.Last, x.Hits = now, now, 1
	s.mu.Lock()
	if _, ok := s.mine[x.Key()]; !ok {
		s.mine[x.Key()] = x
		old := s.state.Load()
		s.state.Store(&seenState{all: append(slices.Clip(old.all), x), stored: old.stored})
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// loop writes and reads sightings until ctx ends, then writes once more.
func (s *sightings) loop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(seenPoll)
	defer t.Stop()
	var wrote, read time.Time
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			s.write(fctx)
			cancel()
			return
		case <-s.wake:
		case <-t.C:
		}
		now := time.Now()
		fresh := s.col.Fresh()
		if fresh || now.Sub(wrote) >= seenWrite {
			s.write(ctx)
			wrote = now
		}
		if fresh || !s.state.Load().stored || now.Sub(read) >= seenReload {
			s.read(ctx)
			read = now
		}
	}
}

// write stores what is pending; what fails is kept for next time.
func (s *sightings) write(ctx context.Context) {
	batch := s.col.Take()
	if len(batch) == 0 {
		return
	}
	s.mu.Lock()
	for _, x := range batch {
		if m, ok := s.mine[x.Key()]; ok {
			x.First, x.Hits = m.First, m.Hits+x.Hits
		}
		s.mine[x.Key()] = x
	}
	s.mu.Unlock()
	if n := s.col.Dropped(); n > s.dropped && time.Since(s.warned) > 10*time.Minute {
		s.dropped, s.warned = n, time.Now()
		s.logger.Warn("cookie sightings dropped: one source has named more cookies than a node keeps (names invented in banner reports, or a cookie named anew each visit)",
			zap.Int("per_source", seenPerSource), zap.Int64("dropped", n))
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.store.Observe(wctx, batch); err != nil {
		s.col.Return(batch)
		s.logger.Debug("cookie sightings not stored yet; will retry", zap.Error(err), zap.Int("sightings", len(batch)))
	}
}

// read takes a new reading: the store's sightings with this node's own,
// or, while the store cannot be read, the last reading with them.
func (s *sightings) read(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	all, err := s.store.Sightings(rctx)
	stored := err == nil
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.state.Load()
	if stored {
		s.col.Load(all)
	} else {
		all = slices.Clone(old.all) // the last reading (or the cached one) stands, with what this node saw since
	}
	seen := make(map[cookieseen.Key]bool, len(all))
	for _, x := range all {
		seen[x.Key()] = true
	}
	for k, x := range s.mine {
		if !seen[k] {
			all = append(all, x)
		}
	}
	if stored && !sameSightings(s.kept, all) {
		s.keep(all)
		s.kept = all
	}
	if old.stored == stored && sameSightings(old.all, all) {
		return // hits and times changed at most: keep the reading, and what handlers derived from it
	}
	s.state.Store(&seenState{all: all, stored: stored})
}

// sameSightings reports whether a and b name the same sightings with the
// same lifetimes, whatever their hits and times.
func sameSightings(a, b []cookieseen.Sighting) bool {
	if len(a) != len(b) {
		return false
	}
	m := make(map[cookieseen.Key]int64, len(a))
	for _, x := range a {
		m[x.Key()] = x.MaxAge
	}
	for _, x := range b {
		if age, ok := m[x.Key()]; !ok || age != x.MaxAge {
			return false
		}
	}
	return true
}

// seeSetCookie notes the name and lifetime of a cookie a response of the
// site's own sets, before consent filters it (cookiepolicy's
// FilterSetCookie hands each one over).
func (s *sightings) seeSetCookie(c *http.Cookie, now time.Time) {
	if c.MaxAge < 0 || !c.Expires.IsZero() && c.Expires.Before(now) {
		return // a deletion
	}
	maxAge := int64(c.MaxAge)
	if maxAge == 0 && !c.Expires.IsZero() {
		maxAge = max(1, int64(c.Expires.Sub(now).Seconds())) // lasting, though about to end
	}
	s.add(cookieseen.Sighting{Kind: cookieseen.Cookie, Name: c.Name, Source: cookieseen.Upstream, MaxAge: maxAge})
}
