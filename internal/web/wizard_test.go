package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// wizardForm is the state a browser would post from the wizard's step.
func wizardForm(typ, step, goTo string, kv ...string) url.Values {
	f := url.Values{"type": {typ}, "parent": {"1"}, "step": {step}, "go": {goTo}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// fieldError is the error shown next to a field, which names the field.
func fieldError(body, field string) string {
	m := regexp.MustCompile(`data-field="` + regexp.QuoteMeta(field) + `">([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestWizardValidation: every step refuses bad input with the error next
// to the field, named; nothing exists until the final step succeeds, and a
// refusal there brings back the step that holds the field.
func TestWizardValidation(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		c := newClient(t, e)
		c.signIn(apitest.AdminEmail, apitest.AdminPassword)
		before := countAccounts(t, e)

		// Prices: required, decimal, not negative.
		p := c.post("/accounts", "/accounts/new", wizardForm("integrator", "prices", "next", "storage_price", "", "traffic_price", "-1"))
		if p.Status != http.StatusBadRequest {
			t.Fatalf("prices: %d", p.Status)
		}
		if got := fieldError(p.Body, "storage_price"); !strings.HasPrefix(got, "Storage price") || !strings.HasSuffix(got, ": is required") {
			t.Errorf("storage price error %q", got)
		}
		if got := fieldError(p.Body, "traffic_price"); !strings.HasPrefix(got, "Traffic price") || !strings.HasSuffix(got, ": must not be negative") {
			t.Errorf("traffic price error %q", got)
		}
		p = c.post("/accounts", "/accounts/new", wizardForm("integrator", "prices", "next", "storage_price", "abc", "traffic_price", "0.123456"))
		if !strings.Contains(fieldError(p.Body, "storage_price"), "decimal number") || !strings.Contains(fieldError(p.Body, "traffic_price"), "decimal places") {
			t.Errorf("prices errors: %q %q", fieldError(p.Body, "storage_price"), fieldError(p.Body, "traffic_price"))
		}
		// Good prices lead to the details step and travel along hidden.
		p = c.post("/accounts", "/accounts/new", wizardForm("integrator", "prices", "next", "storage_price", "0.03", "traffic_price", "0.01"))
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `name="step" value="details"`) || !strings.Contains(p.Body, `name="storage_price" value="0.03"`) {
			t.Fatalf("after prices: %d %.300s", p.Status, p.Body)
		}

		// Details: name and a valid e-mail are required.
		p = c.post("/accounts", "/accounts/new", wizardForm("integrator", "details", "next", "storage_price", "0.03", "traffic_price", "0.01",
			"name", " ", "email", "not-an-address"))
		if got := fieldError(p.Body, "name"); got != "Account name: is required" {
			t.Errorf("name error %q", got)
		}
		if got := fieldError(p.Body, "email"); !strings.HasPrefix(got, "E-mail") || !strings.HasSuffix(got, ": must be a valid e-mail address") {
			t.Errorf("email error %q", got)
		}
		if !strings.Contains(p.Body, `name="step" value="details"`) {
			t.Errorf("details errors not on the details step")
		}

		// Plans: a selected plan needs a name and a decimal price.
		p = c.post("/accounts", "/accounts/new", wizardForm("integrator", "details", "next", "storage_price", "0.03", "traffic_price", "0.01",
			"name", "Gamma", "email", "gamma@vigilo.test"))
		ids := regexp.MustCompile(`<tr data-plan="(\d+)"`).FindAllStringSubmatch(p.Body, -1)
		if len(ids) == 0 {
			t.Fatalf("no plans on the plans step: %.500s", p.Body)
		}
		k := "plan_" + ids[0][1]
		bad := wizardForm("integrator", "plans", "create", "storage_price", "0.03", "traffic_price", "0.01", "name", "Gamma",
			"email", "gamma@vigilo.test", "plans_init", "1", k+"_on", "1", k+"_name", "", k+"_price", "12,50")
		p = c.post("/accounts", "/accounts/new", bad)
		if p.Status != http.StatusBadRequest || fieldError(p.Body, k+"_name") == "" || !strings.Contains(fieldError(p.Body, k+"_price"), "Price:") {
			t.Fatalf("plan row errors: %d name %q price %q", p.Status, fieldError(p.Body, k+"_name"), fieldError(p.Body, k+"_price"))
		}
		if n := countAccounts(t, e); n != before {
			t.Fatalf("accounts %d → %d before the wizard succeeded", before, n)
		}

		// A taken e-mail is only known at create: the wizard returns to
		// the details step with the error next to the e-mail.
		taken := wizardForm("customer", "details", "create", "name", "Dup", "email", apitest.AdminEmail)
		p = c.post("/accounts", "/accounts/new", taken)
		if p.Status != http.StatusConflict && p.Status != http.StatusBadRequest {
			t.Fatalf("taken e-mail: %d", p.Status)
		}
		if !strings.Contains(p.Body, `name="step" value="details"`) || !strings.Contains(fieldError(p.Body, "email"), "already exists") {
			t.Fatalf("taken e-mail not shown on details: %q", fieldError(p.Body, "email"))
		}
		if n := countAccounts(t, e); n != before {
			t.Fatalf("accounts %d → %d after refused creates", before, n)
		}

		// Hidden values are checked again at create: a tampered price on
		// an earlier step is refused there, not stored.
		tampered := wizardForm("integrator", "details", "create", "storage_price", "-5", "traffic_price", "0.01", "name", "Tamper", "email", "t@vigilo.test")
		p = c.post("/accounts", "/accounts/new", tampered)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `name="step" value="prices"`) {
			t.Fatalf("tampered price: %d", p.Status)
		}

		// Customer with the admin portal switched off: created, and its
		// owner is kept out of the admin portal.
		ok := wizardForm("customer", "plans", "create", "name", "Kiosk", "email", "kiosk@vigilo.test", "admin_portal", "0", "events", "0", "cloud_recording", "1")
		if p = c.post("/accounts", "/accounts/new", ok); p.Status != http.StatusSeeOther {
			t.Fatalf("create customer: %d %.500s", p.Status, p.Body)
		}
		if n := countAccounts(t, e); n != before+1 {
			t.Fatalf("accounts %d → %d after create", before, n)
		}
		acct, err := e.Main.Store.R().UserByEmail(context.Background(), "kiosk@vigilo.test")
		if err != nil {
			t.Fatal(err)
		}
		for mod, want := range map[string]bool{"admin_portal": false, "events": false, "cloud_recording": true, "live_view": true} {
			on, err := e.Main.App.ModuleEffective(context.Background(), "/1/"+itoa(acct.AccountID)+"/", mod)
			if err != nil || on != want {
				t.Errorf("%s of the new customer: %v %v, want %v", mod, on, err, want)
			}
		}
	})
}

// TestPortalRoles: Guard and Viewer users (video portal roles) are told
// the admin portal is not for them; a customer whose parent switched the
// admin portal off keeps its admins out; a user created with "change
// password at first sign-in" must do that before anything else.
func TestPortalRoles(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	cust := e.CreateAccount(e.Root, 1, "customer", "Shop")
	roles := e.Must(200, "GET", "/api/v1/accounts/"+itoa(cust.ID)+"/roles", cust.Token, nil).Items()
	var guardRole int64
	for _, r := range roles {
		if r["name"] == "Guard" {
			guardRole = int64(r["id"].(float64))
		}
	}
	e.Must(201, "POST", "/api/v1/accounts/"+itoa(cust.ID)+"/users", cust.Token, map[string]any{"email": "guard@shop.test",
		"password": "guard-pass-1", "role_id": guardRole, "send_confirmation": false})
	g := newClient(t, e)
	g.signIn("guard@shop.test", "guard-pass-1")
	if p := g.get("/"); p.Status != http.StatusSeeOther || p.Location != "/video" {
		t.Errorf("guard on /: %d to %q, want the video portal", p.Status, p.Location)
	}
	if p := g.get("/video"); p.Status != http.StatusOK {
		t.Errorf("guard on /video: %d", p.Status)
	}
	for _, path := range []string{"/accounts", "/users", "/accounts/" + itoa(cust.ID)} {
		if p := g.get(path); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "video portal") {
			t.Errorf("guard on %s: %d", path, p.Status)
		}
	}

	// First sign-in with a password chosen by an administrator.
	e.Must(201, "POST", "/api/v1/accounts/"+itoa(cust.ID)+"/users", cust.Token, map[string]any{"email": "new@shop.test",
		"password": "given-pass-1", "send_confirmation": false, "must_change_password": true})
	n := newClient(t, e)
	p := n.post("/login", "/login", url.Values{"email": {"new@shop.test"}, "password": {"given-pass-1"}})
	if p.Location != "/password" {
		t.Fatalf("first sign-in goes to %q", p.Location)
	}
	if p := n.get("/accounts/" + itoa(cust.ID)); p.Status != http.StatusSeeOther || p.Location != "/password" {
		t.Fatalf("before changing the password: %d %s", p.Status, p.Location)
	}
	p = n.post("/password", "/password", url.Values{"current_password": {"given-pass-1"}, "new_password": {"short"}, "new_password_again": {"short"}})
	if got := fieldError(p.Body, "new_password"); !strings.Contains(got, "New password: must be at least 10") {
		t.Fatalf("short new password: %d %q", p.Status, got)
	}
	p = n.post("/password", "/password", url.Values{"current_password": {"given-pass-1"}, "new_password": {"own-pass-123"}, "new_password_again": {"own-pass-123"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("change password: %d %.300s", p.Status, p.Body)
	}
	if p := n.get("/accounts/" + itoa(cust.ID)); p.Status != http.StatusOK {
		t.Fatalf("after changing the password: %d", p.Status)
	}

	// The operator switches the admin portal off for the customer.
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(cust.ID)+"/modules", e.Root, map[string]bool{"admin_portal": false})
	o := newClient(t, e)
	o.signIn(cust.Email, cust.Password)
	if p := o.get("/"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "admin portal is switched off") {
		t.Fatalf("owner with admin portal off: %d", p.Status)
	}
}
