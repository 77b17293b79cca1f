package app

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Customer privacy (docs/SECURITY.md): a customer's own administrators
// withhold its video from the accounts above it and grant one of them
// access for a while; the camera-rights decision applies it
// (camera.DecideRight) and every parent's use is audited (parent_access.go).
// Parents keep configuring the cameras and billing, and may read the
// setting, but never change it.

// Privacy is a customer's privacy as one actor may see it.
type Privacy struct {
	AccountID int64
	Enabled   bool
	// Grants, newest first (at most maxGrantsShown): for the customer's
	// own administrators every grant; for a parent only those to its own
	// account or accounts below it, so that no grant names an account above
	// the reader (R10).
	Grants []tenancy.PrivacyGrant
}

const maxGrantsShown = 100

// Privacy reads account id's privacy (its administrators and those above).
func (a *App) Privacy(ctx context.Context, actor tenancy.Actor, id int64) (Privacy, error) {
	r := a.Store.R()
	acct, err := a.privacyAccount(ctx, r, actor, id, false)
	if err != nil {
		return Privacy{}, err
	}
	return a.privacyOf(ctx, r, actor, acct)
}

func (a *App) privacyOf(ctx context.Context, q store.Q, actor tenancy.Actor, acct tenancy.Account) (Privacy, error) {
	on, err := q.VideoPrivate(ctx, acct.ID)
	if err != nil {
		return Privacy{}, err
	}
	grants, err := q.PrivacyGrants(ctx, acct.ID, maxGrantsShown)
	if err != nil {
		return Privacy{}, err
	}
	if actor.AccountID != acct.ID {
		kept := grants[:0]
		for _, g := range grants {
			if path, ok := pathBelow(acct.Path, g.GranteeID); ok && tenancy.InSubtree(actor.AccountPath, path) {
				kept = append(kept, g)
			}
		}
		grants = kept
	}
	return Privacy{AccountID: acct.ID, Enabled: on, Grants: grants}, nil
}

// pathBelow returns the path of the ancestor id on path (as far as it).
func pathBelow(path string, id int64) (string, bool) {
	p := "/"
	for _, x := range tenancy.PathIDs(path) {
		p = tenancy.ChildPath(p, x)
		if x == id {
			return p, true
		}
	}
	return "", false
}

// privacyAccount loads a customer account for its privacy: readable by
// administrators of it and above; changed (change) only by its own.
func (a *App) privacyAccount(ctx context.Context, q store.Q, actor tenancy.Actor, id int64, change bool) (tenancy.Account, error) {
	acct, err := a.loadVisible(ctx, q, actor, id, tenancy.Read)
	if err != nil {
		return acct, err
	}
	if !actor.Admin {
		return acct, errs.Forbiddenf("admin_only", "only administrators manage privacy")
	}
	if acct.Type != tenancy.Customer {
		return acct, errs.Conflictf("not_a_customer", "privacy is a customer's setting; integrators have none")
	}
	if change && actor.AccountID != acct.ID {
		return acct, errs.Forbiddenf("privacy_own_account",
			"only the customer's own administrators change its privacy; the accounts above it cannot")
	}
	return acct, nil
}

// SetPrivacy switches customer id's privacy. Live sessions of parents end
// within the per-second re-check of LiveAccess.
func (a *App) SetPrivacy(ctx context.Context, actor tenancy.Actor, id int64, enabled bool) (Privacy, error) {
	var out Privacy
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.privacyAccount(ctx, q, actor, id, true)
		if err != nil {
			return err
		}
		if err := q.SetVideoPrivate(ctx, acct.ID, enabled); err != nil {
			return err
		}
		action := "privacy.disabled"
		if enabled {
			action = "privacy.enabled"
		}
		if err := a.securityEvent(ctx, q, actor, acct, action, map[string]any{"account_id": acct.ID}); err != nil {
			return err
		}
		out, err = a.privacyOf(ctx, q, actor, acct)
		return err
	})
	return out, err
}

// CreatePrivacyGrant lets an ancestor account (the parent by default) use
// customer id's video for in.Hours hours.
func (a *App) CreatePrivacyGrant(ctx context.Context, actor tenancy.Actor, id int64, in tenancy.NewPrivacyGrant) (tenancy.PrivacyGrant, error) {
	var g tenancy.PrivacyGrant
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.privacyAccount(ctx, q, actor, id, true)
		if err != nil {
			return err
		}
		if err := in.Check(acct.Path); err != nil {
			return err
		}
		grantee, err := q.Account(ctx, in.GranteeID)
		if err != nil {
			return err
		}
		now := a.Now().UTC().Truncate(time.Millisecond)
		g = tenancy.PrivacyGrant{AccountID: acct.ID, GranteeID: grantee.ID, GranteeName: grantee.Name,
			CreatedBy: actor.Email, CreatedByID: actor.UserID, Note: in.Note, CreatedAt: now,
			ExpiresAt: now.Add(time.Duration(in.Hours) * time.Hour)}
		if err := q.InsertPrivacyGrant(ctx, &g); err != nil {
			return err
		}
		return a.securityEvent(ctx, q, actor, acct, "privacy.grant_created", map[string]any{"grant_id": g.ID,
			"grantee": grantee.Name, "hours": in.Hours, "expires_at": g.ExpiresAt.Format(time.RFC3339)})
	})
	return g, err
}

// RevokePrivacyGrant ends a grant at once; parents' live sessions through
// it end within the per-second re-check. Revoking a grant that has already
// ended changes nothing.
func (a *App) RevokePrivacyGrant(ctx context.Context, actor tenancy.Actor, id, grantID int64) error {
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.privacyAccount(ctx, q, actor, id, true)
		if err != nil {
			return err
		}
		g, err := q.PrivacyGrant(ctx, acct.ID, grantID)
		if err != nil {
			return err
		}
		now := a.Now()
		if !g.ActiveAt(now) {
			return nil
		}
		if err := q.RevokePrivacyGrant(ctx, acct.ID, g.ID, now, actor.Email); err != nil {
			return err
		}
		return a.securityEvent(ctx, q, actor, acct, "privacy.grant_revoked", map[string]any{"grant_id": g.ID,
			"grantee": g.GranteeName})
	})
}
