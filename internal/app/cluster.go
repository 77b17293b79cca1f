package app

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/fleet"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// ClusterNode is one node as the operator sees it: its roles, how many
// cameras it records (live leases), its last heartbeat.
type ClusterNode struct {
	fleet.Node
	Cameras int
	Alive   bool
	// Uploads is the recorder's S3 upload backlog as last reported (nil:
	// no S3, or not a recorder; docs/S3.md).
	Uploads *fleet.UploadQueue
}

// NodeTTL is how long a node may be silent and still count as alive; the
// server sets it from VIGILO_LEASE_TTL (zero: 5 s).
func (a *App) nodeTTL() time.Duration {
	if a.Config.NodeTTL > 0 {
		return a.Config.NodeTTL
	}
	return 5 * time.Second
}

// ClusterNodes lists the nodes that ever heartbeated into the shared
// database (none on a single node). The operator's administrators only.
func (a *App) ClusterNodes(ctx context.Context, actor tenancy.Actor) ([]ClusterNode, error) {
	if !actor.IsOperator() || !actor.Admin {
		return nil, errs.Forbiddenf("forbidden", "only the operator's administrators see the cluster")
	}
	nodes, err := a.Store.R().Nodes(ctx)
	if err != nil {
		return nil, err
	}
	leases, err := a.Store.R().Leases(ctx)
	if err != nil {
		return nil, err
	}
	queues, err := a.Store.R().UploadQueues(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	count := map[string]int{}
	for _, l := range leases {
		if l.Live(now) {
			count[l.NodeID]++
		}
	}
	out := make([]ClusterNode, len(nodes))
	for i, n := range nodes {
		out[i] = ClusterNode{Node: n, Cameras: count[n.ID], Alive: n.Alive(now, a.nodeTTL())}
		if q, ok := queues[n.ID]; ok {
			out[i].Uploads = &q
		}
	}
	return out, nil
}

// RecorderOf is the live recorder holding the camera's lease: live
// viewers and on-demand pulls go to it. ok is false when none does (a
// single node, or a camera not recorded now).
func (a *App) RecorderOf(ctx context.Context, cameraID int64) (n fleet.Node, ok bool, err error) {
	l, found, err := a.Store.R().Lease(ctx, cameraID)
	if err != nil || !found || !l.Live(time.Now()) {
		return n, false, err
	}
	nodes, err := a.Store.R().Nodes(ctx)
	if err != nil {
		return n, false, err
	}
	for _, n := range nodes {
		if n.ID == l.NodeID && n.Alive(time.Now(), a.nodeTTL()) && n.URL != "" {
			return n, true, nil
		}
	}
	return n, false, nil
}
