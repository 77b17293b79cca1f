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

const userCols = `u.id, u.account_id, u.email, u.name, COALESCE(u.role_id, 0), u.owner, u.status, u.password_hash,
	u.email_confirmed_at, u.must_change_password, u.created_at, u.last_login_at`

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (identity.User, error) {
	var u identity.User
	var conf, last sql.NullInt64
	var created int64
	dest := append([]any{&u.ID, &u.AccountID, &u.Email, &u.Name, &u.RoleID, &u.Owner, &u.Status, &u.PasswordHash,
		&conf, &u.MustChangePassword, &created, &last}, extra...)
	err := sc.Scan(dest...)
	u.EmailConfirmedAt, u.LastLoginAt, u.CreatedAt = nullMS(conf), nullMS(last), fromMS(created)
	return u, err
}

// InsertUser writes a new user; a taken e-mail is a Conflict on "email".
func (q Q) InsertUser(ctx context.Context, u *identity.User) error {
	return q.atomic(ctx, func(q Q) error {
		if err := q.insertUser(ctx, u); err != nil {
			return err
		}
		return q.addUsers(ctx, u.AccountID, 1)
	})
}

func (q Q) insertUser(ctx context.Context, u *identity.User) error {
	u.CreatedAt = time.Now().UTC()
	var role any
	if u.RoleID != 0 {
		role = u.RoleID
	}
	id, err := q.insert(ctx, `INSERT INTO users (account_id, email, name, role_id, owner, status, password_hash,
		email_confirmed_at, must_change_password, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.AccountID, u.Email, u.Name, role, u.Owner, u.Status, u.PasswordHash,
		toNullMS(u.EmailConfirmedAt), u.MustChangePassword, ms(u.CreatedAt))
	if err != nil {
		return q.conflict(err, "email", "a user with this e-mail already exists")
	}
	u.ID = id
	return nil
}

// User loads one user by id.
func (q Q) User(ctx context.Context, id int64) (identity.User, error) {
	u, err := scanUser(q.row(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id))
	if err != nil {
		return u, notFound(err, "user", id)
	}
	return u, nil
}

// UserByEmail loads one user by normalized e-mail.
func (q Q) UserByEmail(ctx context.Context, email string) (identity.User, error) {
	u, err := scanUser(q.row(ctx, `SELECT `+userCols+` FROM users u WHERE u.email = ?`, strings.ToLower(email)))
	if err != nil {
		return u, notFound(err, "user", email)
	}
	return u, nil
}

// EmailTaken reports whether any user has the address.
func (q Q) EmailTaken(ctx context.Context, email string) (bool, error) {
	n, err := q.count(ctx, `SELECT count(*) FROM users WHERE email = ?`, email)
	return n > 0, errs.Wrap(err, "check e-mail")
}

// UpdateUser writes the mutable fields of u.
func (q Q) UpdateUser(ctx context.Context, u *identity.User) error {
	var role any
	if u.RoleID != 0 {
		role = u.RoleID
	}
	_, err := q.exec(ctx, `UPDATE users SET email = ?, name = ?, role_id = ?, owner = ?, status = ?, password_hash = ?,
		email_confirmed_at = ?, must_change_password = ?, last_login_at = ? WHERE id = ?`,
		u.Email, u.Name, role, u.Owner, u.Status, u.PasswordHash, toNullMS(u.EmailConfirmedAt),
		u.MustChangePassword, toNullMS(u.LastLoginAt), u.ID)
	if err != nil {
		return q.conflict(err, "email", "a user with this e-mail already exists")
	}
	return nil
}

// AccountOwner returns the owner of an account.
func (q Q) AccountOwner(ctx context.Context, accountID int64) (identity.User, error) {
	u, err := scanUser(q.row(ctx, `SELECT `+userCols+` FROM users u WHERE u.account_id = ? AND u.owner ORDER BY u.id LIMIT 1`, accountID))
	if err != nil {
		return u, notFound(err, "owner of account", accountID)
	}
	return u, nil
}

// UserFilter selects users of one account.
type UserFilter struct {
	AccountID int64
	Q         string
	Page      Page
}

// ListUsers returns a page of an account's users.
func (q Q) ListUsers(ctx context.Context, f UserFilter) ([]identity.User, int, error) {
	cond := "u.account_id = ?"
	args := []any{f.AccountID}
	if s := strings.TrimSpace(f.Q); s != "" {
		pat := "%" + likeEscape(s) + "%"
		cond += " AND (u.email " + q.d.ilike + " ? ESCAPE '\\' OR u.name " + q.d.ilike + " ? ESCAPE '\\')"
		args = append(args, pat, pat)
	}
	total, err := q.count(ctx, `SELECT count(*) FROM users u WHERE `+cond, args...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count users")
	}
	p := f.Page.Clamp()
	rows, err := q.query(ctx, `SELECT `+userCols+` FROM users u WHERE `+cond+` ORDER BY u.owner DESC, u.email LIMIT ? OFFSET ?`,
		append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list users")
	}
	defer rows.Close()
	out := []identity.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan user")
		}
		out = append(out, u)
	}
	return out, total, errs.Wrap(rows.Err(), "list users")
}

// CountUsersInSubtree counts users of every account in the subtree at path.
func (q Q) CountUsersInSubtree(ctx context.Context, path string) (int, error) {
	lo, hi := tenancy.SubtreeRange(path)
	n, err := q.count(ctx, `SELECT count(*) FROM users u JOIN accounts a ON a.id = u.account_id WHERE a.path >= ? AND a.path < ?`, lo, hi)
	return n, errs.Wrap(err, "count users")
}

// DeleteUser removes a user and (by cascade) its tokens.
func (q Q) DeleteUser(ctx context.Context, id int64) error {
	return q.atomic(ctx, func(q Q) error {
		var account int64
		err := q.row(ctx, `DELETE FROM users WHERE id = ? RETURNING account_id`, id).Scan(&account)
		if errNoRows(err) {
			return nil // already gone: nothing to count
		}
		if err != nil {
			return errs.Wrap(err, "delete user")
		}
		return q.addUsers(ctx, account, -1)
	})
}
