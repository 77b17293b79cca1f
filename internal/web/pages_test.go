package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

func forBothDBs(t *testing.T, fn func(t *testing.T, e *apitest.Env)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { fn(t, apitest.Boot(t, apitest.Options{Postgres: pg})) })
	}
}

func countAccounts(t *testing.T, e *apitest.Env) int {
	t.Helper()
	_, total, err := e.Main.Store.R().ListAccounts(context.Background(), store.AccountFilter{Scope: "/1/", Page: store.Page{Page: 1, PerPage: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// TestPortalCSRF: a form post without the form token, or with another
// session's, is refused and changes nothing — even from a client that sends
// no Origin or Sec-Fetch-Site header (which CrossOriginProtection lets by).
func TestPortalCSRF(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	c := newClient(t, e)

	// Signing in needs the double-submit token too.
	if p := c.do("POST", "/login", url.Values{"email": {apitest.AdminEmail}, "password": {apitest.AdminPassword}}); p.Status != http.StatusForbidden {
		t.Fatalf("sign-in without token: %d", p.Status)
	}
	c.signIn(apitest.AdminEmail, apitest.AdminPassword)

	before := countAccounts(t, e)
	form := url.Values{"type": {"customer"}, "parent": {"1"}, "step": {"details"}, "go": {"create"}, "name": {"Sneaky"}, "email": {"sneaky@vigilo.test"}}
	if p := c.do("POST", "/accounts/new", form); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "did not come from this site") {
		t.Fatalf("post without token: %d %.300s", p.Status, p.Body)
	}
	other := newClient(t, e)
	other.signIn(apitest.AdminEmail, apitest.AdminPassword)
	form.Set("csrf", other.csrf("/accounts"))
	if p := c.do("POST", "/accounts/new", form); p.Status != http.StatusForbidden {
		t.Fatalf("post with another session's token: %d", p.Status)
	}
	if n := countAccounts(t, e); n != before {
		t.Fatalf("accounts %d → %d after refused posts", before, n)
	}
	// The same form with the session's own token goes through.
	if p := c.post("/accounts", "/accounts/new", form); p.Status != http.StatusSeeOther {
		t.Fatalf("post with token: %d %.500s", p.Status, p.Body)
	}
	if n := countAccounts(t, e); n != before+1 {
		t.Fatalf("accounts %d → %d after the accepted post", before, n)
	}
	// Sign-out needs the token as well: another site cannot sign people out.
	if p := c.do("POST", "/logout", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("sign-out without token: %d", p.Status)
	}
	if p := c.get("/"); p.Status != http.StatusOK {
		t.Fatalf("still signed in? %d", p.Status)
	}
}

// TestPortalTenantIsolation: ids from another subtree are "not found" on
// every page and every form, the same as ids that do not exist (R10).
func TestPortalTenantIsolation(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
		b := e.CreateAccount(e.Root, 1, "integrator", "Beta")
		cust := e.CreateAccount(a.Token, a.ID, "customer", "Alpha Customer")
		ownerA := int64(e.Must(200, "GET", "/api/v1/accounts/"+itoa(a.ID)+"/users", a.Token, nil).Items()[0]["id"].(float64))
		roleC := int64(e.Must(200, "GET", "/api/v1/accounts/"+itoa(cust.ID)+"/roles", cust.Token, nil).Items()[0]["id"].(float64))

		cb := newClient(t, e)
		cb.signIn(b.Email, b.Password)
		gets := []string{
			"/accounts/" + itoa(a.ID), "/accounts/" + itoa(cust.ID), "/accounts/" + itoa(cust.ID) + "/users",
			"/accounts/" + itoa(cust.ID) + "/profile", "/accounts/" + itoa(cust.ID) + "/plans", "/accounts/" + itoa(cust.ID) + "/modules",
			"/accounts/" + itoa(cust.ID) + "/disable", "/accounts/" + itoa(a.ID) + "/users/new", "/accounts/" + itoa(cust.ID) + "/roles/new",
			"/accounts?parent=" + itoa(a.ID), "/accounts/new?type=customer&parent=" + itoa(a.ID),
			"/users/" + itoa(ownerA), "/users/" + itoa(ownerA) + "/security", "/roles/" + itoa(roleC),
			"/accounts/999999", "/users/999999", "/accounts/abc",
		}
		for _, path := range gets {
			if p := cb.get(path); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "Not found") {
				t.Errorf("GET %s as Beta: %d", path, p.Status)
			}
		}
		posts := map[string]url.Values{
			"/accounts/" + itoa(cust.ID) + "/disable":   {},
			"/accounts/" + itoa(cust.ID) + "/delete":    {"confirm_name": {"Alpha Customer"}},
			"/accounts/" + itoa(cust.ID) + "/profile":   {"name": {"Taken over"}},
			"/accounts/" + itoa(cust.ID) + "/modules":   {"live_view": {"0"}},
			"/accounts/" + itoa(a.ID) + "/users/new":    {"email": {"intruder@vigilo.test"}, "signin": {"password"}, "password": {"password-123"}},
			"/accounts/" + itoa(cust.ID) + "/roles/new": {"name": {"Intruders"}, "portal": {"admin"}},
			"/users/" + itoa(ownerA) + "/password":      {"password": {"hijacked-password"}},
			"/users/" + itoa(ownerA) + "/delete":        {},
			"/users/" + itoa(ownerA):                    {"name": {"Renamed"}},
			"/roles/" + itoa(roleC) + "/delete":         {},
			"/accounts/new":                             {"type": {"customer"}, "parent": {itoa(a.ID)}, "step": {"details"}, "go": {"create"}, "name": {"X"}, "email": {"x@vigilo.test"}},
		}
		for path, form := range posts {
			if p := cb.post("/", path, form); p.Status != http.StatusNotFound {
				t.Errorf("POST %s as Beta: %d %.200s", path, p.Status, p.Body)
			}
		}
		// Nothing changed: Alpha's customer is active, named as before, and
		// the owner still signs in with the old password.
		acct, err := e.Main.Store.R().Account(context.Background(), cust.ID)
		if err != nil || acct.Status != tenancy.Active || acct.Name != "Alpha Customer" {
			t.Fatalf("customer after Beta's attempts: %+v %v", acct, err)
		}
		e.Login(a.Email, a.Password)

		// Upwards is foreign too: the customer's owner cannot see Alpha.
		cc := newClient(t, e)
		cc.signIn(cust.Email, cust.Password)
		if p := cc.get("/accounts/" + itoa(a.ID)); p.Status != http.StatusNotFound {
			t.Errorf("customer sees its parent: %d", p.Status)
		}
		// While Alpha sees its own customer.
		ca := newClient(t, e)
		ca.signIn(a.Email, a.Password)
		if p := ca.get("/accounts/" + itoa(cust.ID) + "/users"); p.Status != http.StatusOK || !strings.Contains(p.Body, cust.Email) {
			t.Errorf("Alpha on its customer's users: %d", p.Status)
		}
	})
}

// TestDashboardCounts: the dashboard and an account's Statistics tab count
// what lies below (R7), cameras included, and the Cameras tab lists them.
func TestDashboardCounts(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
	cust := e.CreateAccount(a.Token, a.ID, "customer", "Alpha Shop")
	e.CreateAccount(e.Root, 1, "customer", "Direct Shop")
	e.Must(201, "POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Front door",
		"rtsp_url": "rtsp://127.0.0.1:1/none"})

	stat := regexp.MustCompile(`<span class="num">([^<]+)</span><span class="lbl">([^<]+)</span>`)
	numbers := func(body string) map[string]string {
		m := map[string]string{}
		for _, s := range stat.FindAllStringSubmatch(body, -1) {
			m[s[2]] = s[1]
		}
		return m
	}
	c := newClient(t, e)
	c.signIn(apitest.AdminEmail, apitest.AdminPassword)
	got := numbers(c.get("/").Body)
	want := map[string]string{"Sub-integrators": "1", "Customers": "2", "Users": "4", "Cameras": "1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("operator dashboard %s = %q, want %s (all: %v)", k, got[k], v, got)
		}
	}
	got = numbers(c.get("/accounts/" + itoa(a.ID)).Body)
	for k, v := range map[string]string{"Sub-integrators": "0", "Customers": "1", "Users": "2", "Cameras": "1"} {
		if got[k] != v {
			t.Errorf("Alpha's statistics %s = %q, want %s (all: %v)", k, got[k], v, got)
		}
	}
	// Registered to Alpha and not assigned yet: not the customer's.
	if p := c.get("/accounts/" + itoa(cust.ID) + "/cameras"); p.Status != 200 || strings.Contains(p.Body, "Front door") {
		t.Errorf("cameras tab of the customer: %d", p.Status)
	}
	if p := c.get("/accounts/" + itoa(a.ID) + "/cameras"); !strings.Contains(p.Body, "Front door") {
		t.Errorf("cameras tab of the integrator: %d", p.Status)
	}
}
