package api_test

import (
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestDefaultPricesMakeAMargin (issue 13): offering plans to new accounts
// without naming prices, every reseller down the tree starts with a margin.
// A sub-integrator pays its parent's end-user price and its own end-user
// price starts 25 % above that, also for a copy made for it — never at the
// parent's own markup, from which it could work out what the parent pays
// (R4); a customer pays its parent's end-user price.
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
		// A parent with a markup of its own does not pass it down: C's
		// default would otherwise tell C what B pays (cost² ÷ end-user price).
		e.Must(200, "PATCH", "/api/v1/plans/"+itoa(plan), b.Token, map[string]any{"end_user_price": "9.375"}) // ×1.5
		c := create(b.Token, b.ID, "integrator", "c")
		if cost, p := prices(c); cost != "9.3750" || p != "11.7188" {
			t.Fatalf("C under B: cost %v, end-user price %v; want 9.3750 and 11.7188 (25 %%, not B's 50 %%)", cost, p)
		}
		// A copy for a sub-integrator without an end-user price: the cost
		// it pays, with 25 %.
		cp := e.Must(201, "POST", "/api/v1/plans/"+itoa(plan)+"/copies", b.Token, map[string]any{"name": "B copy", "cost": "8", "account_ids": []int64{c.ID}}).ID()
		if got := e.Must(200, "GET", "/api/v1/plans/"+itoa(cp), c.Token, nil).JSON; got["cost"] != "8.0000" || got["end_user_price"] != "10.0000" {
			t.Fatalf("C's copy: %v", got)
		}
		cust := create(c.Token, c.ID, "customer", "d")
		offer := e.Must(200, "GET", "/api/v1/accounts/"+itoa(cust.ID)+"/plans/"+itoa(plan), c.Token, nil).JSON
		if offer["cost"] != "11.7188" {
			t.Fatalf("the customer pays %v, want C's end-user price 11.7188", offer["cost"])
		}
		m := e.Must(200, "GET", "/api/v1/plans/"+itoa(plan)+"/margin", b.Token, nil).JSON
		if m["per_camera"] != "3.1250" {
			t.Fatalf("B's margin per camera: %v", m)
		}
	})
}
