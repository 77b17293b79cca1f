package api_test

import (
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestDefaultPricesMakeAMargin (issue 13): offering plans to new accounts
// without naming prices, every reseller down the tree starts with a margin.
// A sub-integrator pays its parent's end-user price and its own end-user
// price is marked up as its parent marks up (25 % under the operator, who
// has no cost to take a ratio from), also for a copy made for it; a
// customer pays its parent's end-user price.
func TestDefaultPricesMakeAMargin(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *apitest.Env) {
		plan := idOf(planByName(t, e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items(), "Cloud 7 days")) // 5.0000
		create := func(token string, parent int64, typ, name string) apitest.Account {
			body := map[string]any{"type": typ, "parent_id": parent, "name": name, "email": name + "-margin@vigilo.test", "password": "password-123",
				"plans": []map[string]any{{"plan_id": plan, "selected": true, "visible": true}}}
			if typ == "integrator" {
				body["storage_price"], body["traffic_price"] = "0.03", "0.01"
			}
			id := e.Must(201, "POST", "/api/v1/accounts", token, body).ID()
			e.ConfirmEmail(name + "-margin@vigilo.test")
			return apitest.Account{ID: id, Token: e.Login(name+"-margin@vigilo.test", "password-123")}
		}
		prices := func(a apitest.Account) (cost, eup any) {
			it := e.Must(200, "GET", "/api/v1/plans/"+itoa(plan), a.Token, nil).JSON
			return it["cost"], it["end_user_price"]
		}
		a := create(e.Root, 1, "integrator", "a")
		if c, p := prices(a); c != "5.0000" || p != "6.2500" {
			t.Fatalf("A under the operator: cost %v, end-user price %v; want 5.0000 and 6.2500", c, p)
		}
		b := create(a.Token, a.ID, "integrator", "b")
		if c, p := prices(b); c != "6.2500" || p != "7.8125" {
			t.Fatalf("B under A: cost %v, end-user price %v; want A's end-user price 6.2500 and 7.8125 (A's markup)", c, p)
		}
		// A parent that sets its own end-user price passes its markup down.
		e.Must(200, "PATCH", "/api/v1/plans/"+itoa(plan), b.Token, map[string]any{"end_user_price": "9.375"}) // ×1.5
		c := create(b.Token, b.ID, "integrator", "c")
		if cost, p := prices(c); cost != "9.3750" || p != "14.0625" {
			t.Fatalf("C under B: cost %v, end-user price %v; want 9.3750 and 14.0625", cost, p)
		}
		// A copy for a sub-integrator without an end-user price: the cost
		// it pays, marked up as B marks up (×1.5).
		cp := e.Must(201, "POST", "/api/v1/plans/"+itoa(plan)+"/copies", b.Token, map[string]any{"name": "B copy", "cost": "8", "account_ids": []int64{c.ID}}).ID()
		if got := e.Must(200, "GET", "/api/v1/plans/"+itoa(cp), c.Token, nil).JSON; got["cost"] != "8.0000" || got["end_user_price"] != "12.0000" {
			t.Fatalf("C's copy: %v", got)
		}
		cust := create(c.Token, c.ID, "customer", "d")
		offer := e.Must(200, "GET", "/api/v1/accounts/"+itoa(cust.ID)+"/plans/"+itoa(plan), c.Token, nil).JSON
		if offer["cost"] != "14.0625" {
			t.Fatalf("the customer pays %v, want C's end-user price 14.0625", offer["cost"])
		}
		m := e.Must(200, "GET", "/api/v1/plans/"+itoa(plan)+"/margin", b.Token, nil).JSON
		if m["per_camera"] != "3.1250" {
			t.Fatalf("B's margin per camera: %v", m)
		}
	})
}
