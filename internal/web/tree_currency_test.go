package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestTreeCurrencyPortal: Alpha's tree bills in USD, Other's in the
// installation's EUR. B (in Alpha's tree) sees its statement in dollars;
// the operator's Statements tab lists Alpha in USD and totals per currency,
// never one sum across them, and so does its CSV; its Statistics tab keeps
// Alpha's line in dollars out of the euro totals and says so.
func TestTreeCurrencyPortal(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		m := seedMoneyTree(t, e)
		ctx := context.Background()
		a := e.Main.App
		a.Now = func() time.Time { return time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC) }
		e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(m.A.ID), e.Root, map[string]any{"currency": "USD"})
		root, err := a.Authenticate(ctx, e.Root)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CloseMonth(ctx, root, "2026-03"); err != nil {
			t.Fatal(err)
		}
		cb := newClient(t, e)
		cb.signIn(m.B.Email, m.B.Password)
		if got := moneyFigures(cb.get("/accounts/" + itoa(m.B.ID) + "/statements?period=2026-03").Body); got["owes-above"] != "USD 13.12" || got["margin"] != "USD 3.86" {
			t.Errorf("B's March figures: %v", got)
		}

		op := newClient(t, e)
		op.signIn(apitest.AdminEmail, apitest.AdminPassword)
		p := op.get("/accounts/1/statements?period=2026-03")
		if p.Status != http.StatusOK {
			t.Fatalf("operator's statement: %d %.300s", p.Status, p.Body)
		}
		// A pays the operator 3 × 3 cameras × 31/30 + usage = 9.30 + 0.06 + 0.05 (see TestStatementsTab).
		got := moneyFigures(p.Body)
		if !strings.Contains(got["owed-below"], "USD ") || !strings.Contains(got["owed-below"], "EUR 0.00") || !strings.Contains(got["owed-below"], " · ") {
			t.Errorf("operator's owed below is not per currency: %v", got)
		}
		if !strings.Contains(p.Body, `>Alpha Video</a></td><td class="num" data-child-owes>USD `) {
			t.Errorf("Alpha's line is not in dollars: %.2000s", p.Body)
		}
		rows, err := csv.NewReader(strings.NewReader(op.get("/accounts/1/statements.csv?period=2026-03").Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		totals := map[string]bool{}
		for _, r := range rows[1:] {
			if r[0] == "owed_below" && r[1] == "Alpha Video" && r[5] != "USD" {
				t.Errorf("CSV: Alpha in %s", r[5])
			}
			if r[1] == "total" && r[0] != "owes_above" {
				totals[r[0]+"/"+r[5]] = true
			}
		}
		for _, k := range []string{"owed_below/EUR", "owed_below/USD", "margin/EUR", "margin/USD"} {
			if !totals[k] {
				t.Errorf("CSV lacks the %s total: %v", k, rows)
			}
		}

		// The monthly charts' CSV: what Alpha owes is in dollars.
		rows, err = csv.NewReader(strings.NewReader(op.get("/accounts/1/statistics/months.csv?months=2").Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		alpha := 0
		for _, r := range rows[1:] {
			if r[2] == "owed_by" && r[4] == "Alpha Video" {
				alpha++
				if r[6] != "USD" {
					t.Errorf("months CSV: %v", r)
				}
			}
		}
		if alpha != 2 {
			t.Errorf("months CSV has %d rows for Alpha: %v", alpha, rows)
		}

		s := op.get("/accounts/1/statistics?from=2026-03-01&to=2026-03-31")
		if s.Status != http.StatusOK {
			t.Fatalf("operator's statistics: %d", s.Status)
		}
		// The operator sets a tree's currency on its top-level account's
		// Profile tab: an unknown code is shown beside the field and
		// nothing is saved; a known one is saved; below the top level, and
		// for the account itself, there is no such field.
		other := e.Must(200, "GET", "/api/v1/accounts/"+itoa(m.Other.ID), e.Root, nil).JSON
		prof := "/accounts/" + itoa(m.Other.ID) + "/profile"
		form := func(cur string) url.Values {
			return url.Values{"name": {"Other Renamed"}, "time_zone": {"UTC"}, "storage_price": {other["storage_price"].(string)},
				"traffic_price": {other["traffic_price"].(string)}, "currency": {cur}}
		}
		if pg := op.get(prof); !strings.Contains(pg.Body, `name="currency"`) || !strings.Contains(pg.Body, `value="EUR"`) {
			t.Errorf("Other's profile lacks the currency field")
		}
		if pg := op.post(prof, prof, form("XYZ")); !strings.Contains(pg.Body, `data-field="currency"`) {
			t.Errorf("an unknown currency is not shown beside its field: %d", pg.Status)
		}
		if g := e.Must(200, "GET", "/api/v1/accounts/"+itoa(m.Other.ID), e.Root, nil).JSON; g["name"] != "Other Net" || g["currency"] != "EUR" {
			t.Errorf("a refused profile wrote something: %v", g)
		}
		if pg := op.post(prof, prof, form("gbp")); pg.Status != http.StatusSeeOther {
			t.Errorf("saving GBP: %d", pg.Status)
		}
		if g := e.Must(200, "GET", "/api/v1/accounts/"+itoa(m.Other.ID), e.Root, nil).JSON; g["currency"] != "GBP" {
			t.Errorf("GBP not saved: %v", g)
		}
		if pg := op.get("/accounts/" + itoa(m.B.ID) + "/profile"); strings.Contains(pg.Body, `name="currency"`) {
			t.Errorf("a currency field below the top level")
		}
		ca := newClient(t, e)
		ca.signIn(m.A.Email, m.A.Password)
		if pg := ca.get("/accounts/" + itoa(m.A.ID) + "/profile"); strings.Contains(pg.Body, `name="currency"`) {
			t.Errorf("a currency field on the account's own profile")
		}

		if !strings.Contains(s.Body, "data-other-currencies") {
			t.Errorf("the statistics tab does not say the totals leave dollars out: %.3000s", s.Body)
		}
		if got := moneyFigures(s.Body); got["owed-below"] != "0.0000" { // the exact figure (the title)
			t.Errorf("operator's statistics owed below (euros only, Other has no cameras): %v", got)
		}
	})
}
