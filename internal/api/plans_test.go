package api_test

import (
	"context"
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
)

func bothEngines(t *testing.T, fn func(t *testing.T, e *apitest.Env)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { fn(t, apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})) })
	}
}

func planByName(t *testing.T, items []map[string]any, name string) map[string]any {
	t.Helper()
	for _, it := range items {
		if it["name"] == name {
			return it
		}
	}
	t.Fatalf("no plan named %q in %v", name, items)
	return nil
}

func idOf(m map[string]any) int64 { v, _ := m["id"].(float64); return int64(v) }

func rowCounts(t *testing.T, e *apitest.Env) [2]int {
	t.Helper()
	p, o, err := e.Main.Store.R().PlanRowCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return [2]int{p, o}
}

// TestPlansFlow walks R4 end to end: default plans, offers per child with
// their own names and prices, hiding that keeps settings, the sub-
// integrator's refused attempt to change its cost, copies and margins.
func TestPlansFlow(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *apitest.Env) {
		root := e.Must(200, "GET", "/api/v1/plans?sort=name", e.Root, nil)
		if len(root.Items()) != 4 || root.JSON["total"].(float64) != 4 {
			t.Fatalf("default plans: %s", root.Body)
		}
		cloud7 := planByName(t, root.Items(), "Cloud 7 days")
		if _, has := cloud7["cost"]; has || cloud7["end_user_price"] != "5.0000" || cloud7["own"] != true {
			t.Fatalf("operator's own plan: %v", cloud7)
		}
		p := itoa(idOf(cloud7))
		payg := itoa(idOf(planByName(t, root.Items(), "Pay as you go")))

		i := e.CreateAccount(e.Root, 1, "integrator", "Integrator")
		c := e.CreateAccount(i.Token, i.ID, "customer", "Customer")
		s := e.CreateAccount(i.Token, i.ID, "integrator", "Sub")
		e.Must(403, "POST", "/api/v1/plans", i.Token, map[string]any{"name": "X", "kind": "fixed", "retention_days": 3, "price": "1"})
		if n := len(e.Must(200, "GET", "/api/v1/plans", i.Token, nil).Items()); n != 0 {
			t.Fatalf("nothing offered yet, I sees %d plans", n)
		}

		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(i.ID)+"/plans/"+p, e.Root, map[string]any{"cost": "3.00", "end_user_price": "6", "name": "Basic"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(i.ID)+"/plans/"+payg, e.Root, map[string]any{"cost": "0"})
		mine := planByName(t, e.Must(200, "GET", "/api/v1/plans", i.Token, nil).Items(), "Basic")
		if mine["cost"] != "3.0000" || mine["end_user_price"] != "6.0000" {
			t.Fatalf("I's view: %v", mine)
		}
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+p, i.Token, map[string]any{"cost": "6.50", "end_user_price": "7", "name": "Gold"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(s.ID)+"/plans/"+p, i.Token, map[string]any{"cost": "5.00", "end_user_price": "8", "name": "Silver"})
		cv := e.Must(200, "GET", "/api/v1/plans", c.Token, nil)
		if len(cv.Items()) != 1 || cv.Items()[0]["name"] != "Gold" || cv.Items()[0]["cost"] != "6.5000" || strings.Contains(string(cv.Body), "Silver") {
			t.Fatalf("C's view: %s", cv.Body)
		}

		// The sub-integrator may rename and reprice, never touch its cost.
		r := e.Must(403, "PATCH", "/api/v1/plans/"+p, s.Token, map[string]any{"cost": "0.01"})
		if r.Code() != "cost_set_by_parent" {
			t.Fatalf("cost change: %s", r.Body)
		}
		e.Must(403, "PUT", "/api/v1/accounts/"+itoa(s.ID)+"/plans/"+p, s.Token, map[string]any{"cost": "0.01"})
		e.Must(403, "GET", "/api/v1/accounts/"+itoa(s.ID)+"/plans", s.Token, nil)
		sv := e.Must(200, "PATCH", "/api/v1/plans/"+p, s.Token, map[string]any{"name": "Mine", "end_user_price": "9.5"})
		if sv.JSON["cost"] != "5.0000" || sv.JSON["name"] != "Mine" || sv.JSON["end_user_price"] != "9.5000" {
			t.Fatalf("S after PATCH: %s", sv.Body)
		}
		if got := e.Must(200, "GET", "/api/v1/plans", c.Token, nil).Items()[0]; got["name"] != "Gold" || got["end_user_price"] != "7.0000" {
			t.Fatalf("S's change leaked to C: %v", got)
		}

		// A customer of S is offered the plan by S; hiding it from S above
		// takes it away from the whole subtree and keeps S's settings.
		tc := e.CreateAccount(s.Token, s.ID, "customer", "Leaf")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(tc.ID)+"/plans/"+p, s.Token, map[string]any{"cost": "11"})
		if n := len(e.Must(200, "GET", "/api/v1/plans", tc.Token, nil).Items()); n != 1 {
			t.Fatalf("leaf sees %d plans", n)
		}
		hid := e.Must(200, "PUT", "/api/v1/accounts/"+itoa(s.ID)+"/plans/"+p, i.Token, map[string]any{"visible": false})
		if hid.JSON["visible"] != false || hid.JSON["cost"] != "5.0000" || hid.JSON["name"] != "Mine" {
			t.Fatalf("hidden offer: %s", hid.Body)
		}
		for _, tok := range []string{s.Token, tc.Token} {
			if n := len(e.Must(200, "GET", "/api/v1/plans", tok, nil).Items()); n != 0 {
				t.Fatalf("hidden plan still usable below: %d", n)
			}
		}
		e.Must(404, "PATCH", "/api/v1/plans/"+p, s.Token, map[string]any{"name": "x"})
		e.Must(404, "PUT", "/api/v1/accounts/"+itoa(tc.ID)+"/plans/"+p, s.Token, map[string]any{"cost": "1"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(s.ID)+"/plans/"+p, i.Token, map[string]any{"visible": true})
		back := e.Must(200, "GET", "/api/v1/plans", s.Token, nil).Items()[0]
		if back["name"] != "Mine" || back["cost"] != "5.0000" || back["end_user_price"] != "9.5000" {
			t.Fatalf("settings lost by hiding: %v", back)
		}

		// Copies: a fixed plan, to direct sub-integrators, with their cost.
		before := rowCounts(t, e)
		e.Must(400, "POST", "/api/v1/plans/"+payg+"/copies", i.Token, map[string]any{"cost": "1", "account_ids": []int64{s.ID}})
		r = e.Must(400, "POST", "/api/v1/plans/"+p+"/copies", i.Token, map[string]any{"cost": "1", "account_ids": []int64{c.ID}})
		if _, ok := r.Fields()["account_ids[0]"]; !ok {
			t.Fatalf("copy to a customer: %s", r.Body)
		}
		r = e.Must(400, "POST", "/api/v1/plans/"+p+"/copies", i.Token, map[string]any{"cost": "-1", "account_ids": []int64{s.ID}})
		if _, ok := r.Fields()["cost"]; !ok {
			t.Fatalf("negative cost: %s", r.Body)
		}
		e.Must(404, "POST", "/api/v1/plans/"+itoa(idOf(planByName(t, root.Items(), "Cloud 30 days")))+"/copies", i.Token,
			map[string]any{"cost": "1", "account_ids": []int64{s.ID}})
		if after := rowCounts(t, e); after != before {
			t.Fatalf("refused copies changed rows: %v → %v", before, after)
		}
		cp := e.Must(201, "POST", "/api/v1/plans/"+p+"/copies", i.Token, map[string]any{"name": "Sub fixed", "cost": "4.25", "end_user_price": "10", "account_ids": []int64{s.ID}})
		if cp.JSON["cost"] != "3.0000" || cp.JSON["end_user_price"] != "4.2500" || cp.JSON["own"] != true {
			t.Fatalf("copy as its owner sees it: %s", cp.Body)
		}
		copyView := planByName(t, e.Must(200, "GET", "/api/v1/plans", s.Token, nil).Items(), "Sub fixed")
		if copyView["cost"] != "4.2500" || copyView["end_user_price"] != "10.0000" {
			t.Fatalf("copy as S sees it: %v", copyView)
		}
		e.Must(403, "PATCH", "/api/v1/plans/"+itoa(cp.ID()), s.Token, map[string]any{"cost": "0"})

		// Margin: I pays 3 up, charges C 6.50 and S 5.00.
		m := e.Must(200, "GET", "/api/v1/accounts/"+itoa(i.ID)+"/plans/"+p+"/margin", i.Token, nil)
		kids := m.JSON["children"].([]any)
		if m.JSON["cost"] != "3.0000" || len(kids) != 2 {
			t.Fatalf("margin: %s", m.Body)
		}
		for _, k := range kids {
			k := k.(map[string]any)
			want := map[string]string{"Customer": "3.5000", "Sub": "2.0000"}[k["name"].(string)]
			if k["per_camera"] != want {
				t.Fatalf("child margin %v, want per camera %s", k, want)
			}
		}
		if sm := e.Must(200, "GET", "/api/v1/plans/"+p+"/margin", s.Token, nil); sm.JSON["cost"] != "5.0000" || strings.Contains(string(sm.Body), "3.0000") {
			t.Fatalf("S's margin: %s", sm.Body)
		}
		e.Must(404, "GET", "/api/v1/accounts/"+itoa(i.ID)+"/plans/"+p+"/margin", s.Token, nil)

		// Every change is in the audit log.
		audit := string(e.Must(200, "GET", "/api/v1/audit?per_page=200", e.Root, nil).Body)
		for _, action := range []string{"plan.offer_set", "plan.offer_updated", "plan.copied", "plan.seeded"} {
			if !strings.Contains(audit, `"`+action+`"`) {
				t.Fatalf("audit log lacks %s", action)
			}
		}
	})
}

// TestPlansBadInput: malformed and out-of-range input is a 400 naming the
// field (or 404 for what the caller may not see), and changes nothing.
func TestPlansBadInput(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *apitest.Env) {
		plans := e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()
		p := itoa(idOf(planByName(t, plans, "Cloud 30 days")))
		i := e.CreateAccount(e.Root, 1, "integrator", "I")
		other := e.CreateAccount(e.Root, 1, "integrator", "Other")
		c := e.CreateAccount(i.Token, i.ID, "customer", "C")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(i.ID)+"/plans/"+p, e.Root, map[string]any{"cost": "2"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+p, i.Token, map[string]any{"cost": "2.5"})
		before := rowCounts(t, e)
		auditBefore := e.Must(200, "GET", "/api/v1/audit", e.Root, nil).JSON["total"]

		cases := []struct {
			method, path, token string
			body                any
			status              int
			field               string
		}{
			{"PUT", "/accounts/" + itoa(c.ID) + "/plans/" + p, i.Token, map[string]any{"cost": "-1"}, 400, "cost"},
			{"PUT", "/accounts/" + itoa(c.ID) + "/plans/" + p, i.Token, map[string]any{"cost": "abc"}, 400, "cost"},
			{"PUT", "/accounts/" + itoa(c.ID) + "/plans/" + p, i.Token, map[string]any{"cost": "1.00001"}, 400, "cost"},
			{"PUT", "/accounts/" + itoa(c.ID) + "/plans/" + p, i.Token, map[string]any{"end_user_price": "-0.0001"}, 400, "end_user_price"},
			{"PUT", "/accounts/" + itoa(c.ID) + "/plans/" + p, i.Token, `{"cost": 1e3}`, 400, "cost"},
			{"PUT", "/accounts/" + itoa(c.ID) + "/plans/" + p, i.Token, map[string]any{"name": strings.Repeat("n", 201)}, 400, "name"},
			{"PUT", "/accounts/" + itoa(c.ID) + "/plans/" + p, other.Token, map[string]any{"cost": "1"}, 404, ""},
			{"PUT", "/accounts/" + itoa(c.ID) + "/plans/999999", i.Token, map[string]any{"cost": "1"}, 404, ""},
			{"PUT", "/accounts/" + itoa(other.ID) + "/plans/" + p, i.Token, map[string]any{"cost": "1"}, 404, ""},
			{"PATCH", "/plans/" + p, i.Token, map[string]any{"end_user_price": "-5"}, 400, "end_user_price"},
			{"PATCH", "/plans/" + p, i.Token, map[string]any{"name": ""}, 400, "name"},
			{"PATCH", "/plans/" + p, other.Token, map[string]any{"name": "x"}, 404, ""},
			{"PATCH", "/plans/" + p, c.Token, map[string]any{"cost": "0"}, 403, "cost"},
			{"POST", "/plans", e.Root, map[string]any{"name": "", "kind": "monthly", "retention_days": 0, "recording_mode": "x", "price": "-1"}, 400, "kind"},
			{"POST", "/plans", e.Root, map[string]any{"name": "N", "kind": "fixed", "retention_days": 7, "price": "1.23456"}, 400, "price"},
			{"POST", "/plans", e.Root, map[string]any{"name": "N", "kind": "fixed", "retention_days": 99999, "price": "1"}, 400, "retention_days"},
			{"POST", "/plans/" + p + "/copies", other.Token, map[string]any{"cost": "1"}, 404, ""},
			{"POST", "/plans/" + p + "/copies", i.Token, map[string]any{"cost": "-0.5"}, 400, "cost"},
			{"POST", "/plans/" + p + "/copies", i.Token, map[string]any{}, 400, "cost"},
			{"POST", "/plans/" + p + "/copies", i.Token, map[string]any{"cost": "1", "account_ids": []int64{other.ID}}, 400, "account_ids[0]"},
			{"POST", "/plans/" + p + "/copies", e.Root, map[string]any{"cost": "1"}, 400, "plan_id"},
			{"POST", "/accounts", i.Token, map[string]any{"type": "customer", "name": "W", "email": "w@vigilo.test",
				"plans": []map[string]any{{"plan_id": 999999}, {"plan_id": idOf(planByName(t, plans, "Cloud 30 days")), "cost": "-1"}}}, 400, "plans[0].plan_id"},
			{"POST", "/accounts", i.Token, map[string]any{"type": "customer", "name": "W", "email": "w@vigilo.test",
				"plans": []map[string]any{{"plan_id": idOf(planByName(t, plans, "Cloud 30 days")), "end_user_price": "x"}}}, 400, "plans[0].end_user_price"},
			{"POST", "/accounts", i.Token, map[string]any{"type": "customer", "name": "W", "email": "w@vigilo.test",
				"plans": []map[string]any{{"plan_id": idOf(planByName(t, plans, "Cloud 7 days"))}}}, 400, "plans[0].plan_id"},
		}
		for _, tc := range cases {
			r := e.Do(tc.method, "/api/v1"+tc.path, tc.token, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%s %s %v: status %d, want %d: %s", tc.method, tc.path, tc.body, r.Status, tc.status, r.Body)
			}
			if tc.field != "" {
				if _, ok := r.Fields()[tc.field]; !ok {
					t.Fatalf("%s %s %v: no field error %q: %s", tc.method, tc.path, tc.body, tc.field, r.Body)
				}
			}
		}
		if r := e.Do("POST", "/api/v1/accounts", i.Token, map[string]any{"type": "customer", "name": "W", "email": "w@vigilo.test",
			"plans": []map[string]any{{"plan_id": 999999}, {"plan_id": 1, "cost": "-1"}}}); r.Fields()["plans[1].cost"] == nil {
			t.Fatalf("wizard reports one row only: %s", r.Body)
		}
		if after := rowCounts(t, e); after != before {
			t.Fatalf("refused requests changed plans/offers: %v → %v", before, after)
		}
		if n := e.Must(200, "GET", "/api/v1/accounts?q=w@vigilo.test", i.Token, nil).JSON["total"]; n != float64(0) {
			t.Fatalf("refused wizard left an account")
		}
		if got := e.Must(200, "GET", "/api/v1/audit", e.Root, nil).JSON["total"]; got != auditBefore {
			t.Fatalf("refused requests wrote audit entries: %v → %v", auditBefore, got)
		}
		// And the wizard's plans step works with good input.
		w := e.Must(201, "POST", "/api/v1/accounts", i.Token, map[string]any{"type": "customer", "name": "W", "email": "w@vigilo.test",
			"password": "password-123", "plans": []map[string]any{{"plan_id": idOf(planByName(t, plans, "Cloud 30 days")), "name": "Thirty", "cost": "2.75", "end_user_price": "3"}}})
		e.ConfirmEmail("w@vigilo.test")
		wv := e.Must(200, "GET", "/api/v1/plans", e.Login("w@vigilo.test", "password-123"), nil).Items()
		if len(wv) != 1 || wv[0]["name"] != "Thirty" || wv[0]["cost"] != "2.7500" || wv[0]["end_user_price"] != "3.0000" {
			t.Fatalf("wizard offer %d: %v", w.ID(), wv)
		}
	})
}

// TestPlanMoneyExact sums many small prices through the database and back
// out of the API and matches the exact decimal on both engines: 10 000
// offers of 0.0001…0.0099 summed by SQL, and 2 000 of them summed from the
// pages of GET /plans.
func TestPlanMoneyExact(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		a := e.CreateAccount(e.Root, 1, "customer", "Many")
		// b resells (an integrator): its plans page shows its cost and its
		// end-user price, which a customer's never does.
		b := e.CreateAccount(e.Root, 1, "integrator", "Some")
		rng := rand.New(rand.NewSource(7))
		var wantA, wantB money.Amount
		costB := map[int64]money.Amount{} // by plan, for the portal page
		const n, m = 10000, 2000
		err := e.Main.Store.InTx(ctx, func(q store.Q) error {
			for k := 0; k < n; k++ {
				p := billing.Plan{OwnerAccountID: 1, Name: fmt.Sprintf("P%05d", k), Kind: billing.Fixed, RetentionDays: 1,
					RecordingMode: billing.Continuous, Price: money.FromUnits(1)}
				if err := q.InsertPlan(ctx, &p); err != nil {
					return err
				}
				cost := money.FromUnits(1 + rng.Int63n(99)) // 0.0001 … 0.0099
				wantA += cost
				if err := q.PutOffer(ctx, &billing.Offer{PlanID: p.ID, AccountID: a.ID, Selected: true, Visible: true, Cost: cost, EndUserPrice: cost}); err != nil {
					return err
				}
				if k < m {
					cost = money.FromUnits(1 + rng.Int63n(9)) // 0.0001 … 0.0009
					wantB += cost
					costB[p.ID] = cost
					if err := q.PutOffer(ctx, &billing.Offer{PlanID: p.ID, AccountID: b.ID, Selected: true, Visible: true, Cost: cost, EndUserPrice: cost}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			id   int64
			want money.Amount
		}{{a.ID, wantA}, {b.ID, wantB}} {
			sum, err := e.Main.Store.R().SumOfferCosts(ctx, c.id)
			if err != nil || sum != c.want {
				t.Fatalf("SQL sum %s, want %s (%v)", sum, c.want, err)
			}
		}
		var got money.Amount
		seen := 0
		for page := 1; ; page++ {
			items := e.Must(200, "GET", fmt.Sprintf("/api/v1/plans?per_page=200&page=%d&sort=-id", page), b.Token, nil).Items()
			for _, it := range items {
				c, err := money.Parse(it["cost"].(string))
				if err != nil {
					t.Fatal(err)
				}
				got += c
			}
			seen += len(items)
			if len(items) < 200 {
				break
			}
		}
		if seen != m || got != wantB {
			t.Fatalf("API: %d plans summing to %s, want %d summing to %s", seen, got, m, wantB)
		}
		// And on to the page: the admin portal's plans page shows b's cost
		// and end-user price of each plan as the exact decimal string.
		shown := checkPlansPageMoney(t, e, b.Token, costB, []int{1, 2, m / 25})
		// And a sum on a page: one camera on each of b's plans makes what b
		// owes its provider over a 30-day period the exact sum of the
		// 2000 costs (no pro-rating, no usage).
		var cams []store.SeedCamera
		for pid := range costB {
			cams = append(cams, store.SeedCamera{IntegratorID: 1, CustomerID: b.ID, PlanID: pid, Name: fmt.Sprintf("cam %d", pid),
				RTSPURL: fmt.Sprintf("rtsp://10.0.0.1/%d", pid), Enabled: true})
		}
		if _, err := e.Main.Store.W().SeedCameras(ctx, cams); err != nil {
			t.Fatal(err)
		}
		status, _, body := portalGet(t, e, "/?from=2026-11-01&to=2026-11-30", b.Token)
		// The figure shows in the tree's currency rounded to its usual
		// decimals; the exact ten-thousandths stay in its title.
		owes := regexp.MustCompile(`data-money="owes-above" title="([^"]*)">([^<]*)<`).FindStringSubmatch(body)
		if status != 200 || owes == nil || owes[1] != wantB.String() {
			t.Fatalf("dashboard of b: %d, owes above %q, want %s", status, owes, wantB)
		}
		if !strings.HasSuffix(owes[2], " "+wantB.Fixed(2)) {
			t.Fatalf("dashboard of b shows %q, want the currency then %s", owes[2], wantB.Fixed(2))
		}
		t.Logf("%d offers sum to %s and %d to %s, exactly; %d rows of the portal's plans page and the dashboard's sum checked", n, wantA, m, wantB, shown)
	})
}

var planRowRE = regexp.MustCompile(`(?s)<tr data-plan="(\d+)">.*?<td class="num plan-cost">([^<]*)</td>.*?name="end_user_price-\d+"[^>]*? value="([^"]*)"`)

// checkPlansPageMoney opens the given pages of /plans with session and
// checks that every row shows want[plan] as both cost and end-user price,
// character for character. It returns how many rows it checked.
func checkPlansPageMoney(t *testing.T, e *apitest.Env, session string, want map[int64]money.Amount, pages []int) int {
	t.Helper()
	rows, seen := 0, map[int64]bool{}
	for _, page := range pages {
		status, _, body := portalGet(t, e, fmt.Sprintf("/plans?page=%d", page), session)
		if status != 200 {
			t.Fatalf("GET /plans?page=%d: %d", page, status)
		}
		found := planRowRE.FindAllStringSubmatch(body, -1)
		if len(found) != 25 || strings.Count(body, "<tr data-plan=") != 25 {
			t.Fatalf("page %d of /plans: %d rows parsed, %d shown, want 25:\n%s", page, len(found), strings.Count(body, "<tr data-plan="), body)
		}
		for _, f := range found {
			id, _ := strconv.ParseInt(f[1], 10, 64)
			w, ok := want[id]
			if !ok || seen[id] {
				t.Fatalf("page %d of /plans shows plan %d (known %v, shown before %v)", page, id, ok, seen[id])
			}
			seen[id] = true
			// 0.0001 … 0.0009: the smallest units, which a float or a
			// rounding to cents would turn into 0.00 or 1e-04.
			if f[2] != w.String() || f[3] != w.String() || !strings.HasPrefix(f[2], "0.000") {
				t.Fatalf("plan %d on /plans: cost %q, end-user price %q, want %q", id, f[2], f[3], w.String())
			}
			rows++
		}
	}
	return rows
}

// TestPlanMarginWithCameras checks the margin totals over real cameras: each
// level pays its cost up and charges its children's costs down, per camera
// on the plan in each child's subtree; cameras on a copy count for the copy
// (and, above the copier, for the source plan).
func TestPlanMarginWithCameras(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *apitest.Env) {
		p := itoa(idOf(planByName(t, e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items(), "Cloud 7 days")))
		i := e.CreateAccount(e.Root, 1, "integrator", "I")
		c := e.CreateAccount(i.Token, i.ID, "customer", "C")
		s := e.CreateAccount(i.Token, i.ID, "integrator", "S")
		tc := e.CreateAccount(s.Token, s.ID, "customer", "T")
		put := func(token string, acct int64, plan string, cost string) {
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(acct)+"/plans/"+plan, token, map[string]any{"cost": cost, "end_user_price": cost})
		}
		put(e.Root, i.ID, p, "3")
		put(i.Token, c.ID, p, "6.5")
		put(i.Token, s.ID, p, "5")
		put(s.Token, tc.ID, p, "11")
		cp := itoa(e.Must(201, "POST", "/api/v1/plans/"+p+"/copies", i.Token, map[string]any{"cost": "4.25", "account_ids": []int64{s.ID}}).ID())
		put(s.Token, tc.ID, cp, "9")
		camera := func(token string, customer int64, plan string, n int) {
			for k := 0; k < n; k++ {
				e.Must(201, "POST", "/api/v1/cameras", token, map[string]any{"type": "generic", "name": fmt.Sprintf("cam%d", k),
					"rtsp_url": "rtsp://127.0.0.1:1/x", "customer_id": customer, "plan_id": atoi(plan)})
			}
		}
		camera(i.Token, c.ID, p, 2)
		camera(s.Token, tc.ID, p, 3)
		camera(s.Token, tc.ID, cp, 1)

		type want struct {
			cameras                    float64
			paysUp, chargesDown, total string
		}
		check := func(token, path string, w want) map[string]any {
			t.Helper()
			m := e.Must(200, "GET", path, token, nil).JSON
			if m["cameras"] != w.cameras || m["pays_up"] != w.paysUp || m["charges_down"] != w.chargesDown || m["total"] != w.total {
				t.Fatalf("%s: %v, want %+v", path, m, w)
			}
			return m
		}
		mi := check(i.Token, "/api/v1/plans/"+p+"/margin", want{5, "15.0000", "28.0000", "13.0000"})
		for _, k := range mi["children"].([]any) {
			k := k.(map[string]any)
			w := map[string][2]any{"C": {2.0, "7.0000"}, "S": {3.0, "6.0000"}}[k["name"].(string)]
			if k["cameras"] != w[0] || k["margin"] != w[1] {
				t.Fatalf("I's margin through %v, want %v", k, w)
			}
		}
		check(i.Token, "/api/v1/plans/"+cp+"/margin", want{1, "3.0000", "4.2500", "1.2500"})
		check(e.Root, "/api/v1/accounts/"+itoa(i.ID)+"/plans/"+p+"/margin", want{5, "15.0000", "28.0000", "13.0000"})
		check(e.Root, "/api/v1/plans/"+p+"/margin", want{6, "0.0000", "18.0000", "18.0000"})
		check(s.Token, "/api/v1/plans/"+p+"/margin", want{3, "15.0000", "33.0000", "18.0000"})
		check(s.Token, "/api/v1/plans/"+cp+"/margin", want{1, "4.2500", "9.0000", "4.7500"})
		check(tc.Token, "/api/v1/plans/"+p+"/margin", want{3, "33.0000", "33.0000", "0.0000"})
	})
}

func atoi(id string) int64 {
	var n int64
	fmt.Sscan(id, &n)
	return n
}
