package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

var rowName = regexp.MustCompile(`<tr data-href="/accounts/\d+">\s*<td><a href="/accounts/\d+">([^<]+)</a>`)

func names(body string) []string {
	var out []string
	for _, m := range rowName.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestCustomersTable: search, sort by a column, filter by type and status,
// pages, walking down the tree, and every level at once.
func TestCustomersTable(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
	for i := 1; i <= 22; i++ {
		e.Must(201, "POST", "/api/v1/accounts", e.Root, map[string]any{"type": "customer", "parent_id": 1,
			"name": fmt.Sprintf("Shop %02d", i), "email": fmt.Sprintf("shop%02d@vigilo.test", i)})
	}
	e.CreateAccount(a.Token, a.ID, "customer", "Deep Bakery")
	e.Must(200, "POST", "/api/v1/accounts/"+itoa(a.ID)+"/disable", e.Root, nil)
	c := newClient(t, e)
	c.signIn(apitest.AdminEmail, apitest.AdminPassword)

	p := c.get("/accounts")
	if got := names(p.Body); len(got) != 20 || got[0] != "Alpha" || !strings.Contains(p.Body, "Page 1 of 2") {
		t.Fatalf("first page: %v", got)
	}
	if got := names(c.get("/accounts?page=2").Body); len(got) != 3 || got[2] != "Shop 22" {
		t.Fatalf("second page: %v", got)
	}
	if got := names(c.get("/accounts?sort=-name").Body); got[0] != "Shop 22" {
		t.Fatalf("sorted by name descending: %v", got[:3])
	}
	if got := names(c.get("/accounts?q=shop+07").Body); len(got) != 1 || got[0] != "Shop 07" {
		t.Fatalf("search: %v", got)
	}
	if got := names(c.get("/accounts?type=integrator").Body); len(got) != 1 || got[0] != "Alpha" {
		t.Fatalf("integrators: %v", got)
	}
	if got := names(c.get("/accounts?status=disabled").Body); len(got) != 1 || got[0] != "Alpha" {
		t.Fatalf("disabled: %v", got)
	}
	// The column header links toggle the direction and keep the filters.
	if !strings.Contains(c.get("/accounts?sort=name&type=customer").Body, `href="/accounts?sort=-name&amp;type=customer"`) {
		t.Error("the Name header does not link to the descending sort with the filter kept")
	}
	// Down the tree with a breadcrumb; the deep customer is not at the top level.
	p = c.get("/accounts?parent=" + itoa(a.ID))
	if got := names(p.Body); len(got) != 1 || got[0] != "Deep Bakery" || !strings.Contains(p.Body, `<a href="/accounts?parent=1">`) {
		t.Fatalf("under Alpha: %v", got)
	}
	if got := names(c.get("/accounts?q=bakery").Body); len(got) != 0 {
		t.Fatalf("deep account on the top level: %v", got)
	}
	if got := names(c.get("/accounts?q=bakery&all=1").Body); len(got) != 1 {
		t.Fatalf("all levels: %v", got)
	}
	// Bad parameters fall back rather than fail.
	if p := c.get("/accounts?sort=evil;drop&type=x&page=-3"); p.Status != http.StatusOK {
		t.Fatalf("bad parameters: %d", p.Status)
	}
}

// TestAccountTabs: editing the profile (prices only from above), a child's
// plan offer, my own plan name and price, and module switches with what is
// restricted from above.
func TestAccountTabs(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
	cust := e.CreateAccount(a.Token, a.ID, "customer", "Alpha Shop")
	root := newClient(t, e)
	root.signIn(apitest.AdminEmail, apitest.AdminPassword)
	ca := newClient(t, e)
	ca.signIn(a.Email, a.Password)
	aid := itoa(a.ID)

	// Profile: the account edits its own details, not its prices.
	p := ca.post("/accounts/"+aid+"/profile", "/accounts/"+aid+"/profile", url.Values{"name": {""}, "phone": {"123"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(fieldError(p.Body, "name"), "is required") {
		t.Fatalf("empty name: %d %q", p.Status, fieldError(p.Body, "name"))
	}
	if strings.Contains(ca.get("/accounts/"+aid+"/profile").Body, `name="storage_price"`) {
		t.Error("an account is offered its own prices")
	}
	if p := ca.post("/accounts/"+aid+"/profile", "/accounts/"+aid+"/profile", url.Values{"name": {"Alpha Security"}, "storage_price": {"0"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("save own profile: %d", p.Status)
	}
	acct := e.Must(200, "GET", "/api/v1/accounts/"+aid, e.Root, nil).JSON
	if acct["name"] != "Alpha Security" || acct["storage_price"] != "0.0300" {
		t.Fatalf("after own edit: %v %v", acct["name"], acct["storage_price"])
	}
	if p := root.post("/accounts/"+aid+"/profile", "/accounts/"+aid+"/profile", url.Values{"name": {"Alpha Security"}, "storage_price": {"0.05"}, "traffic_price": {"x"}}); fieldError(p.Body, "traffic_price") == "" {
		t.Fatalf("bad traffic price: %d", p.Status)
	}
	if p := root.post("/accounts/"+aid+"/profile", "/accounts/"+aid+"/profile", url.Values{"name": {"Alpha Security"}, "storage_price": {"0.05"}, "traffic_price": {"0.02"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("parent sets prices: %d", p.Status)
	}
	if got := e.Must(200, "GET", "/api/v1/accounts/"+aid, e.Root, nil).JSON["storage_price"]; got != "0.0500" {
		t.Fatalf("storage price after parent's edit: %v", got)
	}

	// Plans tab: the parent renames and reprices a plan for Alpha only.
	plans := regexp.MustCompile(`<tr data-plan="(\d+)"`).FindAllStringSubmatch(root.get("/accounts/"+aid+"/plans").Body, -1)
	if len(plans) == 0 {
		t.Fatal("no plans on Alpha's Plans tab")
	}
	pid := plans[0][1]
	if p := root.post("/accounts/"+aid+"/plans", "/accounts/"+aid+"/plans/"+pid, url.Values{"name": {"Alpha Basic"}, "cost": {"-1"}}); p.Status != http.StatusBadRequest || fieldError(p.Body, "cost") == "" {
		t.Fatalf("negative cost: %d", p.Status)
	}
	if p := root.post("/accounts/"+aid+"/plans", "/accounts/"+aid+"/plans/"+pid, url.Values{"name": {"Alpha Basic"}, "cost": {"3.25"}, "selected": {"0", "1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("set child offer: %d %.300s", p.Status, p.Body)
	}
	body := ca.get("/plans").Body
	if !strings.Contains(body, `value="Alpha Basic"`) || !strings.Contains(body, "3.2500") {
		t.Fatalf("Alpha's plans after the parent's edit lack the new name or cost")
	}
	// Alpha changes its end-user price and name; not its cost.
	if p := ca.post("/plans", "/plans/"+pid, url.Values{"name": {"Basic"}, "end_user_price": {"abc"}}); fieldError(p.Body, "end_user_price") == "" {
		t.Fatalf("bad end-user price: %d", p.Status)
	}
	if p := ca.post("/plans", "/plans/"+pid, url.Values{"name": {"Basic"}, "end_user_price": {"4.99"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("edit my plan: %d %.300s", p.Status, p.Body)
	}
	body = ca.get("/plans").Body
	if !strings.Contains(body, `value="Basic"`) || !strings.Contains(body, `value="4.9900"`) || !strings.Contains(body, "3.2500") {
		t.Fatal("Alpha's plan after its own edit")
	}
	// A plan Alpha may not use does not exist for it.
	if p := ca.post("/plans", "/plans/999999", url.Values{"name": {"x"}, "end_user_price": {"1"}}); p.Status != http.StatusNotFound {
		t.Fatalf("foreign plan: %d", p.Status)
	}

	// Modules: the operator switches live view off for Alpha; on Alpha's
	// customer it shows as restricted, and Alpha cannot switch it on.
	if p := root.post("/accounts/"+aid+"/modules", "/accounts/"+aid+"/modules", url.Values{"live_view": {"0"}, "playback": {"0", "1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("switch modules: %d %.300s", p.Status, p.Body)
	}
	cid := itoa(cust.ID)
	body = ca.get("/accounts/" + cid + "/modules").Body
	if !regexp.MustCompile(`name="live_view" value="1"\s+disabled`).MatchString(body) || !strings.Contains(body, "Restricted by your provider") {
		t.Fatalf("live view on the customer's Modules tab is not shown restricted")
	}
	if p := ca.post("/accounts/"+cid+"/modules", "/accounts/"+cid+"/modules", url.Values{"live_view": {"0", "1"}, "clips": {"0"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("customer modules: %d %.300s", p.Status, p.Body)
	}
	mods := e.Must(200, "GET", "/api/v1/accounts/"+cid+"/modules", a.Token, nil).Body
	if !regexp.MustCompile(`"key":"clips"[^}]*"enabled":false`).Match(mods) || regexp.MustCompile(`"key":"live_view"[^}]*"effective":true`).Match(mods) {
		t.Fatalf("customer's modules after the form: %s", mods)
	}
	// The operator sees who restricted it.
	if !strings.Contains(root.get("/accounts/"+cid+"/modules").Body, "Restricted by Alpha Security") &&
		!strings.Contains(root.get("/accounts/"+cid+"/modules").Body, "Restricted by Operator") {
		t.Error("the operator is not told who restricted live view")
	}
}
