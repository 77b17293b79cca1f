package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

// ACMEEntry is one value of the certificate manager's cache, as sealed by
// the caller; found is false when name has none.
func (q Q) ACMEEntry(ctx context.Context, name string) (data string, found bool, err error) {
	err = q.row(ctx, `SELECT data FROM acme_cache WHERE name = ?`, name).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return data, err == nil, errs.Wrap(err, "read acme cache")
}

// PutACMEEntry stores (or replaces) a value of the certificate cache.
func (q Q) PutACMEEntry(ctx context.Context, name, data string, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO acme_cache (name, data, updated_ms) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET data = excluded.data, updated_ms = excluded.updated_ms`, name, data, ms(now))
	return errs.Wrap(err, "write acme cache")
}

// DeleteACMEEntry removes a value of the certificate cache.
func (q Q) DeleteACMEEntry(ctx context.Context, name string) error {
	_, err := q.exec(ctx, `DELETE FROM acme_cache WHERE name = ?`, name)
	return errs.Wrap(err, "delete acme cache")
}

// ClaimACMEOrder gives holder the right to order domain's certificate
// until expires, in one statement so that two nodes cannot both win: ok
// is true when holder already held it or the previous claim had lapsed.
func (q Q) ClaimACMEOrder(ctx context.Context, domain, holder string, now, expires time.Time) (ok bool, err error) {
	rows, err := q.query(ctx, `INSERT INTO acme_orders (domain, holder, expires_ms) VALUES (?, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
		WHERE acme_orders.holder = excluded.holder OR acme_orders.expires_ms < ?
		RETURNING domain`, domain, holder, ms(expires), ms(now))
	if err != nil {
		return false, errs.Wrap(err, "claim acme order")
	}
	defer rows.Close()
	ok = rows.Next()
	return ok, errs.Wrap(rows.Err(), "claim acme order")
}

// ReleaseACMEOrder ends holder's claim on domain (the certificate is
// stored, or the order failed and another node may try).
func (q Q) ReleaseACMEOrder(ctx context.Context, domain, holder string) error {
	_, err := q.exec(ctx, `DELETE FROM acme_orders WHERE domain = ? AND holder = ?`, domain, holder)
	return errs.Wrap(err, "release acme order")
}
