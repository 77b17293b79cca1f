package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/fleet"
)

// Store is what the registry and the leases keep in the shared database
// (store.Q has these methods).
type Store interface {
	Heartbeat(ctx context.Context, n fleet.Node, ttl time.Duration) (bool, error)
	Nodes(ctx context.Context) ([]fleet.Node, error)
	NodeLeases(ctx context.Context, node string) ([]fleet.Lease, error)
	LeasesOf(ctx context.Context, ids []int64) ([]fleet.Lease, error)
	LeaseSum(ctx context.Context, node string) (count int, sum int64, err error)
	AcquireLease(ctx context.Context, cameraID int64, node string, seen int64, now, expires time.Time) (fleet.Lease, bool, error)
	RenewLeases(ctx context.Context, node string, expires time.Time) error
	ReleaseLeases(ctx context.Context, node string, now time.Time) error
}

// Registry heartbeats this node into the shared database, every TTL/5, so
// that the others know it is alive (and, for a recorder, place cameras on
// it). It is a component: NewRegistry starts it, Close stops it.
type Registry struct {
	st   Store
	ttl  time.Duration
	log  *slog.Logger
	mu   sync.Mutex
	node fleet.Node

	cancel context.CancelFunc
	done   chan struct{}
}

// NewRegistry claims the node id and starts heartbeating. Another process
// heartbeating the same id makes it fail naming VIGILO_NODE_ID; a silent
// one (killed, crashed) is waited out for at most ttl, then replaced.
func NewRegistry(ctx context.Context, st Store, n fleet.Node, ttl time.Duration, log *slog.Logger) (*Registry, error) {
	if n.Instance == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		n.Instance = hex.EncodeToString(b[:])
	}
	n.StartedAt = time.Now()
	r := &Registry{st: st, ttl: ttl, log: log.With("part", "cluster-registry"), node: n, done: make(chan struct{})}
	deadline := time.Now().Add(ttl + time.Second)
	for {
		n.LastSeen = time.Now()
		ok, err := st.Heartbeat(ctx, n, ttl)
		if err != nil {
			return nil, fmt.Errorf("cluster registry: %w", err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("VIGILO_NODE_ID: a node named %q is already running (it heartbeated within %v); give each node its own id", n.ID, ttl)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(ttl / 5):
		}
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.loop(loopCtx)
	return r, nil
}

func (r *Registry) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.ttl / 5)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		r.node.LastSeen = time.Now()
		n := r.node
		r.mu.Unlock()
		hctx, cancel := context.WithTimeout(ctx, r.ttl/2)
		ok, err := r.st.Heartbeat(hctx, n, r.ttl)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			r.log.Warn("heartbeat", "err", err)
		case err == nil && !ok:
			r.log.Error("another process heartbeats under this node's id (VIGILO_NODE_ID); give each node its own id", "node", n.ID)
		}
	}
}

// Node is this node as announced.
func (r *Registry) Node() fleet.Node {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.node
}

// Close stops heartbeating; the node is seen dead after the TTL.
func (r *Registry) Close() {
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
}
