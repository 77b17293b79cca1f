package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestUnlockButton: the Users tab offers Unlock on a user's row only while
// that user's sign-in is locked, and the button lets the user in at once.
func TestUnlockButton(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		in := e.CreateAccount(e.Root, 1, "integrator", "Portal Unlock Int")
		cu := e.CreateAccount(in.Token, in.ID, "customer", "Portal Unlock Cust")
		frozen := time.Now()
		e.Main.App.Now = func() time.Time { return frozen }
		uid := itoa(int64(e.Must(200, "GET", "/api/v1/accounts/"+itoa(cu.ID)+"/users", in.Token, nil).Items()[0]["id"].(float64)))
		admin := newClient(t, e)
		admin.signIn(in.Email, in.Password)
		tab := "/accounts/" + itoa(cu.ID) + "/users"
		if p := admin.get(tab); p.Status != http.StatusOK || strings.Contains(p.Body, `id="unlock-`) {
			t.Fatalf("Unlock shown for a free user: %d", p.Status)
		}
		login := func(pw string) int {
			return e.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": cu.Email, "password": pw}).Status
		}
		for range 7 {
			login("Wrong-pass-123")
		}
		if s := login(cu.Password); s != http.StatusTooManyRequests {
			t.Fatalf("not locked: %d", s)
		}
		p := admin.get(tab)
		if !strings.Contains(p.Body, `action="/users/`+uid+`/unlock"`) || !strings.Contains(p.Body, "Sign-in locked") {
			t.Fatalf("no Unlock on the locked user's row: %.3000s", p.Body)
		}
		if p = admin.post(tab, "/users/"+uid+"/unlock", url.Values{}); p.Status != http.StatusSeeOther {
			t.Fatalf("unlock: %d %.500s", p.Status, p.Body)
		}
		if s := login(cu.Password); s != http.StatusOK {
			t.Fatalf("sign-in after Unlock: %d", s)
		}
		if p = admin.get(tab); strings.Contains(p.Body, `id="unlock-`) {
			t.Errorf("Unlock still shown after the lift")
		}
	})
}
