package api_test

import (
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestAccountsVisibleOnlyInSubtree is a quick end-to-end check of the access
// decision on both databases: a sibling's account answers 404.
func TestAccountsVisibleOnlyInSubtree(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			a := e.CreateAccount(e.Root, 1, "integrator", "A")
			b := e.CreateAccount(e.Root, 1, "integrator", "B")
			c := e.CreateAccount(a.Token, a.ID, "customer", "C")
			e.Must(200, "GET", "/api/v1/accounts/"+itoa(c.ID), a.Token, nil)
			e.Must(404, "GET", "/api/v1/accounts/"+itoa(c.ID), b.Token, nil)
			e.Must(404, "GET", "/api/v1/accounts/"+itoa(a.ID), c.Token, nil)
			r := e.Must(200, "GET", "/api/v1/accounts", a.Token, nil)
			if len(r.Items()) != 1 || int64(r.Items()[0]["id"].(float64)) != c.ID {
				t.Fatalf("A sees %s", r.Body)
			}
		})
	}
}
