package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestPrivacyTab: the customer's own owner switches privacy on and gives
// and revokes access on its account's Privacy tab; the integrator above
// sees the tab read-only, cannot post to it, and is told why when it opens
// one of the customer's cameras in the video portal (both databases).
func TestPrivacyTab(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			a := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
			c := e.CreateAccount(a.Token, a.ID, "customer", "Corner Shop")
			cam := e.Must(201, "POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Till",
				"rtsp_url": "rtsp://192.168.7.10/stream"}).ID()
			plan := e.Must(201, "POST", "/api/v1/plans", e.Root, map[string]any{"name": "Record 7 days", "kind": "fixed",
				"retention_days": 7, "recording_mode": "continuous", "price": "10.0000"}).ID()
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+itoa(plan), e.Root,
				map[string]any{"selected": true, "visible": true, "cost": "5.0000", "end_user_price": "8.0000"})
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+itoa(plan), a.Token,
				map[string]any{"selected": true, "visible": true, "cost": "8.0000"})
			e.Must(200, "PATCH", "/api/v1/cameras/"+itoa(cam), a.Token, map[string]any{"customer_id": c.ID, "plan_id": plan})
			tab := "/accounts/" + itoa(c.ID) + "/privacy"

			cc := newClient(t, e)
			cc.signIn(c.Email, c.Password)
			if p := cc.get(tab); p.Status != 200 || !strings.Contains(p.Body, `id="privacy-form"`) || !strings.Contains(p.Body, "Not private") {
				t.Fatalf("own privacy tab: %d %.300s", p.Status, p.Body)
			}
			if p := cc.post(tab, tab, url.Values{"enabled": {"0", "1"}}); p.Status != http.StatusSeeOther {
				t.Fatalf("switch privacy on: %d %.300s", p.Status, p.Body)
			}
			if got := e.Must(200, "GET", "/api/v1"+tab, c.Token, nil).JSON["enabled"]; got != true {
				t.Fatalf("privacy after the form: %v", got)
			}
			if p := cc.post(tab, tab+"/grants", url.Values{"grantee": {"abc"}, "hours": {"24"}}); p.Status != http.StatusBadRequest || fieldError(p.Body, "grantee_account_id") == "" {
				t.Fatalf("bad grantee: %d %.300s", p.Status, p.Body)
			}
			if p := cc.post(tab, tab+"/grants", url.Values{"grantee": {""}, "hours": {"24"}, "note": {"ticket 4711"}}); p.Status != http.StatusSeeOther {
				t.Fatalf("give access: %d %.300s", p.Status, p.Body)
			}
			body := cc.get(tab).Body
			m := regexp.MustCompile(`<tr data-grant="(\d+)"><td>Alpha</td><td>ticket 4711</td>`).FindStringSubmatch(body)
			if m == nil || !strings.Contains(body, ">Active<") || !strings.Contains(body, "Private") {
				t.Fatalf("the grant is not listed as active: %.2000s", body)
			}
			e.Must(200, "GET", "/api/v1/cameras/"+itoa(cam)+"/recordings", a.Token, nil)
			if p := cc.post(tab, tab+"/grants/"+m[1]+"/revoke", url.Values{}); p.Status != http.StatusSeeOther {
				t.Fatalf("revoke: %d %.300s", p.Status, p.Body)
			}
			if !strings.Contains(cc.get(tab).Body, ">Revoked<") {
				t.Fatal("the grant is not shown revoked")
			}

			ac := newClient(t, e)
			ac.signIn(a.Email, a.Password)
			p := ac.get(tab)
			if p.Status != 200 || strings.Contains(p.Body, `id="privacy-form"`) || strings.Contains(p.Body, `id="grant-form"`) || !strings.Contains(p.Body, "Private") {
				t.Fatalf("the parent's view of the tab: %d %.500s", p.Status, p.Body)
			}
			if p := ac.post(tab, tab, url.Values{"enabled": {"0"}}); p.Status != http.StatusForbidden {
				t.Fatalf("the parent switches it: %d", p.Status)
			}
			p = ac.get("/video/cameras/" + itoa(cam))
			if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Video kept private") || !strings.Contains(p.Body, "Corner Shop keeps its live and recorded video private") {
				t.Fatalf("the parent opens the camera: %d %.1500s", p.Status, p.Body)
			}
			// The parent still manages the camera in the admin portal.
			if p := ac.get("/cameras/" + itoa(cam)); p.Status != 200 {
				t.Fatalf("the parent's camera page: %d", p.Status)
			}
			// Integrators have no Privacy tab.
			if p := ac.get("/accounts/" + itoa(a.ID) + "/privacy"); p.Status != http.StatusNotFound {
				t.Fatalf("an integrator's privacy tab: %d", p.Status)
			}
		})
	}
}
