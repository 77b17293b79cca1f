package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/store"
)

// TestTreeCurrency gives one top-level integrator's tree its own currency
// (JPY, no decimals) beside one on the installation's (EUR), on both
// databases: the operator sets it, the tree inherits it, bad codes are 400
// naming currency with nothing written; statements, invoices and the CSV of
// each tree are in its currency with its decimals, and the operator's own
// statement lists each child in its currency and totals per currency.
func TestTreeCurrency(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) { testTreeCurrency(t, pg) })
	}
}

func testTreeCurrency(t *testing.T, pg bool) {
	e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
	ctx := context.Background()
	fixClock(e, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))

	pID := idOf(planByName(t, e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items(), "Cloud 7 days"))
	j := e.CreateAccount(e.Root, 1, "integrator", "Japan")
	js := e.CreateAccount(j.Token, j.ID, "integrator", "Japan sub")
	jc := e.CreateAccount(js.Token, js.ID, "customer", "Japan customer")
	u := e.CreateAccount(e.Root, 1, "integrator", "Euro")
	uc := e.CreateAccount(u.Token, u.ID, "customer", "Euro customer")
	putOffers(e, pID, []offerAt{{j.ID, e.Root, "1000"}, {js.ID, j.Token, "1500.5"}, {jc.ID, js.Token, "2000.25"}, {u.ID, e.Root, "3"}, {uc.ID, u.Token, "4.4"}})
	if _, err := e.Main.Store.W().SeedCameras(ctx, []store.SeedCamera{
		{IntegratorID: js.ID, CustomerID: jc.ID, PlanID: pID, Name: "j-1", Enabled: true},
		{IntegratorID: u.ID, CustomerID: uc.ID, PlanID: pID, Name: "u-1", Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	acct := func(id int64) string { return "/api/v1/accounts/" + itoa(id) }

	// Bad input: 400 naming currency, nothing written (not even the name).
	for _, bad := range []string{"XYZ", "EU", "€", "eurx", "123"} {
		r := e.Must(400, "PATCH", acct(j.ID), e.Root, map[string]any{"name": "Renamed", "currency": bad})
		if _, ok := r.Fields()["currency"]; !ok {
			t.Errorf("currency %q: %s", bad, r.Body)
		}
	}
	// Only on a top-level account, and only by the operator.
	if r := e.Must(400, "PATCH", acct(js.ID), e.Root, map[string]any{"name": "Renamed", "currency": "USD"}); r.Fields()["currency"] == nil {
		t.Errorf("currency below the top level: %s", r.Body)
	}
	e.Must(403, "PATCH", acct(j.ID), j.Token, map[string]any{"currency": "USD"}) // set by its parent, like its prices
	e.Must(403, "PATCH", acct(1), e.Root, map[string]any{"currency": "USD"})     // the operator's is VIGILO_CURRENCY
	for _, id := range []int64{j.ID, js.ID} {
		if g := e.Must(200, "GET", acct(id), e.Root, nil).JSON; g["name"] == "Renamed" || g["currency"] != "EUR" {
			t.Errorf("a refused change was written: %v", g)
		}
	}
	// The operator chooses (lower case is read as the code); the subtree inherits.
	if r := e.Must(200, "PATCH", acct(j.ID), e.Root, map[string]any{"currency": "jpy"}); r.JSON["currency"] != "JPY" {
		t.Errorf("set JPY: %s", r.Body)
	}
	for _, id := range []int64{j.ID, js.ID, jc.ID} {
		if g := e.Must(200, "GET", acct(id), e.Root, nil).JSON; g["currency"] != "JPY" {
			t.Errorf("account %d: currency %v, want JPY", id, g["currency"])
		}
	}
	if g := e.Must(200, "GET", acct(uc.ID), e.Root, nil).JSON; g["currency"] != "EUR" {
		t.Errorf("the other tree: %v", g["currency"])
	}

	stmt := func(id int64) map[string]any {
		return e.Must(200, "GET", acct(id)+"/statements?period=2026-02", e.Root, nil).JSON
	}
	// The close prices the whole tree at once; each draft before it is
	// computed on its own: with two currencies they still agree.
	drafts := map[int64]map[string]any{}
	for _, id := range []int64{1, j.ID, js.ID, jc.ID, u.ID, uc.ID} {
		drafts[id] = stmt(id)
	}
	e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": "2026-02"})
	for id, d := range drafts {
		checkDraftIsClosed(t, 0, id, d, stmt(id))
		if c := stmt(id); fmt.Sprint(c["totals"]) != fmt.Sprint(d["totals"]) {
			t.Errorf("account %d: totals %v closed, %v in the draft", id, c["totals"], d["totals"])
		}
	}
	// February, 28 days of one camera: JPY rounds to whole yen.
	// jc: 2000.25 × 28/30 = 1866.9 → 1867; js: 1500.5 × 28/30 = 1400.4667 → 1400; j: 1000 × 28/30 = 933.33 → 933.
	if s := stmt(jc.ID); s["currency"] != "JPY" || s["owes_above"] != "1867" {
		t.Errorf("Japan customer: %v", s)
	}
	if s := stmt(js.ID); s["currency"] != "JPY" || s["owes_above"] != "1400" || s["owed_below"] != "1867" || s["margin"] != "467" {
		t.Errorf("Japan sub: %v", s)
	}
	if s := stmt(j.ID); s["currency"] != "JPY" || s["owes_above"] != "933" || s["margin"] != "467" {
		t.Errorf("Japan: %v", s)
	}
	// The operator: each child in its own currency; owed_below in EUR only
	// (Euro: 3 × 28/30 = 2.80); totals per currency.
	root := stmt(1)
	if root["currency"] != "EUR" || root["owed_below"] != "2.80" || root["margin"] != "2.80" {
		t.Errorf("operator: %v", root)
	}
	kids := map[string]string{}
	for _, c := range root["children"].([]any) {
		c := c.(map[string]any)
		kids[c["name"].(string)] = c["owes"].(string) + " " + c["currency"].(string)
	}
	if kids["Japan"] != "933 JPY" || kids["Euro"] != "2.80 EUR" {
		t.Errorf("operator's children: %v", kids)
	}
	var totals []string
	for _, x := range root["totals"].([]any) {
		x := x.(map[string]any)
		totals = append(totals, x["currency"].(string)+" "+x["owed_below"].(string)+" "+x["margin"].(string))
	}
	if strings.Join(totals, "; ") != "EUR 2.80 2.80; JPY 933 933" {
		t.Errorf("operator's totals: %v", totals)
	}

	// Invoices: the operator → Japan edge is in JPY, the rest of each tree too.
	for _, c := range []struct {
		token        string
		issuer       int64
		currency, st string
	}{{e.Root, 1, "", ""}, {j.Token, j.ID, "JPY", "1400"}, {js.Token, js.ID, "JPY", "1867"}, {u.Token, u.ID, "EUR", "4.11"}} {
		items := e.Must(200, "GET", acct(c.issuer)+"/invoices?direction=issued&period=2026-02", c.token, nil).Items()
		if c.issuer == 1 {
			got := map[string]string{}
			for _, inv := range items {
				got[itoa(int64(inv["customer_id"].(float64)))] = inv["subtotal"].(string) + " " + inv["currency"].(string)
			}
			if got[itoa(j.ID)] != "933 JPY" || got[itoa(u.ID)] != "2.80 EUR" {
				t.Errorf("operator's invoices: %v", got)
			}
			continue
		}
		if len(items) != 1 || items[0]["currency"] != c.currency || items[0]["subtotal"] != c.st {
			t.Errorf("invoices of %d: %v", c.issuer, items)
		}
	}
	// The list CSV carries each invoice's currency and decimals.
	csvBody := string(e.Do("GET", acct(1)+"/invoices?direction=issued&period=2026-02&format=csv", e.Root, nil).Body)
	if !strings.Contains(csvBody, ",JPY,933,") || !strings.Contains(csvBody, ",EUR,2.80,") {
		t.Errorf("invoice CSV:\n%s", csvBody)
	}
	// Closed statements keep the currency they were closed in.
	e.Must(200, "PATCH", acct(j.ID), e.Root, map[string]any{"currency": "EUR"})
	if s := stmt(js.ID); s["currency"] != "JPY" || s["owes_above"] != "1400" {
		t.Errorf("a closed statement moved with the currency: %v", s)
	}
	if s := e.Must(200, "GET", acct(js.ID)+"/statements?period=2026-03", e.Root, nil).JSON; s["currency"] != "EUR" {
		t.Errorf("March's draft after the change: %v", s["currency"])
	}
}

// fixClock stops the app's clock at at.
func fixClock(e *apitest.Env, at time.Time) {
	e.Main.App.Now = func() time.Time { return at }
}

// offerAt is one account's cost of a plan, set by its parent's token.
type offerAt struct {
	acct        int64
	token, cost string
}

// putOffers prices plan planID for each account.
func putOffers(e *apitest.Env, planID int64, offers []offerAt) {
	for _, o := range offers {
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(o.acct)+"/plans/"+itoa(planID), o.token, map[string]any{"cost": o.cost})
	}
}
