package api_test

import (
	"strconv"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// API tokens work as Bearer credentials, are listed without their secret,
// stop working when revoked, and cannot be revoked by another user.
func TestAPITokens(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			a := e.CreateAccount(e.Root, 1, "integrator", "Tok A")
			b := e.CreateAccount(e.Root, 1, "integrator", "Tok B")

			bad := e.Must(400, "POST", "/api/v1/me/tokens", a.Token, map[string]any{"name": "", "expires_in_days": 9999})
			if bad.Fields()["name"] == nil || bad.Fields()["expires_in_days"] == nil {
				t.Fatalf("want field errors for name and expires_in_days: %s", bad.Body)
			}
			r := e.Must(201, "POST", "/api/v1/me/tokens", a.Token, map[string]any{"name": "nightly export"})
			secret, _ := r.JSON["token"].(string)
			if secret == "" {
				t.Fatalf("no token in %s", r.Body)
			}
			id := strconv.FormatInt(r.ID(), 10)
			me := e.Must(200, "GET", "/api/v1/me", secret, nil)
			if me.JSON["user"].(map[string]any)["email"] != a.Email {
				t.Fatalf("token signs in as someone else: %s", me.Body)
			}
			l := e.Must(200, "GET", "/api/v1/me/tokens", a.Token, nil)
			if len(l.Items()) != 1 || l.Items()[0]["token"] != nil {
				t.Fatalf("list must show one token without its secret: %s", l.Body)
			}
			e.Must(404, "DELETE", "/api/v1/me/tokens/"+id, b.Token, nil)
			e.Must(200, "GET", "/api/v1/me", secret, nil)
			e.Must(204, "DELETE", "/api/v1/me/tokens/"+id, a.Token, nil)
			e.Must(401, "GET", "/api/v1/me", secret, nil)
		})
	}
}
