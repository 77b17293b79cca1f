package app

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Statistics is an account's statistics tab (R7): what lies in its subtree,
// what its cameras use, and its money over a period.
type Statistics struct {
	Account tenancy.Account
	Period  billing.Period
	PortalCounts
	Cameras CameraCounts // StorageBytes: what the subtree's recordings occupy now
	// TrafficBytes is what playback served for the subtree's cameras over
	// the period, whatever their plan.
	TrafficBytes int64
	Money        billing.Statement
	Currency     money.Currency // the tree's: the portal shows amounts in it
	// ChildCurrency is, for the operator, the currency of each top-level
	// child that bills in its own (its line shows in it).
	ChildCurrency map[int64]money.Currency
	// Daily series over the period, one entry per day (zeros included):
	// bytes served, and the day's storage snapshot.
	Traffic []store.DayBytes
	Storage []store.DayBytes
	// AsOf is when Money, TrafficBytes, the series and the storage used
	// were read: for the
	// running month's default view, the last statistics pass (or the view
	// that computed it first); otherwise now. The counts are always now.
	AsOf time.Time
}

// Statistics computes the statistics of an account the actor may see
// (anything else is NotFound) over [from, to) (see billing.NewPeriod: zero
// times give the current calendar month; bad ranges are field errors on
// "to"). Only admins see it: it is mostly money. The default period (from
// and to zero) reads the running month's stored draft when statistics
// passes run (runningDraft); any range asked for is computed now.
func (a *App) Statistics(ctx context.Context, actor tenancy.Actor, accountID int64, from, to time.Time) (Statistics, error) {
	var s Statistics
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read)
	if err != nil {
		return s, err
	}
	if err := requireAdmin(actor); err != nil {
		return s, err
	}
	if s.Period, err = billing.NewPeriod(from, to, a.Now()); err != nil {
		return s, err
	}
	s.Account = acct
	if s.PortalCounts, err = a.PortalCounts(ctx, actor, accountID); err != nil {
		return s, err
	}
	if s.Cameras, err = cameraCounters(ctx, r, acct); err != nil {
		return s, err
	}
	var traffic, storage []store.DayBytes
	if a.drafting() && from.IsZero() && to.IsZero() {
		d, err := a.runningDraft(ctx, acct)
		if err != nil {
			return s, err
		}
		s.Money, s.AsOf, traffic, storage, s.Cameras.StorageBytes = d.Money, d.AsOf, d.Traffic, d.Storage, d.StorageUsed
	} else {
		s.AsOf = a.Now()
		if s.Cameras.StorageBytes, err = r.StorageUsedInSubtree(ctx, acct.Path); err != nil {
			return s, err
		}
		fromDay, toDay := s.Period.FromDay(), s.Period.ToDay()
		if traffic, err = r.SubtreeDailyTraffic(ctx, acct.Path, fromDay, toDay); err != nil {
			return s, err
		}
		if storage, err = r.SubtreeDailyStorage(ctx, acct.Path, fromDay, toDay); err != nil {
			return s, err
		}
		if s.Money, err = a.statement(ctx, r, acct, s.Period); err != nil {
			return s, err
		}
	}
	days := s.Period.DayList()
	s.Traffic, s.Storage = fillDays(days, traffic), fillDays(days, storage)
	for _, d := range traffic {
		s.TrafficBytes += d.Bytes
	}
	if s.Currency, err = a.treeCurrency(ctx, r, acct.Path); err != nil {
		return s, err
	}
	s.ChildCurrency, err = a.childCurrencies(ctx, r, acct)
	return s, err
}

// statement gathers what billing.ComputeStatement needs for acct.
func (a *App) statement(ctx context.Context, q store.Q, acct tenancy.Account, p billing.Period) (billing.Statement, error) {
	in := billing.StatementInput{Period: p, Account: billing.Payer{ID: acct.ID, Name: acct.Name, Path: acct.Path,
		Root: acct.IsRoot(), StoragePrice: acct.StoragePrice, TrafficPrice: acct.TrafficPrice}}
	var err error
	if in.Children, err = q.ChildPayers(ctx, acct.ID); err != nil {
		return billing.Statement{}, err
	}
	if in.Groups, err = q.SubtreeCameraGroups(ctx, acct.Path, p.From, p.To); err != nil {
		return billing.Statement{}, err
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, g := range in.Groups {
		if !seen[g.PlanID] {
			seen[g.PlanID] = true
			ids = append(ids, g.PlanID)
		}
	}
	if in.Plans, err = q.PlanRefs(ctx, ids); err != nil {
		return billing.Statement{}, err
	}
	if in.Costs, err = q.FamilyOfferCosts(ctx, acct.ID); err != nil {
		return billing.Statement{}, err
	}
	if in.Usage, err = q.SubtreeUsage(ctx, acct.Path, p.FromDay(), p.ToDay()); err != nil {
		return billing.Statement{}, err
	}
	st := billing.ComputeStatement(in)
	if st.Overflow {
		return st, errOverflow()
	}
	return st, nil
}

// fillDays lays a sparse series onto every day of the period.
func fillDays(days []string, sparse []store.DayBytes) []store.DayBytes {
	by := make(map[string]int64, len(sparse))
	for _, d := range sparse {
		by[d.Day] = d.Bytes
	}
	out := make([]store.DayBytes, len(days))
	for i, d := range days {
		out[i] = store.DayBytes{Day: d, Bytes: by[d]}
	}
	return out
}

// SnapshotStorage records today's stored bytes per camera for usage
// billing; the recording service calls it at start and on a timer.
func (a *App) SnapshotStorage(ctx context.Context) error {
	return a.Store.InTx(ctx, func(q store.Q) error {
		_, err := q.SnapshotStorage(ctx, a.Now().UTC().Format(time.DateOnly))
		return err
	})
}
