package cluster

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/fleet"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// clock is the test's time, moved by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// TestLeasesJoinHandoverAndCutOff drives two recorders' lease keepers on a
// real (SQLite) store with a hand-moved clock: the first alone takes every
// camera; the second joining takes the cameras it wins while the first
// writes them on for the handover grace and then lets go; the second dying
// gives its cameras back after the TTL; the first, cut off from the
// database, stops every camera before its leases can expire.
func TestLeasesJoinHandoverAndCutOff(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	root := tenancy.Account{Type: tenancy.Integrator, Name: "Root", Status: tenancy.Active, StoragePrice: money.MustParse("0"),
		TrafficPrice: money.MustParse("0")}
	if err := st.InTx(ctx, func(q store.Q) error { return q.InsertAccount(ctx, &root, "") }); err != nil {
		t.Fatal(err)
	}
	seeds := make([]store.SeedCamera, 40)
	for i := range seeds {
		seeds[i] = store.SeedCamera{IntegratorID: root.ID, Name: "cam", Enabled: true}
	}
	cams, err := st.W().SeedCameras(ctx, seeds)
	if err != nil {
		t.Fatal(err)
	}
	const ttl = 5 * time.Second
	clk := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	beat := func(id string) {
		t.Helper()
		n := fleet.Node{ID: id, Instance: id, Roles: []string{fleet.RoleRecorder}, Capacity: 100, StartedAt: clk.t, LastSeen: clk.t}
		if ok, err := st.W().Heartbeat(ctx, n, ttl); !ok || err != nil {
			t.Fatalf("heartbeat %s: %v %v", id, ok, err)
		}
	}
	keeper := func(id string) *Leases {
		l := NewLeases(st.W(), id, ttl, log)
		l.now = clk.now
		return l
	}
	a, b := keeper("rec-a"), keeper("rec-b")
	admit := func(l *Leases) map[int64]int64 {
		t.Helper()
		got, err := l.Admit(ctx, cams)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	beat("rec-a")
	if got := admit(a); len(got) != len(cams) {
		t.Fatalf("alone, rec-a writes %d of %d cameras", len(got), len(cams))
	}

	// rec-b joins: it takes what it wins at once; rec-a keeps those for the
	// grace (both write: the overlap of a handover), then lets go.
	clk.t = clk.t.Add(time.Second)
	beat("rec-a")
	beat("rec-b")
	recs := []fleet.Node{{ID: "rec-a", Capacity: 100}, {ID: "rec-b", Capacity: 100}}
	toB := 0
	for _, id := range cams {
		if fleet.Place(id, recs) == "rec-b" {
			toB++
		}
	}
	gotB := admit(b)
	if len(gotB) != toB || toB == 0 || toB == len(cams) {
		t.Fatalf("rec-b took %d cameras, placement gives it %d of %d", len(gotB), toB, len(cams))
	}
	for id, rev := range gotB {
		if rev != 2 {
			t.Fatalf("camera %d taken over at revision %d, want 2", id, rev)
		}
	}
	if got := admit(a); len(got) != len(cams) {
		t.Fatalf("within the grace rec-a writes %d cameras, want all %d (overlap)", len(got), len(cams))
	}
	clk.t = clk.t.Add(HandoverGrace)
	beat("rec-a")
	beat("rec-b")
	gotA := admit(a)
	if len(gotA) != len(cams)-toB {
		t.Fatalf("after the grace rec-a writes %d cameras, want %d", len(gotA), len(cams)-toB)
	}
	for id := range gotA {
		if _, both := gotB[id]; both {
			t.Fatalf("camera %d written by both recorders after the grace", id)
		}
	}
	for id := range gotB {
		if a.Revision(id) != 1 || b.Revision(id) != 2 {
			t.Fatalf("camera %d: revisions a=%d b=%d, want 1 and 2 (segments are stamped with them)", id, a.Revision(id), b.Revision(id))
		}
	}

	if held, taken, lost := a.Stats(); held != len(cams)-toB || taken != uint64(len(cams)) || lost != uint64(toB) {
		t.Fatalf("rec-a's stats: held %d, taken %d, lost %d", held, taken, lost)
	}

	// rec-b dies (no heartbeat, no renewal): after the TTL rec-a takes
	// every camera back.
	for i := 0; i < 6; i++ {
		clk.t = clk.t.Add(time.Second)
		beat("rec-a")
		admit(a)
	}
	if got := admit(a); len(got) != len(cams) {
		t.Fatalf("%v after rec-b's last heartbeat rec-a writes %d of %d cameras", 6*time.Second, len(got), len(cams))
	}

	// Cut off from the database, rec-a writes on while its leases hold and
	// stops everything a second before they can expire.
	st.Close()
	clk.t = clk.t.Add(time.Second)
	if got, err := a.Admit(ctx, cams); err == nil || len(got) != len(cams) {
		t.Fatalf("1 s after the last renewal: %d cameras, err %v (want all, with the error)", len(got), err)
	}
	clk.t = clk.t.Add(ttl - time.Second)
	if got, _ := a.Admit(ctx, cams); len(got) != 0 {
		t.Fatalf("%v after the last renewal rec-a still writes %d cameras", ttl, len(got))
	}
}

// countingStore counts the lease reads a keeper makes on a real store.
type countingStore struct {
	Store
	nodeLeases, leasesOf, sums int
}

func (c *countingStore) NodeLeases(ctx context.Context, node string) ([]fleet.Lease, error) {
	c.nodeLeases++
	return c.Store.NodeLeases(ctx, node)
}

func (c *countingStore) LeasesOf(ctx context.Context, ids []int64) ([]fleet.Lease, error) {
	c.leasesOf++
	return c.Store.LeasesOf(ctx, ids)
}

func (c *countingStore) LeaseSum(ctx context.Context, node string) (int, int64, error) {
	c.sums++
	return c.Store.LeaseSum(ctx, node)
}

// TestLeasesTickReadsOnlyChanges: a steady tick reads only the sum of the
// recorder's own leases; its leases are read again when another recorder
// took one, and the leases of cameras to take only while it wins cameras
// it does not hold (docs/SCALING.md).
func TestLeasesTickReadsOnlyChanges(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	root := tenancy.Account{Type: tenancy.Integrator, Name: "Root", Status: tenancy.Active, StoragePrice: money.MustParse("0"),
		TrafficPrice: money.MustParse("0")}
	if err := st.InTx(ctx, func(q store.Q) error { return q.InsertAccount(ctx, &root, "") }); err != nil {
		t.Fatal(err)
	}
	seeds := make([]store.SeedCamera, 30)
	for i := range seeds {
		seeds[i] = store.SeedCamera{IntegratorID: root.ID, Name: "cam", Enabled: true}
	}
	cams, err := st.W().SeedCameras(ctx, seeds)
	if err != nil {
		t.Fatal(err)
	}
	const ttl = 5 * time.Second
	clk := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	for _, id := range []string{"rec-a", "rec-b"} {
		n := fleet.Node{ID: id, Instance: id, Roles: []string{fleet.RoleRecorder}, Capacity: 100, StartedAt: clk.t, LastSeen: clk.t}
		if ok, err := st.W().Heartbeat(ctx, n, ttl); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	cs := &countingStore{Store: st.W()}
	a := NewLeases(cs, "rec-a", ttl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.now = clk.now
	first, err := a.Admit(ctx, cams)
	if err != nil || len(first) == 0 || len(first) == len(cams) {
		t.Fatalf("rec-a of two recorders holds %d of %d cameras: %v", len(first), len(cams), err)
	}
	if cs.nodeLeases != 1 || cs.leasesOf != 1 {
		t.Fatalf("first tick: %d reads of own leases, %d of leases to take; want 1 and 1", cs.nodeLeases, cs.leasesOf)
	}
	for range 3 {
		if got, err := a.Admit(ctx, cams); err != nil || len(got) != len(first) {
			t.Fatalf("steady tick: %d cameras, %v", len(got), err)
		}
	}
	if cs.nodeLeases != 1 || cs.leasesOf != 1 || cs.sums != 3 {
		t.Fatalf("three steady ticks read own leases %d times, leases to take %d times, sums %d times; want 1, 1, 3",
			cs.nodeLeases, cs.leasesOf, cs.sums)
	}
	// rec-b takes one of rec-a's cameras (as with a view of the live
	// recorders that differs for a moment): rec-a's next tick sees the sum
	// of its leases change, reads them, counts the loss and, since it still
	// wins the camera by placement, takes it back at the next revision.
	var stolen, rev int64
	for stolen, rev = range first {
		break
	}
	if _, ok, err := st.W().AcquireLease(ctx, stolen, "rec-b", rev, clk.t, clk.t.Add(ttl)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	got, err := a.Admit(ctx, cams)
	if err != nil {
		t.Fatal(err)
	}
	if cs.nodeLeases != 2 || cs.leasesOf != 2 {
		t.Fatalf("after a lease taken from rec-a: own leases read %d times, leases to take %d times; want 2 and 2", cs.nodeLeases, cs.leasesOf)
	}
	if _, _, lost := a.Stats(); lost != 1 {
		t.Fatalf("rec-a counted %d leases lost, want 1", lost)
	}
	if got[stolen] != rev+2 || a.Revision(stolen) != rev+2 {
		t.Fatalf("camera %d retaken at revision %d (stamp %d), want %d", stolen, got[stolen], a.Revision(stolen), rev+2)
	}
	if _, err := a.Admit(ctx, cams); err != nil || cs.nodeLeases != 2 || cs.leasesOf != 2 {
		t.Fatalf("the tick after: own leases read %d times, leases to take %d times (%v)", cs.nodeLeases, cs.leasesOf, err)
	}
}
