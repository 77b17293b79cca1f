package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TestStatisticsDrafts builds a random tree (a chain six integrators deep,
// then accounts under random integrators, random prices, cameras with and
// without video on both plan kinds, usage over the month and the month
// before, February closed with late traffic after its close) and a second
// top-level tree, on both databases. After a statistics pass, every
// account's tab for the running month (money, daily series, traffic, storage
// used) and its
// draft statement equal what a live computation gives at the same instant
// of the app's clock. A camera and its traffic added afterwards show only
// after the next pass; and the other tree's administrator, whose drafts were
// written by the same pass, sees its own figures and nothing of the first
// tree's. A failure prints the seed.
func TestStatisticsDrafts(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			testStatisticsDrafts(t, pg, seed)
		})
	}
}

func testStatisticsDrafts(t *testing.T, pg bool, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 41))
	e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
	ctx := context.Background()
	a := e.Main.App
	var clock atomic.Int64
	set := func(at time.Time) { clock.Store(at.UnixMilli()) }
	set(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC))
	a.Now = func() time.Time { return time.UnixMilli(clock.Load()).UTC() }
	root, err := a.Authenticate(ctx, e.Root)
	if err != nil {
		t.Fatal(err)
	}
	plans := e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()
	var fixed, usage int64
	for _, p := range plans {
		switch p["name"] {
		case "Cloud 7 days":
			fixed = int64(p["id"].(float64))
		case "Pay as you go":
			usage = int64(p["id"].(float64))
		}
	}
	if fixed == 0 || usage == 0 {
		t.Fatalf("seeded plans missing: %v", plans)
	}
	price := func() string { return fmt.Sprintf("%d.%04d", rng.IntN(20), rng.IntN(10000)) }
	small := func() string { return fmt.Sprintf("0.%04d", rng.IntN(2000)) }
	type node struct {
		id         int64
		integrator bool
		depth      int
	}
	nodes := []node{{id: root.AccountID, integrator: true}}
	add := func(parent node, integrator bool) node {
		typ := map[bool]string{true: "integrator", false: "customer"}[integrator]
		acct := e.CreateAccount(e.Root, parent.id, typ, fmt.Sprintf("%s %d", typ, len(nodes)))
		n := node{id: acct.ID, integrator: integrator, depth: parent.depth + 1}
		nodes = append(nodes, n)
		for _, p := range []int64{fixed, usage} {
			e.Must(200, "PUT", fmt.Sprintf("/api/v1/accounts/%d/plans/%d", n.id, p), e.Root, map[string]any{"cost": price()})
		}
		e.Must(200, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", n.id), e.Root, map[string]any{"storage_price": small(), "traffic_price": small()})
		return n
	}
	chain := nodes[0]
	for range 6 {
		chain = add(chain, true)
	}
	add(chain, false)
	for len(nodes) < 16 {
		var ints []node
		for _, n := range nodes {
			if n.integrator && n.depth >= 1 {
				ints = append(ints, n)
			}
		}
		add(ints[rng.IntN(len(ints))], rng.IntN(3) == 0)
	}
	var customers []node
	for _, n := range nodes {
		if !n.integrator {
			customers = append(customers, n)
		}
	}
	// The other tree: its own integrator, customer and cameras.
	other := e.CreateAccount(e.Root, root.AccountID, "integrator", "Other")
	otherCust := e.CreateAccount(other.Token, other.ID, "customer", "Other customer")
	e.Must(200, "PUT", fmt.Sprintf("/api/v1/accounts/%d/plans/%d", other.ID, fixed), e.Root, map[string]any{"cost": "3.0000"})
	oa, err := a.Authenticate(ctx, other.Token) // before the clock moves past the session's life
	if err != nil {
		t.Fatal(err)
	}

	jan := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var seeds []store.SeedCamera
	for i := range 30 {
		c := customers[rng.IntN(len(customers))]
		first := jan.Add(time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
		s := store.SeedCamera{IntegratorID: nodes[1].id, CustomerID: c.id, PlanID: []int64{fixed, usage}[rng.IntN(2)],
			Name: fmt.Sprintf("cam-%d", i), Enabled: true, AssignedAt: jan, FirstVideo: first, NoVideo: rng.IntN(4) == 0}
		if rng.IntN(6) == 0 {
			s.CustomerID = 0 // registered, not assigned: seen by the integrators only
		}
		seeds = append(seeds, s)
	}
	for i := range 3 {
		seeds = append(seeds, store.SeedCamera{IntegratorID: other.ID, CustomerID: otherCust.ID, PlanID: fixed,
			Name: fmt.Sprintf("other-%d", i), Enabled: true, AssignedAt: jan, FirstVideo: jan})
	}
	cams, err := e.Main.Store.W().SeedCameras(ctx, seeds)
	if err != nil {
		t.Fatal(err)
	}
	use := func(day time.Time) {
		for range 40 {
			cam := cams[rng.IntN(len(cams))]
			at := day.Add(time.Duration(rng.Int64N(int64(28 * 24 * time.Hour))))
			d := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
			if err := e.Main.Store.W().SetStorageUsage(ctx, cam, d, rng.Int64N(50e9)); err != nil {
				t.Fatal(err)
			}
			if err := e.Main.Store.W().AddTraffic(ctx, cam, at, rng.Int64N(20e9)); err != nil {
				t.Fatal(err)
			}
			// A recording the storage used counts.
			seg := camera.Segment{CameraID: cam, Start: at, End: at.Add(time.Minute), Bytes: 1 + rng.Int64N(1e9),
				Path: fmt.Sprintf("seg/%d-%d.mp4", cam, at.UnixMilli())}
			if _, err := e.Main.Store.IndexSegment(ctx, &seg); err != nil {
				t.Fatal(err)
			}
		}
	}
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	use(feb)
	set(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	if _, err := a.Close(ctx, billing.MonthOf(feb)); err != nil {
		t.Fatal(err)
	}
	// Late February traffic of the usage-plan cameras: adjustment lines in
	// March's drafts.
	for i, s := range seeds {
		if s.PlanID == usage && s.CustomerID != 0 {
			if err := e.Main.Store.W().AddTraffic(ctx, cams[i], feb.AddDate(0, 0, 3), 7e9); err != nil {
				t.Fatal(err)
			}
		}
	}
	use(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	// Moves mid-month split the month.
	set(time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC))
	for range 4 {
		c := customers[rng.IntN(len(customers))]
		e.Must(200, "PATCH", fmt.Sprintf("/api/v1/cameras/%d", cams[rng.IntN(30)]), e.Root,
			map[string]any{"customer_id": c.id, "plan_id": []int64{fixed, usage}[rng.IntN(2)]})
	}

	set(time.Date(2026, 3, 14, 10, 30, 0, 0, time.UTC))
	a.Config.StatisticsRefresh = time.Minute
	pass, err := a.RefreshStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pass.Accounts != len(nodes)+2 || pass.Month != billing.MonthOf(a.Now()) {
		t.Fatalf("seed %d: pass %+v, want %d accounts of March", seed, pass, len(nodes)+2)
	}
	all := append([]int64{other.ID, otherCust.ID}, func() []int64 {
		var ids []int64
		for _, n := range nodes {
			ids = append(ids, n.id)
		}
		return ids
	}()...)
	// Later the clock moves on: the stored figures still say when they were
	// read, and a live computation at that instant must give them.
	set(pass.AsOf.Add(20 * time.Second))
	var priced, served, adjusted, used int
	for _, id := range all {
		live, draft := checkDraftIsLive(t, seed, a, root, id, pass.AsOf)
		if live.Money.OwesAbove.Total.Units() != 0 {
			priced++
		}
		if live.TrafficBytes != 0 {
			served++
		}
		if live.Cameras.StorageBytes != 0 {
			used++
		}
		for _, l := range draft.Lines {
			if l.Kind == billing.LineTrafficAdjustment {
				adjusted++
			}
		}
	}
	if priced < len(all)/2 || served < len(all)/2 || used < len(all)/2 || adjusted == 0 {
		t.Fatalf("seed %d: %d of %d accounts owe anything, %d had traffic, %d store recordings, %d adjustment lines: the comparison proves little",
			seed, priced, len(all), served, used, adjusted)
	}

	// A camera and traffic after the pass: the tab shows them only once the
	// next pass has run.
	cust := customers[0]
	before := statsOf(t, a, root, cust.id)
	newCam, err := e.Main.Store.W().SeedCameras(ctx, []store.SeedCamera{{IntegratorID: nodes[1].id, CustomerID: cust.id,
		PlanID: fixed, Name: "new", Enabled: true, AssignedAt: a.Now(), FirstVideo: a.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Main.Store.W().AddTraffic(ctx, newCam[0], a.Now(), 5e9); err != nil {
		t.Fatal(err)
	}
	if s := statsOf(t, a, root, cust.id); !reflect.DeepEqual(s.Money, before.Money) || s.TrafficBytes != before.TrafficBytes || !s.AsOf.Equal(pass.AsOf) {
		t.Fatalf("seed %d: the tab changed before the next pass: %+v, was %+v", seed, s.Money.OwesAbove, before.Money.OwesAbove)
	}
	set(a.Now().Add(time.Minute))
	pass2, err := a.RefreshStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after := statsOf(t, a, root, cust.id)
	if !after.AsOf.Equal(pass2.AsOf) || after.TrafficBytes != before.TrafficBytes+5e9 ||
		after.Money.OwesAbove.FixedCameras != before.Money.OwesAbove.FixedCameras+1 {
		t.Fatalf("seed %d: after the next pass: %d cameras, %d bytes as of %v; before %d, %d",
			seed, after.Money.OwesAbove.FixedCameras, after.TrafficBytes, after.AsOf,
			before.Money.OwesAbove.FixedCameras, before.TrafficBytes)
	}
	_, _ = checkDraftIsLive(t, seed, a, root, cust.id, pass2.AsOf)

	// The other tree's administrator: its own figures, from the same pass,
	// and none of the first tree's (an account outside its tree is not
	// found, the one visibility rule).
	mine, err := a.Statistics(ctx, oa, other.ID, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !mine.AsOf.Equal(pass2.AsOf) || mine.Money.OwesAbove.FixedCameras != 3 || mine.Cameras.Total != 3 {
		t.Fatalf("seed %d: the other tree's tab: %+v as of %v", seed, mine.Money.OwesAbove, mine.AsOf)
	}
	for _, id := range all[2:] {
		if _, err := a.Statistics(ctx, oa, id, time.Time{}, time.Time{}); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("seed %d: the other tree's admin reads account %d's statistics: %v", seed, id, err)
		}
		if _, err := a.MonthStatement(ctx, oa, id, ""); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("seed %d: the other tree's admin reads account %d's draft: %v", seed, id, err)
		}
	}
}

// statsOf is acct's statistics tab as the root sees it, default period.
func statsOf(t *testing.T, a *app.App, root tenancy.Actor, id int64) app.Statistics {
	t.Helper()
	s, err := a.Statistics(context.Background(), root, id, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkDraftIsLive compares account id's stored running month (read as the
// tab reads it) with a live computation with the app's clock at asOf.
func checkDraftIsLive(t *testing.T, seed uint64, a *app.App, root tenancy.Actor, id int64, asOf time.Time) (app.Statistics, billing.MonthStatement) {
	t.Helper()
	ctx := context.Background()
	stored := statsOf(t, a, root, id)
	storedDraft, err := a.MonthStatement(ctx, root, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if !stored.AsOf.Equal(asOf) {
		t.Fatalf("seed %d: account %d's tab is as of %v, not the pass's %v", seed, id, stored.AsOf, asOf)
	}
	now, refresh := a.Now, a.Config.StatisticsRefresh
	a.Now, a.Config.StatisticsRefresh = func() time.Time { return asOf }, 0
	defer func() { a.Now, a.Config.StatisticsRefresh = now, refresh }()
	live := statsOf(t, a, root, id)
	liveDraft, err := a.MonthStatement(ctx, root, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored.Money, live.Money) {
		t.Errorf("seed %d: account %d's stored money\n%+v\nlive\n%+v", seed, id, stored.Money, live.Money)
	}
	if !reflect.DeepEqual(stored.Traffic, live.Traffic) || !reflect.DeepEqual(stored.Storage, live.Storage) ||
		stored.TrafficBytes != live.TrafficBytes || stored.Period != live.Period || stored.Cameras != live.Cameras {
		t.Errorf("seed %d: account %d's stored series\n%v %v %d %+v\nlive\n%v %v %d %+v", seed, id,
			stored.Traffic, stored.Storage, stored.TrafficBytes, stored.Cameras, live.Traffic, live.Storage, live.TrafficBytes, live.Cameras)
	}
	if !reflect.DeepEqual(storedDraft, liveDraft) {
		t.Errorf("seed %d: account %d's stored draft statement\n%+v\nlive\n%+v", seed, id, storedDraft, liveDraft)
	}
	return live, liveDraft
}
