package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/store"
)

// TOTP secrets are stored sealed with the server's key; a secret written in
// clear before that still signs in and is sealed, at its next use or at
// start, whichever comes first.
func TestTOTPSecretSealed(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		ctx := context.Background()
		userID := func(a apitest.Account) int64 {
			return int64(e.Must(200, "GET", "/api/v1/me", a.Token, nil).JSON["user"].(map[string]any)["id"].(float64))
		}
		stored := func(id int64) store.TOTPState {
			st, err := e.Main.Store.R().UserTOTP(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		wantSealed := func(what string, st store.TOTPState, secret string) {
			t.Helper()
			if !strings.HasPrefix(st.Secret, "v1:") || strings.Contains(st.Secret, secret) {
				t.Fatalf("%s: TOTP secret stored as %q", what, st.Secret)
			}
		}
		login := func(a apitest.Account, secret string, at time.Time) apitest.Response {
			code, _ := totp.GenerateCode(secret, at)
			return e.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": a.Email, "password": a.Password, "otp": code})
		}

		a := e.CreateAccount(e.Root, 1, "integrator", "Sealed TOTP")
		aID := userID(a)
		pending := e.Must(200, "POST", "/api/v1/me/totp", a.Token, nil).JSON["secret"].(string)
		wantSealed("pending enrolment", stored(aID), pending)
		secret, _ := enrolTOTP(t, e, a.Token)
		wantSealed("enrolled", stored(aID), secret)
		if r := login(a, secret, time.Now()); r.Status != 200 {
			t.Fatalf("sign-in with a sealed secret: %d %s", r.Status, r.Body)
		}

		// The old form: the base32 secret as is. It verifies (the next
		// step's code: this one was spent) and is sealed by that use.
		on := time.Now()
		if err := e.Main.Store.W().SetUserTOTP(ctx, aID, store.TOTPState{Secret: secret, EnabledAt: &on}); err != nil {
			t.Fatal(err)
		}
		if r := login(a, secret, time.Now().Add(30*time.Second)); r.Status != 200 {
			t.Fatalf("sign-in with a clear secret: %d %s", r.Status, r.Body)
		}
		wantSealed("clear secret after use", stored(aID), secret)

		// Sealed at start: every clear one, once; a second run finds none.
		b := e.CreateAccount(e.Root, 1, "integrator", "Clear TOTP")
		bID := userID(b)
		bSecret, _ := enrolTOTP(t, e, b.Token)
		if err := e.Main.Store.W().SetUserTOTP(ctx, bID, store.TOTPState{Secret: bSecret, EnabledAt: &on}); err != nil {
			t.Fatal(err)
		}
		if n, err := e.Main.App.SealTOTPSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("sealing at start: %d %v", n, err)
		}
		wantSealed("clear secret after start", stored(bID), bSecret)
		before := stored(bID).Secret
		if n, err := e.Main.App.SealTOTPSecrets(ctx); err != nil || n != 0 || stored(bID).Secret != before {
			t.Fatalf("sealing again: %d %v", n, err)
		}
		if r := login(b, bSecret, time.Now().Add(30*time.Second)); r.Status != 200 {
			t.Fatalf("sign-in after sealing at start: %d %s", r.Status, r.Body)
		}

		// A pending enrolment the key no longer opens (the key changed in
		// between): a 400 that says to start again, not a 500; starting
		// again works.
		c := e.CreateAccount(e.Root, 1, "integrator", "Lost pending TOTP")
		cID := userID(c)
		e.Must(200, "POST", "/api/v1/me/totp", c.Token, nil)
		if err := e.Main.Store.W().SetUserTOTP(ctx, cID, store.TOTPState{Secret: "v1:c2VhbGVkIGJ5IGFub3RoZXIga2V5"}); err != nil {
			t.Fatal(err)
		}
		lost := e.Must(400, "POST", "/api/v1/me/totp/confirm", c.Token, map[string]string{"code": "123456"})
		if msg, _ := lost.Fields()["code"].(string); !strings.Contains(msg, "start again") {
			t.Fatalf("confirming a lost enrolment: %s", lost.Body)
		}
		enrolTOTP(t, e, c.Token)
	})
}
