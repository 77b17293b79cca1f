package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
)

// TestStatementsClose closes February for a tree root → A → B → C (+ D
// under A) on both databases: bad periods are 400 naming period, only the
// operator closes, closing twice answers the same, every closed statement
// adds up (children's owes sum to owed_below, margin is owed_below −
// owes_above, each child's owes is its own owes_above), closed statements
// do not move when prices and usage change later, and late February usage
// becomes an adjustment line of March.
func TestStatementsClose(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) { testStatementsClose(t, pg) })
	}
}

func testStatementsClose(t *testing.T, pg bool) {
	e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC).UnixMilli())
	e.Main.App.Now = func() time.Time { return time.UnixMilli(clock.Load()).UTC() }

	plans := e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()
	pID, uID := idOf(planByName(t, plans, "Cloud 7 days")), idOf(planByName(t, plans, "Pay as you go"))
	a := e.CreateAccount(e.Root, 1, "integrator", "A")
	b := e.CreateAccount(a.Token, a.ID, "integrator", "B")
	c := e.CreateAccount(b.Token, b.ID, "customer", "C")
	d := e.CreateAccount(a.Token, a.ID, "customer", "D")
	e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(b.ID), a.Token, map[string]any{"storage_price": "0.05", "traffic_price": "0.02"})
	e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(c.ID), b.Token, map[string]any{"storage_price": "0.10", "traffic_price": "0.05"})
	for _, o := range []struct {
		acct       int64
		token      string
		plan, cost string
	}{{a.ID, e.Root, itoa(pID), "3"}, {b.ID, a.Token, itoa(pID), "4"}, {c.ID, b.Token, itoa(pID), "5"}, {d.ID, a.Token, itoa(pID), "4.40"},
		{a.ID, e.Root, itoa(uID), "0"}, {b.ID, a.Token, itoa(uID), "0"}, {c.ID, b.Token, itoa(uID), "0"}} {
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(o.acct)+"/plans/"+o.plan, o.token, map[string]any{"cost": o.cost})
	}
	w := e.Main.Store.W()
	ids, err := w.SeedCameras(ctx, []store.SeedCamera{
		{IntegratorID: b.ID, CustomerID: c.ID, PlanID: pID, Name: "fixed-1", Enabled: true},
		{IntegratorID: b.ID, CustomerID: c.ID, PlanID: pID, Name: "fixed-2", Enabled: true},
		{IntegratorID: b.ID, CustomerID: c.ID, PlanID: uID, Name: "usage", Enabled: true},
		{IntegratorID: a.ID, CustomerID: d.ID, PlanID: pID, Name: "d-fixed", Enabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	usage := ids[2]
	// 60 GB-days in February (2 GB-months) and 5 GB served.
	for dd, gb := range map[string]int64{"2026-02-01": 10, "2026-02-02": 20, "2026-02-03": 30} {
		if err := w.SetStorageUsage(ctx, usage, day(dd), gb*1e9); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.AddTraffic(ctx, usage, day("2026-02-02").Add(time.Hour), 5e9); err != nil {
		t.Fatal(err)
	}

	// Bad input: 400 naming period, 403 for anyone but the operator.
	for _, bad := range []any{map[string]any{"period": "2026-3"}, map[string]any{"period": ""}, map[string]any{},
		map[string]any{"period": "2026-03"}, map[string]any{"period": "2026-07"}, map[string]any{"period": "2026-02-01"}} {
		r := e.Must(400, "POST", "/api/v1/billing/close", e.Root, bad)
		if _, ok := r.Fields()["period"]; !ok {
			t.Errorf("close %v: %s", bad, r.Body)
		}
	}
	e.Must(403, "POST", "/api/v1/billing/close", a.Token, map[string]any{"period": "2026-02"})
	for _, bad := range []string{"2026-13", "x", "2026-04"} {
		r := e.Must(400, "GET", "/api/v1/accounts/"+itoa(c.ID)+"/statements?period="+bad, c.Token, nil)
		if _, ok := r.Fields()["period"]; !ok {
			t.Errorf("statement %s: %s", bad, r.Body)
		}
	}

	get := func(token string, id int64, period string) map[string]any {
		t.Helper()
		return e.Must(200, "GET", "/api/v1/accounts/"+itoa(id)+"/statements?period="+period, token, nil).JSON
	}
	if s := get(c.Token, c.ID, "2026-02"); s["status"] != "draft" || s["owes_above"] != "9.78" {
		// C: 2 cameras × 5 × 28/30 = 9.33; 2 GB-months × 0.10 = 0.20; 5 GB × 0.05 = 0.25 (rounded line by line)
		t.Errorf("February draft of C: %v", s)
	}

	first := e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": "2026-02"})
	if first.JSON["status"] != "closed" || first.JSON["statements"] != 5.0 {
		t.Fatalf("close: %s", first.Body)
	}
	closedBodies := map[int64]string{}
	accounts := []struct {
		id    int64
		token string
	}{{1, e.Root}, {a.ID, a.Token}, {b.ID, b.Token}, {c.ID, c.Token}, {d.ID, d.Token}}
	byID := map[int64]map[string]any{}
	for _, acc := range accounts {
		r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(acc.id)+"/statements?period=2026-02", acc.token, nil)
		closedBodies[acc.id] = string(r.Body)
		byID[acc.id] = r.JSON
	}
	again := e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": "2026-02"})
	if string(again.Body) != string(first.Body) {
		t.Errorf("closing again answered %s, first %s", again.Body, first.Body)
	}
	checkLedger(t, byID)
	// B: 2 × 4 × 28/30 = 7.47, 0.10, 0.10; A: 3 × 3 × 28/30 = 8.40, 0.06,
	// 0.05; D: 4.40 × 28/30 = 4.11.
	want := map[int64]string{c.ID: "9.78", b.ID: "7.67", a.ID: "8.51", d.ID: "4.11", 1: "0.00"}
	for id, v := range want {
		if byID[id]["owes_above"] != v || byID[id]["status"] != "closed" || byID[id]["currency"] != "EUR" {
			t.Errorf("account %d February: %v, want owes_above %s", id, byID[id], v)
		}
	}

	// Secrecy: C cannot read B's statement; B's never shows what A pays.
	e.Must(404, "GET", "/api/v1/accounts/"+itoa(b.ID)+"/statements?period=2026-02", c.Token, nil)
	if strings.Contains(closedBodies[b.ID], `"8.51"`) {
		t.Errorf("B's statement shows A's cost: %s", closedBodies[b.ID])
	}
	if s := get(b.Token, c.ID, "2026-02"); s["owes_above"] != "9.78" {
		t.Errorf("B reading C's statement: %v", s)
	}

	// Later changes: prices and late February usage (10 GB-days more, 1 GB
	// more served) leave February as it was closed ...
	e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(c.ID), b.Token, map[string]any{"storage_price": "1", "traffic_price": "1"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+itoa(pID), b.Token, map[string]any{"cost": "50"})
	if err := w.SetStorageUsage(ctx, usage, day("2026-02-04"), 15e9); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTraffic(ctx, usage, day("2026-02-20"), 1e9); err != nil {
		t.Fatal(err)
	}
	for _, acc := range accounts {
		r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(acc.id)+"/statements?period=2026-02", acc.token, nil)
		if string(r.Body) != closedBodies[acc.id] {
			t.Errorf("closed February of %d changed:\n%s\nwas\n%s", acc.id, r.Body, closedBodies[acc.id])
		}
	}
	// ... and show in March as adjustments at February's prices: 0.5
	// GB-months × 0.10 = 0.05 and 1 GB × 0.05 = 0.05 for C.
	march := get(c.Token, c.ID, "2026-03")
	adj := map[string]string{}
	for _, l := range march["lines"].([]any) {
		lm := l.(map[string]any)
		adj[lm["kind"].(string)] = lm["quantity"].(string) + " " + lm["amount"].(string)
	}
	if march["status"] != "draft" || adj["storage_adjustment"] != "0.5000 0.05" || adj["traffic_adjustment"] != "1.0000 0.05" {
		t.Errorf("March draft of C: %v", march)
	}
	bMarch := get(b.Token, b.ID, "2026-03")
	for _, ch := range bMarch["children"].([]any) {
		if cm := ch.(map[string]any); int64(cm["account_id"].(float64)) == c.ID && cm["owes"] != march["owes_above"] {
			t.Errorf("B lists C's March at %v, C owes %v", cm["owes"], march["owes_above"])
		}
	}

	// March closes once it is over (three weeks on: sign in again); the
	// ledger still adds up.
	clock.Store(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	root := e.Login(apitest.AdminEmail, apitest.AdminPassword)
	e.Must(200, "POST", "/api/v1/billing/close", root, map[string]any{"period": "2026-03"})
	for _, acc := range accounts {
		byID[acc.id] = get(root, acc.id, "2026-03")
	}
	if byID[c.ID]["owes_above"] == byID[c.ID]["owed_below"] || len(byID[c.ID]["lines"].([]any)) != 5 {
		t.Errorf("March of C misses its adjustments: %v", byID[c.ID])
	}
	checkLedger(t, byID)
}

// checkLedger checks a month's closed statements of a whole tree: each
// statement's lines add up to owes_above, its children's owes to
// owed_below, margin = owed_below − owes_above, and what each parent lists
// for a child is what the child's own statement says it owes.
func checkLedger(t *testing.T, byID map[int64]map[string]any) {
	t.Helper()
	m := func(v any) money.Amount { return money.MustParse(v.(string)) }
	for id, s := range byID {
		if s["status"] != "closed" {
			t.Errorf("%d: not closed: %v", id, s)
		}
		var lines, kids money.Amount
		for _, l := range s["lines"].([]any) {
			lines += m(l.(map[string]any)["amount"])
		}
		for _, k := range s["children"].([]any) {
			km := k.(map[string]any)
			kids += m(km["owes"])
			if child, ok := byID[int64(km["account_id"].(float64))]; ok && m(child["owes_above"]) != m(km["owes"]) {
				t.Errorf("%d lists child %v owing %v; the child's statement says %v", id, km["account_id"], km["owes"], child["owes_above"])
			}
		}
		if lines != m(s["owes_above"]) || kids != m(s["owed_below"]) || m(s["margin"]) != kids-m(s["owes_above"]) {
			b, _ := json.Marshal(s)
			t.Errorf("%d does not add up: %s", id, b)
		}
	}
}
