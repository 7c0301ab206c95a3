// Package ratelimit rations requests per client network in bounded memory:
// the CSP report endpoint and GPC refusal records use it so that a flood
// from one network, or from many, costs a fixed amount of work and memory.
package ratelimit

import (
	"sync"
	"time"

	"github.com/consentgate/consentgate/consentlog"
)

// Limiter is a token bucket per client network (IPv4 /24, IPv6 /48, as
// consent records truncate them), bounded in the networks it tracks: when
// the table is full, idle buckets are dropped, and until room is made every
// new network shares one overflow bucket. A flood of addresses therefore
// costs a fixed amount of memory and cannot buy itself fresh tokens.
type Limiter struct {
	perSecond, burst float64
	maxClients       int

	mu        sync.Mutex
	clients   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens   float64
	at       time.Time
	dropping bool // the last take was refused
}

// New returns a limiter that lets each client network take burst tokens at
// once, refilled at perSecond, and tracks at most maxClients networks.
func New(perSecond, burst float64, maxClients int) *Limiter {
	return &Limiter{perSecond: perSecond, burst: burst, maxClients: maxClients, clients: map[string]*bucket{}}
}

// Take spends a token of the client at addr (an IP, with or without port)
// at time now, which the caller passes so that tests need no clock hook.
// started is true on the first refusal after a take that succeeded, so a
// caller can log once when it starts dropping a client.
func (l *Limiter) Take(addr string, now time.Time) (ok, started bool) {
	key := consentlog.TruncateIP(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[key]
	if b == nil {
		if len(l.clients) >= l.maxClients {
			l.sweep(now)
		}
		if len(l.clients) >= l.maxClients {
			key = "overflow"
			b = l.clients[key]
		}
		if b == nil {
			b = &bucket{tokens: l.burst, at: now}
			l.clients[key] = b
		}
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.perSecond)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		b.dropping = false
		return true, false
	}
	started = !b.dropping
	b.dropping = true
	return false, started
}

// sweep drops the buckets that have refilled (their clients have been idle),
// at most once a second so that a full table of busy clients is not
// rescanned on every request.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Second {
		return
	}
	l.lastSweep = now
	for k, b := range l.clients {
		if b.tokens+now.Sub(b.at).Seconds()*l.perSecond >= l.burst {
			delete(l.clients, k)
		}
	}
}
