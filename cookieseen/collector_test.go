package cookieseen

import (
	"fmt"
	"testing"
	"time"
)

func TestCollectorMergesAndBounds(t *testing.T) {
	c := NewCollector(3)
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	up := func(name string, maxAge int64) Sighting {
		return Sighting{Kind: Cookie, Name: name, Source: Upstream, MaxAge: maxAge}
	}
	if !c.Add(up("PHPSESSID", 0), t0) {
		t.Error("a first sighting is not fresh")
	}
	if c.Add(up("PHPSESSID", -1), t0.Add(time.Minute)) {
		t.Error("a second sighting of a pending name is fresh")
	}
	got := c.Take()
	if len(got) != 1 || got[0].Hits != 2 || got[0].MaxAge != 0 || !got[0].First.Equal(t0) || !got[0].Last.Equal(t0.Add(time.Minute)) {
		t.Fatalf("Take = %+v, want one PHPSESSID seen twice, max-age 0 kept", got)
	}
	if c.Fresh() || len(c.Take()) != 0 {
		t.Error("Take left something pending")
	}
	if c.Add(up("PHPSESSID", 3600), t0) {
		t.Error("a name already written counts as fresh again")
	}
	// A failed write comes back, merged with what came since.
	c.Return(got)
	if p := c.Take(); len(p) != 1 || p[0].Hits != 3 || p[0].MaxAge != 3600 {
		t.Errorf("after Return, Take = %+v, want hits 3 and the newer max-age", p)
	}
	// Names other nodes stored are not fresh here.
	c.Load([]Sighting{up("laravel_session", 0)})
	if c.Add(up("laravel_session", 0), t0) {
		t.Error("a name another node stored counts as fresh")
	}
	// A flood from the banner fills only the banner's share.
	for i := range 10 {
		c.Add(Sighting{Kind: Storage, Name: fmt.Sprint("junk", i), Source: Banner, MaxAge: -1}, t0)
	}
	if c.Dropped() != 7 {
		t.Errorf("dropped %d banner names, want 7 over the bound of 3", c.Dropped())
	}
	if !c.Add(up("XSRF-TOKEN", 0), t0) {
		t.Error("the banner's flood crowded out an upstream cookie")
	}
}
