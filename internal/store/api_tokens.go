package store

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
)

// APIToken is a long-lived token a user made for scripts; the secret itself
// was shown once at creation and only its hash is kept.
type APIToken struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ListAPITokens lists a user's API tokens, newest first.
func (q Q) ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := q.query(ctx, `SELECT id, name, created_at, expires_at FROM tokens WHERE user_id = ? AND purpose = ? ORDER BY id DESC`,
		userID, identity.PurposeAPI)
	if err != nil {
		return nil, errs.Wrap(err, "list api tokens")
	}
	defer rows.Close()
	out := []APIToken{}
	for rows.Next() {
		var t APIToken
		var c, e int64
		if err := rows.Scan(&t.ID, &t.Name, &c, &e); err != nil {
			return nil, err
		}
		t.CreatedAt, t.ExpiresAt = fromMS(c), fromMS(e)
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteAPIToken revokes one of a user's API tokens; false if it was not theirs.
func (q Q) DeleteAPIToken(ctx context.Context, userID, id int64) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM tokens WHERE id = ? AND user_id = ? AND purpose = ?`, id, userID, identity.PurposeAPI)
	if err != nil {
		return false, errs.Wrap(err, "delete api token")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
