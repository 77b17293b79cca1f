package app

import (
	"context"
	"strconv"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// AuditQuery filters the audit log: which account (and its subtree), what
// action, who (part of the actor's e-mail), and when (To exclusive).
type AuditQuery struct {
	AccountID int64
	Action    string
	Actor     string
	From, To  time.Time
	Page      store.Page
}

// AuditSearch lists the audit log of the actor's subtree, newest first,
// with parents' actors hidden (audit_redact.go).
func (a *App) AuditSearch(ctx context.Context, actor tenancy.Actor, in AuditQuery) ([]store.AuditEntry, int, store.Page, error) {
	if !actor.Admin {
		return nil, 0, in.Page, errs.Forbiddenf("admin_only", "the audit log is for the account's administrators")
	}
	scope := actor.AccountPath
	r := a.Store.R()
	if in.AccountID != 0 {
		acct, err := a.loadVisible(ctx, r, actor, in.AccountID, tenancy.Read)
		if err != nil {
			return nil, 0, in.Page, err
		}
		scope = acct.Path
	}
	p := in.Page.Clamp()
	list, total, err := r.ListAudit(ctx, store.AuditFilter{Scope: scope, Action: in.Action, Actor: in.Actor, From: in.From, To: in.To, Page: p})
	for i := range list {
		redactAncestor(actor, &list[i])
	}
	return list, total, p, err
}

// auditRetentionKey holds how many days the audit log keeps entries (the
// settings table; absent or 0 keeps everything).
const auditRetentionKey = "audit_retention_days"

// Bounds of the retention setting: at least a month (investigations start
// late), at most ten years.
const (
	MinAuditRetentionDays = 30
	MaxAuditRetentionDays = 3650
)

// AuditRetention is the retention in days (0: keep everything).
func (a *App) AuditRetention(ctx context.Context) (int, error) {
	v, err := a.Store.R().Setting(ctx, auditRetentionKey)
	if err != nil || v == "" {
		return 0, err
	}
	n, _ := strconv.Atoi(v)
	return n, nil
}

// SetAuditRetention sets the retention; the operator's administrators only,
// since it applies to every account's log.
func (a *App) SetAuditRetention(ctx context.Context, actor tenancy.Actor, days int) error {
	if !actor.Admin || !actor.IsOperator() {
		return errs.Forbiddenf("operator_only", "only the operator's administrators set how long the audit log is kept")
	}
	if days != 0 && (days < MinAuditRetentionDays || days > MaxAuditRetentionDays) {
		return errs.Field("retention_days", "must be 0 (keep everything) or between "+strconv.Itoa(MinAuditRetentionDays)+" and "+strconv.Itoa(MaxAuditRetentionDays))
	}
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		if err := q.SetSetting(ctx, auditRetentionKey, strconv.Itoa(days)); err != nil {
			return err
		}
		return a.ownSecurityEvent(ctx, q, actor, "audit.retention_set", map[string]any{"retention_days": days})
	})
}

// SweepAudit deletes entries older than the retention (none when 0).
func (a *App) SweepAudit(ctx context.Context) (int64, error) {
	days, err := a.AuditRetention(ctx)
	if err != nil || days <= 0 {
		return 0, err
	}
	return a.Store.W().DeleteAuditBefore(ctx, a.Now().AddDate(0, 0, -days))
}
