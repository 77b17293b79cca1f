package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
)

const roleCols = `id, account_id, name, description, portal, rights, all_cameras, camera_ids, built_in`

func scanRole(sc interface{ Scan(...any) error }) (identity.Role, error) {
	var r identity.Role
	var rights, cams string
	err := sc.Scan(&r.ID, &r.AccountID, &r.Name, &r.Description, &r.Portal, &rights, &r.AllCameras, &cams, &r.BuiltIn)
	r.Rights = splitList(rights)
	r.CameraIDs = parseIDs(cams)
	return r, err
}

func parseIDs(s string) []int64 {
	var ids []int64
	for _, c := range splitList(s) {
		if id, e := strconv.ParseInt(c, 10, 64); e == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// Lists are stored comma-separated: they are small, read whole, and the same
// TEXT column works on both engines.
func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// InsertRole writes a role; a duplicate name in the account is a Conflict.
func (q Q) InsertRole(ctx context.Context, r *identity.Role) error {
	id, err := q.insert(ctx, `INSERT INTO roles (account_id, name, description, portal, rights, all_cameras, camera_ids, built_in)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.AccountID, r.Name, r.Description, r.Portal,
		strings.Join(r.Rights, ","), r.AllCameras, joinIDs(r.CameraIDs), r.BuiltIn)
	if err != nil {
		return q.conflict(err, "name", "a role with this name already exists")
	}
	r.ID = id
	return nil
}

// UpdateRole writes a role's fields.
func (q Q) UpdateRole(ctx context.Context, r *identity.Role) error {
	_, err := q.exec(ctx, `UPDATE roles SET name = ?, description = ?, portal = ?, rights = ?, all_cameras = ?, camera_ids = ? WHERE id = ?`,
		r.Name, r.Description, r.Portal, strings.Join(r.Rights, ","), r.AllCameras, joinIDs(r.CameraIDs), r.ID)
	if err != nil {
		return q.conflict(err, "name", "a role with this name already exists")
	}
	return nil
}

// Role loads one role.
func (q Q) Role(ctx context.Context, id int64) (identity.Role, error) {
	r, err := scanRole(q.row(ctx, `SELECT `+roleCols+` FROM roles WHERE id = ?`, id))
	if err != nil {
		return r, notFound(err, "role", id)
	}
	return r, nil
}

// RoleByName finds a role of an account by name.
func (q Q) RoleByName(ctx context.Context, accountID int64, name string) (identity.Role, error) {
	r, err := scanRole(q.row(ctx, `SELECT `+roleCols+` FROM roles WHERE account_id = ? AND name = ?`, accountID, name))
	if err != nil {
		return r, notFound(err, "role", name)
	}
	return r, nil
}

// ListRoles returns every role of an account (accounts have a handful).
func (q Q) ListRoles(ctx context.Context, accountID int64) ([]identity.Role, error) {
	rows, err := q.query(ctx, `SELECT `+roleCols+` FROM roles WHERE account_id = ? ORDER BY built_in DESC, name`, accountID)
	if err != nil {
		return nil, errs.Wrap(err, "list roles")
	}
	defer rows.Close()
	out := []identity.Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan role")
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteRole removes a role; its users keep no role until given one.
func (q Q) DeleteRole(ctx context.Context, id int64) error {
	_, err := q.exec(ctx, `DELETE FROM roles WHERE id = ?`, id)
	return errs.Wrap(err, "delete role")
}
