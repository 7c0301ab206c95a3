package login

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// Failed logins are counted per client address and per user name typed.
// maxFailures within failWindow lock the key for lockBase; each failure
// after that, until a quiet failWindow, locks it again for twice as long,
// up to lockMax. Lockouts remembered (locks) fade after lockMemory
// without a failure.
const (
	maxFailures = 5
	failWindow  = 15 * time.Minute
	lockBase    = time.Minute
	lockMax     = 15 * time.Minute
	lockMemory  = 24 * time.Hour
	// maxTracked bounds the keys remembered; the least recently failed are
	// forgotten first.
	maxTracked = 10000
)

// throttle counts failed logins per key in bounded memory.
type throttle struct {
	mu    sync.Mutex
	order *list.List // of *strikes, least recently failed first
	keys  map[string]*list.Element
}

type strikes struct {
	key   string
	fails int
	locks int
	last  time.Time // latest failure
	until time.Time // locked before this
}

func newThrottle() *throttle {
	return &throttle{order: list.New(), keys: map[string]*list.Element{}}
}

// throttles keeps each credential's counts across config reloads, so that
// a reload does not lift a lockout. One entry per credential ever
// configured in this process.
var throttles sync.Map // sha256(user, hash) → *throttle

func throttleFor(user, hash string) *throttle {
	t, _ := throttles.LoadOrStore(sha256.Sum256([]byte(user+"\x00"+hash)), newThrottle())
	return t.(*throttle)
}

// locked is how long key stays locked at now; 0 if it is not.
func (t *throttle) locked(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.keys[key]; ok {
		return max(0, e.Value.(*strikes).until.Sub(now))
	}
	return 0
}

// fail counts a failure of key at now, and says for how long it locked the
// key if this failure did.
func (t *throttle) fail(key string, now time.Time) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	el, ok := t.keys[key]
	if !ok {
		if t.order.Len() >= maxTracked {
			delete(t.keys, t.order.Remove(t.order.Front()).(*strikes).key)
		}
		el = t.order.PushBack(&strikes{key: key})
		t.keys[key] = el
	}
	t.order.MoveToBack(el)
	s := el.Value.(*strikes)
	if now.Sub(s.last) > lockMemory {
		s.locks = 0
	}
	if now.Sub(s.last) > failWindow {
		s.fails = 0
	}
	s.last = now
	s.fails++
	if s.fails < maxFailures {
		return 0, false
	}
	d := min(lockBase<<min(s.locks, 10), lockMax)
	s.locks++
	s.fails = maxFailures - 1 // the next failure within the window locks again
	s.until = now.Add(d)
	return d, true
}

// forget clears key after a successful login.
func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.keys[key]; ok {
		t.order.Remove(el)
		delete(t.keys, key)
	}
}
