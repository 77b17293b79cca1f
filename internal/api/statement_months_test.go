package api_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
)

// TestStatementMonths: the operator's months over root → A → {B, D} with
// January and February closed equal A's statements per child per month;
// a price raised in March leaves the closed months as billed and moves only
// the draft; bad months are 400 naming months; B cannot read A's months.
func TestStatementMonths(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) { testStatementMonths(t, pg) })
	}
}

func testStatementMonths(t *testing.T, pg bool) {
	e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC).UnixMilli())
	e.Main.App.Now = func() time.Time { return time.UnixMilli(clock.Load()).UTC() }
	pID := idOf(planByName(t, e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items(), "Cloud 7 days"))
	a := e.CreateAccount(e.Root, 1, "integrator", "A")
	b := e.CreateAccount(a.Token, a.ID, "customer", "B")
	d := e.CreateAccount(a.Token, a.ID, "customer", "D")
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+itoa(pID), e.Root, map[string]any{"cost": "3"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(b.ID)+"/plans/"+itoa(pID), a.Token, map[string]any{"cost": "4"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(d.ID)+"/plans/"+itoa(pID), a.Token, map[string]any{"cost": "5.55"})
	if _, err := e.Main.Store.W().SeedCameras(ctx, []store.SeedCamera{
		{IntegratorID: a.ID, CustomerID: b.ID, PlanID: pID, Name: "b-1", Enabled: true},
		{IntegratorID: a.ID, CustomerID: d.ID, PlanID: pID, Name: "d-1", Enabled: true},
		{IntegratorID: a.ID, CustomerID: d.ID, PlanID: pID, Name: "d-2", Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	// Before the clock moves on (sessions expire): B cannot read A's months.
	e.Must(404, "GET", "/api/v1/accounts/"+itoa(a.ID)+"/statistics/months", b.Token, nil)
	clock.Store(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC).UnixMilli())
	for _, p := range []string{"2026-01", "2026-02"} {
		e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": p})
	}
	for _, bad := range []string{"0", "25", "-1", "twelve"} {
		r := e.Must(400, "GET", "/api/v1/accounts/"+itoa(a.ID)+"/statistics/months?months="+bad, e.Root, nil)
		if _, ok := r.Fields()["months"]; !ok {
			t.Errorf("months=%s: %s", bad, r.Body)
		}
	}

	months := func() []map[string]any {
		r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(a.ID)+"/statistics/months?months=3", e.Root, nil)
		var out []map[string]any
		for _, m := range r.JSON["months"].([]any) {
			out = append(out, m.(map[string]any))
		}
		if len(out) != 3 {
			t.Fatalf("months: %s", r.Body)
		}
		return out
	}
	eq := func(x, y string) bool {
		p, err1 := money.Parse(x)
		q, err2 := money.Parse(y)
		return err1 == nil && err2 == nil && p == q
	}
	before := months()
	nonZero := false
	for i, period := range []string{"2026-01", "2026-02", "2026-03"} {
		got := before[i]
		st := e.Must(200, "GET", "/api/v1/accounts/"+itoa(a.ID)+"/statements?period="+period, e.Root, nil).JSON
		if got["period"] != period || got["status"] != st["status"] {
			t.Errorf("%s: %v, statement status %v", period, got, st["status"])
		}
		for _, k := range []string{"owes_above", "owed_below", "margin"} {
			if !eq(got[k].(string), st[k].(string)) {
				t.Errorf("%s %s: months %v, statement %v", period, k, got[k], st[k])
			}
		}
		kids, stKids := got["children"].([]any), st["children"].([]any)
		if len(kids) != 2 || len(stKids) != 2 {
			t.Fatalf("%s children %v / %v", period, kids, stKids)
		}
		for j := range kids {
			k, s := kids[j].(map[string]any), stKids[j].(map[string]any)
			if k["account_id"] != s["account_id"] || !eq(k["owes"].(string), s["owes"].(string)) {
				t.Errorf("%s child %v, statement %v", period, k, s)
			}
			nonZero = nonZero || k["owes"] != "0.0000"
		}
	}
	if !nonZero || before[0]["status"] != "closed" || before[2]["status"] != "draft" {
		t.Errorf("months: %v", before)
	}
	// D's price rises: January and February stay as billed, March moves.
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(d.ID)+"/plans/"+itoa(pID), e.Root, map[string]any{"cost": "9"}) // A's session expired with the clock
	after := months()
	for i := 0; i < 2; i++ {
		if after[i]["owed_below"] != before[i]["owed_below"] || after[i]["margin"] != before[i]["margin"] {
			t.Errorf("closed %v moved: %v → %v", after[i]["period"], before[i], after[i])
		}
	}
	if after[2]["owed_below"] == before[2]["owed_below"] {
		t.Errorf("the March draft did not follow the new price: %v", after[2])
	}
}
