package throttle

import (
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time       { return c.t }
func (c *clock) move(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func cfg() Config {
	return Config{Free: 3, Base: time.Second, Max: 8 * time.Second, Forget: time.Hour, MaxKeys: 100}
}
func hits(l *Limiter, key string, n int) {
	for range n {
		l.Take(key)
	}
}

// hit takes one event, failing the test if the key was locked.
func hit(t *testing.T, l *Limiter, key string) time.Duration {
	t.Helper()
	wait, lock := l.Take(key)
	if wait != 0 {
		t.Fatalf("%s refused for %v", key, wait)
	}
	return lock
}

func TestFreeThenDoublingLockUpToMax(t *testing.T) {
	c := newClock()
	l := New(cfg(), c.now)
	for i := range 3 {
		if d := hit(t, l, "a"); d != 0 {
			t.Fatalf("free event %d locked for %v", i+1, d)
		}
		if w := l.Wait("a"); w != 0 {
			t.Fatalf("free event %d: wait %v", i+1, w)
		}
	}
	for _, want := range []time.Duration{1, 2, 4, 8, 8, 8} {
		want *= time.Second
		if d := hit(t, l, "a"); d != want {
			t.Fatalf("lock %v, want %v", d, want)
		}
		if w := l.Wait("a"); w != want {
			t.Fatalf("wait %v, want %v", w, want)
		}
		c.move(want - time.Millisecond)
		if w := l.Wait("a"); w != time.Millisecond {
			t.Fatalf("just before the end: wait %v", w)
		}
		c.move(time.Millisecond)
		if w := l.Wait("a"); w != 0 {
			t.Fatalf("after the lock: wait %v", w)
		}
	}
	if w := l.Wait("b"); w != 0 {
		t.Fatalf("another key is locked too: %v", w)
	}
}

func TestHugeCountsStayAtMax(t *testing.T) {
	c := newClock()
	l := New(cfg(), c.now)
	for range 200 {
		hit(t, l, "a")
		c.move(8 * time.Second)
	}
	if d := hit(t, l, "a"); d != 8*time.Second {
		t.Fatalf("lock after 200 events: %v", d)
	}
}

func TestResetClearsTheCount(t *testing.T) {
	l := New(cfg(), newClock().now)
	hits(l, "a", 4)
	if l.Wait("a") == 0 {
		t.Fatal("not locked")
	}
	l.Reset("a")
	if w := l.Wait("a"); w != 0 {
		t.Fatalf("still locked after reset: %v", w)
	}
	if d := hit(t, l, "a"); d != 0 {
		t.Fatalf("the count survived the reset: lock %v", d)
	}
}

func TestQuietKeysAreForgotten(t *testing.T) {
	c := newClock()
	l := New(cfg(), c.now)
	hits(l, "a", 3)
	c.move(59 * time.Minute)
	if d := hit(t, l, "a"); d != time.Second {
		t.Fatalf("count forgotten too early: lock %v", d)
	}
	c.move(time.Hour)
	if d := hit(t, l, "a"); d != 0 {
		t.Fatalf("count kept after an hour of quiet: lock %v", d)
	}
	if !l.Has("a") {
		t.Fatal("a counted key is not held")
	}
	c.move(2 * time.Hour)
	if l.Has("a") {
		t.Fatal("a forgotten key is still held")
	}
	l.Wait("a")
	if n := l.Len(); n != 0 {
		t.Fatalf("stale key still held: %d keys", n)
	}
}

func TestTableIsBoundedAndFloodingSparesLocks(t *testing.T) {
	c := newClock()
	l := New(cfg(), c.now)
	hits(l, "victim", 4) // locked for 1 s
	for i := range 10_000 {
		l.Take(fmt.Sprint("flood-", i))
		c.move(time.Microsecond)
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("table grew to %d keys, cap 100", n)
	}
	if w := l.Wait("victim"); w == 0 {
		t.Fatal("a flood of new keys evicted a lock")
	}
}

func TestFullTableOfLocksStillTakesNewKeys(t *testing.T) {
	l := New(Config{Free: 0, Base: time.Minute, Max: time.Minute, Forget: time.Hour, MaxKeys: 10}, newClock().now)
	for i := range 50 {
		if d := hit(t, l, fmt.Sprint("k", i)); d != time.Minute {
			t.Fatalf("key %d: lock %v", i, d)
		}
	}
	if n := l.Len(); n > 10 {
		t.Fatalf("table grew to %d keys, cap 10", n)
	}
}

func TestLockedKeysAreRefusedWithoutCounting(t *testing.T) {
	c := newClock()
	l := New(cfg(), c.now)
	hits(l, "a", 4) // the 4th starts a 1 s lock
	for range 100 {
		if wait, _ := l.Take("a"); wait != time.Second {
			t.Fatalf("locked key: wait %v", wait)
		}
	}
	c.move(time.Second)
	if d := hit(t, l, "a"); d != 2*time.Second {
		t.Fatalf("refused knocks were counted: next lock %v, want 2s", d)
	}
}

func TestUndoTakesBackOneEvent(t *testing.T) {
	l := New(cfg(), newClock().now)
	hits(l, "a", 3)
	if d := hit(t, l, "a"); d != time.Second {
		t.Fatalf("lock %v", d)
	}
	l.Undo("a") // that attempt did not count after all
	if w := l.Wait("a"); w != 0 {
		t.Fatalf("still locked after undo: %v", w)
	}
	if d := hit(t, l, "a"); d != time.Second {
		t.Fatalf("count after undo: lock %v, want 1s", d)
	}
	l2 := New(cfg(), newClock().now)
	l2.Take("b")
	l2.Undo("b")
	if l2.Len() != 0 {
		t.Fatal("an undone single event leaves a key behind")
	}
}
