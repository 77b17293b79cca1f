package store

import (
	"context"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// AuditEntry is one recorded change: who, on which account, what, when, from where.
type AuditEntry struct {
	ID             int64
	At             time.Time
	ActorUserID    int64
	ActorEmail     string
	ActorAccountID int64
	AccountID      int64
	AccountPath    string
	Action         string
	Detail         string // JSON
	RemoteAddr     string
	// ActorAccountPath is read, not written: the path of the actor's account
	// ("" when it is gone), so that readers below it can be shown less.
	ActorAccountPath string
}

// InsertAudit appends to the audit log, inside the transaction of the change.
func (q Q) InsertAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if e.Detail == "" {
		e.Detail = "{}"
	}
	_, err := q.exec(ctx, `INSERT INTO audit_log (at, actor_user_id, actor_email, actor_account_id, account_id, account_path, action, detail, remote_addr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ms(e.At), e.ActorUserID, e.ActorEmail, e.ActorAccountID, e.AccountID, e.AccountPath, e.Action, e.Detail, e.RemoteAddr)
	return errs.Wrap(err, "write audit log")
}

// AuditFilter selects entries within a subtree, newest first.
type AuditFilter struct {
	Scope  string // only entries about accounts in this subtree
	Action string
	Page   Page
	// Actor matches the actor's e-mail (a substring, case-insensitive);
	// From and To bound the time (To exclusive). Zero values do not filter.
	Actor    string
	From, To time.Time
}

// ListAudit returns a page of audit entries.
func (q Q) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, int, error) {
	lo, hi := tenancy.SubtreeRange(f.Scope)
	cond := "l.account_path >= ? AND l.account_path < ?"
	args := []any{lo, hi}
	if f.Action != "" {
		cond += " AND l.action = ?"
		args = append(args, f.Action)
	}
	if f.Actor != "" {
		cond += " AND lower(l.actor_email) LIKE ? ESCAPE '\\'"
		args = append(args, "%"+likeEscape(strings.ToLower(f.Actor))+"%")
	}
	if !f.From.IsZero() {
		cond += " AND l.at >= ?"
		args = append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		cond += " AND l.at < ?"
		args = append(args, ms(f.To))
	}
	total, err := q.count(ctx, `SELECT count(*) FROM audit_log l WHERE `+cond, args...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count audit")
	}
	p := f.Page.Clamp()
	rows, err := q.query(ctx, `SELECT l.id, l.at, COALESCE(l.actor_user_id,0), l.actor_email, COALESCE(l.actor_account_id,0), COALESCE(l.account_id,0),
		l.account_path, l.action, l.detail, l.remote_addr, COALESCE(x.path, '') FROM audit_log l LEFT JOIN accounts x ON x.id = l.actor_account_id
		WHERE `+cond+` ORDER BY l.id DESC LIMIT ? OFFSET ?`,
		append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list audit")
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorUserID, &e.ActorEmail, &e.ActorAccountID, &e.AccountID, &e.AccountPath, &e.Action, &e.Detail, &e.RemoteAddr, &e.ActorAccountPath); err != nil {
			return nil, 0, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// DeleteAuditBefore removes entries older than t (the retention setting).
func (q Q) DeleteAuditBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM audit_log WHERE at < ?`, ms(t))
	if err != nil {
		return 0, errs.Wrap(err, "sweep audit log")
	}
	return res.RowsAffected()
}
