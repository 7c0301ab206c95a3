package cookieseen

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Collector gathers sightings on one node between writes to the store. A
// request adds to it under a mutex and nothing more; a background loop
// takes what is pending, writes it, and loads what every node has written.
// It is bounded: once it knows max names from one source, new ones from
// that source are dropped (and counted), so a flood of invented names in
// banner reports can grow neither it nor the store, nor crowd out the
// cookies the site's own responses set.
type Collector struct {
	mu      sync.Mutex
	max     int
	known   map[Key]bool // stored, or pending
	counts  map[Source]int
	pending map[Key]*Sighting
	fresh   bool // a name nobody knew is pending: write soon
	dropped int64
}

// NewCollector returns a collector that knows at most max names from
// each source.
func NewCollector(max int) *Collector {
	return &Collector{max: max, known: map[Key]bool{}, counts: map[Source]int{}, pending: map[Key]*Sighting{}}
}

// learn marks k known.
func (c *Collector) learn(k Key) {
	if !c.known[k] {
		c.known[k] = true
		c.counts[k.Source]++
	}
}

// Add merges one sighting at time now, and reports whether it is a name
// nobody knew (which is worth writing at once).
func (c *Collector) Add(s Sighting, now time.Time) bool {
	k := s.Key()
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pending[k]; p != nil {
		p.Hits++
		p.Last = now
		if s.MaxAge >= 0 {
			p.MaxAge = s.MaxAge
		}
		return false
	}
	isNew := !c.known[k]
	if isNew && c.counts[k.Source] >= c.max {
		c.dropped++
		return false
	}
	p := new(Sighting) // here, not &s: that would move every call's s to the heap
	*p = s
	p.First, p.Last, p.Hits = now, now, 1
	c.pending[k] = p
	c.learn(k)
	c.fresh = c.fresh || isNew
	return isNew
}

// Fresh reports whether a name nobody knew is waiting to be written.
func (c *Collector) Fresh() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fresh
}

// Take returns what is pending, which the caller writes, and empties it.
func (c *Collector) Take() []Sighting {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Sighting, 0, len(c.pending))
	for _, s := range c.pending {
		out = append(out, *s)
	}
	clear(c.pending)
	c.fresh = false
	slices.SortFunc(out, compare)
	return out
}

// Return puts back what Take gave when writing it failed, merged with what
// was added since, to be written next time.
func (c *Collector) Return(seen []Sighting) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range seen {
		k := s.Key()
		if p := c.pending[k]; p != nil {
			p.Hits += s.Hits
			p.First = s.First
			continue
		}
		c.pending[k] = &s
		c.fresh = true
	}
}

// Load marks as known every name the store holds, so that only names new
// to every node count as fresh.
func (c *Collector) Load(stored []Sighting) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range stored {
		c.learn(s.Key())
	}
}

// Dropped is how many sightings of new names were dropped because the
// collector was full.
func (c *Collector) Dropped() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// compare orders sightings as the store lists them: kind, name, source.
func compare(a, b Sighting) int {
	return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.Name, b.Name),
		strings.Compare(string(a.Source), string(b.Source)))
}
