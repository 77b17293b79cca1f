package identity

import (
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

// Every argon2id computation in the process (sign-in, password set, change,
// confirm, reset, setup) takes a slot here first. A hash holds Memory KiB
// (19 MiB by default) while it runs, so without a bound a storm of sign-ins
// grows the process by 19 MiB per request in flight; with it, memory is
// slots × 19 MiB whatever the load, and a request that cannot get a slot
// within the wait is refused with 503 + Retry-After instead of queueing
// without end.

// Lane is the queue a hash waits in when every slot is busy. Known goes
// first: sign-ins from a client whose last sign-in succeeded (and none failed
// since), so a storm of failing guesses from elsewhere delays regular users
// by one hash, not by the storm's queue. The lane depends on the client
// only, never on whether the account exists, so it reveals nothing.
type Lane int

const (
	LaneAnyone Lane = iota
	LaneKnown
)

type hashGate struct {
	wait time.Duration
	size int

	mu      sync.Mutex
	free    int
	waiting [2][]*waiter // by Lane, oldest first
}

type waiter struct {
	ch      chan struct{}
	granted bool // under mu
}

var gate atomic.Pointer[hashGate]

// hashes counts the argon2id computations done, for metrics and for tests
// that check a sign-in spends exactly one whatever the address.
var hashes atomic.Int64

// HashCount is the number of argon2id computations done so far.
func HashCount() int64 { return hashes.Load() }

func init() { SetHashConcurrency(0, 0) }

// DefaultHashWait is how long a hash waits for a slot before the request is
// refused.
const DefaultHashWait = 3 * time.Second

// SetHashConcurrency sizes the gate: n concurrent hashes (0: derived from
// the cores and the memory limit, see DefaultHashConcurrency), each waiting
// at most wait for a slot (0: DefaultHashWait). Hashes already running keep
// the slot they hold in the previous gate.
func SetHashConcurrency(n int, wait time.Duration) {
	if n <= 0 {
		n = DefaultHashConcurrency()
	}
	if wait <= 0 {
		wait = DefaultHashWait
	}
	gate.Store(&hashGate{wait: wait, size: n, free: n})
}

// HashConcurrency is the current number of slots.
func HashConcurrency() int { return gate.Load().size }

// DefaultHashConcurrency is one hash per core (argon2id with one lane is
// CPU-bound: more at once only queue inside the scheduler), at most 8, and
// no more than a quarter of a memory limit (GOMEMLIMIT) can hold.
func DefaultHashConcurrency() int {
	n := min(runtime.GOMAXPROCS(0), 8)
	if lim := debug.SetMemoryLimit(-1); lim != math.MaxInt64 {
		per := int64(max(DefaultArgon2.Memory, 1)) * 1024
		n = min(n, int(lim/4/per))
	}
	return max(n, 1)
}

var errHashBusy = errs.Later(errs.Unavailable, "busy", time.Second,
	"the server is busy checking other passwords; try again in a moment")

// withSlot runs fn holding a slot, or refuses when none frees up in time.
func withSlot(lane Lane, fn func()) error {
	g := gate.Load()
	if !g.acquire(lane) {
		return errHashBusy
	}
	defer g.release()
	fn()
	hashes.Add(1)
	return nil
}

func (g *hashGate) acquire(lane Lane) bool {
	g.mu.Lock()
	ahead := len(g.waiting[LaneKnown])
	if lane == LaneAnyone {
		ahead += len(g.waiting[LaneAnyone])
	}
	if g.free > 0 && ahead == 0 {
		g.free--
		g.mu.Unlock()
		return true
	}
	w := &waiter{ch: make(chan struct{}, 1)}
	g.waiting[lane] = append(g.waiting[lane], w)
	g.mu.Unlock()
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case <-w.ch:
		return true
	case <-t.C:
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if w.granted { // the slot arrived as the timer fired: keep it
		return true
	}
	g.waiting[lane] = slices.DeleteFunc(g.waiting[lane], func(x *waiter) bool { return x == w })
	return false
}

// release hands the slot to the oldest waiter of the first lane that has one.
func (g *hashGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, lane := range []Lane{LaneKnown, LaneAnyone} {
		if q := g.waiting[lane]; len(q) > 0 {
			w := q[0]
			g.waiting[lane] = q[1:]
			w.granted = true
			w.ch <- struct{}{}
			return
		}
	}
	g.free++
}
