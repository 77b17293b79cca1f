package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigilo/vigilo/internal/errs"
)

// Setting reads a key of the settings table ("" if unset).
func (q Q) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := q.row(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, errs.Wrap(err, "read setting")
}

// SetSetting writes a key (insert or replace; both engines speak ON CONFLICT).
func (q Q) SetSetting(ctx context.Context, key, value string) error {
	_, err := q.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return errs.Wrap(err, "write setting")
}

// ClaimSetting writes value under key unless the key is set, and returns
// the value stored: the first writer's (nodes of a cluster agreeing on one
// value at their first start).
func (q Q) ClaimSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := q.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return "", errs.Wrap(err, "claim setting")
	}
	return q.Setting(ctx, key)
}
