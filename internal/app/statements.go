package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// DefaultCurrency is the tree's currency when none is configured.
const DefaultCurrency money.Currency = "EUR"

// currency is the installation's billing currency (one per tree).
func (a *App) currency() money.Currency {
	if a.Config.Currency == "" {
		return DefaultCurrency
	}
	return a.Config.Currency
}

// MonthStatement is an account's statement of a month ("YYYY-MM"; empty:
// the running month): the stored one once the month is closed, otherwise a
// draft computed now. Who may read it is who may read the account's
// statistics (the account and those above it, admins only); it never shows
// what the account's parent pays further up.
func (a *App) MonthStatement(ctx context.Context, actor tenancy.Actor, accountID int64, period string) (billing.MonthStatement, error) {
	now := a.Now()
	month := billing.MonthOf(now)
	if period != "" {
		var err error
		if month, err = billing.ParseMonth(period); err != nil {
			return billing.MonthStatement{}, err
		}
	}
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read)
	if err != nil {
		return billing.MonthStatement{}, err
	}
	if err := requireAdmin(actor); err != nil {
		return billing.MonthStatement{}, err
	}
	if err := month.CheckShowable(now); err != nil {
		return billing.MonthStatement{}, err
	}
	c, closed, err := r.MonthClosed(ctx, month)
	if err != nil || !closed {
		if err != nil {
			return billing.MonthStatement{}, err
		}
		if a.drafting() && month == billing.MonthOf(now) {
			d, err := a.runningDraft(ctx, acct)
			return d.Draft, err
		}
		return a.draftStatement(ctx, r, acct, month)
	}
	s, ok, err := r.ClosedStatement(ctx, acct.ID, month)
	if err != nil || ok {
		return s, err
	}
	// The account did not exist when the month closed: it owed nothing.
	cur, err := a.treeCurrency(ctx, r, acct.Path)
	if err != nil {
		return billing.MonthStatement{}, err
	}
	return billing.MonthStatement{AccountID: acct.ID, Month: month, Closed: true, ClosedAt: c.ClosedAt, Currency: cur,
		Lines: []billing.Line{}, Children: []billing.ChildOwes{}}, nil
}

// draftStatement computes acct's statement of month as things stand now,
// with the adjustment lines for late usage of the previous month when that
// month is closed.
func (a *App) draftStatement(ctx context.Context, q store.Q, acct tenancy.Account, month billing.Month) (billing.MonthStatement, error) {
	st, err := a.statement(ctx, q, acct, month.Period())
	if err != nil {
		return billing.MonthStatement{}, err
	}
	return a.draftFrom(ctx, q, acct, month, st)
}

// draftFrom builds acct's draft statement of month from its charges st.
func (a *App) draftFrom(ctx context.Context, q store.Q, acct tenancy.Account, month billing.Month, st billing.Statement) (billing.MonthStatement, error) {
	payer := billing.Payer{ID: acct.ID, Name: acct.Name, Path: acct.Path, Root: acct.IsRoot(),
		StoragePrice: acct.StoragePrice, TrafficPrice: acct.TrafficPrice}
	cur, err := a.treeCurrency(ctx, q, acct.Path)
	if err != nil {
		return billing.MonthStatement{}, err
	}
	childCur, err := a.childCurrencies(ctx, q, acct)
	if err != nil {
		return billing.MonthStatement{}, err
	}
	adj, err := a.adjustments(ctx, q, payer, month.Prev(), func(id int64) money.Currency {
		if c, ok := childCur[id]; ok {
			return c
		}
		return cur
	})
	if err != nil {
		return billing.MonthStatement{}, err
	}
	m, ok := billing.BuildMonth(billing.MonthInput{Month: month, Currency: cur, Account: payer, Statement: st, Adjustments: adj, ChildCurrency: childCur})
	if !ok {
		return m, errOverflow()
	}
	return m, nil
}

// adjustments prices, for the account and each direct child, the usage of
// the closed month prev that its statement did not count. Nothing when prev
// is not closed (its draft still counts everything) or for a payer without
// a statement of prev (it did not exist then). curOf is each payer's
// currency, by id.
func (a *App) adjustments(ctx context.Context, q store.Q, acct billing.Payer, prev billing.Month, curOf func(int64) money.Currency) (map[int64][]billing.Line, error) {
	if _, closed, err := q.MonthClosed(ctx, prev); err != nil || !closed {
		return nil, err
	}
	payers, err := q.ChildPayers(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	if !acct.Root {
		payers = append(payers, acct)
	}
	ids := make([]int64, len(payers))
	for i, p := range payers {
		ids[i] = p.ID
	}
	counted, err := q.CountedUsage(ctx, prev, ids)
	if err != nil {
		return nil, err
	}
	p := prev.Period()
	rows, err := q.SubtreeUsage(ctx, acct.Path, p.FromDay(), p.ToDay())
	if err != nil {
		return nil, err
	}
	out := map[int64][]billing.Line{}
	for _, py := range payers {
		c, ok := counted[py.ID]
		if !ok {
			continue
		}
		storage, traffic := billing.UsageOf(rows, py.Path)
		if l := billing.Adjust(c, storage, traffic, curOf(py.ID)); len(l) > 0 {
			out[py.ID] = l
		}
	}
	return out, nil
}

// CloseMonth closes month for the operator: 403 for anyone else; a month
// that is not over is a field error on "period". Closing a closed month
// changes nothing and answers the same.
func (a *App) CloseMonth(ctx context.Context, actor tenancy.Actor, period string) (billing.Closing, error) {
	if !actor.IsOperator() || !actor.Admin {
		return billing.Closing{}, errs.Forbiddenf("forbidden", "only the operator's administrators close billing periods")
	}
	month, err := billing.ParseMonth(period)
	if err != nil {
		return billing.Closing{}, err
	}
	if err := month.CheckClosable(a.Now()); err != nil {
		return billing.Closing{}, err
	}
	return a.Close(ctx, month)
}

// Close closes a month that is over: in one transaction, every account's
// statement is computed as things stand (all at once, treeStatements) and stored, with a draft invoice
// for every child that owes its parent something (invoices.go); nothing is
// written if any of it fails. The scheduled close (internal/billingclose) calls it.
func (a *App) Close(ctx context.Context, month billing.Month) (billing.Closing, error) {
	now := a.Now()
	if err := month.CheckClosable(now); err != nil {
		return billing.Closing{}, err
	}
	var out billing.Closing
	err := a.Store.InTx(ctx, func(q store.Q) error {
		began, err := q.BeginClose(ctx, month, now)
		if err != nil || !began {
			return err
		}
		list, names, err := a.treeStatements(ctx, q, month)
		if err != nil {
			return err
		}
		if err := q.InsertStatements(ctx, list); err != nil {
			return err
		}
		stmts := make(map[int64]billing.MonthStatement, len(list))
		for _, s := range list {
			stmts[s.AccountID] = s
		}
		if err := a.draftInvoices(ctx, q, month, stmts, names, now); err != nil {
			return err
		}
		return q.FinishClose(ctx, month, len(list))
	})
	if err != nil {
		return out, err
	}
	out, _, err = a.Store.R().MonthClosed(ctx, month)
	if err == nil {
		a.Log.Info("billing period closed", "period", month.String(), "statements", out.Statements)
	}
	return out, err
}

// MonthClosed reports whether month is closed (the scheduled close asks
// before it starts a transaction).
func (a *App) MonthClosed(ctx context.Context, month billing.Month) (bool, error) {
	_, closed, err := a.Store.R().MonthClosed(ctx, month)
	return closed, err
}

// PruneUsage deletes the usage detail that is older than
// billing.UsageRetentionDays and belongs to a closed month (the scheduled
// job runs it daily); it returns how many rows went.
func (a *App) PruneUsage(ctx context.Context) (int64, error) {
	closed, err := a.Store.R().ClosedMonths(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, r := range billing.PruneRanges(closed, a.Now()) {
		k, err := a.Store.W().PruneUsage(ctx, r)
		n += k
		if err != nil {
			return n, err
		}
	}
	if n > 0 {
		a.Log.Info("usage detail pruned", "rows", n, "older_than_days", billing.UsageRetentionDays)
	}
	return n, nil
}
