package store

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
)

// SessionMeta is what a new session records about the client that opened
// it, for the "my sessions" list and the api_access rule.
type SessionMeta struct {
	Client    string // identity.ClientPortal for the portal's sign-in form; "" otherwise
	Address   string
	UserAgent string
}

// InsertSession stores the hash of a new sign-in session.
func (q Q) InsertSession(ctx context.Context, userID int64, hash string, expires time.Time, m SessionMeta) (int64, error) {
	now := ms(time.Now())
	id, err := q.insert(ctx, `INSERT INTO tokens (user_id, purpose, token_hash, name, created_at, expires_at, last_used_at, address, user_agent, client)
		VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?)`, userID, identity.PurposeSession, hash, now, ms(expires), now,
		clip(m.Address, 100), clip(m.UserAgent, 300), m.Client)
	return id, errs.Wrap(err, "insert session")
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// TouchToken records a use of a session or API token. Callers do it at most
// once a minute per token, so authentication costs no write per request.
func (q Q) TouchToken(ctx context.Context, id int64, at time.Time, address string) error {
	_, err := q.exec(ctx, `UPDATE tokens SET last_used_at = ?, address = CASE WHEN ? = '' THEN address ELSE ? END WHERE id = ?`,
		ms(at), address, clip(address, 100), id)
	return errs.Wrap(err, "touch token")
}

// SessionRow is one session or API token as the user sees it.
type SessionRow struct {
	ID         int64
	Kind       string // identity.PurposeSession or identity.PurposeAPI
	Name       string
	Client     string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
	Address    string
	UserAgent  string
}

// ListSessions lists a user's sessions and API tokens of one kind, newest first.
func (q Q) ListSessions(ctx context.Context, userID int64, kind string) ([]SessionRow, error) {
	rows, err := q.query(ctx, `SELECT id, purpose, name, client, created_at, last_used_at, expires_at, address, user_agent
		FROM tokens WHERE user_id = ? AND purpose = ? ORDER BY id DESC`, userID, kind)
	if err != nil {
		return nil, errs.Wrap(err, "list sessions")
	}
	defer rows.Close()
	out := []SessionRow{}
	for rows.Next() {
		var s SessionRow
		var c, l, e int64
		if err := rows.Scan(&s.ID, &s.Kind, &s.Name, &s.Client, &c, &l, &e, &s.Address, &s.UserAgent); err != nil {
			return nil, err
		}
		s.CreatedAt, s.LastUsedAt, s.ExpiresAt = fromMS(c), fromMS(l), fromMS(e)
		if l == 0 {
			s.LastUsedAt = s.CreatedAt
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSession ends one of a user's sessions; false if it was not theirs.
func (q Q) DeleteSession(ctx context.Context, userID, id int64) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM tokens WHERE id = ? AND user_id = ? AND purpose = ?`, id, userID, identity.PurposeSession)
	if err != nil {
		return false, errs.Wrap(err, "delete session")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RevokeCredentials ends every session and API token of a user except the
// token keep (0 keeps none), and reports how many ended.
func (q Q) RevokeCredentials(ctx context.Context, userID, keep int64) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM tokens WHERE user_id = ? AND purpose IN (?, ?) AND id <> ?`,
		userID, identity.PurposeSession, identity.PurposeAPI, keep)
	if err != nil {
		return 0, errs.Wrap(err, "revoke credentials")
	}
	return res.RowsAffected()
}
