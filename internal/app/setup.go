package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Bootstrap makes sure the operator's root account exists and has an owner.
// With an admin e-mail and password the owner is created confirmed. Without
// them, and while no owner exists, it returns a one-time setup link; only the
// link's hash is stored, so a new link is made on every start until used.
func (a *App) Bootstrap(ctx context.Context, operatorName, adminEmail, adminPassword string) (setupLink string, err error) {
	adminEmail = tenancy.NormalizeEmail(adminEmail)
	if adminEmail != "" || adminPassword != "" {
		f := errs.Fields{}
		tenancy.CheckEmail(f, "VIGILO_ADMIN_EMAIL", adminEmail)
		identity.CheckPassword(f, "VIGILO_ADMIN_PASSWORD", adminPassword)
		if err := f.Err(); err != nil {
			return "", err
		}
	}
	var hash string
	if adminPassword != "" {
		if hash, err = identity.HashPassword(adminPassword); err != nil {
			return "", err
		}
	}
	err = a.tx(ctx, func(q store.Q, _ *outbox) error {
		root, err := q.RootAccount(ctx)
		if errs.KindOf(err) == errs.NotFound {
			root = tenancy.Account{Type: tenancy.Integrator, Name: firstNonEmpty(operatorName, "Operator"), Status: tenancy.Active}
			if err := q.InsertAccount(ctx, &root, ""); err != nil {
				return err
			}
			if err := a.createDefaultRoles(ctx, q, root.ID); err != nil {
				return err
			}
			if err := a.bootstrapHook(ctx, q, root); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if _, err := q.AccountOwner(ctx, root.ID); err == nil {
			return q.DeleteSetupTokens(ctx)
		} else if errs.KindOf(err) != errs.NotFound {
			return err
		}
		if adminEmail != "" {
			now := a.Now().UTC()
			u := identity.User{AccountID: root.ID, Email: adminEmail, Name: "Administrator", Owner: true,
				Status: identity.UserActive, PasswordHash: hash, EmailConfirmedAt: &now}
			if err := q.InsertUser(ctx, &u); err != nil {
				return err
			}
			return a.audit(ctx, q, tenancy.Actor{Email: "system"}, root, "setup.admin_created", map[string]any{"email": adminEmail})
		}
		if err := q.DeleteSetupTokens(ctx); err != nil {
			return err
		}
		plain, h := identity.NewToken()
		if _, err := q.InsertToken(ctx, 0, identity.PurposeSetup, h, "", a.Now().Add(identity.ConfirmTTL)); err != nil {
			return err
		}
		setupLink = a.link("/setup", plain)
		return nil
	})
	return setupLink, err
}

// CompleteSetup creates the root owner from the setup link.
func (a *App) CompleteSetup(ctx context.Context, token, email, name, password string) (identity.User, error) {
	email = tenancy.NormalizeEmail(email)
	f := errs.Fields{}
	tenancy.CheckEmail(f, "email", email)
	identity.CheckPassword(f, "password", password)
	if err := f.Err(); err != nil {
		return identity.User{}, err
	}
	if _, err := a.liveToken(ctx, a.Store.R(), identity.PurposeSetup, token); err != nil {
		return identity.User{}, err // a made-up token costs no hash
	}
	hash, err := identity.HashPassword(password)
	if err != nil {
		return identity.User{}, err
	}
	var u identity.User
	err = a.tx(ctx, func(q store.Q, _ *outbox) error {
		if _, err := a.spendToken(ctx, q, identity.PurposeSetup, token); err != nil {
			return err
		}
		root, err := q.RootAccount(ctx)
		if err != nil {
			return err
		}
		if _, err := q.AccountOwner(ctx, root.ID); err == nil {
			return errs.Conflictf("already_set_up", "the operator account already has an owner")
		}
		now := a.Now().UTC()
		u = identity.User{AccountID: root.ID, Email: email, Name: name, Owner: true, Status: identity.UserActive,
			PasswordHash: hash, EmailConfirmedAt: &now}
		if err := q.InsertUser(ctx, &u); err != nil {
			return err
		}
		if err := q.DeleteSetupTokens(ctx); err != nil {
			return err
		}
		return a.audit(ctx, q, tenancy.Actor{UserID: u.ID, Email: u.Email, AccountID: root.ID}, root, "setup.completed", map[string]any{"email": email})
	})
	return u, err
}
