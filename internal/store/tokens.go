package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// InsertToken stores the hash of a new token.
func (q Q) InsertToken(ctx context.Context, userID int64, purpose, hash, name string, expires time.Time) (int64, error) {
	var uid any
	if userID != 0 {
		uid = userID
	}
	id, err := q.insert(ctx, `INSERT INTO tokens (user_id, purpose, token_hash, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		uid, purpose, hash, name, ms(time.Now()), ms(expires))
	return id, errs.Wrap(err, "insert token")
}

// OneTimeToken is a single-use link token as stored.
type OneTimeToken struct {
	ID        int64
	UserID    int64
	Purpose   string
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// TokenByHash loads a token of the given purpose.
func (q Q) TokenByHash(ctx context.Context, purpose, hash string) (OneTimeToken, error) {
	var t OneTimeToken
	var uid sql.NullInt64
	var exp int64
	var used sql.NullInt64
	err := q.row(ctx, `SELECT id, user_id, purpose, expires_at, used_at FROM tokens WHERE token_hash = ? AND purpose = ?`, hash, purpose).
		Scan(&t.ID, &uid, &t.Purpose, &exp, &used)
	if err != nil {
		return t, notFound(err, "token", "")
	}
	t.UserID, t.ExpiresAt, t.UsedAt = uid.Int64, fromMS(exp), nullMS(used)
	return t, nil
}

// UseToken marks a single-use token spent; it reports false if it already was
// (two concurrent confirmations: exactly one wins).
func (q Q) UseToken(ctx context.Context, id int64) (bool, error) {
	res, err := q.exec(ctx, `UPDATE tokens SET used_at = ? WHERE id = ? AND used_at IS NULL`, ms(time.Now()), id)
	if err != nil {
		return false, errs.Wrap(err, "use token")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RevokeTokens deletes a user's tokens of one purpose (all purposes if "").
func (q Q) RevokeTokens(ctx context.Context, userID int64, purpose string) error {
	var err error
	if purpose == "" {
		_, err = q.exec(ctx, `DELETE FROM tokens WHERE user_id = ?`, userID)
	} else {
		_, err = q.exec(ctx, `DELETE FROM tokens WHERE user_id = ? AND purpose = ?`, userID, purpose)
	}
	return errs.Wrap(err, "revoke tokens")
}

// RevokeTokenByHash deletes one token (sign-out).
func (q Q) RevokeTokenByHash(ctx context.Context, hash string) error {
	_, err := q.exec(ctx, `DELETE FROM tokens WHERE token_hash = ?`, hash)
	return errs.Wrap(err, "revoke token")
}

// DeleteSetupTokens removes every first-start setup token.
func (q Q) DeleteSetupTokens(ctx context.Context) error {
	_, err := q.exec(ctx, `DELETE FROM tokens WHERE purpose = ?`, identity.PurposeSetup)
	return errs.Wrap(err, "delete setup tokens")
}

// Principal is everything the per-request authentication needs, loaded in
// one query: the session, its user and the user's account.
type Principal struct {
	SessionID int64
	Kind      string
	ExpiresAt time.Time
	// CreatedAt and LastUsedAt drive the idle and absolute session timeouts;
	// Client is identity.ClientPortal for sessions opened by the portal.
	CreatedAt  time.Time
	LastUsedAt time.Time
	Client     string
	// Require2FA: an account on the user's path requires a second factor;
	// HasTOTP: the user has one.
	Require2FA bool
	HasTOTP    bool
	User       identity.User
	Account    tenancy.Account
	Role       identity.Role // zero for owners without a role
	// ChainActive tells whether every account from the root down to the
	// user's own is active (see ChainActive), read in the same query.
	ChainActive bool
	// CameraID is the one camera a stream token is good for (0 otherwise).
	CameraID int64
}

// PrincipalByToken resolves a session or API token hash.
func (q Q) PrincipalByToken(ctx context.Context, hash string) (Principal, error) {
	return q.principal(ctx, hash, `t.purpose IN ('session','api')`)
}

// PrincipalByStreamToken resolves a stream token hash (see
// InsertStreamToken); CameraID says which camera it is good for.
func (q Q) PrincipalByStreamToken(ctx context.Context, hash string) (Principal, error) {
	return q.principal(ctx, hash, `t.purpose = 'stream'`)
}

// InsertStreamToken stores the hash of a token that lets userID watch one
// camera until expires.
func (q Q) InsertStreamToken(ctx context.Context, userID, cameraID int64, hash string, expires time.Time) error {
	_, err := q.insert(ctx, `INSERT INTO tokens (user_id, purpose, token_hash, name, created_at, expires_at, camera_id) VALUES (?, 'stream', ?, '', ?, ?, ?)`,
		userID, hash, ms(time.Now()), ms(expires), cameraID)
	return errs.Wrap(err, "insert stream token")
}

func (q Q) principal(ctx context.Context, hash, purpose string) (Principal, error) {
	var p Principal
	var exp, created, used int64
	var roleID, camID sql.NullInt64
	var portal, rights, cams sql.NullString
	var allCams sql.NullBool
	// One query, account included: it runs on every request.
	acct, finish := accountDest(&p.Account)
	var inactive, require2FA int
	u, err := scanUser(q.row(ctx, `SELECT `+userCols+`, t.id, t.purpose, t.expires_at, t.created_at, t.last_used_at, t.client, t.camera_id, r.id, r.portal, r.rights, r.all_cameras, r.camera_ids,
		(SELECT count(*) FROM accounts x WHERE x.status <> 'active' AND x.id IN (`+q.d.pathIDs("a.path")+`)),
		(SELECT count(*) FROM accounts x WHERE x.require_2fa AND x.id IN (`+q.d.pathIDs("a.path")+`)), u.totp_enabled_at IS NOT NULL, `+accountColsA+`
		FROM tokens t JOIN users u ON u.id = t.user_id JOIN accounts a ON a.id = u.account_id LEFT JOIN roles r ON r.id = u.role_id
		WHERE t.token_hash = ? AND `+purpose, hash),
		append([]any{&p.SessionID, &p.Kind, &exp, &created, &used, &p.Client, &camID, &roleID, &portal, &rights, &allCams, &cams, &inactive, &require2FA, &p.HasTOTP}, acct...)...)
	if err != nil {
		return p, notFound(err, "session", "")
	}
	finish()
	p.ChainActive = inactive == 0
	p.Require2FA = require2FA > 0
	p.User, p.ExpiresAt, p.CameraID, p.CreatedAt, p.LastUsedAt = u, fromMS(exp), camID.Int64, fromMS(created), fromMS(used)
	if used == 0 {
		p.LastUsedAt = p.CreatedAt
	}
	if roleID.Valid {
		p.Role = identityRole(roleID.Int64, portal.String, rights.String)
		p.Role.AllCameras, p.Role.CameraIDs = allCams.Bool, parseIDs(cams.String)
	}
	return p, nil
}

func identityRole(id int64, portal, rights string) identity.Role {
	return identity.Role{ID: id, Portal: identity.Portal(portal), Rights: splitList(rights)}
}

// DeleteExpiredTokens sweeps expired tokens.
func (q Q) DeleteExpiredTokens(ctx context.Context, now time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM tokens WHERE expires_at < ?`, ms(now))
	if err != nil {
		return 0, errs.Wrap(err, "sweep tokens")
	}
	return res.RowsAffected()
}
