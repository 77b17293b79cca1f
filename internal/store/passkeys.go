package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

// Passkey is one WebAuthn credential of a user. Credential is the relying
// party's own encoding (JSON), opaque here.
type Passkey struct {
	ID           int64
	UserID       int64
	CredentialID string // base64url
	Credential   string
	Name         string
	CreatedAt    time.Time
	LastUsedAt   *time.Time
}

const passkeyCols = `id, user_id, credential_id, credential, name, created_at, last_used_at`

func scanPasskey(sc interface{ Scan(...any) error }) (Passkey, error) {
	var p Passkey
	var created int64
	var used sql.NullInt64
	if err := sc.Scan(&p.ID, &p.UserID, &p.CredentialID, &p.Credential, &p.Name, &created, &used); err != nil {
		return p, err
	}
	p.CreatedAt, p.LastUsedAt = fromMS(created), nullMS(used)
	return p, nil
}

// InsertPasskey stores a new credential; the same authenticator twice is a
// conflict.
func (q Q) InsertPasskey(ctx context.Context, p *Passkey) error {
	p.CreatedAt = time.Now().UTC()
	id, err := q.insert(ctx, `INSERT INTO passkeys (user_id, credential_id, credential, name, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.UserID, p.CredentialID, p.Credential, p.Name, ms(p.CreatedAt))
	if q.d.isUnique(err) {
		return errs.Conflictf("passkey_exists", "this passkey is already registered")
	}
	p.ID = id
	return errs.Wrap(err, "insert passkey")
}

// UserPasskeys lists a user's passkeys, oldest first.
func (q Q) UserPasskeys(ctx context.Context, userID int64) ([]Passkey, error) {
	rows, err := q.query(ctx, `SELECT `+passkeyCols+` FROM passkeys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, errs.Wrap(err, "list passkeys")
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// UsePasskey records a sign-in with a credential and its new state (the
// signature counter).
func (q Q) UsePasskey(ctx context.Context, id int64, credential string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE passkeys SET credential = ?, last_used_at = ? WHERE id = ?`, credential, ms(at), id)
	return errs.Wrap(err, "use passkey")
}

// DeletePasskey removes one of a user's passkeys.
func (q Q) DeletePasskey(ctx context.Context, userID, id int64) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM passkeys WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return false, errs.Wrap(err, "delete passkey")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// InsertPasskeyCeremony stores a ceremony in flight and forgets expired ones.
func (q Q) InsertPasskeyCeremony(ctx context.Context, tokenHash string, userID int64, session string, expires time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM passkey_ceremonies WHERE expires_at < ?`, ms(time.Now())); err != nil {
		return errs.Wrap(err, "sweep passkey ceremonies")
	}
	user := sql.NullInt64{Int64: userID, Valid: userID != 0}
	_, err := q.exec(ctx, `INSERT INTO passkey_ceremonies (token_hash, user_id, session, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, user, session, ms(expires))
	return errs.Wrap(err, "insert passkey ceremony")
}

// SpendPasskeyCeremony reads and deletes a ceremony: each is good once.
// NotFound when it is unknown, spent or expired.
func (q Q) SpendPasskeyCeremony(ctx context.Context, tokenHash string) (userID int64, session string, err error) {
	var user sql.NullInt64
	var exp int64
	err = q.row(ctx, `SELECT user_id, session, expires_at FROM passkey_ceremonies WHERE token_hash = ?`, tokenHash).Scan(&user, &session, &exp)
	if err != nil {
		return 0, "", notFound(err, "passkey ceremony", "")
	}
	res, err := q.exec(ctx, `DELETE FROM passkey_ceremonies WHERE token_hash = ?`, tokenHash)
	if err != nil {
		return 0, "", errs.Wrap(err, "spend passkey ceremony")
	}
	if n, _ := res.RowsAffected(); n != 1 || time.Now().After(fromMS(exp)) {
		return 0, "", errs.NotFoundf("passkey ceremony")
	}
	return user.Int64, session, nil
}
