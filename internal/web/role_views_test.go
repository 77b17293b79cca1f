package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestCustomerSeesALeaf: a customer's admin sees its plans by name and
// nothing of the reselling above it (no cost, no price to edit, refused when
// it tries anyway, in the portal and the API), its cameras without their
// RTSP address or user name and with the plan's name, and no "Unassigned"
// tab. The integrator above keeps all of it.
func TestCustomerSeesALeaf(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		w := newCamPortal(t, e)
		cam := e.Must(201, "POST", "/api/v1/cameras", w.A.Token, map[string]any{"type": "generic", "name": "Gate",
			"rtsp_url": "rtsp://10.0.0.7/stream1", "username": "camuser", "password": "cam-pw"}).ID()
		e.Must(200, "PATCH", "/api/v1/cameras/"+itoa(cam), w.A.Token, map[string]any{"customer_id": w.C.ID, "plan_id": w.P})
		c := newClient(t, e)
		c.signIn(w.C.Email, w.C.Password)

		plans := c.get("/plans")
		if plans.Status != http.StatusOK || !strings.Contains(plans.Body, "Gold for C") {
			t.Fatalf("customer's plans page: %d %.400s", plans.Status, plans.Body)
		}
		for _, leak := range []string{"Your cost", `name="end_user_price-`, "8.0000", "5.0000", "Customer subscription plans"} {
			if strings.Contains(plans.Body, leak) {
				t.Errorf("customer's plans page shows %q", leak)
			}
		}
		// Renaming a plan "Free cloud" at 0.00 is refused, in the portal and the API.
		form := url.Values{"name": {"Free cloud"}, "end_user_price": {"0.00"}, "csrf": {c.csrf("/cameras")}}
		if p := c.do("POST", "/plans/"+itoa(w.P), form); p.Status != http.StatusForbidden {
			t.Errorf("customer's plan edit in the portal: %d", p.Status)
		}
		if r := e.Do("PATCH", "/api/v1/plans/"+itoa(w.P), w.C.Token, map[string]any{"name": "Free cloud", "end_user_price": "0.00"}); r.Status != 403 || r.Code() != "customer_plans_fixed" {
			t.Errorf("customer's plan edit in the API: %d %s", r.Status, r.Body)
		}
		for _, it := range e.Must(200, "GET", "/api/v1/plans", w.C.Token, nil).Items() {
			if it["name"] == "Free cloud" {
				t.Fatalf("the refused rename was saved: %v", it)
			}
		}

		// Its own account's Plans tab: names, no prices either.
		if p := c.get("/accounts/" + itoa(w.C.ID) + "/plans"); !strings.Contains(p.Body, "Gold for C") || strings.Contains(p.Body, "8.0000") || strings.Contains(p.Body, ">Price<") {
			t.Errorf("customer's own Plans tab shows money: %.1500s", p.Body)
		}

		list := c.get("/cameras")
		if !strings.Contains(list.Body, "Gate") || strings.Contains(list.Body, "filter-unassigned") || strings.Contains(list.Body, ">Unassigned<") {
			t.Errorf("customer's camera list: %.600s", list.Body)
		}
		page := c.get("/cameras/" + itoa(cam))
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "Gold for C") {
			t.Fatalf("customer's camera page: %d %.600s", page.Status, page.Body)
		}
		for _, leak := range []string{"rtsp://", "camuser", "plan #"} {
			if strings.Contains(page.Body, leak) {
				t.Errorf("customer's camera page shows %q", leak)
			}
		}

		// The integrator keeps what it has.
		if p := w.c.get("/plans"); !strings.Contains(p.Body, "Your cost") || !strings.Contains(p.Body, `name="end_user_price-`) {
			t.Errorf("integrator's plans page lost its prices")
		}
		if p := w.c.get("/cameras/" + itoa(cam)); !strings.Contains(p.Body, "rtsp://10.0.0.7/stream1") || !strings.Contains(p.Body, "camuser") {
			t.Errorf("integrator's camera page lost the address")
		}
		if p := w.c.get("/cameras"); !strings.Contains(p.Body, "filter-unassigned") {
			t.Errorf("integrator's camera list lost the Unassigned tab")
		}
	})
}
