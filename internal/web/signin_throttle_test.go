package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestSignInFormThrottled: the portal's sign-in form shares the API's
// lock-out, and says in words how long to wait.
func TestSignInFormThrottled(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		frozen := time.Now()
		e.Main.App.Now = func() time.Time { return frozen }
		c := newClient(t, e)
		for i := range 6 {
			p := c.post("/login", "/login", url.Values{"email": {apitest.AdminEmail}, "password": {"wrong-password"}})
			if p.Status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %d", i+1, p.Status)
			}
		}
		p := c.post("/login", "/login", url.Values{"email": {apitest.AdminEmail}, "password": {apitest.AdminPassword}})
		if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "try again in 1 second") {
			t.Fatalf("locked sign-in form: %d %.2000s", p.Status, p.Body)
		}
		frozen = frozen.Add(time.Second)
		c.signIn(apitest.AdminEmail, apitest.AdminPassword)
	})
}
