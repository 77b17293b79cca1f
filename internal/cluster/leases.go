package cluster

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilo/vigilo/internal/fleet"
)

// HandoverGrace is how long a recorder keeps writing a camera after it saw
// another take the camera's lease over: the new holder needs a moment to
// connect and reach a keyframe, so the old one overlaps it rather than leave
// a gap. What the old one writes after the takeover is dropped at indexing
// (fleet.Fenced), except the segment it had begun before.
const HandoverGrace = 2 * time.Second

// Leases decides which cameras this recorder writes: it places every
// desired camera on the live recorders (fleet.Place), takes the lease of
// those it wins (a free or expired lease, a dead holder's, or a live
// holder's on handover), renews what it holds, and gives up a camera whose
// lease another took, after HandoverGrace. When the database cannot be
// reached it stops every camera before its leases can expire, so no two
// recorders ever write one camera beyond a handover. The recording service
// asks it through Admit (recording.Gate) on each reconcile.
type Leases struct {
	st   Store
	node string
	ttl  time.Duration
	log  *slog.Logger
	now  func() time.Time

	mu      sync.Mutex
	held    map[int64]int64     // camera → revision held
	lostAt  map[int64]time.Time // camera → when its lease was seen taken
	lastRev map[int64]int64     // camera → last revision held (segment stamps)
	renewed time.Time           // last successful renewal
	counts  map[string]int      // node → cameras it holds (last read)

	// taken and lost count leases won and given up (metrics).
	taken, lost atomic.Uint64
}

// NewLeases is the lease keeper of recorder node; nothing runs until Admit.
func NewLeases(st Store, node string, ttl time.Duration, log *slog.Logger) *Leases {
	return &Leases{st: st, node: node, ttl: ttl, log: log.With("part", "cluster-leases"), now: time.Now,
		held: map[int64]int64{}, lostAt: map[int64]time.Time{}, lastRev: map[int64]int64{}}
}

// Admit returns which of the desired cameras this recorder may write now,
// with the lease revision of each (recording.Gate).
func (l *Leases) Admit(ctx context.Context, want []int64) (map[int64]int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if err := l.refresh(ctx, now, want); err != nil {
		// Cut off from the database: keep writing only while no lease of
		// ours can have expired yet (renewal every second, margin of one).
		if now.Sub(l.renewed) > l.ttl-time.Second && len(l.held) > 0 {
			l.log.Warn("leases not renewed; stopping every camera before they expire", "err", err, "cameras", len(l.held))
			clear(l.held)
		}
		return l.admitted(now), err
	}
	return l.admitted(now), nil
}

func (l *Leases) refresh(ctx context.Context, now time.Time, want []int64) error {
	ctx, cancel := context.WithTimeout(ctx, l.ttl/2)
	defer cancel()
	if err := l.st.RenewLeases(ctx, l.node, now.Add(l.ttl)); err != nil {
		return err
	}
	l.renewed = now
	nodes, err := l.st.Nodes(ctx)
	if err != nil {
		return err
	}
	all, err := l.st.Leases(ctx)
	if err != nil {
		return err
	}
	recs := fleet.Recorders(nodes, now, l.ttl)
	alive := map[string]bool{}
	for _, n := range recs {
		alive[n.ID] = true
	}
	leases := make(map[int64]fleet.Lease, len(all))
	l.counts = map[string]int{}
	for _, x := range all {
		leases[x.CameraID] = x
		if x.Live(now) {
			l.counts[x.NodeID]++
		}
	}
	// Cameras whose lease another recorder took: keep them for the grace.
	for id, rev := range l.held {
		x, ok := leases[id]
		if ok && x.NodeID == l.node && x.Revision == rev {
			continue
		}
		delete(l.held, id)
		l.lost.Add(1)
		l.lostAt[id] = now
		l.log.Info("camera lease taken by another recorder", "camera", id, "by", x.NodeID, "revision", x.Revision)
	}
	for _, id := range want {
		x, has := leases[id]
		if has && x.NodeID == l.node {
			l.hold(id, x.Revision)
			continue
		}
		if fleet.Place(id, recs) != l.node {
			continue // another recorder's, or a handover it will make
		}
		var seen int64
		if has {
			seen = x.Revision
		}
		got, ok, err := l.st.AcquireLease(ctx, id, l.node, seen, now, now.Add(l.ttl))
		if err != nil {
			return err
		}
		if ok {
			from := "nobody"
			if has {
				from = x.NodeID
				if !alive[x.NodeID] || !x.Live(now) {
					from += " (dead)"
				}
			}
			l.log.Info("camera lease taken", "camera", id, "from", from, "revision", got.Revision)
			l.taken.Add(1)
			l.hold(id, got.Revision)
		}
	}
	return nil
}

func (l *Leases) hold(id, rev int64) {
	l.held[id] = rev
	l.lastRev[id] = rev
	delete(l.lostAt, id)
}

// admitted is what is held plus what is in its handover grace.
func (l *Leases) admitted(now time.Time) map[int64]int64 {
	out := make(map[int64]int64, len(l.held)+len(l.lostAt))
	for id, rev := range l.held {
		out[id] = rev
	}
	for id, at := range l.lostAt {
		if now.Sub(at) < HandoverGrace {
			out[id] = l.lastRev[id]
		} else {
			delete(l.lostAt, id)
		}
	}
	return out
}

// Stats are what the metrics show: leases held now, leases taken and lost
// since start.
func (l *Leases) Stats() (held int, taken, lost uint64) {
	l.mu.Lock()
	held = len(l.held)
	l.mu.Unlock()
	return held, l.taken.Load(), l.lost.Load()
}

// Revision is the lease revision this recorder last wrote camera under
// (stamped on its segments); 0 if it never held it.
func (l *Leases) Revision(cameraID int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastRev[cameraID]
}

// Release lets every lease of this recorder expire now, so that the others
// take its cameras at once (a clean stop).
func (l *Leases) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.held)
	clear(l.lostAt)
	return l.st.ReleaseLeases(ctx, l.node, l.now())
}
