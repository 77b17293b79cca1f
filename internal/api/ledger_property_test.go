package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
)

// TestLedgerProperty builds a random tree at least six levels deep on both
// databases, then for three months makes random camera moves, plan changes,
// switch-offs, price changes, usage (some of it late, billed as the next
// month's adjustment) and account disables through the API
// at random times, closing each month when it is over. For every closed
// month: what each child owes is, to the last ten-thousandth, what its
// parent's statement lists for it; every margin is owed below minus owes
// above; the customers' charges minus what the operator is owed equal the
// integrators' margins; closing again, and later changes, leave every
// closed statement byte-identical. A failure prints the seed.
func TestLedgerProperty(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			testLedgerProperty(t, pg, seed)
		})
	}
}

type ledgerNode struct {
	id         int64
	parent     int64
	integrator bool
	depth      int
}

func testLedgerProperty(t *testing.T, pg bool, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 13))
	e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
	ctx := context.Background()
	var clock atomic.Int64
	set := func(at time.Time) { clock.Store(at.UnixMilli()) }
	set(time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC))
	e.Main.App.Now = func() time.Time { return time.UnixMilli(clock.Load()).UTC() }
	plans := e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()
	fixed, usage := idOf(planByName(t, plans, "Cloud 7 days")), idOf(planByName(t, plans, "Pay as you go"))
	price := func() string { return fmt.Sprintf("%d.%04d", rng.IntN(20), rng.IntN(10000)) }
	small := func() string { return fmt.Sprintf("0.%04d", rng.IntN(2000)) }

	// The tree: a chain of six integrators, then more accounts under random
	// integrators; every account is offered both plans by its parent.
	nodes := []ledgerNode{{id: 1, integrator: true}}
	add := func(parent ledgerNode, integrator bool) ledgerNode {
		typ := map[bool]string{true: "integrator", false: "customer"}[integrator]
		a := e.CreateAccount(e.Root, parent.id, typ, fmt.Sprintf("%s %d", typ, len(nodes)))
		n := ledgerNode{id: a.ID, parent: parent.id, integrator: integrator, depth: parent.depth + 1}
		nodes = append(nodes, n)
		for _, p := range []int64{fixed, usage} {
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(n.id)+"/plans/"+itoa(p), e.Root, map[string]any{"cost": price()})
		}
		e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(n.id), e.Root, map[string]any{"storage_price": small(), "traffic_price": small()})
		return n
	}
	chain := nodes[0]
	for i := 0; i < 6; i++ {
		chain = add(chain, true)
	}
	add(chain, false)
	for len(nodes) < 14 {
		var ints []ledgerNode
		for _, n := range nodes {
			if n.integrator && n.depth >= 1 && n.depth < 8 { // under the first integrator, so every camera can reach every customer
				ints = append(ints, n)
			}
		}
		add(ints[rng.IntN(len(ints))], rng.IntN(3) == 0)
	}
	var customers []ledgerNode
	for _, n := range nodes {
		if !n.integrator {
			customers = append(customers, n)
		}
	}
	// Cameras registered to the first integrator, so they can move to any
	// customer in the tree. Some have delivered video since December;
	// the others have not yet, and deliver their first segment at a
	// random moment below (fixed plans bill them from that day on).
	var seeds []store.SeedCamera
	for i := 0; i < 10; i++ {
		c := customers[rng.IntN(len(customers))]
		dec20 := time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC)
		seeds = append(seeds, store.SeedCamera{IntegratorID: nodes[1].id, CustomerID: c.id, PlanID: []int64{fixed, usage}[rng.IntN(2)],
			Name: fmt.Sprintf("cam-%d", i), Enabled: true, AssignedAt: dec20, FirstVideo: dec20, NoVideo: rng.IntN(2) == 0})
	}
	cams, err := e.Main.Store.W().SeedCameras(ctx, seeds)
	if err != nil {
		t.Fatal(err)
	}

	// Three months of random events, each month closed after it ends.
	closedBodies := map[string]string{} // "period/account" → body
	for m := 1; m <= 3; m++ {
		start := time.Date(2026, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		var times []time.Time
		for i := 0; i < 14; i++ {
			times = append(times, start.Add(time.Duration(rng.Int64N(int64(start.AddDate(0, 1, 0).Sub(start))))))
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		for _, at := range times {
			set(at)
			cam := cams[rng.IntN(len(cams))]
			switch rng.IntN(6) {
			case 0: // a move, maybe with a plan change
				c := customers[rng.IntN(len(customers))]
				e.Must(200, "PATCH", "/api/v1/cameras/"+itoa(cam), e.Root, map[string]any{"customer_id": c.id, "plan_id": []int64{fixed, usage}[rng.IntN(2)]})
			case 1: // switched off or on
				e.Must(200, "PATCH", "/api/v1/cameras/"+itoa(cam), e.Root, map[string]any{"enabled": rng.IntN(2) == 0})
			case 2: // a price change for one account
				n := nodes[1+rng.IntN(len(nodes)-1)]
				e.Must(200, "PUT", "/api/v1/accounts/"+itoa(n.id)+"/plans/"+itoa([]int64{fixed, usage}[rng.IntN(2)]), e.Root, map[string]any{"cost": price()})
				e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(n.id), e.Root, map[string]any{"storage_price": small(), "traffic_price": small()})
			case 3, 4: // usage, from a segment the recorder indexes
				seg := camera.Segment{CameraID: cam, Start: at, End: at.Add(time.Minute), Bytes: 1, Path: fmt.Sprintf("seg/%d-%d.mp4", cam, at.UnixMilli())}
				if _, err := e.Main.Store.IndexSegment(ctx, &seg); err != nil {
					t.Fatal(err)
				}
				day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
				if err := e.Main.Store.W().SetStorageUsage(ctx, cam, day, rng.Int64N(50e9)); err != nil {
					t.Fatal(err)
				}
				if err := e.Main.Store.W().AddTraffic(ctx, cam, at, rng.Int64N(20e9)); err != nil {
					t.Fatal(err)
				}
			case 5: // disable or enable an account (billed all the same)
				n := nodes[1+rng.IntN(len(nodes)-1)]
				e.Must(200, "POST", "/api/v1/accounts/"+itoa(n.id)+"/"+[]string{"disable", "enable"}[rng.IntN(2)], e.Root, nil)
			}
		}
		set(start.AddDate(0, 1, 1))
		period := start.Format("2006-01")
		// The close prices the whole tree in one pass; each account's
		// draft just before is computed on its own: they must agree.
		drafts := map[int64]map[string]any{}
		for _, n := range nodes {
			drafts[n.id] = e.Must(200, "GET", "/api/v1/accounts/"+itoa(n.id)+"/statements?period="+period, e.Root, nil).JSON
		}
		e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": period})
		stmts := map[int64]map[string]any{}
		for _, n := range nodes {
			r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(n.id)+"/statements?period="+period, e.Root, nil)
			stmts[n.id] = r.JSON
			checkDraftIsClosed(t, seed, n.id, drafts[n.id], r.JSON)
			closedBodies[period+"/"+itoa(n.id)] = string(r.Body)
		}
		checkLedgerProperty(t, period, nodes, stmts)
		e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": period}) // again
		// Late usage for the closed month: next month's adjustment lines.
		late := start.AddDate(0, 0, rng.IntN(28))
		if err := e.Main.Store.W().AddTraffic(ctx, cams[rng.IntN(len(cams))], late, 1+rng.Int64N(20e9)); err != nil {
			t.Fatal(err)
		}
	}
	// Closed statements never move: not by closing again, not by the later
	// months' changes.
	for key, body := range closedBodies {
		var period, id string
		fmt.Sscanf(key, "%7s/%s", &period, &id)
		if got := string(e.Must(200, "GET", "/api/v1/accounts/"+id+"/statements?period="+period, e.Root, nil).Body); got != body {
			t.Errorf("seed %d: %s changed after it closed:\n%s\nwas\n%s", seed, key, got, body)
		}
	}
}

func checkLedgerProperty(t *testing.T, period string, nodes []ledgerNode, stmts map[int64]map[string]any) {
	t.Helper()
	amt := func(v any) money.Amount {
		a, err := money.Parse(v.(string))
		if err != nil {
			t.Fatalf("%s: amount %v: %v", period, v, err)
		}
		return a
	}
	var customers, margins money.Amount
	for _, n := range nodes {
		s := stmts[n.id]
		if s["status"] != "closed" {
			t.Fatalf("%s: account %d is %v", period, n.id, s["status"])
		}
		if m, _ := amt(s["owed_below"]).Sub(amt(s["owes_above"])); m != amt(s["margin"]) {
			t.Errorf("%s: account %d margin %v ≠ owed below %v − owes above %v", period, n.id, s["margin"], s["owed_below"], s["owes_above"])
		}
		if n.parent != 0 {
			listed := ""
			for _, c := range stmts[n.parent]["children"].([]any) {
				if c := c.(map[string]any); int64(c["account_id"].(float64)) == n.id {
					listed = c["owes"].(string)
				}
			}
			if listed != s["owes_above"] {
				t.Errorf("%s: account %d owes %v, its parent %d lists %q", period, n.id, s["owes_above"], n.parent, listed)
			}
		}
		if n.integrator && n.parent != 0 {
			margins, _ = margins.Add(amt(s["margin"]))
		}
		if !n.integrator {
			customers, _ = customers.Add(amt(s["owes_above"]))
		}
	}
	if d, _ := customers.Sub(amt(stmts[1]["owed_below"])); d != margins {
		t.Errorf("%s: customers' charges %s − operator's %v = %s, integrators' margins %s", period, customers, stmts[1]["owed_below"], d, margins)
	}
	t.Logf("%s: operator owed %v, customers %s, integrators' margins %s", period, stmts[1]["owed_below"], customers, margins)
	var any bool
	for _, n := range nodes {
		any = any || amt(stmts[n.id]["owes_above"]) != 0
	}
	if !any {
		t.Errorf("%s: nothing was charged; the property checked nothing", period)
	}
}

// checkDraftIsClosed compares an account's draft of a month, read just
// before the close, with its closed statement: the same figures, lines
// and children; only status and closed_at differ.
func checkDraftIsClosed(t *testing.T, seed uint64, id int64, draft, closed map[string]any) {
	t.Helper()
	for _, k := range []string{"currency", "owes_above", "owed_below", "margin", "lines", "children"} {
		if d, c := fmt.Sprint(draft[k]), fmt.Sprint(closed[k]); d != c {
			t.Errorf("seed %d: account %d: %s is %s closed, %s in the draft before", seed, id, k, c, d)
		}
	}
}
