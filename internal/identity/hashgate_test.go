package identity

import (
	"sync"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

func withGate(t *testing.T, n int, wait time.Duration) *hashGate {
	saved := gate.Load()
	SetHashConcurrency(n, wait)
	t.Cleanup(func() { gate.Store(saved) })
	return gate.Load()
}

// queued waits until the gate has n waiters in lane.
func queued(t *testing.T, g *hashGate, lane Lane, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.mu.Lock()
		got := len(g.waiting[lane])
		g.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lane %d: %d waiters, want %d", lane, got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHashGateBoundsAndRefusesAfterTheWait(t *testing.T) {
	g := withGate(t, 2, 50*time.Millisecond)
	if !g.acquire(LaneAnyone) || !g.acquire(LaneKnown) {
		t.Fatal("free slots refused")
	}
	err := withSlot(LaneKnown, func() { t.Fatal("ran without a slot") })
	if errs.KindOf(err) != errs.Unavailable || errs.RetryAfterOf(err) <= 0 {
		t.Fatalf("full gate: %v", err)
	}
	g.release()
	ran := false
	if err := withSlot(LaneAnyone, func() { ran = true }); err != nil || !ran {
		t.Fatalf("freed slot: %v", err)
	}
	g.release()
	if g.free != 2 || len(g.waiting[0])+len(g.waiting[1]) != 0 {
		t.Fatalf("gate not back to idle: free %d, waiting %v", g.free, g.waiting)
	}
}

func TestHashGateServesKnownClientsFirst(t *testing.T) {
	g := withGate(t, 1, 5*time.Second)
	g.acquire(LaneAnyone) // the one slot is busy
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	run := func(name string, lane Lane) {
		wg.Go(func() {
			if !g.acquire(lane) {
				t.Errorf("%s refused", name)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			g.release()
		})
	}
	run("storm-1", LaneAnyone)
	queued(t, g, LaneAnyone, 1)
	run("storm-2", LaneAnyone)
	queued(t, g, LaneAnyone, 2)
	run("regular", LaneKnown)
	queued(t, g, LaneKnown, 1)
	g.release()
	wg.Wait()
	if len(order) != 3 || order[0] != "regular" || order[1] != "storm-1" {
		t.Fatalf("served in order %v", order)
	}
}
