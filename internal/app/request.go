package app

import (
	"context"
	"encoding/json"

	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

type ctxKey int

const (
	remoteKey ctxKey = iota
)

// WithRemote attaches the client address to ctx for the audit log.
func WithRemote(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey, addr)
}

func remoteOf(ctx context.Context) string {
	s, _ := ctx.Value(remoteKey).(string)
	return s
}

// audit appends one entry about target to the log within the transaction.
func (a *App) audit(ctx context.Context, q store.Q, actor tenancy.Actor, target tenancy.Account, action string, detail any) error {
	d := "{}"
	if detail != nil {
		b, err := json.Marshal(detail)
		if err == nil {
			d = string(b)
		}
	}
	return q.InsertAudit(ctx, store.AuditEntry{
		At: a.Now(), ActorUserID: actor.UserID, ActorEmail: actor.Email, ActorAccountID: actor.AccountID,
		AccountID: target.ID, AccountPath: target.Path, Action: action, Detail: d, RemoteAddr: remoteOf(ctx),
	})
}
