package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TOTPState is a user's second factor: the shared secret (pending until
// confirmed) and when it was switched on.
type TOTPState struct {
	Secret    string
	EnabledAt *time.Time
}

// UserTOTP reads a user's second factor.
func (q Q) UserTOTP(ctx context.Context, userID int64) (TOTPState, error) {
	var s TOTPState
	var en sql.NullInt64
	err := q.row(ctx, `SELECT totp_secret, totp_enabled_at FROM users WHERE id = ?`, userID).Scan(&s.Secret, &en)
	if err != nil {
		return s, notFound(err, "user", "")
	}
	s.EnabledAt = nullMS(en)
	return s, nil
}

// SetUserTOTP writes a user's second factor (an empty secret switches it off).
func (q Q) SetUserTOTP(ctx context.Context, userID int64, s TOTPState) error {
	_, err := q.exec(ctx, `UPDATE users SET totp_secret = ?, totp_enabled_at = ? WHERE id = ?`, s.Secret, toNullMS(s.EnabledAt), userID)
	return errs.Wrap(err, "set totp")
}

// ClearTOTPSecrets lists the users whose TOTP secret is still stored as
// written before secrets were sealed (sealed values carry a "v1:" prefix,
// which base32 never does).
func (q Q) ClearTOTPSecrets(ctx context.Context) (map[int64]string, error) {
	rows, err := q.query(ctx, `SELECT id, totp_secret FROM users WHERE totp_secret <> '' AND totp_secret NOT LIKE 'v1:%'`)
	if err != nil {
		return nil, errs.Wrap(err, "list clear totp secrets")
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, rows.Err()
}

// ReplaceTOTPSecret swaps a user's stored secret for another form of the
// same secret, only while it is still old (a user who re-enrolled or
// switched it off meanwhile keeps what they did).
func (q Q) ReplaceTOTPSecret(ctx context.Context, userID int64, old, replacement string) error {
	_, err := q.exec(ctx, `UPDATE users SET totp_secret = ? WHERE id = ? AND totp_secret = ?`, replacement, userID, old)
	return errs.Wrap(err, "replace totp secret")
}

// ReplaceRecoveryCodes stores the hashes of a user's new recovery codes; the
// old ones stop working.
func (q Q) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string) error {
	if _, err := q.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return errs.Wrap(err, "delete recovery codes")
	}
	for _, h := range hashes {
		if _, err := q.exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, h); err != nil {
			return errs.Wrap(err, "insert recovery code")
		}
	}
	return nil
}

// UseRecoveryCode spends one recovery code; false if it is not the user's
// or was spent (two concurrent uses: exactly one wins).
func (q Q) UseRecoveryCode(ctx context.Context, userID int64, hash string) (bool, error) {
	res, err := q.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		ms(time.Now()), userID, hash)
	if err != nil {
		return false, errs.Wrap(err, "use recovery code")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetRequire2FA switches the "require 2FA" rule of an account (and so of
// its subtree).
func (q Q) SetRequire2FA(ctx context.Context, accountID int64, on bool) error {
	_, err := q.exec(ctx, `UPDATE accounts SET require_2fa = ? WHERE id = ?`, on, accountID)
	return errs.Wrap(err, "set require_2fa")
}

// Require2FALevels reads, for the accounts of a path from the root down,
// which require 2FA (in path order).
func (q Q) Require2FALevels(ctx context.Context, path string) (self bool, above bool, err error) {
	ids := tenancy.PathIDs(path)
	if len(ids) == 0 {
		return false, false, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT id, path, require_2fa FROM accounts WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return false, false, errs.Wrap(err, "read require_2fa")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p string
		var on bool
		if err := rows.Scan(&id, &p, &on); err != nil {
			return false, false, err
		}
		if p == path {
			self = on
		} else if on {
			above = true
		}
	}
	return self, above, rows.Err()
}

// SpendTOTPStep records that the user signed in with the code of time step
// step; false when that step or a later one was already spent (two
// concurrent uses of one code: exactly one wins).
func (q Q) SpendTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := q.exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, userID, step)
	if err != nil {
		return false, errs.Wrap(err, "spend totp step")
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
