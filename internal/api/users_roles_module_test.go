package api_test

import (
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// With users_roles switched off for A, nobody in A's subtree may change users
// or roles, while A's parent still can do it for them (R5).
func TestUsersRolesModule(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			a := e.CreateAccount(e.Root, 1, "integrator", "UR A")
			c := e.CreateAccount(a.Token, a.ID, "customer", "UR C")
			users := "/api/v1/accounts/" + itoa(a.ID) + "/users"
			roles := "/api/v1/accounts/" + itoa(a.ID) + "/roles"
			newUser := func(email string) map[string]any {
				return map[string]any{"email": email, "password": "password-123", "send_confirmation": false}
			}
			e.Must(201, "POST", users, a.Token, newUser("before@vigilo.test"))

			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/modules", e.Root, map[string]any{"users_roles": false})
			for _, r := range []apitest.Response{
				e.Do("POST", users, a.Token, newUser("after@vigilo.test")),
				e.Do("POST", roles, a.Token, map[string]any{"name": "Night", "portal": "video", "rights": []string{"view_live"}}),
				e.Do("POST", "/api/v1/accounts/"+itoa(c.ID)+"/users", c.Token, newUser("below@vigilo.test")),
			} {
				if r.Status != 403 || r.Code() != "module_disabled" {
					t.Fatalf("want 403 module_disabled, got %d %s", r.Status, r.Body)
				}
			}
			// Reading stays possible, and the parent manages users for A.
			e.Must(200, "GET", users, a.Token, nil)
			e.Must(201, "POST", users, e.Root, newUser("by-parent@vigilo.test"))

			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/modules", e.Root, map[string]any{"users_roles": true})
			e.Must(201, "POST", users, a.Token, newUser("again@vigilo.test"))
		})
	}
}

// A JSON null is not "off": it is refused by name and changes nothing.
func TestModulesNullRefused(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	a := e.CreateAccount(e.Root, 1, "integrator", "Null A")
	path := "/api/v1/accounts/" + itoa(a.ID) + "/modules"
	r := e.Must(400, "PUT", path, e.Root, `{"live_view":null,"playback":false}`)
	if r.Fields()["live_view"] == nil {
		t.Fatalf("no field error for live_view: %s", r.Body)
	}
	for _, m := range e.Must(200, "GET", path, e.Root, nil).Items() {
		if (m["key"] == "live_view" || m["key"] == "playback") && m["enabled"] != true {
			t.Fatalf("a refused request changed %v: %v", m["key"], m)
		}
	}
}
