package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// PathModuleLevels loads the accounts on path (root first) with the module
// switches set for each, in one indexed query (primary keys of accounts and
// account_modules). With key != "" only that module's switches are loaded,
// which is what a per-request check needs. An account of the path that no
// longer exists makes the answer NotFound.
func (q Q) PathModuleLevels(ctx context.Context, path, key string) ([]tenancy.ModuleLevel, error) {
	ids := tenancy.PathIDs(path)
	if len(ids) == 0 {
		return nil, errs.NotFoundf("account path %q not found", path)
	}
	args := make([]any, 0, len(ids)+1)
	join := "m.account_id = a.id"
	if key != "" {
		join += " AND m.module = ?"
		args = append(args, key)
	}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.query(ctx, `SELECT a.id, a.name, a.type, a.status, a.video_private, m.module, m.enabled
		FROM accounts a LEFT JOIN account_modules m ON `+join+`
		WHERE a.id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "load module switches")
	}
	defer rows.Close()
	byID := make(map[int64]*tenancy.ModuleLevel, len(ids))
	for rows.Next() {
		var id int64
		var name string
		var typ tenancy.Type
		var status tenancy.Status
		var private bool
		var mod sql.NullString
		var on sql.NullBool
		if err := rows.Scan(&id, &name, &typ, &status, &private, &mod, &on); err != nil {
			return nil, errs.Wrap(err, "scan module switch")
		}
		l := byID[id]
		if l == nil {
			l = &tenancy.ModuleLevel{AccountID: id, Name: name, Type: typ, Status: status, Switches: map[string]bool{}, VideoPrivate: private}
			byID[id] = l
		}
		if mod.Valid && on.Valid {
			l.Switches[mod.String] = on.Bool
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "load module switches")
	}
	out := make([]tenancy.ModuleLevel, len(ids))
	for i, id := range ids {
		l := byID[id]
		if l == nil {
			return nil, errs.NotFoundf("account %d not found", id)
		}
		out[i] = *l
	}
	return out, nil
}

// SetModuleSwitches writes the switches a parent set for one account. Each
// key is upserted; keys not named keep their current switch.
func (q Q) SetModuleSwitches(ctx context.Context, accountID int64, sw map[string]bool, now time.Time) error {
	for k, v := range sw {
		_, err := q.exec(ctx, `INSERT INTO account_modules (account_id, module, enabled, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, module) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
			accountID, k, v, ms(now))
		if err != nil {
			return errs.Wrap(err, "set module switch")
		}
	}
	return nil
}
