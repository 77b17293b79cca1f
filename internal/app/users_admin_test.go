package app_test

import (
	"context"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TestUserAdmin covers the admin portal's user and role use cases on both
// databases: who may act on whom, what each does, and that another
// subtree's users and roles do not exist.
func TestUserAdmin(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			ctx := context.Background()
			a := e.Main.App
			actor := func(token string) tenancy.Actor {
				t.Helper()
				act, err := a.Authenticate(ctx, token)
				if err != nil {
					t.Fatal(err)
				}
				return act
			}
			alpha := e.CreateAccount(e.Root, 1, "integrator", "Alpha")
			beta := e.CreateAccount(e.Root, 1, "integrator", "Beta")
			owner := actor(alpha.Token)
			roles, err := a.ListRoles(ctx, owner, alpha.ID)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]int64{}
			for _, r := range roles {
				byName[r.Name] = r.ID
			}
			admin, err := a.CreateUser(ctx, owner, identity.NewUser{AccountID: alpha.ID, Email: "admin@alpha.test", Password: "admin-pass-1", RoleID: byName["Administrator"]})
			if err != nil {
				t.Fatal(err)
			}
			guard, err := a.CreateUser(ctx, owner, identity.NewUser{AccountID: alpha.ID, Email: "guard@alpha.test", Password: "guard-pass-1", RoleID: byName["Guard"]})
			if err != nil {
				t.Fatal(err)
			}
			adminTok := e.Login("admin@alpha.test", "admin-pass-1")
			adm := actor(adminTok)
			other := actor(beta.Token)

			// Another subtree's user and role: not found, for every use case.
			for what, err := range map[string]error{
				"user":     third(a.User(ctx, other, guard.ID)),
				"update":   second(a.UpdateUser(ctx, other, guard.ID, app.UserPatch{Name: ptr("x")})),
				"owner":    second(a.SetOwner(ctx, other, guard.ID)),
				"delete":   a.DeleteUser(ctx, other, guard.ID),
				"password": a.AdminSetPassword(ctx, other, guard.ID, "stolen-pass-1", false),
				"reset":    a.SendReset(ctx, other, guard.ID),
				"role":     third(a.Role(ctx, other, byName["Guard"])),
				"role del": a.DeleteRole(ctx, other, byName["Guard"]),
			} {
				if errs.KindOf(err) != errs.NotFound {
					t.Errorf("%s from another subtree: %v", what, err)
				}
			}

			// An admin may manage the guard, but not the owner, nor itself.
			name := "Gus"
			if u, err := a.UpdateUser(ctx, adm, guard.ID, app.UserPatch{Name: &name, RoleID: ptr64(byName["Viewer"])}); err != nil || u.Name != "Gus" || u.RoleID != byName["Viewer"] {
				t.Fatalf("update guard: %+v %v", u, err)
			}
			if _, err := a.UpdateUser(ctx, adm, guard.ID, app.UserPatch{RoleID: ptr64(byName["Guard"] + 1000)}); errs.KindOf(err) != errs.Invalid {
				t.Errorf("foreign role: %v", err)
			}
			ownerUser, _, _ := a.Me(ctx, owner)
			if err := a.AdminSetPassword(ctx, adm, ownerUser.ID, "taken-over-1", false); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("admin sets the owner's password: %v", err)
			}
			if _, err := a.SetOwner(ctx, adm, admin.ID); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("admin makes itself owner: %v", err)
			}
			if err := a.DeleteUser(ctx, adm, admin.ID); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("admin deletes itself: %v", err)
			}
			if err := a.DeleteUser(ctx, owner, ownerUser.ID); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("owner deletes itself: %v", err)
			}

			// Setting a password silently ends the user's sessions.
			guardTok := e.Login("guard@alpha.test", "guard-pass-1")
			if err := a.AdminSetPassword(ctx, adm, guard.ID, "short", false); errs.KindOf(err) != errs.Invalid {
				t.Errorf("short password: %v", err)
			}
			if err := a.AdminSetPassword(ctx, adm, guard.ID, "new-guard-pass", true); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Authenticate(ctx, guardTok); errs.KindOf(err) != errs.Unauthorized {
				t.Errorf("guard's old session after the new password: %v", err)
			}
			if s, err := a.Login(ctx, "guard@alpha.test", "new-guard-pass"); err != nil || !s.User.MustChangePassword {
				t.Errorf("sign-in with the new password: %v must change %v", err, s.User.MustChangePassword)
			}
			if err := a.SendReset(ctx, adm, guard.ID); err != nil {
				t.Errorf("send reset: %v", err)
			}

			// The owner hands ownership to the admin and stays as Administrator.
			if _, err := a.SetOwner(ctx, owner, admin.ID); err != nil {
				t.Fatal(err)
			}
			now, _ := e.Main.Store.R().AccountOwner(ctx, alpha.ID)
			prev, _ := e.Main.Store.R().User(ctx, ownerUser.ID)
			if now.ID != admin.ID || prev.Owner || prev.RoleID != byName["Administrator"] {
				t.Fatalf("after SetOwner: owner %d, previous %+v", now.ID, prev)
			}
			if err := a.DeleteUser(ctx, owner, admin.ID); errs.KindOf(err) != errs.Forbidden && errs.KindOf(err) != errs.Conflict {
				t.Errorf("delete the new owner: %v", err)
			}
			// The operator, above, deletes the guard.
			if err := a.DeleteUser(ctx, actor(e.Root), guard.ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.User(ctx, owner, guard.ID); errs.KindOf(err) != errs.NotFound {
				t.Errorf("deleted guard: %v", err)
			}

			// Roles: edit a custom one, built-ins stay.
			r, err := a.CreateRole(ctx, adm, identity.Role{AccountID: alpha.ID, Name: "Night", Portal: identity.VideoPortal, Rights: []string{identity.RightViewLive}})
			if err != nil {
				t.Fatal(err)
			}
			r.Rights = []string{identity.RightViewLive, identity.RightPTZ}
			r.Portal = identity.VideoPortal
			if _, err := a.UpdateRole(ctx, adm, r); err != nil {
				t.Fatal(err)
			}
			got, _, err := a.Role(ctx, adm, r.ID)
			if err != nil || len(got.Rights) != 2 {
				t.Fatalf("role after update: %+v %v", got, err)
			}
			if err := a.DeleteRole(ctx, adm, byName["Guard"]); errs.KindOf(err) != errs.Conflict {
				t.Errorf("delete built-in role: %v", err)
			}
			if err := a.DeleteRole(ctx, adm, r.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func ptr(s string) *string                      { return &s }
func ptr64(n int64) *int64                      { return &n }
func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }
