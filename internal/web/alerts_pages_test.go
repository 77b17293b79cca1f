package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestAlertPages: the fleet health page lists the subtree's cameras linked
// to their pages and filters by flag; the alerts page saves settings,
// refuses a webhook to a private address naming the field, adds and
// removes one. Both databases.
func TestAlertPages(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_WEBHOOK_ALLOW": "127.0.0.1/32"}})
			in := e.CreateAccount(e.Root, 1, "integrator", "Health Int")
			cam := e.Must(201, "POST", "/api/v1/cameras", in.Token, map[string]any{"type": "generic", "name": "Gate <1>",
				"rtsp_url": "rtsp://127.0.0.1:9/x"}).ID()
			other := e.CreateAccount(e.Root, 1, "integrator", "Other Int")
			e.Must(201, "POST", "/api/v1/cameras", other.Token, map[string]any{"type": "generic", "name": "Not yours",
				"rtsp_url": "rtsp://127.0.0.1:9/y"})

			c := newClient(t, e)
			c.signIn(in.Email, in.Password)
			p := c.get("/health")
			if p.Status != 200 || !strings.Contains(p.Body, `href="/cameras/`+itoa(cam)+`"`) || !strings.Contains(p.Body, "Gate &lt;1&gt;") ||
				strings.Contains(p.Body, "Not yours") {
				t.Fatalf("health page: %d %.500s", p.Status, p.Body)
			}
			if p := c.get("/health?flag=offline"); p.Status != 200 || strings.Contains(p.Body, "Gate &lt;1&gt;") {
				t.Fatalf("offline filter lists a camera that is not recording: %d", p.Status)
			}
			if p := c.get("/health?flag=nonsense"); p.Status != 400 {
				t.Fatalf("bad flag: %d", p.Status)
			}

			if p := c.get("/alerts"); p.Status != 200 || !strings.Contains(p.Body, "5m0s") {
				t.Fatalf("alerts page: %d %.300s", p.Status, p.Body)
			}
			p = c.post("/alerts", "/alerts/settings", url.Values{"offline_after": {"10m"}, "contacts": {"ops@health.test, nope"}})
			if p.Status != 400 || !strings.Contains(p.Body, "address 2") {
				t.Fatalf("bad contact: %d %.300s", p.Status, p.Body)
			}
			if p := c.post("/alerts", "/alerts/settings", url.Values{"offline_after": {"10m"}, "contacts": {"ops@health.test"}}); p.Status != 303 {
				t.Fatalf("save settings: %d %.300s", p.Status, p.Body)
			}
			set := e.Must(200, "GET", "/api/v1/accounts/"+itoa(in.ID)+"/alerts", in.Token, nil).JSON
			if set["offline_after"] != "10m0s" || set["contacts"].([]any)[0] != "ops@health.test" {
				t.Fatalf("settings %v", set)
			}
			p = c.post("/alerts", "/alerts/webhooks", url.Values{"url": {"http://192.168.1.10/h"}, "events": {"camera.offline"},
				"secret": {"0123456789abcdef"}})
			if p.Status != 400 || !strings.Contains(p.Body, "which webhooks may not use") {
				t.Fatalf("private webhook: %d %.300s", p.Status, p.Body)
			}
			p = c.post("/alerts", "/alerts/webhooks", url.Values{"url": {"http://127.0.0.1:9/h"}, "events": {"camera.offline", "motion"},
				"secret": {"0123456789abcdef"}})
			if p.Status != 303 {
				t.Fatalf("add webhook: %d %.300s", p.Status, p.Body)
			}
			hooks := e.Must(200, "GET", "/api/v1/accounts/"+itoa(in.ID)+"/webhooks", in.Token, nil).Items()
			if len(hooks) != 1 || hooks[0]["url"] != "http://127.0.0.1:9/h" {
				t.Fatalf("webhooks %v", hooks)
			}
			if p := c.get("/alerts"); !strings.Contains(p.Body, "http://127.0.0.1:9/h") {
				t.Fatal("the webhook is not listed")
			}
			wid := int64(hooks[0]["id"].(float64))
			if p := c.post("/alerts", "/alerts/delete", url.Values{"webhook_id": {itoa(wid)}}); p.Status != 303 {
				t.Fatalf("remove webhook: %d", p.Status)
			}
			// Another integrator cannot remove (or see) it: not found.
			e.Must(404, "DELETE", "/api/v1/accounts/"+itoa(in.ID)+"/webhooks/"+itoa(wid), other.Token, nil)
			if n := len(e.Must(200, "GET", "/api/v1/accounts/"+itoa(in.ID)+"/webhooks", in.Token, nil).Items()); n != 0 {
				t.Fatalf("%d webhooks after removal", n)
			}
		})
	}
}
