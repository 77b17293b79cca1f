package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestPlanEditAndRetirePages: the operator edits a plan in the portal —
// every bad field is named beside it and nothing is written — and retires
// it; the integrator whose camera is on it sees the camera flagged in the
// list and on its page (where the plan stays chosen, marked retired) and
// can no longer pick the plan for a new camera. Only the owner gets the
// edit page. Putting the plan back in service lifts the flags.
func TestPlanEditAndRetirePages(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		var plan string
		for _, it := range e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items() {
			if it["name"] == "Cloud 7 days" {
				plan = itoa(int64(it["id"].(float64)))
			}
		}
		a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
		cust := e.CreateAccount(a.Token, a.ID, "customer", "Shop")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+plan, e.Root, map[string]any{"cost": "4"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(cust.ID)+"/plans/"+plan, a.Token, map[string]any{"cost": "6"})
		cam := e.Must(201, "POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Gate",
			"rtsp_url": "rtsp://10.0.0.1/s", "customer_id": cust.ID, "plan_id": json.Number(plan)}).ID()

		root := newClient(t, e)
		root.signIn(apitest.AdminEmail, apitest.AdminPassword)
		edit := "/plans/" + plan + "/edit"
		if !strings.Contains(root.get("/plans").Body, `href="`+edit+`"`) {
			t.Fatal("the operator's Plans page has no edit link for its plan")
		}
		stored := func() map[string]any { return e.Must(200, "GET", "/api/v1/plans/"+plan, e.Root, nil).JSON }
		before := stored()
		p := root.post(edit, edit, url.Values{"name": {" "}, "price": {"-1"}, "retention_days": {"0"}, "max_bitrate_kbps": {"x"}})
		for _, f := range []string{"name", "price", "retention_days", "max_bitrate_kbps"} {
			if p.Status != http.StatusBadRequest || fieldError(p.Body, f) == "" {
				t.Errorf("bad %s: %d, no error beside it", f, p.Status)
			}
		}
		if !strings.Contains(p.Body, `name="max_bitrate_kbps" type="number" value="x"`) {
			t.Errorf("a refused edit lost what was typed: %.2000s", p.Body)
		}
		if after := stored(); after["name"] != before["name"] || after["retention_days"] != before["retention_days"] || after["end_user_price"] != before["end_user_price"] {
			t.Fatalf("a refused edit was written: %v", after)
		}
		if p := root.post(edit, edit, url.Values{"name": {"Cloud 10"}, "price": {"5.5"}, "retention_days": {"10"}, "max_bitrate_kbps": {"1500"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %.800s", p.Status, p.Body)
		}
		if s := stored(); s["name"] != "Cloud 10" || s["end_user_price"] != "5.5000" || s["retention_days"] != 10.0 || s["max_bitrate_kbps"] != 1500.0 {
			t.Fatalf("saved plan: %v", s)
		}

		alpha := newClient(t, e)
		alpha.signIn(a.Email, a.Password)
		if alpha.get(edit).Status != http.StatusNotFound || strings.Contains(alpha.get("/plans").Body, `href="`+edit+`"`) {
			t.Error("an integrator that only uses the plan is offered its edit page")
		}
		// The camera list, the customer's Cameras tab, the camera's page.
		flagged := func() (list, tab, page bool) {
			return strings.Contains(alpha.get("/cameras").Body, "Plan retired"),
				strings.Contains(alpha.get("/accounts/"+itoa(cust.ID)+"/cameras").Body, "Plan retired"),
				strings.Contains(alpha.get("/cameras/"+itoa(cam)).Body, `id="camera-plan-retired"`)
		}
		if l, tb, pg := flagged(); l || tb || pg {
			t.Fatal("a camera on a plan in service is flagged")
		}

		if p := root.post(edit, "/plans/"+plan+"/retire", url.Values{"retired": {"1"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("retire: %d %.800s", p.Status, p.Body)
		}
		if !strings.Contains(root.get(edit).Body, `id="plan-retired"`) || !strings.Contains(root.get("/plans").Body, "plan-retired") {
			t.Error("the retired plan is not marked on the operator's pages")
		}
		if l, tb, pg := flagged(); !l || !tb || !pg {
			t.Fatalf("the camera on the retired plan is not flagged: list %v, tab %v, page %v", l, tb, pg)
		}
		page := alpha.get("/cameras/" + itoa(cam)).Body
		if !regexp.MustCompile(`<option value="` + plan + `" selected>[^<]*\(retired\)</option>`).MatchString(page) {
			t.Errorf("the camera's page does not keep its retired plan chosen: %.3000s", page)
		}
		if nw := alpha.get("/cameras/new?customer_id=" + itoa(cust.ID)).Body; strings.Contains(nw, `<option value="`+plan+`"`) {
			t.Error("a retired plan is offered for a new camera")
		}

		if p := root.post(edit, "/plans/"+plan+"/retire", url.Values{"retired": {"0"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("back in service: %d", p.Status)
		}
		if l, tb, pg := flagged(); l || tb || pg {
			t.Fatal("the camera is still flagged after the plan came back")
		}
	})
}

// TestCameraFirstVideoShown: the camera list and page show when a camera
// first delivered video, in the account's time zone, and a camera that
// never did says it is not billed until then.
func TestCameraFirstVideoShown(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
		gate := e.Must(201, "POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Gate", "rtsp_url": "rtsp://10.0.0.1/s"}).ID()
		door := e.Must(201, "POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Door", "rtsp_url": "rtsp://10.0.0.2/s"}).ID()
		first := time.Date(2026, 3, 4, 22, 30, 0, 0, time.UTC)
		if err := e.Main.Store.W().SeedSegment(context.Background(), gate, first, 1000, "x/1.mp4"); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, e)
		c.signIn(a.Email, a.Password)
		e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(a.ID), a.Token, map[string]any{"time_zone": "Asia/Tokyo"})
		const tokyo = "2026-03-05 07:30:00 JST" // the UTC evening of March 4 is the next morning in Tokyo
		if p := c.get("/cameras/" + itoa(gate)).Body; !strings.Contains(p, tokyo) || strings.Contains(p, "not billed until first video") {
			t.Errorf("Gate's page: %.3000s", p)
		}
		if p := c.get("/cameras/" + itoa(door)).Body; !strings.Contains(p, "not billed until first video") {
			t.Errorf("Door's page does not say it is not billed: %.3000s", p)
		}
		list := c.get("/cameras").Body
		row := func(id int64) string {
			return regexp.MustCompile(`(?s)data-camera="` + itoa(id) + `">.*?</tr>`).FindString(list)
		}
		if r := row(gate); !strings.Contains(r, tokyo) {
			t.Errorf("Gate's row: %s", r)
		}
		if r := row(door); !strings.Contains(r, "not billed until first video") {
			t.Errorf("Door's row: %s", r)
		}
	})
}

// TestWizardDefaultsMakeAMargin: adding a sub-integrator, the wizard starts
// its storage and traffic prices above what the parent pays, its price for
// each plan at the parent's end-user price (not the parent's cost), and its
// own end-user price 25 % above that (not the parent's own markup, which
// would tell it what the parent pays); created with those
// defaults, both earn a margin.
func TestWizardDefaultsMakeAMargin(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		var plan string
		for _, it := range e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items() {
			if it["name"] == "Cloud 7 days" {
				plan = itoa(int64(it["id"].(float64)))
			}
		}
		a := e.CreateAccount(e.Root, 1, "integrator", "Alpha") // pays 0.0300 per GB-month, 0.0100 per GB
		aid := itoa(a.ID)
		e.Must(200, "PUT", "/api/v1/accounts/"+aid+"/plans/"+plan, e.Root, map[string]any{"cost": "4"})
		e.Must(200, "PATCH", "/api/v1/plans/"+plan, a.Token, map[string]any{"end_user_price": "6"}) // Alpha marks up by half
		c := newClient(t, e)
		c.signIn(a.Email, a.Password)

		p := c.get("/accounts/new?type=integrator&parent=" + aid)
		if !strings.Contains(p.Body, `name="storage_price" type="text" value="0.0375"`) || !strings.Contains(p.Body, `name="traffic_price" type="text" value="0.0125"`) {
			t.Errorf("the prices step does not start above Alpha's own prices: %.3000s", p.Body)
		}
		form := wizardForm("integrator", "details", "next", "storage_price", "0.0375", "traffic_price", "0.0125", "name", "Beta", "email", "beta-margin@vigilo.test")
		form.Set("parent", aid)
		p = c.post("/accounts/new?type=integrator&parent="+aid, "/accounts/new", form)
		k := "plan_" + plan
		if !strings.Contains(p.Body, `name="`+k+`_price" id="`+k+`_price" value="6.0000"`) || !strings.Contains(p.Body, `name="`+k+`_eup" id="`+k+`_eup" value="7.5000"`) {
			t.Fatalf("plans step defaults: %.4000s", p.Body)
		}
		form.Set("step", "plans")
		form.Set("go", "create")
		if p := c.post("/accounts/new?type=integrator&parent="+aid, "/accounts/new", form); p.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %.1000s", p.Status, p.Body)
		}
		accts := e.Must(200, "GET", "/api/v1/accounts?parent_id="+aid+"&q=Beta", a.Token, nil).Items()
		if len(accts) != 1 {
			t.Fatalf("Beta: %v", accts)
		}
		beta := itoa(int64(accts[0]["id"].(float64)))
		if accts[0]["storage_price"] != "0.0375" || accts[0]["traffic_price"] != "0.0125" {
			t.Errorf("Beta's storage and traffic prices: %v", accts[0])
		}
		o := e.Must(200, "GET", "/api/v1/accounts/"+beta+"/plans/"+plan, a.Token, nil).JSON
		if o["cost"] != "6.0000" || o["end_user_price"] != "7.5000" {
			t.Fatalf("Beta's offer: cost %v (want Alpha's end-user price 6.0000), end-user price %v (want 7.5000)", o["cost"], o["end_user_price"])
		}

		// A price changed on the Plans step takes the untouched end-user
		// price along (marked up again); one typed over is kept as typed.
		for _, c2 := range []struct{ name, eup, want string }{{"Gamma", "7.5000", "10.0000"}, {"Delta", "10", "10.0000"}} {
			f := wizardForm("integrator", "plans", "create", "storage_price", "0.0375", "traffic_price", "0.0125", "name", c2.name,
				"email", strings.ToLower(c2.name)+"-margin@vigilo.test", "plans_init", "1", k+"_on", "1", k+"_name", "Cloud 7 days",
				k+"_price", "8", k+"_eup", c2.eup, k+"_eup_auto", "7.5000")
			f.Set("parent", aid)
			if p := c.post("/accounts/new?type=integrator&parent="+aid, "/accounts/new", f); p.Status != http.StatusSeeOther {
				t.Fatalf("create %s: %d %.1000s", c2.name, p.Status, p.Body)
			}
			id := itoa(int64(e.Must(200, "GET", "/api/v1/accounts?parent_id="+aid+"&q="+c2.name, a.Token, nil).Items()[0]["id"].(float64)))
			if o := e.Must(200, "GET", "/api/v1/accounts/"+id+"/plans/"+plan, a.Token, nil).JSON; o["cost"] != "8.0000" || o["end_user_price"] != c2.want {
				t.Errorf("%s's offer: %v %v, want 8.0000 and %s", c2.name, o["cost"], o["end_user_price"], c2.want)
			}
		}
	})
}
