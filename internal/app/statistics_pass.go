package app

import (
	"context"
	"slices"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The statistics tab's money and daily series of the running month come
// from a stored draft per account (docs/BILLING.md "How fresh the
// statistics tab is"): a background pass (internal/statsroll) computes every
// account's month in one sweep over the tree, the same sweep as the month's
// close, so a view reads one row instead of recomputing the month from the
// assignment history of every camera below. Custom ranges and past months
// are computed when asked.

// StatisticsPass is what one pass over the tree did.
type StatisticsPass struct {
	Month    billing.Month
	AsOf     time.Time // the app's clock when the pass began reading
	Accounts int       // drafts written
}

// drafting tells whether the running month's default view reads stored
// drafts (a pass runs) or is computed on every view.
func (a *App) drafting() bool { return a.Config.StatisticsRefresh > 0 }

// RefreshStatistics computes the running month of every account of the
// tree in one pass and stores it: the charges and draft statement from the
// month close's own computation (treeCharges), and the daily traffic and
// storage of the cameras each account sees and the storage they use now.
func (a *App) RefreshStatistics(ctx context.Context) (StatisticsPass, error) {
	now := a.Now().Truncate(time.Millisecond) // as stored
	month := billing.MonthOf(now)
	out := StatisticsPass{Month: month, AsOf: now}
	r := a.Store.R()
	t, err := a.treeCharges(ctx, r, month)
	if err != nil {
		return out, err
	}
	p := month.Period()
	traffic, err := r.TreeDailyTraffic(ctx, p.FromDay(), p.ToDay())
	if err != nil {
		return out, err
	}
	storage, err := r.TreeDailyStorage(ctx, p.FromDay(), p.ToDay())
	if err != nil {
		return out, err
	}
	used, err := r.TreeStorageUsed(ctx)
	if err != nil {
		return out, err
	}
	usedBy := make([]int64, len(t.payers))
	for _, u := range used {
		for _, i := range union(ancestorsOf(t.idx, u.IntegratorPath), ancestorsOf(t.idx, u.CustomerPath)) {
			usedBy[i] += u.Bytes
		}
	}
	days := p.DayList()
	trafficOf, storageOf := spreadDays(t.idx, len(t.payers), days, traffic), spreadDays(t.idx, len(t.payers), days, storage)
	list := make([]store.StatsDraft, len(t.payers))
	for i, py := range t.payers {
		list[i] = store.StatsDraft{AccountID: py.ID, AccountPath: py.Path, AccountName: py.Name, Month: month, AsOf: now, Money: t.charges[i], Draft: t.months[i],
			Traffic: trafficOf[i], Storage: storageOf[i], StorageUsed: usedBy[i]}
		// A view refuses it as a live computation would (draftOf).
		list[i].Money.Overflow = t.overflow[i]
	}
	if err := a.Store.InTx(ctx, func(q store.Q) error { return q.SaveStatsDrafts(ctx, list) }); err != nil {
		return out, err
	}
	out.Accounts = len(list)
	return out, nil
}

// spreadDays hands each row's bytes to every account that sees its cameras
// (those above the integrator they are registered under, and those above
// the customer they are assigned to: the camera visibility rule), as a
// series of the days that had rows, in day order.
func spreadDays(idx map[string]int, n int, days []string, rows []store.CameraDayBytes) [][]store.DayBytes {
	dayIdx := make(map[string]int, len(days))
	for i, d := range days {
		dayIdx[d] = i
	}
	sums := make([][]int64, n)
	had := make([][]bool, n)
	for _, row := range rows {
		k, ok := dayIdx[row.Day]
		if !ok {
			continue
		}
		for _, i := range union(ancestorsOf(idx, row.IntegratorPath), ancestorsOf(idx, row.CustomerPath)) {
			if sums[i] == nil {
				sums[i], had[i] = make([]int64, len(days)), make([]bool, len(days))
			}
			sums[i][k] += row.Bytes
			had[i][k] = true
		}
	}
	out := make([][]store.DayBytes, n)
	for i := range sums {
		for k, d := range days {
			if sums[i] != nil && had[i][k] {
				out[i] = append(out[i], store.DayBytes{Day: d, Bytes: sums[i][k]})
			}
		}
	}
	return out
}

// union is a followed by the elements of b not in a (both as short as the
// tree is deep).
func union(a, b []int) []int {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

// runningDraft is acct's running month for its statistics tab and draft
// statement: the stored draft when there is one of this month, otherwise
// computed now for acct alone and stored (a fresh start, an account made
// since the last pass, the first view of a month), so the next view reads
// it. The caller has checked that the actor may see acct.
func (a *App) runningDraft(ctx context.Context, acct tenancy.Account) (store.StatsDraft, error) {
	now := a.Now().Truncate(time.Millisecond) // as stored
	month := billing.MonthOf(now)
	r := a.Store.R()
	d, ok, err := r.StatsDraftOf(ctx, acct.ID)
	if err != nil {
		return d, err
	}
	if ok && d.Month == month {
		if d.Money.Overflow {
			return d, errOverflow()
		}
		return d, nil
	}
	if d, err = a.liveDraft(ctx, r, acct, month, now); err != nil {
		return d, err
	}
	if err := a.Store.W().SaveStatsDrafts(ctx, []store.StatsDraft{d}); err != nil {
		// The figures are right; only the next view pays for them again.
		a.Log.Warn("statistics draft not stored", "account", acct.ID, "err", err)
	}
	return d, nil
}

// liveDraft computes acct's draft of month as things stand at now, with
// the same queries as any period's statistics.
func (a *App) liveDraft(ctx context.Context, q store.Q, acct tenancy.Account, month billing.Month, now time.Time) (store.StatsDraft, error) {
	d := store.StatsDraft{AccountID: acct.ID, AccountPath: acct.Path, AccountName: acct.Name, Month: month, AsOf: now}
	p := month.Period()
	var err error
	if d.Money, err = a.statement(ctx, q, acct, p); err != nil {
		return d, err
	}
	if d.Draft, err = a.draftFrom(ctx, q, acct, month, d.Money); err != nil {
		return d, err
	}
	if d.Traffic, err = q.SubtreeDailyTraffic(ctx, acct.Path, p.FromDay(), p.ToDay()); err != nil {
		return d, err
	}
	if d.Storage, err = q.SubtreeDailyStorage(ctx, acct.Path, p.FromDay(), p.ToDay()); err != nil {
		return d, err
	}
	d.StorageUsed, err = q.StorageUsedInSubtree(ctx, acct.Path)
	return d, err
}

// errOverflow refuses amounts that did not fit: shown wrapped they would
// be wrong money.
func errOverflow() error {
	return errs.Conflictf("amount_overflow", "the amounts of this period are too large to compute exactly; check the prices of the accounts below")
}
