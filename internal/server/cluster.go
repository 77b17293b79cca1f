package server

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/cluster"
	"github.com/vigilo/vigilo/internal/fleet"
)

// startCluster joins the cluster's NATS when VIGILO_NATS_URL is set
// (docs/CLUSTER.md): events then travel between nodes and every node's
// authentication cache follows every node's writes. Without it this is a
// single node and nothing changes. An unreachable NATS fails the start.
func (m *Main) startCluster(ctx context.Context) error {
	c := m.Config.Cluster
	m.App.Cameras.NodeName = c.NodeID
	if !c.Enabled() {
		return nil
	}
	link, err := cluster.Connect(ctx, cluster.Config{URL: c.NATSURL, NodeID: c.NodeID, Log: m.Log}, m.App.Events, m.Store)
	if err != nil {
		return err
	}
	m.link = link
	m.OnClose(link.Close)
	url := c.NodeURL
	if url == "" {
		url = "http://" + m.Addr
	}
	reg, err := cluster.NewRegistry(ctx, m.Store.W(), fleet.Node{ID: c.NodeID, Instance: link.Instance, Roles: c.Roles, URL: url,
		Capacity: c.Capacity}, c.LeaseTTL, m.Log)
	if err != nil {
		link.Close()
		return err
	}
	m.OnClose(reg.Close)
	return nil
}

// startLeases makes this recorder write only the cameras whose leases it
// holds (cluster/leases.go); nil on a single node. The leases are released
// on Close after the recorder stopped, so the others take over at once.
func (m *Main) startLeases() *cluster.Leases {
	c := m.Config.Cluster
	if !c.Enabled() {
		return nil
	}
	l := cluster.NewLeases(m.Store.W(), c.NodeID, c.LeaseTTL, m.Log)
	m.OnClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := l.Release(ctx); err != nil {
			m.Log.Warn("release camera leases", "err", err)
		}
	})
	return l
}
