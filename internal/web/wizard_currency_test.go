package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestWizardTreeCurrency: the operator adding a top-level account sees the
// tree's currency on the details step and chooses it there; an integrator
// adding below itself does not see the field, a bad code is refused beside
// it and a currency below the top level is refused, with nothing created.
func TestWizardTreeCurrency(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		in := e.CreateAccount(e.Root, 1, "integrator", "Wizard Int")
		op := newClient(t, e)
		op.signIn(apitest.AdminEmail, apitest.AdminPassword)
		details := op.post("/accounts", "/accounts/new", wizardForm("integrator", "prices", "next", "storage_price", "0.03", "traffic_price", "0.01"))
		if details.Status != http.StatusOK || !strings.Contains(details.Body, `name="currency"`) || !strings.Contains(details.Body, "Empty: the installation&#39;s (EUR)") {
			t.Fatalf("operator's details step has no currency field: %d %.3000s", details.Status, details.Body)
		}
		// Below the top level, even the operator's wizard has no field.
		below := op.get("/accounts/new?type=customer&parent=" + itoa(in.ID))
		if below.Status != http.StatusOK || strings.Contains(below.Body, `name="currency"`) {
			t.Errorf("currency offered below the top level: %d", below.Status)
		}
		ic := newClient(t, e)
		ic.signIn(in.Email, in.Password)
		if p := ic.get("/accounts/new?type=customer&parent=" + itoa(in.ID)); p.Status != http.StatusOK || strings.Contains(p.Body, `name="currency"`) {
			t.Errorf("currency offered to an integrator: %d", p.Status)
		}

		before := countAccounts(t, e)
		bad := op.post("/accounts", "/accounts/new", wizardForm("integrator", "details", "create", "storage_price", "0.03", "traffic_price", "0.01",
			"name", "Dollar Tree", "email", "dollar@vigilo.test", "currency", "XYZ"))
		if bad.Status != http.StatusBadRequest || !strings.HasPrefix(fieldError(bad.Body, "currency"), "Currency") {
			t.Errorf("bad code: %d %q", bad.Status, fieldError(bad.Body, "currency"))
		}
		forged := op.post("/accounts", "/accounts/new", wizardForm("customer", "details", "create", "parent", itoa(in.ID),
			"name", "Forged", "email", "forged@vigilo.test", "currency", "USD"))
		if forged.Status != http.StatusBadRequest || !strings.Contains(fieldError(forged.Body, "currency"), "top-level") {
			t.Errorf("currency below the top level: %d", forged.Status)
		}
		if n := countAccounts(t, e); n != before {
			t.Fatalf("accounts %d → %d after refused creates", before, n)
		}

		ok := op.post("/accounts", "/accounts/new", wizardForm("integrator", "details", "create", "storage_price", "0.03", "traffic_price", "0.01",
			"name", "Dollar Tree", "email", "dollar@vigilo.test", "currency", "usd"))
		if ok.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %.500s", ok.Status, ok.Body)
		}
		var id int64
		for _, it := range e.Must(200, "GET", "/api/v1/accounts?q=Dollar+Tree", e.Root, nil).Items() {
			id = int64(it["id"].(float64))
		}
		if g := e.Must(200, "GET", "/api/v1/accounts/"+itoa(id), e.Root, nil).JSON; g["currency"] != "USD" {
			t.Errorf("the new tree's currency: %v", g["currency"])
		}
	})
}
