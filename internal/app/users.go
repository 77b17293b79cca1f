package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// ListUsers lists the users of an account the actor may see.
func (a *App) ListUsers(ctx context.Context, actor tenancy.Actor, accountID int64, q string, page store.Page) ([]identity.User, int, store.Page, error) {
	r := a.Store.R()
	if _, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read); err != nil {
		return nil, 0, page, err
	}
	p := page.Clamp()
	list, total, err := r.ListUsers(ctx, store.UserFilter{AccountID: accountID, Q: q, Page: p})
	return list, total, p, err
}

// CreateUser adds a user to an account. With SendConfirmation the user gets
// the welcome mail and must confirm; without it the creator vouches for the
// address and must give a password.
func (a *App) CreateUser(ctx context.Context, actor tenancy.Actor, in identity.NewUser) (identity.User, error) {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return identity.User{}, err
	}
	f := errs.Fields{}
	if err := in.Validate(); err != nil {
		e, _ := errs.As(err)
		for k, v := range e.Fields {
			f.Add(k, v)
		}
	}
	if !in.SendConfirmation && in.Password == "" {
		f.Add("password", "is required unless a confirmation e-mail is sent")
	}
	if err := f.Err(); err != nil {
		return identity.User{}, err
	}
	var hash string
	if in.Password != "" {
		var err error
		if hash, err = identity.HashPassword(in.Password); err != nil {
			return identity.User{}, errs.Wrap(err, "hash password")
		}
	}
	var u identity.User
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, in.AccountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if in.RoleID != 0 {
			role, err := q.Role(ctx, in.RoleID)
			if err != nil || role.AccountID != acct.ID {
				return errs.Field("role_id", "no such role in this account")
			}
		} else if !in.Owner {
			role, err := q.RoleByName(ctx, acct.ID, "Administrator")
			if err == nil {
				in.RoleID = role.ID
			}
		}
		u = identity.User{AccountID: acct.ID, Email: in.Email, Name: in.Name, RoleID: in.RoleID, Owner: in.Owner,
			Status: identity.UserActive, PasswordHash: hash, MustChangePassword: in.MustChangePassword}
		if !in.SendConfirmation {
			now := a.Now().UTC()
			u.EmailConfirmedAt = &now
		}
		if err := q.InsertUser(ctx, &u); err != nil {
			return err
		}
		if in.SendConfirmation {
			if err := a.sendWelcome(ctx, q, out, u, acct, acct.Name); err != nil {
				return err
			}
		}
		out.publish(events.Event{Kind: events.UserChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "user.created", map[string]any{"user_id": u.ID, "email": u.Email, "role_id": u.RoleID})
	})
	return u, err
}

// ListRoles lists the roles of an account the actor may see.
func (a *App) ListRoles(ctx context.Context, actor tenancy.Actor, accountID int64) ([]identity.Role, error) {
	r := a.Store.R()
	if _, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read); err != nil {
		return nil, err
	}
	return r.ListRoles(ctx, accountID)
}

// CreateRole adds a role to an account.
func (a *App) CreateRole(ctx context.Context, actor tenancy.Actor, role identity.Role) (identity.Role, error) {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return identity.Role{}, err
	}
	if err := role.Validate(); err != nil {
		return role, err
	}
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, role.AccountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		role.BuiltIn = false
		if err := checkRoleCameras(ctx, q, acct, &role); err != nil {
			return err
		}
		if err := q.InsertRole(ctx, &role); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, acct, "role.created", map[string]any{"role_id": role.ID, "name": role.Name})
	})
	return role, err
}

// Me returns the actor's own user and account.
func (a *App) Me(ctx context.Context, actor tenancy.Actor) (identity.User, tenancy.Account, error) {
	// Through the authentication cache (authcache.go): a change of the user
	// or account by this process is seen at once.
	me, err := a.authCache.me.load(a, actor.UserID, func() (meEntry, error) {
		r := a.Store.R()
		u, err := r.User(ctx, actor.UserID)
		if err != nil {
			return meEntry{}, err
		}
		acct, err := r.Account(ctx, actor.AccountID)
		return meEntry{user: u, acct: acct}, err
	}, noError)
	return me.user, me.acct, err
}

// requireUsersRoles applies the users_roles module to every change of users
// and roles. It is checked on the actor's own account: a parent that
// switched it off for a child can still manage that child's users for it,
// while nobody inside the child's subtree can (R5).
func (a *App) requireUsersRoles(ctx context.Context, actor tenancy.Actor) error {
	return a.RequireModule(ctx, actor, tenancy.ModUsersRoles)
}
