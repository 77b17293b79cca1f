package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
)

// TestAuthCacheNeverStale: with the authentication cache warm, every change
// this process makes that bears on a request — an account disabled and
// enabled, api_access switched off, a new account, a sign-out — is seen by
// the very next request; a token revoked by another process sharing the
// database is refused within the cache's lifetime (both databases).
func TestAuthCacheNeverStale(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			ctx, a := context.Background(), e.Main.App
			alpha := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
			warm := func(tok string) {
				t.Helper()
				for range 3 {
					actor, err := a.Authenticate(ctx, tok)
					if err == nil {
						err = a.CheckAPIAccess(ctx, actor)
					}
					if err != nil {
						t.Fatalf("warm-up: %v", err)
					}
				}
			}
			refused := func(what, tok, code string) {
				t.Helper()
				actor, err := a.Authenticate(ctx, tok)
				if err == nil {
					err = a.CheckAPIAccess(ctx, actor)
				}
				if errs.CodeOf(err) != code {
					t.Fatalf("%s: %v, want %s", what, err, code)
				}
			}
			path := fmt.Sprintf("/api/v1/accounts/%d", alpha.ID)

			warm(alpha.Token)
			e.Must(200, "POST", path+"/disable", e.Root, nil)
			refused("after disable", alpha.Token, "account_disabled")
			refused("after disable, from the cache", alpha.Token, "account_disabled")
			e.Must(200, "POST", path+"/enable", e.Root, nil)
			warm(alpha.Token)

			e.Must(200, "PUT", path+"/modules", e.Root, map[string]any{"api_access": false})
			refused("after api_access off", alpha.Token, "module_disabled")
			refused("after api_access off, from the cache", alpha.Token, "module_disabled")
			e.Must(200, "PUT", path+"/modules", e.Root, map[string]any{"api_access": true})
			warm(alpha.Token)

			// Lists and /me are never behind a change either.
			e.Must(200, "GET", "/api/v1/accounts?per_page=50", alpha.Token, nil)
			e.CreateAccount(alpha.Token, alpha.ID, "customer", "Fresh Shop")
			if r := e.Must(200, "GET", "/api/v1/accounts?per_page=50", alpha.Token, nil); len(r.Items()) != 1 {
				t.Fatalf("the new account is missing from the list: %s", r.Body)
			}
			e.Must(200, "GET", "/api/v1/me", alpha.Token, nil)
			e.Must(200, "PATCH", path, alpha.Token, map[string]any{"name": "Alpha Renamed"})
			if r := e.Must(200, "GET", "/api/v1/me", alpha.Token, nil); r.JSON["account"].(map[string]any)["name"] != "Alpha Renamed" {
				t.Fatalf("/me after a rename: %s", r.Body)
			}

			if err := a.Logout(ctx, alpha.Token); err != nil {
				t.Fatal(err)
			}
			refused("after sign-out", alpha.Token, "unauthenticated")

			// Another process: a second store on the same database revokes a
			// warm token; this process sees it within the cache's lifetime.
			other, err := store.Open(ctx, e.Main.Config.DBURL, e.Main.Config.DataDir)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			tok := e.Login(alpha.Email, alpha.Password)
			warm(tok)
			if err := other.W().RevokeTokenByHash(ctx, identity.HashToken(tok)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			for {
				if _, err := a.Authenticate(ctx, tok); errs.CodeOf(err) == "unauthenticated" {
					break
				}
				if time.Since(start) > 3*time.Second {
					t.Fatal("a token revoked by another process is still accepted after 3 s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("revocation by another process seen after %v", time.Since(start).Round(time.Millisecond))
		})
	}
}
