package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// treeStatements computes the month's statement of every account of the
// tree in one pass (treeCharges), with the adjustment lines of late usage
// of the previous month. Each account's statement is built from exactly
// the rows, offers and plans its own draft would read (draftStatement), so
// closing this way gives the same statements.
func (a *App) treeStatements(ctx context.Context, q store.Q, month billing.Month) ([]billing.MonthStatement, map[int64]string, error) {
	t, err := a.treeCharges(ctx, q, month)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(t.payers))
	for i, py := range t.payers {
		if t.overflow[i] {
			return nil, nil, errOverflow()
		}
		names[py.ID] = py.Name
	}
	return t.months, names, nil
}

// tree is every account's month, computed in one pass.
type tree struct {
	payers  []billing.Payer
	idx     map[string]int           // payers' index by path
	charges []billing.Statement      // the month's charges, by payer
	months  []billing.MonthStatement // the month's statements, by payer
	// overflow tells, by payer, that some amount did not fit: its figures
	// must be refused, never shown.
	overflow []bool
}

// treeCharges computes the month's charges and statement of every account
// of the tree in one pass: each table is read once for the whole tree, and
// every camera group and usage row is handed to each account above its
// customer, so the work is the tree's rows × its depth in memory rather
// than one set of subtree queries per account. The month's close and the
// statistics pass (statistics_pass.go) both use it.
func (a *App) treeCharges(ctx context.Context, q store.Q, month billing.Month) (tree, error) {
	var t tree
	root, err := q.RootAccount(ctx)
	if err != nil {
		return t, err
	}
	payers, err := q.TreePayers(ctx, root.Path)
	if err != nil {
		return t, err
	}
	p := month.Period()
	groups, err := q.SubtreeCameraGroups(ctx, root.Path, p.From, p.To)
	if err != nil {
		return t, err
	}
	usage, err := q.SubtreeUsage(ctx, root.Path, p.FromDay(), p.ToDay())
	if err != nil {
		return t, err
	}
	var planIDs []int64
	seen := map[int64]bool{}
	for _, g := range groups {
		if !seen[g.PlanID] {
			seen[g.PlanID] = true
			planIDs = append(planIDs, g.PlanID)
		}
	}
	plans, err := q.PlanRefs(ctx, planIDs)
	if err != nil {
		return t, err
	}
	costs, err := q.AllOfferCosts(ctx)
	if err != nil {
		return t, err
	}
	chosen, err := q.TreeCurrencies(ctx)
	if err != nil {
		return t, err
	}
	curOf := func(py billing.Payer) money.Currency {
		if ids := tenancy.PathIDs(py.Path); len(ids) > 1 {
			if c, ok := chosen[ids[1]]; ok {
				return c
			}
		}
		return a.currency()
	}

	idx := make(map[string]int, len(payers))
	children := make([][]billing.Payer, len(payers))
	byID := make(map[int64]int, len(payers))
	for i, py := range payers {
		idx[py.Path], byID[py.ID] = i, i
	}
	for _, py := range payers {
		if j, ok := byID[py.ParentID]; ok && !py.Root {
			children[j] = append(children[j], py)
		}
	}
	subGroups := make([][]billing.CameraGroup, len(payers))
	for _, g := range groups {
		for _, i := range ancestorsOf(idx, g.CustomerPath) {
			subGroups[i] = append(subGroups[i], g)
		}
	}
	subUsage := spreadUsage(idx, len(payers), usage)
	adj, err := a.treeAdjustments(ctx, q, root.Path, month.Prev(), payers, idx, curOf)
	if err != nil {
		return t, err
	}

	t = tree{payers: payers, idx: idx, charges: make([]billing.Statement, len(payers)),
		months: make([]billing.MonthStatement, len(payers)), overflow: make([]bool, len(payers))}
	for i, py := range payers {
		st := billing.ComputeStatement(billing.StatementInput{Period: p, Account: py, Children: children[i],
			Groups: subGroups[i], Usage: subUsage[i], Plans: plans, Costs: costs})
		var childCur map[int64]money.Currency // as childCurrencies
		if py.Root {
			childCur = chosen
		}
		m, ok := billing.BuildMonth(billing.MonthInput{Month: month, Currency: curOf(py), Account: py, Statement: st,
			Adjustments: adj, ChildCurrency: childCur})
		t.charges[i], t.months[i], t.overflow[i] = st, m, st.Overflow || !ok
	}
	return t, nil
}

// treeAdjustments is adjustments for every payer of the tree at once: the
// late usage of the closed month prev, priced per payer at what its
// statement of prev counted. Nothing when prev is not closed.
func (a *App) treeAdjustments(ctx context.Context, q store.Q, rootPath string, prev billing.Month, payers []billing.Payer,
	idx map[string]int, curOf func(billing.Payer) money.Currency) (map[int64][]billing.Line, error) {
	if _, closed, err := q.MonthClosed(ctx, prev); err != nil || !closed {
		return nil, err
	}
	counted, err := q.MonthCounted(ctx, prev)
	if err != nil {
		return nil, err
	}
	p := prev.Period()
	rows, err := q.SubtreeUsage(ctx, rootPath, p.FromDay(), p.ToDay())
	if err != nil {
		return nil, err
	}
	sub := spreadUsage(idx, len(payers), rows)
	out := map[int64][]billing.Line{}
	for i, py := range payers {
		c, ok := counted[py.ID]
		if !ok || py.Root {
			continue
		}
		storage, traffic := billing.UsageOf(sub[i], py.Path)
		if l := billing.Adjust(c, storage, traffic, curOf(py)); len(l) > 0 {
			out[py.ID] = l
		}
	}
	return out, nil
}

// spreadUsage hands each usage row to every account above its customer
// (the customer included), by the accounts' index in idx.
func spreadUsage(idx map[string]int, n int, rows []billing.UsageRow) [][]billing.UsageRow {
	out := make([][]billing.UsageRow, n)
	for _, u := range rows {
		for _, i := range ancestorsOf(idx, u.CustomerPath) {
			out[i] = append(out[i], u)
		}
	}
	return out
}

// ancestorsOf lists the indexes of the accounts on path ("/1/7/42/": the
// accounts at "/1/", "/1/7/" and "/1/7/42/"), those idx knows.
func ancestorsOf(idx map[string]int, path string) []int {
	var out []int
	for i := 1; i < len(path); i++ {
		if path[i] != '/' {
			continue
		}
		if j, ok := idx[path[:i+1]]; ok {
			out = append(out, j)
		}
	}
	return out
}
