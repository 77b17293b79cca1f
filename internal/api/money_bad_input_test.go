package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/store"
)

// TestMoneyBadInput goes through issue 13's list of bad input on both
// databases — periods malformed, in the future or not over; tax rates out
// of range or of the wrong type; unknown currencies; foreign, unknown and
// malformed invoice ids; bad filters — and checks each is a 4xx naming the
// field (never 5xx) and that nothing was written: no month closed, no
// profile, currency or invoice changed.
func TestMoneyBadInput(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
		fixClock(e, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
		pID := idOf(planByName(t, e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items(), "Cloud 7 days"))
		a := e.CreateAccount(e.Root, 1, "integrator", "A")
		ac := e.CreateAccount(a.Token, a.ID, "customer", "A customer")
		o := e.CreateAccount(e.Root, 1, "integrator", "Other")
		oc := e.CreateAccount(o.Token, o.ID, "customer", "Other customer")
		putOffers(e, pID, []offerAt{{a.ID, e.Root, "3"}, {ac.ID, a.Token, "5"}, {o.ID, e.Root, "3"}, {oc.ID, o.Token, "5"}})
		if _, err := e.Main.Store.W().SeedCameras(context.Background(), []store.SeedCamera{
			{IntegratorID: a.ID, CustomerID: ac.ID, PlanID: pID, Name: "a", Enabled: true},
			{IntegratorID: o.ID, CustomerID: oc.ID, PlanID: pID, Name: "o", Enabled: true},
		}); err != nil {
			t.Fatal(err)
		}
		field := func(status int, method, path, token string, body any, name string) {
			t.Helper()
			r := e.Do(method, path, token, body)
			if r.Status != status {
				t.Errorf("%s %s %v: %d, want %d: %s", method, path, body, r.Status, status, r.Body)
				return
			}
			if name != "" {
				if _, ok := r.Fields()[name]; !ok {
					t.Errorf("%s %s %v: the error does not name %s: %s", method, path, body, name, r.Body)
				}
			}
		}
		acct := func(id int64) string { return "/api/v1/accounts/" + itoa(id) }

		// Periods: malformed, in the future, not over yet, missing.
		for _, p := range []any{"2026-13", "2026-3", "26-03", "March", "", 202602, nil, "2026-02-01", "1999-12"} {
			field(400, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": p}, "period")
		}
		for _, p := range []string{"2026-03", "2026-04", "2099-01"} { // running and future months
			field(400, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": p}, "period")
		}
		for _, p := range []string{"2026-13", "x", "2026-04", "2099-01"} {
			field(400, "GET", acct(a.ID)+"/statements?period="+p, e.Root, nil, "period")
			field(400, "GET", acct(a.ID)+"/invoices?period="+p, e.Root, nil, "period")
		}
		for _, m := range []string{"0", "25", "-1", "x"} {
			field(400, "GET", acct(a.ID)+"/statistics/months?months="+m, e.Root, nil, "months")
		}
		for _, q := range []string{"from=2026-02-30", "from=2026-03-10&to=2026-03-01", "from=2025-01-01&to=2026-03-01"} {
			r := e.Do("GET", acct(a.ID)+"/statistics?"+q, e.Root, nil)
			if r.Status != 400 || len(r.Fields()) == 0 {
				t.Errorf("statistics?%s: %d %s", q, r.Status, r.Body)
			}
		}
		// Nothing closed by any of it: February is still a draft.
		if s := e.Must(200, "GET", acct(a.ID)+"/statements?period=2026-02", e.Root, nil).JSON; s["status"] != "draft" {
			t.Fatalf("a refused close wrote something: %v", s)
		}

		// Tax rates and terms out of range or of the wrong type.
		profile := acct(ac.ID) + "/billing-profile"
		before := string(e.Must(200, "GET", profile, a.Token, nil).Body)
		for _, body := range []map[string]any{
			{"vat_enabled": true, "vat_rate": "-0.01"}, {"vat_enabled": true, "vat_rate": "100.0001"}, {"vat_rate": "20.00001"},
			{"vat_rate": "twenty"}, {"vat_rate": 20}, {"vat_rate": true},
		} {
			field(400, "PATCH", profile, a.Token, body, "vat_rate")
		}
		field(400, "PATCH", profile, a.Token, map[string]any{"vat_enabled": "yes"}, "vat_enabled")
		field(400, "PATCH", profile, a.Token, map[string]any{"payment_terms_days": -1}, "payment_terms_days")
		field(400, "PATCH", profile, a.Token, map[string]any{"payment_terms_days": "30"}, "payment_terms_days")
		if after := string(e.Must(200, "GET", profile, a.Token, nil).Body); after != before {
			t.Errorf("a refused profile change was written: %s, before %s", after, before)
		}

		// Currencies unknown or of the wrong type.
		for _, c := range []any{"ABC", "XXXX", "us$", 978, true} {
			field(400, "PATCH", acct(a.ID), e.Root, map[string]any{"name": "Renamed", "currency": c}, "currency")
		}
		if g := e.Must(200, "GET", acct(a.ID), e.Root, nil).JSON; g["name"] != "A" || g["currency"] != "EUR" {
			t.Errorf("a refused currency wrote something: %v", g)
		}

		// Invoices: close February, then foreign, unknown and malformed ids.
		e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": "2026-02"})
		mine := e.Must(200, "GET", acct(a.ID)+"/invoices?direction=issued", a.Token, nil).Items()
		theirs := e.Must(200, "GET", acct(o.ID)+"/invoices?direction=issued", o.Token, nil).Items()
		if len(mine) != 1 || len(theirs) != 1 {
			t.Fatalf("drafts: %v %v", mine, theirs)
		}
		foreign := "/api/v1/invoices/" + itoa(idOf(theirs[0]))
		field(404, "GET", foreign, a.Token, nil, "")
		field(404, "GET", foreign+"?format=pdf", a.Token, nil, "")
		field(404, "PATCH", foreign, a.Token, map[string]any{"status": "issued"}, "")
		field(404, "GET", foreign, ac.Token, nil, "")
		for _, id := range []string{"999999", "0", "-3", "abc", "1e3"} {
			field(404, "GET", "/api/v1/invoices/"+id, a.Token, nil, "")
			field(404, "PATCH", "/api/v1/invoices/"+id, a.Token, map[string]any{"status": "issued"}, "")
		}
		// The customer's side: its draft is not there; once issued it may
		// read but not change it.
		own := "/api/v1/invoices/" + itoa(idOf(mine[0]))
		field(404, "GET", own, ac.Token, nil, "")
		for _, st := range []any{"draft", "sent", "", 1, nil} {
			field(400, "PATCH", own, a.Token, map[string]any{"status": st}, "status")
		}
		field(400, "GET", own+"?format=docx", a.Token, nil, "format")
		for q, name := range map[string]string{"status=open": "status", "direction=sideways": "direction", "customer_id=x": "customer_id",
			"format=xml": "format", "page=-1": "page"} {
			field(400, "GET", acct(a.ID)+"/invoices?"+q, a.Token, nil, name)
		}
		// A foreign customer id filters to nothing, never to the other tree.
		if items := e.Must(200, "GET", acct(a.ID)+"/invoices?customer_id="+itoa(oc.ID), a.Token, nil).Items(); len(items) != 0 {
			t.Errorf("a foreign customer_id listed %v", items)
		}
		// Nothing above moved the invoices: both still unnumbered drafts.
		for _, inv := range []string{own, foreign} {
			if g := e.Must(200, "GET", inv, e.Root, nil).JSON; g["status"] != "draft" || g["number"] != "" {
				t.Errorf("%s changed: %v", inv, g)
			}
		}
		// Another account's billing profile and statements are not there.
		field(404, "GET", acct(oc.ID)+"/billing-profile", a.Token, nil, "")
		field(404, "PATCH", acct(oc.ID)+"/billing-profile", a.Token, map[string]any{"vat_rate": "5"}, "")
		field(404, "GET", acct(oc.ID)+"/statements?period=2026-02", a.Token, nil, "")
		field(403, "POST", "/api/v1/billing/close", a.Token, map[string]any{"period": "2026-01"}, "")
	})
}
