package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// SSOConfig reads an account's own OpenID Connect configuration, with its
// client secret as stored (sealed).
func (q Q) SSOConfig(ctx context.Context, accountID int64) (identity.SSOConfig, error) {
	c := identity.SSOConfig{AccountID: accountID}
	var role sql.NullInt64
	err := q.row(ctx, `SELECT issuer, client_id, client_secret, default_role_id, enabled FROM sso_configs WHERE account_id = ?`,
		accountID).Scan(&c.Issuer, &c.ClientID, &c.ClientSecret, &role, &c.Enabled)
	if err != nil {
		return c, notFound(err, "sso configuration", accountID)
	}
	c.DefaultRoleID = role.Int64
	c.Domains, err = q.ssoDomains(ctx, accountID)
	return c, err
}

func (q Q) ssoDomains(ctx context.Context, accountID int64) ([]string, error) {
	rows, err := q.query(ctx, `SELECT domain FROM sso_domains WHERE account_id = ? ORDER BY domain`, accountID)
	if err != nil {
		return nil, errs.Wrap(err, "read sso domains")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// NearestSSOConfig reads the configuration of the deepest account of a path
// (the account itself or its nearest ancestor) that has one.
func (q Q) NearestSSOConfig(ctx context.Context, path string) (identity.SSOConfig, error) {
	ids := tenancy.PathIDs(path)
	if len(ids) == 0 {
		return identity.SSOConfig{}, errs.NotFoundf("no sign-in configuration")
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT account_id FROM sso_configs WHERE account_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return identity.SSOConfig{}, errs.Wrap(err, "find sso configuration")
	}
	has := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return identity.SSOConfig{}, err
		}
		has[id] = true
	}
	rows.Close()
	for i := len(ids) - 1; i >= 0; i-- {
		if has[ids[i]] {
			return q.SSOConfig(ctx, ids[i])
		}
	}
	return identity.SSOConfig{}, errs.NotFoundf("no sign-in configuration")
}

// SSOConfigByDomain finds the configuration that covers an e-mail domain.
func (q Q) SSOConfigByDomain(ctx context.Context, domain string) (identity.SSOConfig, error) {
	var id int64
	if err := q.row(ctx, `SELECT account_id FROM sso_domains WHERE domain = ?`, domain).Scan(&id); err != nil {
		return identity.SSOConfig{}, notFound(err, "sso domain", domain)
	}
	return q.SSOConfig(ctx, id)
}

// SSODomainOwner tells which account's configuration covers a domain (0: none).
func (q Q) SSODomainOwner(ctx context.Context, domain string) (int64, error) {
	var id int64
	err := q.row(ctx, `SELECT account_id FROM sso_domains WHERE domain = ?`, domain).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, errs.Wrap(err, "read sso domain")
}

// PutSSOConfig writes an account's configuration (secret already sealed)
// and replaces its domains.
func (q Q) PutSSOConfig(ctx context.Context, c identity.SSOConfig) error {
	role := sql.NullInt64{Int64: c.DefaultRoleID, Valid: c.DefaultRoleID != 0}
	now := ms(time.Now())
	res, err := q.exec(ctx, `UPDATE sso_configs SET issuer = ?, client_id = ?, client_secret = ?, default_role_id = ?, enabled = ?, updated_at = ?
		WHERE account_id = ?`, c.Issuer, c.ClientID, c.ClientSecret, role, c.Enabled, now, c.AccountID)
	if err != nil {
		return errs.Wrap(err, "update sso configuration")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := q.exec(ctx, `INSERT INTO sso_configs (account_id, issuer, client_id, client_secret, default_role_id, enabled, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.AccountID, c.Issuer, c.ClientID, c.ClientSecret, role, c.Enabled, now); err != nil {
			return errs.Wrap(err, "insert sso configuration")
		}
	}
	if _, err := q.exec(ctx, `DELETE FROM sso_domains WHERE account_id = ?`, c.AccountID); err != nil {
		return errs.Wrap(err, "delete sso domains")
	}
	for _, d := range c.Domains {
		if _, err := q.exec(ctx, `INSERT INTO sso_domains (domain, account_id) VALUES (?, ?)`, d, c.AccountID); err != nil {
			if q.d.isUnique(err) {
				return errs.Conflictf("domain_taken", "%s is already covered by another organisation's sign-in", d)
			}
			return errs.Wrap(err, "insert sso domain")
		}
	}
	return nil
}

// DeleteSSOConfig removes an account's configuration (its domains and
// sign-ins in flight go with it).
func (q Q) DeleteSSOConfig(ctx context.Context, accountID int64) (bool, error) {
	if _, err := q.exec(ctx, `DELETE FROM sso_logins WHERE account_id = ?`, accountID); err != nil {
		return false, errs.Wrap(err, "delete sso logins")
	}
	res, err := q.exec(ctx, `DELETE FROM sso_configs WHERE account_id = ?`, accountID)
	if err != nil {
		return false, errs.Wrap(err, "delete sso configuration")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SSOLogin is a sign-in in flight between the redirect to the provider and
// the session it ends in.
type SSOLogin struct {
	StateHash string
	AccountID int64 // whose configuration
	Nonce     string
	Verifier  string
	Next      string
	UserID    int64 // set once the provider vouched and a second factor is due
	ExpiresAt time.Time
}

// InsertSSOLogin stores a sign-in in flight, and forgets expired ones.
func (q Q) InsertSSOLogin(ctx context.Context, l SSOLogin) error {
	if _, err := q.exec(ctx, `DELETE FROM sso_logins WHERE expires_at < ?`, ms(time.Now())); err != nil {
		return errs.Wrap(err, "sweep sso logins")
	}
	_, err := q.exec(ctx, `INSERT INTO sso_logins (state_hash, account_id, nonce, verifier, next, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		l.StateHash, l.AccountID, l.Nonce, l.Verifier, l.Next, ms(l.ExpiresAt))
	return errs.Wrap(err, "insert sso login")
}

// SSOLoginByState reads a sign-in in flight.
func (q Q) SSOLoginByState(ctx context.Context, stateHash string) (SSOLogin, error) {
	l := SSOLogin{StateHash: stateHash}
	var user sql.NullInt64
	var exp int64
	err := q.row(ctx, `SELECT account_id, nonce, verifier, next, user_id, expires_at FROM sso_logins WHERE state_hash = ?`, stateHash).
		Scan(&l.AccountID, &l.Nonce, &l.Verifier, &l.Next, &user, &exp)
	if err != nil {
		return l, notFound(err, "sso login", "")
	}
	l.UserID, l.ExpiresAt = user.Int64, fromMS(exp)
	return l, nil
}

// ClaimSSOLogin moves a sign-in from "at the provider" (no user yet) to
// the given user, or deletes it when userID is 0. False when another request
// already did: a state is good for one callback.
func (q Q) ClaimSSOLogin(ctx context.Context, stateHash string, userID int64) (bool, error) {
	var res sql.Result
	var err error
	if userID == 0 {
		res, err = q.exec(ctx, `DELETE FROM sso_logins WHERE state_hash = ? AND user_id IS NULL`, stateHash)
	} else {
		res, err = q.exec(ctx, `UPDATE sso_logins SET user_id = ? WHERE state_hash = ? AND user_id IS NULL`, userID, stateHash)
	}
	if err != nil {
		return false, errs.Wrap(err, "claim sso login")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteSSOLogin ends a sign-in in flight.
func (q Q) DeleteSSOLogin(ctx context.Context, stateHash string) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM sso_logins WHERE state_hash = ?`, stateHash)
	if err != nil {
		return false, errs.Wrap(err, "delete sso login")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
