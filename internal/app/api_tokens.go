package app

import (
	"context"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// MaxAPITokenDays bounds API token lifetimes: a forgotten token should not
// stay valid forever.
const MaxAPITokenDays = 365

// CreateAPIToken makes a Bearer token for scripts and integrations. The
// plain token is returned once; only its hash is stored. It works only while
// the account keeps the api_access module (see CheckAPIAccess).
func (a *App) CreateAPIToken(ctx context.Context, actor tenancy.Actor, name string, days int) (string, store.APIToken, error) {
	f := errs.Fields{}
	name = strings.TrimSpace(name)
	tenancy.CheckName(f, "name", name, 100, true)
	if days == 0 {
		days = 90
	}
	if days < 1 || days > MaxAPITokenDays {
		f.Add("expires_in_days", "must be between 1 and 365")
	}
	if err := f.Err(); err != nil {
		return "", store.APIToken{}, err
	}
	// Guards and Viewers watch video in the portal; a long-lived token
	// would outlive any role change made for them.
	if !actor.Admin {
		return "", store.APIToken{}, errs.Forbiddenf("admin_only", "only the account's administrators may create API tokens")
	}
	if err := a.RequireModule(ctx, actor, "api_access"); err != nil {
		return "", store.APIToken{}, err
	}
	plain, hash := identity.NewToken()
	t := store.APIToken{Name: name, CreatedAt: a.Now().UTC(), ExpiresAt: a.Now().Add(time.Duration(days) * 24 * time.Hour).UTC()}
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		id, err := q.InsertToken(ctx, actor.UserID, identity.PurposeAPI, hash, name, t.ExpiresAt)
		if err != nil {
			return err
		}
		t.ID = id
		acct, err := q.Account(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		return a.audit(ctx, q, actor, acct, "api_token.created", map[string]any{"token_id": id, "name": name, "expires_at": t.ExpiresAt})
	})
	return plain, t, err
}

// APITokens lists the actor's own API tokens.
func (a *App) APITokens(ctx context.Context, actor tenancy.Actor) ([]store.APIToken, error) {
	return a.Store.R().ListAPITokens(ctx, actor.UserID)
}

// RevokeAPIToken deletes one of the actor's API tokens.
func (a *App) RevokeAPIToken(ctx context.Context, actor tenancy.Actor, id int64) error {
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		ok, err := q.DeleteAPIToken(ctx, actor.UserID, id)
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFoundf("token %d not found", id)
		}
		acct, err := q.Account(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		return a.audit(ctx, q, actor, acct, "api_token.revoked", map[string]any{"token_id": id})
	})
}
