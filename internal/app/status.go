package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// DisableAccount switches an account off (parents only, R6). Only the
// account's own row changes: every user and camera below it is stopped by
// the path fold that Authenticate and DesiredRecordings compute, so open
// sessions and API tokens are refused on their very next request, and
// enabling restores exactly what was on before — a user or camera switched
// off on its own stays off, because nothing below was rewritten.
func (a *App) DisableAccount(ctx context.Context, actor tenancy.Actor, id int64) (tenancy.Account, error) {
	return a.setAccountStatus(ctx, actor, id, tenancy.Disabled)
}

// EnableAccount switches an account back on (parents only).
func (a *App) EnableAccount(ctx context.Context, actor tenancy.Actor, id int64) (tenancy.Account, error) {
	return a.setAccountStatus(ctx, actor, id, tenancy.Active)
}

func (a *App) setAccountStatus(ctx context.Context, actor tenancy.Actor, id int64, s tenancy.Status) (tenancy.Account, error) {
	var acct tenancy.Account
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		var err error
		if acct, err = a.loadVisible(ctx, q, actor, id, tenancy.Manage); err != nil {
			return err
		}
		if acct.Status == s {
			return nil // already so: nothing to record
		}
		if err := q.SetAccountStatus(ctx, acct.ID, s); err != nil {
			return err
		}
		acct.Status = s
		kind, action := events.AccountDisabled, "account.disabled"
		if s == tenancy.Active {
			kind, action = events.AccountEnabled, "account.enabled"
		}
		out.publish(events.Event{Kind: kind, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, action, map[string]any{"name": acct.Name})
	})
	return acct, err
}

// DisableUser switches one user off: refused at once on every request and
// at sign-in. Admins of the account (or above) may do it, but nobody may
// disable themselves, and an account's owner can only be disabled from a
// parent account.
func (a *App) DisableUser(ctx context.Context, actor tenancy.Actor, accountID, userID int64) (identity.User, error) {
	return a.setUserStatus(ctx, actor, accountID, userID, identity.UserDisabled)
}

// EnableUser switches one user back on.
func (a *App) EnableUser(ctx context.Context, actor tenancy.Actor, accountID, userID int64) (identity.User, error) {
	return a.setUserStatus(ctx, actor, accountID, userID, identity.UserActive)
}

func (a *App) setUserStatus(ctx context.Context, actor tenancy.Actor, accountID, userID int64, s identity.UserStatus) (identity.User, error) {
	var u identity.User
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, accountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		u, err = q.User(ctx, userID)
		if err != nil || u.AccountID != acct.ID {
			if err == nil || errs.KindOf(err) == errs.NotFound {
				return errs.NotFoundf("user %d not found", userID)
			}
			return err
		}
		if u.ID == actor.UserID {
			return errs.Forbiddenf("forbidden", "you cannot disable or enable yourself")
		}
		if u.Owner && acct.ID == actor.AccountID {
			return errs.Forbiddenf("forbidden", "the owner of an account can only be disabled or enabled from its parent account")
		}
		if u.Status == s {
			return nil
		}
		u.Status = s
		if err := q.UpdateUser(ctx, &u); err != nil {
			return err
		}
		action := "user.disabled"
		if s == identity.UserActive {
			action = "user.enabled"
		}
		out.publish(events.Event{Kind: events.UserChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, action, map[string]any{"user_id": u.ID, "email": u.Email})
	})
	return u, err
}
