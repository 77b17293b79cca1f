package app

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Session lifetimes when the deployment does not set them
// (VIGILO_SESSION_IDLE, VIGILO_SESSION_MAX): a session unused for 12 hours
// ends, and none lives longer than 7 days, however busy.
const (
	DefaultSessionIdle = 12 * time.Hour
	DefaultSessionMax  = 7 * 24 * time.Hour
)

// touchEvery is how stale a session's last use may be before a request
// records it: at most one write per session and minute, never one per request.
const touchEvery = time.Minute

func (a *App) sessionIdle() time.Duration {
	if a.Config.SessionIdle > 0 {
		return a.Config.SessionIdle
	}
	return DefaultSessionIdle
}

func (a *App) sessionMax() time.Duration {
	if a.Config.SessionMax > 0 {
		return a.Config.SessionMax
	}
	return DefaultSessionMax
}

type clientInfoKey struct{}

// ClientInfo is what the HTTP layer tells the app about the client of a
// request: whether it is the portal (its own sign-in form) and its user agent.
type ClientInfo struct {
	Portal    bool
	UserAgent string
	// Host is the request's Host header: a verified custom domain limits
	// sign-in to its account's subtree (branding).
	Host string
}

// WithClient attaches the client's description to ctx.
func WithClient(ctx context.Context, c ClientInfo) context.Context {
	return context.WithValue(ctx, clientInfoKey{}, c)
}

func clientOf(ctx context.Context) ClientInfo {
	c, _ := ctx.Value(clientInfoKey{}).(ClientInfo)
	return c
}

// insertSession stores a new sign-in session with what the user will see of
// it in the sessions list.
func (a *App) insertSession(ctx context.Context, q store.Q, userID int64, hash string, expires time.Time) error {
	c := clientOf(ctx)
	m := store.SessionMeta{Address: remoteOf(ctx), UserAgent: c.UserAgent}
	if c.Portal {
		m.Client = identity.ClientPortal
	}
	_, err := q.InsertSession(ctx, userID, hash, expires, m)
	return err
}

// sessionAlive applies the idle and absolute timeouts to a sign-in session
// (API tokens have only their own expiry).
func (a *App) sessionAlive(p store.Principal) error {
	if p.Kind != identity.PurposeSession {
		return nil
	}
	now := a.Now()
	if now.Sub(p.LastUsedAt) > a.sessionIdle() {
		return errs.Unauthorizedf("unauthenticated", "the session ended after a period without use; sign in again")
	}
	if now.Sub(p.CreatedAt) > a.sessionMax() {
		return errs.Unauthorizedf("unauthenticated", "the session has expired; sign in again")
	}
	return nil
}

// touch records the use of a session or token when the last record is
// older than touchEvery. A failure only delays the record; the request goes on.
func (a *App) touch(ctx context.Context, p store.Principal) {
	now := a.Now()
	if now.Sub(p.LastUsedAt) < touchEvery {
		return
	}
	if err := a.Store.W().TouchToken(ctx, p.SessionID, now, remoteOf(ctx)); err != nil {
		a.Log.Warn("recording session use", "session_id", p.SessionID, "err", err)
	}
}

// SessionInfo is one of my sessions or API tokens.
type SessionInfo struct {
	store.SessionRow
	Current bool
}

// MySessions lists the actor's sign-in sessions (kind identity.PurposeSession)
// or API tokens (identity.PurposeAPI), marking the one of this request.
func (a *App) MySessions(ctx context.Context, actor tenancy.Actor, kind string) ([]SessionInfo, error) {
	rows, err := a.Store.R().ListSessions(ctx, actor.UserID, kind)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	out := make([]SessionInfo, 0, len(rows))
	for _, r := range rows {
		// Sessions past a timeout are dead even before the sweeper deletes them.
		if now.After(r.ExpiresAt) || (kind == identity.PurposeSession &&
			(now.Sub(r.LastUsedAt) > a.sessionIdle() || now.Sub(r.CreatedAt) > a.sessionMax())) {
			continue
		}
		out = append(out, SessionInfo{SessionRow: r, Current: r.ID == actor.SessionID})
	}
	return out, nil
}

// RevokeMySession ends one of the actor's sessions (its id from MySessions).
func (a *App) RevokeMySession(ctx context.Context, actor tenancy.Actor, id int64) error {
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		ok, err := q.DeleteSession(ctx, actor.UserID, id)
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFoundf("session %d not found", id)
		}
		return a.ownSecurityEvent(ctx, q, actor, "user.sessions_revoked", map[string]any{"user_id": actor.UserID, "session_id": id, "count": 1})
	})
}

// RevokeOtherSessions ends every session and API token of the actor except
// the one of this request.
func (a *App) RevokeOtherSessions(ctx context.Context, actor tenancy.Actor) (int64, error) {
	var n int64
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		var err error
		if n, err = q.RevokeCredentials(ctx, actor.UserID, actor.SessionID); err != nil {
			return err
		}
		return a.ownSecurityEvent(ctx, q, actor, "user.sessions_revoked", map[string]any{"user_id": actor.UserID, "others": true, "count": n})
	})
	return n, err
}

// AdminRevokeSessions ends every session and API token of another user of
// the actor's subtree (a lost phone, a leaver).
func (a *App) AdminRevokeSessions(ctx context.Context, actor tenancy.Actor, accountID, userID int64) (int64, error) {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return 0, err
	}
	var n int64
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		u, acct, err := a.loadUser(ctx, q, actor, userID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if u.AccountID != accountID {
			return errs.NotFoundf("user %d not found", userID)
		}
		if n, err = q.RevokeCredentials(ctx, u.ID, 0); err != nil {
			return err
		}
		return a.securityEvent(ctx, q, actor, acct, "user.sessions_revoked", map[string]any{"user_id": u.ID, "count": n})
	})
	return n, err
}

// ownSecurityEvent is securityEvent about the actor's own account.
func (a *App) ownSecurityEvent(ctx context.Context, q store.Q, actor tenancy.Actor, action string, detail map[string]any) error {
	acct, err := q.Account(ctx, actor.AccountID)
	if err != nil {
		return err
	}
	return a.securityEvent(ctx, q, actor, acct, action, detail)
}

// securityEvent writes an audit entry about an account-security change and
// says it in the info log too, where operators' log pipelines watch for it.
func (a *App) securityEvent(ctx context.Context, q store.Q, actor tenancy.Actor, acct tenancy.Account, action string, detail map[string]any) error {
	if err := a.audit(ctx, q, actor, acct, action, detail); err != nil {
		return err
	}
	args := []any{"action", action, "actor_user_id", actor.UserID, "account_id", acct.ID, "remote", remoteOf(ctx)}
	for k, v := range detail {
		args = append(args, k, v)
	}
	a.Log.Info("security event", args...)
	return nil
}
