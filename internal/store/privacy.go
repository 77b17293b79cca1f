package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Customer privacy: the account's video_private flag and its grants
// (migration 0012). The flag itself is also read by PathModuleLevels, which
// feeds the camera-rights decision.

const grantCols = `g.id, g.account_id, g.grantee_account_id, COALESCE(a.name, ''), g.created_by_email, g.revoked_by_email,
	g.note, g.created_at, g.expires_at, g.revoked_at`

const grantFrom = ` FROM privacy_grants g LEFT JOIN accounts a ON a.id = g.grantee_account_id`

func scanGrant(sc interface{ Scan(...any) error }) (tenancy.PrivacyGrant, error) {
	var g tenancy.PrivacyGrant
	var ca, exp int64
	var rev sql.NullInt64
	err := sc.Scan(&g.ID, &g.AccountID, &g.GranteeID, &g.GranteeName, &g.CreatedBy, &g.RevokedBy, &g.Note, &ca, &exp, &rev)
	g.CreatedAt, g.ExpiresAt, g.RevokedAt = fromMS(ca), fromMS(exp), nullMS(rev)
	return g, err
}

// VideoPrivate reads whether the account keeps its video private.
func (q Q) VideoPrivate(ctx context.Context, accountID int64) (bool, error) {
	var on bool
	err := q.row(ctx, `SELECT video_private FROM accounts WHERE id = ?`, accountID).Scan(&on)
	if err != nil {
		return false, notFound(err, "account", accountID)
	}
	return on, nil
}

// SetVideoPrivate switches the account's privacy.
func (q Q) SetVideoPrivate(ctx context.Context, accountID int64, on bool) error {
	_, err := q.exec(ctx, `UPDATE accounts SET video_private = ? WHERE id = ?`, on, accountID)
	return errs.Wrap(err, "set video privacy")
}

// InsertPrivacyGrant writes a grant; ID is set.
func (q Q) InsertPrivacyGrant(ctx context.Context, g *tenancy.PrivacyGrant) error {
	id, err := q.insert(ctx, `INSERT INTO privacy_grants (account_id, grantee_account_id, created_by, created_by_email, note, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, g.AccountID, g.GranteeID, nullable(g.CreatedByID), g.CreatedBy, g.Note, ms(g.CreatedAt), ms(g.ExpiresAt))
	if err != nil {
		return errs.Wrap(err, "insert privacy grant")
	}
	g.ID = id
	return nil
}

// PrivacyGrant loads one grant of account.
func (q Q) PrivacyGrant(ctx context.Context, accountID, id int64) (tenancy.PrivacyGrant, error) {
	g, err := scanGrant(q.row(ctx, `SELECT `+grantCols+grantFrom+` WHERE g.id = ? AND g.account_id = ?`, id, accountID))
	if err != nil {
		return g, notFound(err, "privacy grant", id)
	}
	return g, nil
}

// LivePrivacyGrants returns the grants of account to grantee that are not
// revoked and end after now: what the camera-rights decision needs.
func (q Q) LivePrivacyGrants(ctx context.Context, accountID, granteeID int64, now time.Time) ([]tenancy.PrivacyGrant, error) {
	return q.grants(ctx, ` WHERE g.account_id = ? AND g.grantee_account_id = ? AND g.revoked_at IS NULL AND g.expires_at > ?
		ORDER BY g.id`, accountID, granteeID, ms(now))
}

// PrivacyGrants lists the account's grants, newest first, at most limit.
func (q Q) PrivacyGrants(ctx context.Context, accountID int64, limit int) ([]tenancy.PrivacyGrant, error) {
	return q.grants(ctx, ` WHERE g.account_id = ? ORDER BY g.id DESC LIMIT ?`, accountID, limit)
}

func (q Q) grants(ctx context.Context, where string, args ...any) ([]tenancy.PrivacyGrant, error) {
	rows, err := q.query(ctx, `SELECT `+grantCols+grantFrom+where, args...)
	if err != nil {
		return nil, errs.Wrap(err, "list privacy grants")
	}
	defer rows.Close()
	out := []tenancy.PrivacyGrant{}
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan privacy grant")
		}
		out = append(out, g)
	}
	return out, errs.Wrap(rows.Err(), "list privacy grants")
}

// RevokePrivacyGrant ends a grant now; a grant already revoked keeps its
// first revocation.
func (q Q) RevokePrivacyGrant(ctx context.Context, accountID, id int64, at time.Time, by string) error {
	_, err := q.exec(ctx, `UPDATE privacy_grants SET revoked_at = ?, revoked_by_email = ?
		WHERE id = ? AND account_id = ? AND revoked_at IS NULL`, ms(at), by, id, accountID)
	return errs.Wrap(err, "revoke privacy grant")
}
