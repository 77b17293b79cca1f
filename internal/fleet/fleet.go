// Package fleet holds the rules of a cluster of Vigilo nodes: which nodes
// are alive, which recorder a camera belongs on (placement.go), and which
// recorder may write a camera now (a lease with a fencing revision). It has
// no dependencies: the store keeps nodes and leases, the cluster component
// (internal/cluster) acts on these rules.
package fleet

import (
	"slices"
	"time"
)

// Roles a node can have.
const (
	RoleAPI      = "api"
	RoleRecorder = "recorder"
)

// Node is one process of the cluster as its heartbeats describe it.
type Node struct {
	ID string
	// Instance tells one run of the node from the next: two processes with
	// one ID are refused.
	Instance string
	Roles    []string
	// URL is where the other nodes reach its HTTP listener.
	URL string
	// Capacity weighs a recorder in placement.
	Capacity  int
	StartedAt time.Time
	LastSeen  time.Time
}

// Has reports whether the node has the role.
func (n Node) Has(role string) bool { return slices.Contains(n.Roles, role) }

// Alive reports whether the node heartbeated within ttl of now.
func (n Node) Alive(now time.Time, ttl time.Duration) bool { return now.Sub(n.LastSeen) <= ttl }

// Lease is the right of one recorder to write one camera. Revision grows
// by one at every change of holder; each segment is stamped with the
// revision it was written under, so the index can drop what a recorder
// wrote after another took the camera over (the fence).
type Lease struct {
	CameraID int64
	NodeID   string
	Revision int64
	Acquired time.Time
	Expires  time.Time
}

// Live reports whether the lease still holds at now.
func (l Lease) Live(now time.Time) bool { return now.Before(l.Expires) }

// Recorders lists the live recorders among nodes.
func Recorders(nodes []Node, now time.Time, ttl time.Duration) []Node {
	var out []Node
	for _, n := range nodes {
		if n.Has(RoleRecorder) && n.Alive(now, ttl) {
			out = append(out, n)
		}
	}
	return out
}

// Fenced reports whether a segment written under revision rev and started
// at start must be dropped because the camera's lease had passed to a newer
// revision before it began: the old writer is still finishing, and the new
// one covers that time (the duplicate of an overlapping handover).
// Segments that started before the handover are kept: they hold the video
// up to the moment the new writer began.
func Fenced(l Lease, found bool, rev int64, start time.Time) bool {
	return found && rev > 0 && l.Revision > rev && !start.Before(l.Acquired)
}
