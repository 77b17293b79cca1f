package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestUnlockUser: a user locked out by failed sign-ins is let in at once
// after an administrator above lifts the lock; another tree's
// administrator gets 404 and the lift is audited.
func TestUnlockUser(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
		in := e.CreateAccount(e.Root, 1, "integrator", "Unlock Int")
		cu := e.CreateAccount(in.Token, in.ID, "customer", "Unlock Cust")
		other := e.CreateAccount(e.Root, 1, "integrator", "Other Int")
		frozen := time.Now()
		e.Main.App.Now = func() time.Time { return frozen } // the lock never runs out by itself here

		login := func(pw string) apitest.Response {
			return e.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": cu.Email, "password": pw})
		}
		for range 8 {
			login("Wrong-pass-123")
		}
		if r := login(cu.Password); r.Status != 429 || r.Code() != "too_many_attempts" {
			t.Fatalf("not locked: %d %s", r.Status, r.Body)
		}
		users := e.Must(200, "GET", "/api/v1/accounts/"+itoa(cu.ID)+"/users", in.Token, nil).Items()
		uid := itoa(int64(users[0]["id"].(float64)))
		unlock := func(acct int64) string { return "/api/v1/accounts/" + itoa(acct) + "/users/" + uid + "/unlock" }

		e.Must(404, "POST", unlock(cu.ID), other.Token, nil) // another tree's administrator
		e.Must(404, "POST", unlock(in.ID), in.Token, nil)    // the user is not of that account
		if r := login(cu.Password); r.Status != 429 {
			t.Fatalf("refused unlocks lifted the lock: %d", r.Status)
		}
		e.Must(204, "POST", unlock(cu.ID), in.Token, nil)
		if r := login(cu.Password); r.Status != 200 {
			t.Fatalf("sign-in after unlock: %d %s", r.Status, r.Body)
		}

		var entry string
		for _, it := range e.Must(200, "GET", "/api/v1/audit?action=user.unlocked", in.Token, nil).Items() {
			entry = fmt.Sprint(it)
		}
		if !strings.Contains(entry, "user_id:"+uid) || !strings.Contains(entry, "lock_seconds:") {
			t.Fatalf("audit: %q", entry)
		}
		if n := len(e.Must(200, "GET", "/api/v1/audit?action=user.unlocked", other.Token, nil).Items()); n != 0 {
			t.Fatalf("another tree sees the entry: %d", n)
		}
	})
}
