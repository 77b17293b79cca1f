package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	m.Metrics.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigilo_cluster_nats_connected",
			Help: "1 while this node's NATS connection is up."}, func() float64 {
			if link.Connected() {
				return 1
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vigilo_cluster_auth_announcements_total",
			Help: "Auth changes of other nodes received (each reloads this node's authentication cache)."},
			func() float64 { return float64(link.AuthAnnouncements()) }))
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
	stat := func(pick func(held int, taken, lost uint64) float64) func() float64 {
		return func() float64 { return pick(l.Stats()) }
	}
	m.Metrics.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigilo_cluster_leases_held",
			Help: "Camera leases this recorder holds."}, stat(func(h int, _, _ uint64) float64 { return float64(h) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vigilo_cluster_leases_taken_total",
			Help: "Camera leases this recorder took (new cameras, failovers, handovers)."},
			stat(func(_ int, t, _ uint64) float64 { return float64(t) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vigilo_cluster_leases_lost_total",
			Help: "Camera leases another recorder took from this one."},
			stat(func(_ int, _, lost uint64) float64 { return float64(lost) })))
	m.OnClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := l.Release(ctx); err != nil {
			m.Log.Warn("release camera leases", "err", err)
		}
	})
	return l
}
