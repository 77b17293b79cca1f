package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestPlansTabSavesEveryRow: on a child's Plans tab the parent edits two
// rows and presses the one Save: both are saved (a row's Save used to drop
// the other row's edit). A bad price in one row saves nothing, shows the
// error beside that row and keeps both edits on the page.
func TestPlansTabSavesEveryRow(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
		aid := itoa(a.ID)
		root := newClient(t, e)
		root.signIn(apitest.AdminEmail, apitest.AdminPassword)
		tab := "/accounts/" + aid + "/plans"
		body := root.get(tab).Body
		rows := regexp.MustCompile(`name="plan" value="(\d+)" form="plans-form"><input type="hidden" name="was-\d+" value="([^"]*)"`).FindAllStringSubmatch(body, -1)
		if len(rows) < 2 || !strings.Contains(body, `id="plans-save"`) {
			t.Fatalf("Alpha's Plans tab has %d editable rows: %.2000s", len(rows), body)
		}
		current := func(id string) (name, cost string) {
			m := regexp.MustCompile(`name="name-` + id + `" form="plans-form" value="([^"]*)"`).FindStringSubmatch(body)
			c := regexp.MustCompile(`name="cost-` + id + `" form="plans-form" value="([^"]*)"`).FindStringSubmatch(body)
			return html.UnescapeString(m[1]), c[1]
		}
		form := url.Values{}
		for _, r := range rows {
			id := r[1]
			name, cost := current(id)
			form.Add("plan", id)
			form.Set("was-"+id, html.UnescapeString(r[2]))
			form.Set("name-"+id, name)
			form.Set("cost-"+id, cost)
			form["selected-"+id] = []string{"0"} // the hidden 0, then the switch's 1 when it is on
			if strings.HasSuffix(form.Get("was-"+id), " true") {
				form.Add("selected-"+id, "1")
			}
		}
		p1, p2 := rows[0][1], rows[1][1]
		form.Set("name-"+p1, "Alpha Bronze")
		form.Set("cost-"+p1, "3.25")
		form.Set("cost-"+p2, "abc")
		p := root.post(tab, tab, form)
		if p.Status != http.StatusBadRequest || fieldError(p.Body, "plans["+p2+"].cost") == "" ||
			!strings.Contains(p.Body, `name="name-`+p1+`" form="plans-form" value="Alpha Bronze"`) || !strings.Contains(p.Body, `value="abc"`) {
			t.Fatalf("a bad price: %d %.3000s", p.Status, p.Body)
		}
		offers := func() map[string]map[string]any {
			out := map[string]map[string]any{}
			for _, it := range e.Must(200, "GET", "/api/v1/accounts/"+aid+"/plans", e.Root, nil).Items() {
				out[itoa(int64(it["id"].(float64)))] = it
			}
			return out
		}
		if o := offers()[p1]; o["name"] == "Alpha Bronze" {
			t.Fatalf("a refused submit saved a row: %v", o)
		}
		audited := func() int {
			n := 0
			for _, it := range e.Must(200, "GET", "/api/v1/audit?action=plan.offer_set&per_page=200", e.Root, nil).Items() {
				if it["account_id"] == float64(a.ID) {
					n++
				}
			}
			return n
		}
		before := audited()
		form.Set("cost-"+p2, "7.5")
		if p := root.post(tab, tab, form); p.Status != http.StatusSeeOther {
			t.Fatalf("save both rows: %d %.500s", p.Status, p.Body)
		}
		o := offers()
		if o[p1]["name"] != "Alpha Bronze" || o[p1]["cost"] != "3.2500" || o[p2]["cost"] != "7.5000" {
			t.Errorf("after one Save: %v / %v", o[p1], o[p2])
		}
		// Unchanged rows are not rewritten: the audit has two offer entries.
		if n := audited() - before; n != 2 {
			t.Errorf("%d offer changes audited, want 2", n)
		}
	})
}

// TestMyPlansSavesEveryRow: on "Customer subscription plans" an integrator
// edits two rows' names and end-user prices and presses the one Save: both
// are saved; a bad price in one row saves nothing and keeps both edits.
func TestMyPlansSavesEveryRow(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
		for _, it := range e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()[:2] {
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+itoa(int64(it["id"].(float64))), e.Root, map[string]any{"cost": "4"})
		}
		c := newClient(t, e)
		c.signIn(a.Email, a.Password)
		body := c.get("/plans").Body
		rows := regexp.MustCompile(`name="plan" value="(\d+)" form="my-plans-form"><input type="hidden" name="was-\d+" value="([^"]*)"`).FindAllStringSubmatch(body, -1)
		if len(rows) < 2 || !strings.Contains(body, `id="my-plans-save"`) {
			t.Fatalf("Alpha's plans page has %d editable rows: %.2000s", len(rows), body)
		}
		form := url.Values{}
		for _, r := range rows {
			id := r[1]
			name := regexp.MustCompile(`name="name-` + id + `" form="my-plans-form" value="([^"]*)"`).FindStringSubmatch(body)[1]
			price := regexp.MustCompile(`name="end_user_price-` + id + `" form="my-plans-form" value="([^"]*)"`).FindStringSubmatch(body)[1]
			form.Add("plan", id)
			form.Set("was-"+id, html.UnescapeString(r[2]))
			form.Set("name-"+id, html.UnescapeString(name))
			form.Set("end_user_price-"+id, price)
		}
		p1, p2 := rows[0][1], rows[1][1]
		form.Set("name-"+p1, "Alpha Silver")
		form.Set("end_user_price-"+p1, "12.5")
		form.Set("end_user_price-"+p2, "-3")
		p := c.post("/plans", "/plans", form)
		if p.Status != http.StatusBadRequest || fieldError(p.Body, "plans["+p2+"].end_user_price") == "" ||
			!strings.Contains(p.Body, `value="Alpha Silver"`) || !strings.Contains(p.Body, `value="-3"`) {
			t.Fatalf("a bad price: %d %.3000s", p.Status, p.Body)
		}
		mine := func() map[string]map[string]any {
			out := map[string]map[string]any{}
			for _, it := range e.Must(200, "GET", "/api/v1/plans?per_page=200", a.Token, nil).Items() {
				out[itoa(int64(it["id"].(float64)))] = it
			}
			return out
		}
		if m := mine()[p1]; m["name"] == "Alpha Silver" {
			t.Fatalf("a refused submit saved a row: %v", m)
		}
		form.Set("end_user_price-"+p2, "9.99")
		if p := c.post("/plans", "/plans", form); p.Status != http.StatusSeeOther {
			t.Fatalf("save both rows: %d %.500s", p.Status, p.Body)
		}
		m := mine()
		if m[p1]["name"] != "Alpha Silver" || m[p1]["end_user_price"] != "12.5000" || m[p2]["end_user_price"] != "9.9900" {
			t.Errorf("after one Save: %v / %v", m[p1], m[p2])
		}
	})
}

// TestNewPlanForm: the operator adds a plan from the Plans page; bad input
// shows next to each field and adds nothing; an integrator cannot add one.
func TestNewPlanForm(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		root := newClient(t, e)
		root.signIn(apitest.AdminEmail, apitest.AdminPassword)
		if !strings.Contains(root.get("/plans").Body, `id="new-plan-form"`) {
			t.Fatal("the operator's Plans page has no Add a plan form")
		}
		count := func() int { return len(e.Must(200, "GET", "/api/v1/plans?per_page=200", e.Root, nil).Items()) }
		before := count()
		bad := url.Values{"name": {"Cloud 90"}, "kind": {"monthly"}, "retention_days": {"0"}, "recording_mode": {"always"}, "max_bitrate_kbps": {"x"}, "price": {"-1"}}
		p := root.post("/plans", "/plans/new", bad)
		for _, f := range []string{"kind", "retention_days", "recording_mode", "max_bitrate_kbps", "price"} {
			if p.Status != http.StatusBadRequest || fieldError(p.Body, f) == "" {
				t.Errorf("bad %s: %d, no error next to it", f, p.Status)
			}
		}
		if n := count(); n != before {
			t.Fatalf("a refused plan was added: %d plans, were %d", n, before)
		}
		good := url.Values{"name": {"Cloud 90"}, "kind": {"fixed"}, "retention_days": {"90"}, "recording_mode": {"continuous"}, "max_bitrate_kbps": {""}, "price": {"24.90"}}
		if p := root.post("/plans", "/plans/new", good); p.Status != http.StatusSeeOther {
			t.Fatalf("add plan: %d %.500s", p.Status, p.Body)
		}
		found := false
		for _, it := range e.Must(200, "GET", "/api/v1/plans?per_page=200", e.Root, nil).Items() {
			found = found || it["name"] == "Cloud 90" && it["retention_days"] == 90.0 && it["end_user_price"] == "24.9000"
		}
		if !found || count() != before+1 {
			t.Errorf("Cloud 90 not in the catalogue as entered")
		}
		a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
		c := newClient(t, e)
		c.signIn(a.Email, a.Password)
		if strings.Contains(c.get("/plans").Body, `id="new-plan-form"`) {
			t.Error("an integrator is offered the Add a plan form")
		}
		if p := c.post("/plans", "/plans/new", good); p.Status != http.StatusForbidden {
			t.Errorf("an integrator adding a plan: %d", p.Status)
		}
	})
}

// TestCopyPlanForm: an integrator copies a fixed plan from its provider
// for one of its sub-integrators from the Plans page; bad input shows
// beside its field and copies nothing; the sub-integrator then has the
// copy at the cost set.
func TestCopyPlanForm(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
		sub := e.CreateAccount(a.Token, a.ID, "integrator", "Sub One")
		var fixed string
		for _, it := range e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items() {
			if it["kind"] == "fixed" && fixed == "" {
				fixed = itoa(int64(it["id"].(float64)))
			}
		}
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+fixed, e.Root, map[string]any{"cost": "4"})
		c := newClient(t, e)
		c.signIn(a.Email, a.Password)
		if !strings.Contains(c.get("/plans").Body, `id="copy-plan-form"`) {
			t.Fatal("no copy form for an integrator with a sub-integrator")
		}
		mine := func() []map[string]any {
			return e.Must(200, "GET", "/api/v1/plans?per_page=200", sub.Token, nil).Items()
		}
		copies := func() int {
			n := 0
			for _, it := range mine() {
				if it["name"] == "Alpha Gold" {
					n++
				}
			}
			return n
		}
		p := c.post("/plans", "/plans/copy", url.Values{"copy_plan": {fixed}, "copy_name": {"Alpha Gold"}, "copy_cost": {"-2"}, "copy_accounts": {itoa(sub.ID)}})
		if p.Status != http.StatusBadRequest || fieldError(p.Body, "copy_cost") == "" || !strings.Contains(p.Body, `value="`+itoa(sub.ID)+`" checked`) {
			t.Fatalf("a negative cost: %d %.3000s", p.Status, p.Body)
		}
		if p := c.post("/plans", "/plans/copy", url.Values{"copy_plan": {fixed}, "copy_name": {"Alpha Gold"}, "copy_cost": {"5"}, "copy_accounts": {"999999"}}); p.Status != http.StatusBadRequest || fieldError(p.Body, "copy_accounts") == "" {
			t.Errorf("a foreign account: %d", p.Status)
		}
		if copies() != 0 {
			t.Fatal("a refused copy was made")
		}
		if p := c.post("/plans", "/plans/copy", url.Values{"copy_plan": {fixed}, "copy_name": {"Alpha Gold"}, "copy_cost": {"5.50"}, "copy_end_user_price": {"8"}, "copy_accounts": {itoa(sub.ID)}}); p.Status != http.StatusSeeOther {
			t.Fatalf("copy: %d %.500s", p.Status, p.Body)
		}
		found := false
		for _, it := range mine() {
			found = found || it["name"] == "Alpha Gold" && it["cost"] == "5.5000" && it["end_user_price"] == "8.0000"
		}
		if !found {
			t.Errorf("Sub One lacks the copy at its cost: %v", mine())
		}
	})
}
