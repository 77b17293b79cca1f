package identity

import (
	"math"
	"runtime"
	"runtime/debug"
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

type hashGate struct {
	slots chan struct{}
	wait  time.Duration
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
	gate.Store(&hashGate{slots: make(chan struct{}, n), wait: wait})
}

// HashConcurrency is the current number of slots.
func HashConcurrency() int { return cap(gate.Load().slots) }

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
func withSlot(fn func()) error {
	g := gate.Load()
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		select {
		case g.slots <- struct{}{}:
			t.Stop()
		case <-t.C:
			return errHashBusy
		}
	}
	defer func() { <-g.slots }()
	fn()
	hashes.Add(1)
	return nil
}
