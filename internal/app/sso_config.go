package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// An account's OpenID Connect sign-in settings (sso_signin.go runs the
// sign-in itself). The client secret is sealed with the data directory's
// key and never leaves the server again.

// ssoSecretPurpose binds sealed client secrets to their use.
const ssoSecretPurpose = "sso client secret"

// SSOSettings is what an administrator sees of an account's sign-in.
type SSOSettings struct {
	// Own: the account has its own configuration (Config, without its
	// secret). Otherwise Inherited tells whether one above covers it; of
	// that one only the issuer, domains and switch are shown.
	Own       bool
	Inherited bool
	Config    identity.SSOConfig
	SecretSet bool
}

// SSOSettings reads an account's sign-in configuration: administrators of
// the account or above.
func (a *App) SSOSettings(ctx context.Context, actor tenancy.Actor, accountID int64) (SSOSettings, error) {
	if !actor.Admin {
		return SSOSettings{}, errAdminOnly
	}
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read)
	if err != nil {
		return SSOSettings{}, err
	}
	return ssoSettingsOf(ctx, r, acct)
}

func ssoSettingsOf(ctx context.Context, q store.Q, acct tenancy.Account) (SSOSettings, error) {
	c, err := q.NearestSSOConfig(ctx, acct.Path)
	if errs.KindOf(err) == errs.NotFound {
		return SSOSettings{}, nil
	}
	if err != nil {
		return SSOSettings{}, err
	}
	if c.AccountID != acct.ID {
		return SSOSettings{Inherited: true, Config: identity.SSOConfig{Issuer: c.Issuer, Domains: c.Domains, Enabled: c.Enabled}}, nil
	}
	s := SSOSettings{Own: true, SecretSet: c.ClientSecret != "", Config: c}
	s.Config.ClientSecret = ""
	return s, nil
}

var errAdminOnly = errs.Forbiddenf("admin_only", "only administrators change the sign-in rules")

// SetSSO writes an account's own configuration. A configuration without a
// secret keeps the stored one. Its domains must be free: a sign-in starts
// from an address alone, so one domain has one provider.
func (a *App) SetSSO(ctx context.Context, actor tenancy.Actor, accountID int64, in identity.SSOConfig) (SSOSettings, error) {
	if !actor.Admin {
		return SSOSettings{}, errAdminOnly
	}
	if a.Cameras.Secrets == nil {
		return SSOSettings{}, errs.Conflictf("sso_unavailable", "this server has no key to seal client secrets")
	}
	var out SSOSettings
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, accountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		in.AccountID = acct.ID
		old, err := q.SSOConfig(ctx, acct.ID)
		if err != nil && errs.KindOf(err) != errs.NotFound {
			return err
		}
		if err := in.Validate(old.ClientSecret != ""); err != nil {
			return err
		}
		if in.ClientSecret == "" {
			in.ClientSecret = old.ClientSecret
		} else if in.ClientSecret, err = a.Cameras.Secrets.SealFor(ssoSecretPurpose, in.ClientSecret); err != nil {
			return errs.Wrap(err, "seal client secret")
		}
		if err := ssoDefaultRole(ctx, q, acct, &in); err != nil {
			return err
		}
		for _, d := range in.Domains {
			owner, err := q.SSODomainOwner(ctx, d)
			if err != nil {
				return err
			}
			if owner != 0 && owner != acct.ID {
				return errs.Conflictf("domain_taken", "%s is already covered by another organisation's sign-in", d)
			}
		}
		if err := q.PutSSOConfig(ctx, in); err != nil {
			return err
		}
		if out, err = ssoSettingsOf(ctx, q, acct); err != nil {
			return err
		}
		return a.securityEvent(ctx, q, actor, acct, "account.sso_set", map[string]any{
			"issuer": in.Issuer, "domains": in.Domains, "enabled": in.Enabled, "default_role_id": in.DefaultRoleID})
	})
	return out, err
}

// ssoDefaultRole checks the role that new users get, or picks the
// account's Viewer role (the least a person can do) when none is given.
func ssoDefaultRole(ctx context.Context, q store.Q, acct tenancy.Account, c *identity.SSOConfig) error {
	if c.DefaultRoleID == 0 {
		role, err := q.RoleByName(ctx, acct.ID, "Viewer")
		if err != nil {
			return errs.Field("default_role_id", "is required: this account has no Viewer role")
		}
		c.DefaultRoleID = role.ID
		return nil
	}
	role, err := q.Role(ctx, c.DefaultRoleID)
	if err != nil || role.AccountID != acct.ID {
		return errs.Field("default_role_id", "no such role in this account")
	}
	return nil
}

// DeleteSSO removes an account's own configuration; its users keep their
// accounts and sign in with a password (or a parent's configuration).
func (a *App) DeleteSSO(ctx context.Context, actor tenancy.Actor, accountID int64) error {
	if !actor.Admin {
		return errAdminOnly
	}
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, accountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		ok, err := q.DeleteSSOConfig(ctx, acct.ID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFoundf("this account has no sign-in configuration of its own")
		}
		return a.securityEvent(ctx, q, actor, acct, "account.sso_removed", map[string]any{})
	})
}
