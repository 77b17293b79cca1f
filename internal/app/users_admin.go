package app

import (
	"context"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Managing one user or role of an account (R9): the admin portal's user
// page (Info and Security tabs) and role page. Authorization is the
// account's (loadVisible): admins of the account or of an account above it.
// Two further rules protect owners: only the owner, or someone above the
// account, may act on an account's owner; and nobody acts on themselves
// here (their own password is changed with ChangePassword).

// loadUser loads a user of an account the actor may act on; users of
// accounts outside the actor's subtree do not exist (NotFound).
func (a *App) loadUser(ctx context.Context, q store.Q, actor tenancy.Actor, userID int64, action tenancy.Action) (identity.User, tenancy.Account, error) {
	u, err := q.User(ctx, userID)
	if err != nil {
		return u, tenancy.Account{}, err
	}
	acct, err := a.loadVisible(ctx, q, actor, u.AccountID, action)
	if errs.KindOf(err) == errs.NotFound {
		return identity.User{}, acct, errs.NotFoundf("user %d not found", userID)
	}
	if err != nil {
		return u, acct, err
	}
	if action != tenancy.Read && u.Owner && acct.ID == actor.AccountID && !actor.Owner && u.ID != actor.UserID {
		return u, acct, errs.Forbiddenf("forbidden", "only the owner, or an account above, can change the owner of %s", acct.Name)
	}
	return u, acct, nil
}

func notSelf(actor tenancy.Actor, u identity.User, what string) error {
	if u.ID == actor.UserID {
		return errs.Forbiddenf("forbidden", "you cannot %s yourself", what)
	}
	return nil
}

// User returns one user the actor may see, with its account.
func (a *App) User(ctx context.Context, actor tenancy.Actor, userID int64) (identity.User, tenancy.Account, error) {
	return a.loadUser(ctx, a.Store.R(), actor, userID, tenancy.Read)
}

// UserPatch changes a user's name and role; nil means unchanged.
type UserPatch struct {
	Name   *string
	RoleID *int64
}

// UpdateUser edits a user's name and role. An owner has every right and
// no role, so a role given to an owner is refused.
func (a *App) UpdateUser(ctx context.Context, actor tenancy.Actor, userID int64, p UserPatch) (identity.User, error) {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return identity.User{}, err
	}
	f := errs.Fields{}
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		tenancy.CheckName(f, "name", *p.Name, tenancy.MaxName, false)
	}
	if err := f.Err(); err != nil {
		return identity.User{}, err
	}
	var u identity.User
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		var acct tenancy.Account
		var err error
		if u, acct, err = a.loadUser(ctx, q, actor, userID, tenancy.EditProfile); err != nil {
			return err
		}
		before := u
		if p.Name != nil {
			u.Name = *p.Name
		}
		if p.RoleID != nil && *p.RoleID != u.RoleID {
			if u.Owner {
				return errs.Field("role_id", "the owner has every right; set another user as owner first")
			}
			if u.ID == actor.UserID {
				return errs.Field("role_id", "you cannot change your own role")
			}
			role, err := q.Role(ctx, *p.RoleID)
			if err != nil || role.AccountID != acct.ID {
				return errs.Field("role_id", "no such role in this account")
			}
			u.RoleID = role.ID
		}
		if err := q.UpdateUser(ctx, &u); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.UserChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "user.updated", map[string]any{"user_id": u.ID,
			"name": [2]string{before.Name, u.Name}, "role_id": [2]int64{before.RoleID, u.RoleID}})
	})
	return u, err
}

// SetOwner makes a user the owner of its account. The previous owner stays
// as an Administrator. Only the owner, or an admin above the account, may
// hand ownership over; the new owner must have confirmed the e-mail and be
// active, so that an account never ends up owned by nobody usable.
func (a *App) SetOwner(ctx context.Context, actor tenancy.Actor, userID int64) (identity.User, error) {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return identity.User{}, err
	}
	var u identity.User
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		var acct tenancy.Account
		var err error
		if u, acct, err = a.loadUser(ctx, q, actor, userID, tenancy.EditProfile); err != nil {
			return err
		}
		if acct.ID == actor.AccountID && !actor.Owner {
			return errs.Forbiddenf("forbidden", "only the owner, or an account above, can hand over the ownership of %s", acct.Name)
		}
		if u.Owner {
			return nil
		}
		if !u.Confirmed() || u.Status != identity.UserActive {
			return errs.Conflictf("owner_not_ready", "%s must be active with a confirmed e-mail to become the owner", u.Email)
		}
		admin, err := q.RoleByName(ctx, acct.ID, "Administrator")
		if err != nil && errs.KindOf(err) != errs.NotFound {
			return err
		}
		prev, err := q.AccountOwner(ctx, acct.ID)
		if err == nil {
			prev.Owner, prev.RoleID = false, admin.ID
			if err := q.UpdateUser(ctx, &prev); err != nil {
				return err
			}
		} else if errs.KindOf(err) != errs.NotFound {
			return err
		}
		u.Owner, u.RoleID = true, 0
		if err := q.UpdateUser(ctx, &u); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.UserChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "user.owner_set", map[string]any{"user_id": u.ID, "email": u.Email, "previous_owner_id": prev.ID})
	})
	return u, err
}

// DeleteUser removes a user. The owner cannot be deleted (hand ownership
// over first), nor can one delete oneself.
func (a *App) DeleteUser(ctx context.Context, actor tenancy.Actor, userID int64) error {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return err
	}
	return a.tx(ctx, func(q store.Q, out *outbox) error {
		u, acct, err := a.loadUser(ctx, q, actor, userID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if err := notSelf(actor, u, "delete"); err != nil {
			return err
		}
		if u.Owner {
			return errs.Conflictf("owner", "%s is the owner of %s: set another user as owner first", u.Email, acct.Name)
		}
		if err := q.DeleteUser(ctx, u.ID); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.UserChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "user.deleted", map[string]any{"user_id": u.ID, "email": u.Email})
	})
}

// AdminSetPassword sets another user's password without any e-mail. The
// administrator vouches for the user, so the address counts as confirmed;
// the user's sessions end, and with mustChange the user picks a new
// password at the next sign-in.
func (a *App) AdminSetPassword(ctx context.Context, actor tenancy.Actor, userID int64, password string, mustChange bool) error {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return err
	}
	f := errs.Fields{}
	identity.CheckPassword(f, "password", password)
	if err := f.Err(); err != nil {
		return err
	}
	hash, err := identity.HashPassword(password)
	if err != nil {
		return errs.Wrap(err, "hash password")
	}
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		u, acct, err := a.loadUser(ctx, q, actor, userID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if err := notSelf(actor, u, "set the password of (use Change password for your own)"); err != nil {
			return err
		}
		u.PasswordHash, u.MustChangePassword = hash, mustChange
		if u.EmailConfirmedAt == nil {
			now := a.Now().UTC()
			u.EmailConfirmedAt = &now
		}
		if err := q.UpdateUser(ctx, &u); err != nil {
			return err
		}
		n, err := q.RevokeCredentials(ctx, u.ID, 0)
		if err != nil {
			return err
		}
		return a.securityEvent(ctx, q, actor, acct, "user.password_set", map[string]any{"user_id": u.ID, "must_change": mustChange, "sessions_revoked": n})
	})
}

// SendReset mails a user a password-reset link on an administrator's
// request (the user chooses the new password).
func (a *App) SendReset(ctx context.Context, actor tenancy.Actor, userID int64) error {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return err
	}
	return a.tx(ctx, func(q store.Q, out *outbox) error {
		u, acct, err := a.loadUser(ctx, q, actor, userID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if err := a.sendReset(ctx, q, out, u); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, acct, "user.reset_sent", map[string]any{"user_id": u.ID, "email": u.Email})
	})
}

// ResendWelcome sends a new confirmation link to a user who has not
// confirmed yet.
func (a *App) ResendWelcome(ctx context.Context, actor tenancy.Actor, userID int64) error {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return err
	}
	return a.tx(ctx, func(q store.Q, out *outbox) error {
		u, acct, err := a.loadUser(ctx, q, actor, userID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if u.Confirmed() {
			return errs.Conflictf("already_confirmed", "%s has already confirmed the e-mail address", u.Email)
		}
		if err := a.sendWelcome(ctx, q, out, u, acct, acct.Name); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, acct, "user.welcome_sent", map[string]any{"user_id": u.ID, "email": u.Email})
	})
}

// Role returns one role the actor may see.
func (a *App) Role(ctx context.Context, actor tenancy.Actor, roleID int64) (identity.Role, tenancy.Account, error) {
	return a.loadRole(ctx, a.Store.R(), actor, roleID, tenancy.Read)
}

func (a *App) loadRole(ctx context.Context, q store.Q, actor tenancy.Actor, roleID int64, action tenancy.Action) (identity.Role, tenancy.Account, error) {
	r, err := q.Role(ctx, roleID)
	if err != nil {
		return r, tenancy.Account{}, err
	}
	acct, err := a.loadVisible(ctx, q, actor, r.AccountID, action)
	if errs.KindOf(err) == errs.NotFound {
		return identity.Role{}, acct, errs.NotFoundf("role %d not found", roleID)
	}
	return r, acct, err
}

// UpdateRole changes a role's name, description, portal and rights.
func (a *App) UpdateRole(ctx context.Context, actor tenancy.Actor, role identity.Role) (identity.Role, error) {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return identity.Role{}, err
	}
	if err := role.Validate(); err != nil {
		return role, err
	}
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		cur, acct, err := a.loadRole(ctx, q, actor, role.ID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		role.AccountID, role.BuiltIn = cur.AccountID, cur.BuiltIn
		if err := checkRoleCameras(ctx, q, acct, &role); err != nil {
			return err
		}
		if err := q.UpdateRole(ctx, &role); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.UserChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "role.updated", map[string]any{"role_id": role.ID, "name": role.Name,
			"portal": role.Portal, "rights": role.Rights})
	})
	return role, err
}

// DeleteRole removes a custom role; its users keep no role (and so no
// rights) until given another. Built-in roles stay.
func (a *App) DeleteRole(ctx context.Context, actor tenancy.Actor, roleID int64) error {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return err
	}
	return a.tx(ctx, func(q store.Q, out *outbox) error {
		r, acct, err := a.loadRole(ctx, q, actor, roleID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if r.BuiltIn {
			return errs.Conflictf("built_in", "the built-in role %s cannot be deleted", r.Name)
		}
		if err := q.DeleteRole(ctx, r.ID); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.UserChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "role.deleted", map[string]any{"role_id": r.ID, "name": r.Name})
	})
}
