package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// An administrator signs a user out everywhere from the user's Security
// tab; a user whose organisation requires 2FA is sent to the Security page
// until enrolled. Both databases.
func TestSecurityPages(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			in := e.CreateAccount(e.Root, 1, "integrator", "Pages Int")
			cu := e.CreateAccount(in.Token, in.ID, "customer", "Pages Cust")
			me := e.Must(200, "GET", "/api/v1/me", cu.Token, nil)
			uid := int64(me.JSON["user"].(map[string]any)["id"].(float64))

			user := newClient(t, e)
			user.signIn(cu.Email, cu.Password)
			if p := user.get("/security"); p.Status != 200 || !strings.Contains(p.Body, "data-sessions") {
				t.Fatalf("security page: %d", p.Status)
			}
			admin := newClient(t, e)
			admin.signIn(in.Email, in.Password)
			p := admin.post("/users/"+itoa(uid)+"/security", "/users/"+itoa(uid)+"/sessions", url.Values{})
			if p.Status != 303 {
				t.Fatalf("sign out everywhere: %d %.300s", p.Status, p.Body)
			}
			if p := user.get("/security"); p.Status != 303 || !strings.HasPrefix(p.Location, "/login") {
				t.Fatalf("signed-out user still in: %d %s", p.Status, p.Location)
			}
			e.Must(401, "GET", "/api/v1/me", cu.Token, nil)

			// The integrator requires 2FA: its customer's user lands on Security.
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/two-factor", in.Token, map[string]bool{"require_2fa": true})
			user.signIn(cu.Email, cu.Password)
			if p := user.get("/accounts"); p.Status != 303 || p.Location != "/security" {
				t.Fatalf("not sent to enrol: %d %s", p.Status, p.Location)
			}
			if p := user.get("/security"); p.Status != 200 || !strings.Contains(p.Body, "requires two-factor sign-in") {
				t.Fatalf("security page under the rule: %d", p.Status)
			}
		})
	}
}
