package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

// TestTake: a network has its burst, then one token per 1/perSecond; the
// first refusal says so once; addresses of one network share a bucket; a
// full table sends new networks to one overflow bucket until idle buckets
// are swept.
func TestTake(t *testing.T) {
	t0 := time.Unix(1e9, 0)
	type take struct {
		addr   string
		after  time.Duration // since t0
		ok     bool
		starts bool
	}
	for _, tc := range []struct {
		name  string
		takes []take
	}{
		{"burst, then refused, started once", []take{
			{"192.0.2.1", 0, true, false}, {"192.0.2.1", 0, true, false},
			{"192.0.2.1", 0, false, true}, {"192.0.2.1", 0, false, false},
		}},
		{"refill", []take{
			{"192.0.2.1", 0, true, false}, {"192.0.2.1", 0, true, false}, {"192.0.2.1", 0, false, true},
			{"192.0.2.1", time.Second, true, false}, {"192.0.2.1", time.Second, false, true},
		}},
		{"one /24, with ports", []take{
			{"192.0.2.1:1", 0, true, false}, {"192.0.2.200:2", 0, true, false}, {"192.0.2.9", 0, false, true},
			{"198.51.100.1", 0, true, false},
		}},
		{"one IPv6 /48", []take{
			{"2001:db8:1:1::1", 0, true, false}, {"[2001:db8:1:ffff::2]:443", 0, true, false}, {"2001:db8:1::3", 0, false, true},
		}},
		{"full table: new networks share the overflow bucket", []take{
			{"10.0.1.1", 0, true, false}, {"10.0.2.1", 0, true, false}, {"10.0.3.1", 0, true, false},
			{"10.0.4.1", 0, true, false}, {"10.0.5.1", 0, true, false}, {"10.0.6.1", 0, false, true},
		}},
		{"full table: idle buckets are swept", []take{
			{"10.0.1.1", 0, true, false}, {"10.0.2.1", 0, true, false}, {"10.0.3.1", 0, true, false},
			{"10.0.4.1", 3 * time.Second, true, false}, {"10.0.4.1", 3 * time.Second, true, false},
		}},
	} {
		// 2 tokens, 1 a second, 3 networks.
		l := New(1, 2, 3)
		for i, tk := range tc.takes {
			ok, started := l.Take(tk.addr, t0.Add(tk.after))
			if got, want := fmt.Sprint(ok, started), fmt.Sprint(tk.ok, tk.starts); got != want {
				t.Errorf("%s: take %d (%s at +%v): ok, started = %s, want %s", tc.name, i, tk.addr, tk.after, got, want)
			}
		}
		if len(l.clients) > 4 { // 3 networks and the overflow bucket
			t.Errorf("%s: %d buckets", tc.name, len(l.clients))
		}
	}
}
