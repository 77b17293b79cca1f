package server

import (
	"context"

	"github.com/vigilo/vigilo/internal/cluster"
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
	return nil
}
