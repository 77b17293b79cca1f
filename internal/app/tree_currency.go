package app

import (
	"context"
	"strconv"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// A currency per tree (docs/BILLING.md "Currency per tree"): each top-level
// account (a child of the operator) may bill its whole subtree in its own
// ISO 4217 currency; everything else bills in the installation's.

// treeCurrency is the currency the account at path bills in: its tree's,
// chosen on the top-level account (a child of the operator), or the
// installation's (VIGILO_CURRENCY), which is also the operator's own.
func (a *App) treeCurrency(ctx context.Context, q store.Q, path string) (money.Currency, error) {
	ids := tenancy.PathIDs(path)
	if len(ids) < 2 {
		return a.currency(), nil
	}
	c, ok, err := q.TreeCurrency(ctx, ids[1])
	if err != nil || !ok {
		return a.currency(), err
	}
	return c, nil
}

// childCurrencies is, for the operator, the currency of each top-level
// child that chose its own (nil for anyone else: children bill in their
// parent's currency).
func (a *App) childCurrencies(ctx context.Context, q store.Q, acct tenancy.Account) (map[int64]money.Currency, error) {
	if !acct.IsRoot() {
		return nil, nil
	}
	return q.TreeCurrencies(ctx)
}

// AccountCurrency is the currency the account's statements, invoices and
// portal figures are in (the caller has already read the account).
func (a *App) AccountCurrency(ctx context.Context, acct tenancy.Account) (money.Currency, error) {
	return a.treeCurrency(ctx, a.Store.R(), acct.Path)
}

// setTreeCurrency records the currency of acct's tree (in the caller's
// transaction) and returns the one it replaces. Only a top-level account's
// tree has one; like prices, it is set from above (UpdateAccount asks for
// Manage rights, which an account lacks on itself). Statements already closed keep
// the currency they were closed in.
func (a *App) setTreeCurrency(ctx context.Context, q store.Q, acct tenancy.Account, c money.Currency) (money.Currency, error) {
	ids := tenancy.PathIDs(acct.Path)
	switch {
	case len(ids) < 2:
		return "", errs.Field("currency", "the operator's currency is the installation's (VIGILO_CURRENCY)")
	case len(ids) > 2:
		return "", errs.Field("currency", "is chosen for the whole tree on its top-level account ("+strconv.FormatInt(ids[1], 10)+")")
	}
	was, err := a.treeCurrency(ctx, q, acct.Path)
	if err != nil {
		return "", err
	}
	if c == a.currency() {
		c = "" // the installation's: no row, so it follows VIGILO_CURRENCY
	}
	return was, q.SetTreeCurrency(ctx, acct.ID, c)
}
