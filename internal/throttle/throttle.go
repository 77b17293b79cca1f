// Package throttle counts events per key (a failed sign-in for an e-mail
// address, a reset mail for a client address) and locks a key out for
// growing periods once it has used its free events. It knows nothing about
// what the keys mean, so the same type guards sign-in and mail sending.
//
// Memory is bounded: a key is forgotten after a quiet period, and the table
// never holds more than MaxKeys keys — when full, the least recently seen of
// a small sample of unlocked keys makes room, so flooding the table with new
// keys costs the flooder its own entries long before it evicts a lock.
package throttle

import (
	"sync"
	"time"
)

// Config shapes one limiter.
type Config struct {
	// Free is how many events a key may have before the first lock.
	Free int
	// Base is the first lock; each further event doubles it up to Max.
	Base, Max time.Duration
	// Forget drops a key's count after this long without events and without
	// a lock in force.
	Forget time.Duration
	// MaxKeys caps the table.
	MaxKeys int
}

// Limiter is safe for concurrent use.
type Limiter struct {
	cfg Config
	now func() time.Time

	mu        sync.Mutex
	keys      map[string]*entry
	lastSweep time.Time
}

type entry struct {
	n     int       // events counted
	until time.Time // locked until (zero: not locked)
	seen  time.Time // last event
}

// New builds a limiter; now is its clock (tests move it).
func New(cfg Config, now func() time.Time) *Limiter {
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 100_000
	}
	if cfg.Base <= 0 {
		cfg.Base = time.Second
	}
	if cfg.Max < cfg.Base {
		cfg.Max = cfg.Base
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{cfg: cfg, now: now, keys: map[string]*entry{}}
}

// Wait is how long key is still locked out (0: it may go ahead).
func (l *Limiter) Wait(key string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e == nil {
		return 0
	}
	if l.stale(e, now) {
		delete(l.keys, key)
		return 0
	}
	return max(e.until.Sub(now), 0)
}

// Take asks to go ahead with one event for key. While key is locked it
// answers the time left and counts nothing (how hard a locked door is
// knocked on does not lengthen the lock); otherwise it counts the event and
// answers wait 0 with the lock this very event starts (0 while free). The
// check and the count are one step, so a burst of concurrent attempts gets
// exactly the free ones through, not as many as arrive before the first
// failure is counted.
func (l *Limiter) Take(key string) (wait, lock time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e != nil && l.stale(e, now) {
		delete(l.keys, key)
		e = nil
	}
	if e != nil && now.Before(e.until) {
		return e.until.Sub(now), 0
	}
	if e == nil {
		l.makeRoom(now)
		e = &entry{}
		l.keys[key] = e
	}
	e.n++
	e.seen = now
	over := e.n - l.cfg.Free
	if over <= 0 {
		return 0, 0
	}
	lock = l.cfg.Max
	if over <= 40 { // beyond that the shift would overflow; Max applies anyway
		lock = min(l.cfg.Base<<(over-1), l.cfg.Max)
	}
	e.until = now.Add(lock)
	return 0, lock
}

// Undo takes back one event counted by Take (the attempt turned out not to
// count: a right password, or the server was too busy to check it). A lock
// goes too once the count is back within the free events.
func (l *Limiter) Undo(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e == nil {
		return
	}
	if e.n--; e.n <= 0 {
		delete(l.keys, key)
	} else if e.n <= l.cfg.Free {
		e.until = time.Time{}
	}
}

// Has tells whether key has events not yet forgotten (a limiter with an
// unreachable Free is a bounded, expiring set: "clients that recently
// signed in").
func (l *Limiter) Has(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	return e != nil && !l.stale(e, now)
}

// Reset forgets key (a successful sign-in clears its account's count).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	delete(l.keys, key)
	l.mu.Unlock()
}

// Len is the number of keys held.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

func (l *Limiter) stale(e *entry, now time.Time) bool {
	return !now.Before(e.until) && now.Sub(e.seen) >= l.cfg.Forget
}

// sampleSize is how many keys an eviction looks at.
const sampleSize = 16

// makeRoom keeps the table under MaxKeys. A full sweep of stale keys runs at
// most once a second (it is linear); otherwise a random sample (Go's map
// iteration order) gives up its least recently seen unlocked key.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.keys) < l.cfg.MaxKeys {
		return
	}
	if now.Sub(l.lastSweep) >= time.Second || now.Before(l.lastSweep) {
		l.lastSweep = now
		for k, e := range l.keys {
			if l.stale(e, now) {
				delete(l.keys, k)
			}
		}
	}
	for len(l.keys) >= l.cfg.MaxKeys {
		var victim string
		var oldest time.Time
		locked, seen := "", 0
		for k, e := range l.keys {
			if now.Before(e.until) {
				locked = k
			} else if victim == "" || e.seen.Before(oldest) {
				victim, oldest = k, e.seen
			}
			if seen++; seen >= sampleSize {
				break
			}
		}
		if victim == "" {
			victim = locked // a sample of locks only: one of them goes
		}
		delete(l.keys, victim)
	}
}
