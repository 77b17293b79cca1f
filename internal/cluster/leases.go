package cluster

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
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
//
// A tick reads only what this recorder needs (docs/SCALING.md): it renews
// its node's lease time (one row), reads the nodes (one row per node) and
// the count and revision sum of its own leases (one row). Placement is
// computed again only when the live recorders or the desired cameras
// changed, the leases of the cameras it wins and does not hold are read
// only while there are such cameras, and its own leases are read in full
// only when their sum says another recorder took one.
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

	// own is the leases naming this node as last read, plus those it took
	// since: what LeaseSum is checked against. nil: read them.
	own map[int64]int64
	// recsKey names the live recorders and their capacities that mine was
	// placed on; want is the desired list it was placed from.
	recsKey string
	want    []int64
	// mine is the desired cameras placement gives this recorder.
	mine []int64
	// alive is the live recorders by id (logging of takeovers).
	alive map[string]bool

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
		// What was read is no longer sure: read it all again.
		l.own, l.recsKey = nil, ""
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
	if err := l.checkOwn(ctx, now); err != nil {
		return err
	}
	recs := fleet.Recorders(nodes, now, l.ttl)
	if key := recordersKey(recs); key != l.recsKey || !slices.Equal(want, l.want) {
		l.place(want, recs)
		l.recsKey = key
	}
	// Desired cameras held under an older run of this node (a restart
	// before the others took them over): still ours.
	for _, id := range l.mine {
		if rev, ok := l.own[id]; ok {
			if _, held := l.held[id]; !held {
				l.hold(id, rev)
			}
		}
	}
	var pending []int64
	for _, id := range l.mine {
		if _, ok := l.held[id]; !ok {
			pending = append(pending, id)
		}
	}
	return l.take(ctx, now, pending)
}

// checkOwn finds the leases another recorder took from this one: it
// compares the count and revision sum of the leases naming this node with
// what it believes it holds, and reads them only when they differ.
func (l *Leases) checkOwn(ctx context.Context, now time.Time) error {
	if l.own != nil {
		n, sum, err := l.st.LeaseSum(ctx, l.node)
		if err != nil {
			return err
		}
		var mySum int64
		for _, rev := range l.own {
			mySum += rev
		}
		if n == len(l.own) && sum == mySum {
			return nil
		}
	}
	rows, err := l.st.NodeLeases(ctx, l.node)
	if err != nil {
		return err
	}
	l.own = make(map[int64]int64, len(rows))
	for _, x := range rows {
		l.own[x.CameraID] = x.Revision
	}
	// Cameras whose lease another recorder took: keep them for the grace.
	for id, rev := range l.held {
		if l.own[id] == rev {
			continue
		}
		delete(l.held, id)
		l.lost.Add(1)
		l.lostAt[id] = now
		l.log.Info("camera lease taken by another recorder", "camera", id, "revision", rev)
	}
	return nil
}

// place computes which of want this recorder wins on recs.
func (l *Leases) place(want []int64, recs []fleet.Node) {
	l.want = slices.Clone(want)
	l.mine = l.mine[:0]
	for _, id := range want {
		if fleet.Place(id, recs) == l.node {
			l.mine = append(l.mine, id)
		}
	}
	l.alive = make(map[string]bool, len(recs))
	for _, n := range recs {
		l.alive[n.ID] = true
	}
}

// recordersKey names a set of live recorders with their capacities:
// placement changes only when it does.
func recordersKey(recs []fleet.Node) string {
	var b strings.Builder
	for _, n := range recs {
		b.WriteString(n.ID)
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(n.Capacity))
		b.WriteByte(0)
	}
	return b.String()
}

// take acquires the leases of the cameras this recorder wins and does not
// hold, as compare-and-sets on the revisions just read (a race lost is
// tried again at the next tick, after placement was judged again).
func (l *Leases) take(ctx context.Context, now time.Time, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	cur, err := l.st.LeasesOf(ctx, ids)
	if err != nil {
		return err
	}
	leases := make(map[int64]fleet.Lease, len(cur))
	for _, x := range cur {
		leases[x.CameraID] = x
	}
	for _, id := range ids {
		x, has := leases[id]
		var seen int64
		if has {
			seen = x.Revision
		}
		got, ok, err := l.st.AcquireLease(ctx, id, l.node, seen, now, now.Add(l.ttl))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		from := "nobody"
		if has {
			from = x.NodeID
			if !l.alive[x.NodeID] || !x.Live(now) {
				from += " (dead)"
			}
		}
		l.log.Info("camera lease taken", "camera", id, "from", from, "revision", got.Revision)
		l.taken.Add(1)
		l.own[id] = got.Revision
		l.hold(id, got.Revision)
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
	l.own, l.recsKey = nil, ""
	return l.st.ReleaseLeases(ctx, l.node, l.now())
}
