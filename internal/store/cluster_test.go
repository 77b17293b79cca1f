package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/fleet"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TestStoreClusterNodesAndLeases: heartbeats refuse a second live instance
// of one node id and take over a silent one; leases are a compare-and-set
// on the revision, renewed and released per node, and go with the camera.
func TestStoreClusterNodesAndLeases(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := st.W()
		t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		const ttl = 5 * time.Second
		n := fleet.Node{ID: "rec-1", Instance: "i1", Roles: []string{"recorder"}, URL: "http://127.0.0.1:1", Capacity: 100,
			StartedAt: t0, LastSeen: t0}
		if ok, err := w.Heartbeat(ctx, n, ttl); !ok || err != nil {
			t.Fatalf("first heartbeat: %v %v", ok, err)
		}
		twin := n
		twin.Instance, twin.LastSeen = "i2", t0.Add(2*time.Second)
		if ok, err := w.Heartbeat(ctx, twin, ttl); ok || err != nil {
			t.Fatalf("a second live instance of rec-1 was let in: %v %v", ok, err)
		}
		n.LastSeen = t0.Add(3 * time.Second)
		if ok, _ := w.Heartbeat(ctx, n, ttl); !ok {
			t.Fatal("the running instance's own heartbeat refused")
		}
		twin.LastSeen = t0.Add(9 * time.Second) // i1 silent for 6 s > ttl
		if ok, err := w.Heartbeat(ctx, twin, ttl); !ok || err != nil {
			t.Fatalf("a silent instance's id not taken over: %v %v", ok, err)
		}
		nodes, err := st.R().Nodes(ctx)
		if err != nil || len(nodes) != 1 || nodes[0].Instance != "i2" || !nodes[0].Has("recorder") || nodes[0].Capacity != 100 ||
			!nodes[0].LastSeen.Equal(twin.LastSeen) {
			t.Fatalf("nodes: %+v %v", nodes, err)
		}

		tr := tree{t: t, st: st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Root", nil)
		cams, err := w.SeedCameras(ctx, []store.SeedCamera{{IntegratorID: root.ID, Name: "a", Enabled: true},
			{IntegratorID: root.ID, Name: "b", Enabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		l, ok, err := w.AcquireLease(ctx, cams[0], "rec-1", 0, t0, t0.Add(ttl))
		if !ok || err != nil || l.Revision != 1 || l.NodeID != "rec-1" {
			t.Fatalf("first lease: %+v %v %v", l, ok, err)
		}
		if _, ok, _ := w.AcquireLease(ctx, cams[0], "rec-2", 0, t0, t0.Add(ttl)); ok {
			t.Fatal("a second first lease of one camera")
		}
		if _, ok, err := w.AcquireLease(ctx, 999999, "rec-2", 0, t0, t0.Add(ttl)); ok || err != nil {
			t.Fatalf("a lease of a camera that does not exist: %v %v", ok, err)
		}
		l2, ok, err := w.AcquireLease(ctx, cams[0], "rec-2", 1, t0.Add(time.Second), t0.Add(6*time.Second))
		if !ok || err != nil || l2.Revision != 2 || l2.NodeID != "rec-2" || !l2.Acquired.Equal(t0.Add(time.Second)) {
			t.Fatalf("takeover: %+v %v %v", l2, ok, err)
		}
		if _, ok, _ := w.AcquireLease(ctx, cams[0], "rec-3", 1, t0, t0.Add(ttl)); ok {
			t.Fatal("a takeover on a stale revision won")
		}
		if _, _, err := w.AcquireLease(ctx, cams[1], "rec-1", 0, t0, t0.Add(ttl)); err != nil {
			t.Fatal(err)
		}
		// A lease taken bridges to its holder's first renewal; a renewal is
		// the holder node's (one row), and moves every lease it holds.
		if got, _, _ := st.R().Lease(ctx, cams[0]); !got.Expires.Equal(t0.Add(6 * time.Second)) {
			t.Fatalf("a lease just taken expires at %v, want %v", got.Expires, t0.Add(6*time.Second))
		}
		rec2 := fleet.Node{ID: "rec-2", Instance: "j1", Roles: []string{"recorder"}, Capacity: 100, StartedAt: t0, LastSeen: t0}
		if ok, err := w.Heartbeat(ctx, rec2, ttl); !ok || err != nil {
			t.Fatalf("rec-2's heartbeat: %v %v", ok, err)
		}
		if err := w.RenewLeases(ctx, "rec-2", t0.Add(20*time.Second)); err != nil {
			t.Fatal(err)
		}
		got, found, err := st.R().Lease(ctx, cams[0])
		if !found || err != nil || !got.Expires.Equal(t0.Add(20*time.Second)) || got.Revision != 2 {
			t.Fatalf("renewed: %+v %v %v", got, found, err)
		}
		if got, _, _ := st.R().Lease(ctx, cams[1]); !got.Expires.Equal(t0.Add(ttl)) {
			t.Fatalf("rec-2's renewal moved rec-1's lease to %v", got.Expires)
		}
		// What a recorder's tick reads: the count and revision sum of its
		// leases, its leases, and those of the cameras it is to take.
		if n, sum, err := st.R().LeaseSum(ctx, "rec-2"); n != 1 || sum != 2 || err != nil {
			t.Fatalf("rec-2's lease sum: %d %d %v", n, sum, err)
		}
		if n, sum, err := st.R().LeaseSum(ctx, "rec-9"); n != 0 || sum != 0 || err != nil {
			t.Fatalf("a node without leases: %d %d %v", n, sum, err)
		}
		if own, err := st.R().NodeLeases(ctx, "rec-1"); err != nil || len(own) != 1 || own[0].CameraID != cams[1] {
			t.Fatalf("rec-1's leases: %+v %v", own, err)
		}
		if of, err := st.R().LeasesOf(ctx, []int64{cams[1], 999999, cams[0]}); err != nil || len(of) != 2 {
			t.Fatalf("leases of two cameras and a missing one: %+v %v", of, err)
		}
		if err := w.ReleaseLeases(ctx, "rec-2", t0.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		all, err := st.R().Leases(ctx)
		if err != nil || len(all) != 2 || all[0].Live(t0.Add(3*time.Second)) || !all[1].Live(t0.Add(3*time.Second)) {
			t.Fatalf("after release: %+v %v", all, err)
		}
		if err := w.DeleteCamera(ctx, cams[0]); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := st.R().Lease(ctx, cams[0]); found {
			t.Fatal("a deleted camera's lease stayed")
		}
	})
}
