package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
)

// Currencies per tree (migration 0035): a top-level account's choice,
// which its whole subtree bills in.

// TreeCurrency reads the currency a top-level account chose; false when it
// chose none (the installation's applies).
func (q Q) TreeCurrency(ctx context.Context, topID int64) (money.Currency, bool, error) {
	var c string
	err := q.row(ctx, `SELECT currency FROM tree_currencies WHERE account_id = ?`, topID).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, errs.Wrap(err, "tree currency")
	}
	return money.Currency(c), true, nil
}

// TreeCurrencies reads every top-level account's chosen currency.
func (q Q) TreeCurrencies(ctx context.Context) (map[int64]money.Currency, error) {
	rows, err := q.query(ctx, `SELECT account_id, currency FROM tree_currencies`)
	if err != nil {
		return nil, errs.Wrap(err, "tree currencies")
	}
	defer rows.Close()
	out := map[int64]money.Currency{}
	for rows.Next() {
		var id int64
		var c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, errs.Wrap(err, "tree currencies")
		}
		out[id] = money.Currency(c)
	}
	return out, errs.Wrap(rows.Err(), "tree currencies")
}

// SetTreeCurrency records a top-level account's currency; "" removes the
// choice (back to the installation's).
func (q Q) SetTreeCurrency(ctx context.Context, topID int64, c money.Currency) error {
	if c == "" {
		_, err := q.exec(ctx, `DELETE FROM tree_currencies WHERE account_id = ?`, topID)
		return errs.Wrap(err, "tree currency")
	}
	_, err := q.exec(ctx, `INSERT INTO tree_currencies (account_id, currency) VALUES (?, ?)
		ON CONFLICT (account_id) DO UPDATE SET currency = excluded.currency`, topID, string(c))
	return errs.Wrap(err, "tree currency")
}
