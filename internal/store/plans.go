package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

const planCols = `p.id, p.owner_account_id, COALESCE(p.source_plan_id, 0), p.name, p.kind, p.retention_days,
	p.recording_mode, p.max_bitrate_kbps, p.price, p.created_at, p.updated_at, COALESCE(p.retired_ms, 0)`

// planTimes holds the scanned integer columns of a plan row.
type planTimes struct{ price, ca, ua, retired int64 }

func planDest(p *billing.Plan, t *planTimes) []any {
	return []any{&p.ID, &p.OwnerAccountID, &p.SourcePlanID, &p.Name, &p.Kind, &p.RetentionDays,
		&p.RecordingMode, &p.MaxBitrateKbps, &t.price, &t.ca, &t.ua, &t.retired}
}

func finishPlan(p *billing.Plan, t planTimes) {
	p.Price, p.CreatedAt, p.UpdatedAt = money.FromUnits(t.price), fromMS(t.ca), fromMS(t.ua)
	if t.retired != 0 {
		p.RetiredAt = fromMS(t.retired)
	}
}

// InsertPlan writes a new plan (the operator's, or an integrator's copy).
func (q Q) InsertPlan(ctx context.Context, p *billing.Plan) error {
	now := time.Now()
	var src any
	if p.SourcePlanID != 0 {
		src = p.SourcePlanID
	}
	id, err := q.insert(ctx, `INSERT INTO plans (owner_account_id, source_plan_id, name, kind, retention_days, recording_mode,
		max_bitrate_kbps, price, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.OwnerAccountID, src, p.Name, p.Kind, p.RetentionDays, p.RecordingMode, p.MaxBitrateKbps, p.Price.Units(), ms(now), ms(now))
	if err != nil {
		return errs.Wrap(err, "insert plan")
	}
	p.ID, p.CreatedAt, p.UpdatedAt = id, fromMS(ms(now)), fromMS(ms(now))
	return nil
}

// Plan loads one plan row, whoever owns it; callers decide visibility.
func (q Q) Plan(ctx context.Context, id int64) (billing.Plan, error) {
	var p billing.Plan
	var t planTimes
	err := q.row(ctx, `SELECT `+planCols+` FROM plans p WHERE p.id = ?`, id).Scan(planDest(&p, &t)...)
	if err != nil {
		return p, notFound(err, "plan", id)
	}
	finishPlan(&p, t)
	return p, nil
}

// UpdatePlan writes what an owner may change of its plan: name, list
// price, retention and maximum bitrate.
func (q Q) UpdatePlan(ctx context.Context, p *billing.Plan) error {
	p.UpdatedAt = time.Now().UTC()
	_, err := q.exec(ctx, `UPDATE plans SET name = ?, price = ?, retention_days = ?, max_bitrate_kbps = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Price.Units(), p.RetentionDays, p.MaxBitrateKbps, ms(p.UpdatedAt), p.ID)
	return errs.Wrap(err, "update plan")
}

// SetPlansRetired retires the plans ids at the instant at (a zero time puts
// them back in service); a plan already retired keeps its first instant.
func (q Q) SetPlansRetired(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{}
	set := "retired_ms = NULL"
	if !at.IsZero() {
		set, args = "retired_ms = COALESCE(retired_ms, ?)", append(args, ms(at))
	}
	args = append(args, ms(time.Now()))
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := q.exec(ctx, `UPDATE plans SET `+set+`, updated_at = ? WHERE id IN (`+placeholders(len(ids))+`)`, args...)
	return errs.Wrap(err, "retire plans")
}

// Offer loads one account's offer of a plan; ok is false when there is none.
func (q Q) Offer(ctx context.Context, planID, accountID int64) (billing.Offer, bool, error) {
	o := billing.Offer{PlanID: planID, AccountID: accountID}
	var cost, eup, ua int64
	err := q.row(ctx, `SELECT selected, visible, name, cost, end_user_price, updated_at FROM offers WHERE plan_id = ? AND account_id = ?`,
		planID, accountID).Scan(&o.Selected, &o.Visible, &o.Name, &cost, &eup, &ua)
	if err == sql.ErrNoRows {
		return o, false, nil
	}
	if err != nil {
		return o, false, errs.Wrap(err, "load offer")
	}
	o.Cost, o.EndUserPrice, o.UpdatedAt = money.FromUnits(cost), money.FromUnits(eup), fromMS(ua)
	return o, true, nil
}

// PutOffer creates or replaces one account's offer of a plan.
func (q Q) PutOffer(ctx context.Context, o *billing.Offer) error {
	o.UpdatedAt = time.Now().UTC()
	_, err := q.exec(ctx, `INSERT INTO offers (plan_id, account_id, selected, visible, name, cost, end_user_price, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, plan_id) DO UPDATE SET selected = excluded.selected, visible = excluded.visible,
		name = excluded.name, cost = excluded.cost, end_user_price = excluded.end_user_price, updated_at = excluded.updated_at`,
		o.PlanID, o.AccountID, o.Selected, o.Visible, o.Name, o.Cost.Units(), o.EndUserPrice.Units(), ms(o.UpdatedAt))
	if err != nil {
		if q.d.isForeignKey(err) {
			return errs.NotFoundf("plan %d not found", o.PlanID)
		}
		return errs.Wrap(err, "write offer")
	}
	return nil
}

// UsableRow is one plan an account may use, with the account's own offer
// (nil when it owns the plan) and, for a parent's view of a child, the
// child's offer (nil when the child has none).
type UsableRow struct {
	Plan  billing.Plan
	Own   *billing.Offer
	Child *billing.Offer
}

// UsableFilter selects the plans an account may use (R4).
type UsableFilter struct {
	Account tenancy.Account // whose usable plans
	ChildID int64           // also load this child's offers
	PlanID  int64           // only this plan
	Kind    billing.Kind
	Q       string // matches the account's name for the plan
	// Offerable leaves out retired plans, except those ChildID already has
	// an offer of (they stay listed, flagged, until the child moves off).
	Offerable bool
	Sort      string
	Page      Page
}

var planSorts = map[string]string{
	"name": "eff_name ASC, p.id ASC", "-name": "eff_name DESC, p.id DESC",
	"retention_days": "p.retention_days ASC, eff_name ASC, p.id ASC", "-retention_days": "p.retention_days DESC, eff_name ASC, p.id ASC",
	"price": "eff_price ASC, p.id ASC", "-price": "eff_price DESC, p.id DESC",
	"cost": "eff_cost ASC, p.id ASC", "-cost": "eff_cost DESC, p.id DESC",
	"kind": "p.kind ASC, eff_name ASC, p.id ASC", "-kind": "p.kind DESC, eff_name ASC, p.id ASC",
	"id": "p.id ASC", "-id": "p.id DESC",
}

// ValidPlanSort reports whether s is a known sort key for plan lists.
func ValidPlanSort(s string) bool { _, ok := planSorts[s]; return ok || s == "" }

const offerCols = `%.selected, %.visible, %.name, %.cost, %.end_user_price, %.updated_at`

// ListUsable returns one page of the plans f.Account may use, and the total:
// the offers along the account's path below the plan's owner must all be
// selected and visible, one per level. Copies whose source is no longer
// usable by their owner are excluded as well.
func (q Q) ListUsable(ctx context.Context, f UsableFilter) ([]UsableRow, int, error) {
	dead, err := q.deadCopies(ctx, f.Account)
	if err != nil {
		return nil, 0, err
	}
	return q.listUsable(ctx, f, dead)
}

func (q Q) listUsable(ctx context.Context, f UsableFilter, dead []int64) ([]UsableRow, int, error) {
	cond, args := q.usableWhere(f, dead)
	// cand drives the query from the account's own shown offers and own
	// plans, so the work follows what the account was offered, not the size
	// of its ancestors' catalogues. The chain rule is then one correlated
	// count per candidate (see usableWhere): a fixed, index-served shape that
	// does not depend on the planner's statistics being fresh.
	from := ` FROM (SELECT plan_id AS id FROM offers WHERE account_id = ? AND selected AND visible
			UNION SELECT id FROM plans WHERE owner_account_id = ?) cand
		JOIN plans p ON p.id = cand.id
		JOIN accounts ow ON ow.id = p.owner_account_id
		LEFT JOIN offers o ON o.plan_id = p.id AND o.account_id = ?
		LEFT JOIN offers c ON c.plan_id = p.id AND c.account_id = ? `
	head := []any{f.Account.ID, f.Account.ID, f.Account.ID, f.ChildID}
	total, err := q.count(ctx, `SELECT count(*)`+from+`WHERE `+cond, append(head, args...)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count plans")
	}
	order, ok := planSorts[f.Sort]
	if !ok {
		order = planSorts["name"]
	}
	p := f.Page.Clamp()
	rows, err := q.query(ctx, `SELECT `+planCols+`, `+strings.ReplaceAll(offerCols, "%", "o")+`, `+strings.ReplaceAll(offerCols, "%", "c")+`,
		COALESCE(NULLIF(o.name, ''), p.name) AS eff_name, COALESCE(o.end_user_price, p.price) AS eff_price, COALESCE(o.cost, 0) AS eff_cost`+
		from+`WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(append(head, args...), p.PerPage, p.Offset())...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list plans")
	}
	defer rows.Close()
	out := []UsableRow{}
	for rows.Next() {
		var r UsableRow
		var t planTimes
		var own, child nullOffer
		var effName string
		var effPrice, effCost int64
		dest := append(planDest(&r.Plan, &t), own.dest()...)
		dest = append(dest, child.dest()...)
		dest = append(dest, &effName, &effPrice, &effCost)
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, errs.Wrap(err, "scan plan")
		}
		finishPlan(&r.Plan, t)
		r.Own = own.offer(r.Plan.ID, f.Account.ID)
		r.Child = child.offer(r.Plan.ID, f.ChildID)
		out = append(out, r)
	}
	return out, total, errs.Wrap(rows.Err(), "list plans")
}

func (q Q) usableWhere(f UsableFilter, exclude []int64) (string, []any) {
	ids := tenancy.PathIDs(f.Account.Path)
	in := placeholders(len(ids))
	var args []any
	for _, id := range ids {
		args = append(args, id)
	}
	// Offers only ever exist strictly below a plan's owner (a parent offers
	// only what it may use itself), so the plan is usable exactly when the
	// shown offers along the path number the levels from owner to account.
	where := []string{"p.owner_account_id IN (" + in + ")",
		`(SELECT count(*) FROM offers x WHERE x.plan_id = p.id AND x.account_id IN (` + in + `)
		  AND x.selected AND x.visible) = ? - ow.depth`}
	args = append(args, args...)
	args = append(args, f.Account.Depth)
	if f.PlanID != 0 {
		where = append(where, "p.id = ?")
		args = append(args, f.PlanID)
	}
	if len(exclude) > 0 {
		where = append(where, "p.id NOT IN ("+placeholders(len(exclude))+")")
		for _, id := range exclude {
			args = append(args, id)
		}
	}
	if f.Offerable {
		where = append(where, "(p.retired_ms IS NULL OR c.updated_at IS NOT NULL)")
	}
	if f.Kind != "" {
		where = append(where, "p.kind = ?")
		args = append(args, f.Kind)
	}
	if s := strings.TrimSpace(f.Q); s != "" {
		where = append(where, "COALESCE(NULLIF(o.name, ''), p.name) "+q.d.ilike+" ? ESCAPE '\\'")
		args = append(args, "%"+likeEscape(s)+"%")
	}
	return strings.Join(where, " AND "), args
}

// nullOffer scans the columns of a LEFT JOINed offer.
type nullOffer struct {
	selected, visible sql.NullBool
	name              sql.NullString
	cost, eup, ua     sql.NullInt64
}

func (n *nullOffer) dest() []any {
	return []any{&n.selected, &n.visible, &n.name, &n.cost, &n.eup, &n.ua}
}

func (n *nullOffer) offer(planID, accountID int64) *billing.Offer {
	if !n.ua.Valid || accountID == 0 {
		return nil
	}
	return &billing.Offer{PlanID: planID, AccountID: accountID, Selected: n.selected.Bool, Visible: n.visible.Bool,
		Name: n.name.String, Cost: money.FromUnits(n.cost.Int64), EndUserPrice: money.FromUnits(n.eup.Int64), UpdatedAt: fromMS(n.ua.Int64)}
}

// UsablePlan loads one plan acct may use (with childID's offer if non-zero);
// a plan it may not use is NotFound.
func (q Q) UsablePlan(ctx context.Context, acct tenancy.Account, planID, childID int64) (UsableRow, error) {
	rows, _, err := q.listUsable(ctx, UsableFilter{Account: acct, ChildID: childID, PlanID: planID, Page: Page{PerPage: 1}}, nil)
	if err != nil {
		return UsableRow{}, err
	}
	if len(rows) == 0 {
		return UsableRow{}, errs.NotFoundf("plan %d not found", planID)
	}
	r := rows[0]
	if src := r.Plan.SourcePlanID; src != 0 {
		// A copy lives only while its owner may still use the source. The
		// source is an older row, so this walk up the copy chain ends.
		owner := acct
		if r.Plan.OwnerAccountID != acct.ID {
			if owner, err = q.Account(ctx, r.Plan.OwnerAccountID); err != nil {
				return UsableRow{}, err
			}
		}
		if _, err := q.UsablePlan(ctx, owner, src, 0); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return UsableRow{}, errs.NotFoundf("plan %d not found", planID)
			}
			return UsableRow{}, err
		}
	}
	return r, nil
}

// deadCopies lists the copies owned along acct's path whose source their
// owner may no longer use; such a copy is unusable below its owner too.
func (q Q) deadCopies(ctx context.Context, acct tenancy.Account) ([]int64, error) {
	ids := tenancy.PathIDs(acct.Path)
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT p.id, p.owner_account_id, p.source_plan_id FROM plans p
		WHERE p.source_plan_id IS NOT NULL AND p.owner_account_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "list copies")
	}
	type cp struct{ id, owner, source int64 }
	var copies []cp
	for rows.Next() {
		var c cp
		if err := rows.Scan(&c.id, &c.owner, &c.source); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "scan copy")
		}
		copies = append(copies, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "list copies")
	}
	owners := map[int64]tenancy.Account{}
	var dead []int64
	for _, c := range copies {
		owner, ok := owners[c.owner]
		if !ok {
			if owner, err = q.Account(ctx, c.owner); err != nil {
				return nil, err
			}
			owners[c.owner] = owner
		}
		if _, err := q.UsablePlan(ctx, owner, c.source, 0); errs.KindOf(err) == errs.NotFound {
			dead = append(dead, c.id)
		} else if err != nil {
			return nil, err
		}
	}
	return dead, nil
}

// ChildOfferRow is one direct child's offer of a plan, for margins.
type ChildOfferRow struct {
	Account tenancy.Account
	Offer   billing.Offer
}

// ChildOffers lists the offers of planID to the direct children of parentID.
func (q Q) ChildOffers(ctx context.Context, parentID, planID int64) ([]ChildOfferRow, error) {
	rows, err := q.query(ctx, `SELECT a.id, a.name, a.path, a.type, o.selected, o.visible, o.name, o.cost, o.end_user_price, o.updated_at
		FROM accounts a JOIN offers o ON o.account_id = a.id AND o.plan_id = ?
		WHERE a.parent_id = ? ORDER BY a.name, a.id`, planID, parentID)
	if err != nil {
		return nil, errs.Wrap(err, "list child offers")
	}
	defer rows.Close()
	var out []ChildOfferRow
	for rows.Next() {
		var r ChildOfferRow
		var cost, eup, ua int64
		if err := rows.Scan(&r.Account.ID, &r.Account.Name, &r.Account.Path, &r.Account.Type,
			&r.Offer.Selected, &r.Offer.Visible, &r.Offer.Name, &cost, &eup, &ua); err != nil {
			return nil, errs.Wrap(err, "scan child offer")
		}
		r.Account.ParentID = parentID
		r.Offer.PlanID, r.Offer.AccountID = planID, r.Account.ID
		r.Offer.Cost, r.Offer.EndUserPrice, r.Offer.UpdatedAt = money.FromUnits(cost), money.FromUnits(eup), fromMS(ua)
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "list child offers")
}

// PlanCopy is one plan descended from another by copying, with the path of
// its owner (to tell in whose subtree it was made).
type PlanCopy struct {
	ID        int64
	OwnerPath string
}

// PlanFamily returns every copy made of planID, transitively.
func (q Q) PlanFamily(ctx context.Context, planID int64) ([]PlanCopy, error) {
	var out []PlanCopy
	frontier := []int64{planID}
	for depth := 0; len(frontier) > 0 && depth <= tenancy.MaxDepth+1; depth++ {
		args := make([]any, len(frontier))
		for i, id := range frontier {
			args[i] = id
		}
		rows, err := q.query(ctx, `SELECT p.id, a.path FROM plans p JOIN accounts a ON a.id = p.owner_account_id
			WHERE p.source_plan_id IN (`+placeholders(len(frontier))+`)`, args...)
		if err != nil {
			return nil, errs.Wrap(err, "plan family")
		}
		frontier = frontier[:0:0]
		for rows.Next() {
			var c PlanCopy
			if err := rows.Scan(&c.ID, &c.OwnerPath); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "scan plan family")
			}
			out = append(out, c)
			frontier = append(frontier, c.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "plan family")
		}
	}
	return out, nil
}

// CountCamerasOnPlans counts the cameras assigned to customers in the
// subtree at path whose plan is one of planIDs.
func (q Q) CountCamerasOnPlans(ctx context.Context, path string, planIDs []int64) (int, error) {
	if len(planIDs) == 0 {
		return 0, nil
	}
	lo, hi := tenancy.SubtreeRange(path)
	args := []any{lo, hi}
	for _, id := range planIDs {
		args = append(args, id)
	}
	n, err := q.count(ctx, `SELECT count(*) FROM cameras cam JOIN accounts cu ON cu.id = cam.customer_id
		WHERE cu.path >= ? AND cu.path < ? AND cam.plan_id IN (`+placeholders(len(planIDs))+`)`, args...)
	return n, errs.Wrap(err, "count cameras on plan")
}

// SumOfferCosts adds up, in the database, the costs of every offer made to
// accountID (what it would pay for one camera on each plan). It exists to
// prove money stays exact through SQL sums on both engines.
func (q Q) SumOfferCosts(ctx context.Context, accountID int64) (money.Amount, error) {
	var v int64
	err := q.row(ctx, `SELECT CAST(COALESCE(SUM(cost), 0) AS BIGINT) FROM offers WHERE account_id = ?`, accountID).Scan(&v)
	return money.FromUnits(v), errs.Wrap(err, "sum offer costs")
}

// PlanRowCounts counts plan and offer rows (tests check that refused
// requests change nothing).
func (q Q) PlanRowCounts(ctx context.Context) (plans, offers int, err error) {
	if plans, err = q.count(ctx, `SELECT count(*) FROM plans`); err != nil {
		return 0, 0, errs.Wrap(err, "count plans")
	}
	offers, err = q.count(ctx, `SELECT count(*) FROM offers`)
	return plans, offers, errs.Wrap(err, "count offers")
}

// RetiredPlans tells which of planIDs are retired (cameras on them are
// flagged in the portal until moved).
func (q Q) RetiredPlans(ctx context.Context, planIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(planIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(planIDs))
	for i, id := range planIDs {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT id FROM plans WHERE retired_ms IS NOT NULL AND id IN (`+placeholders(len(planIDs))+`)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "retired plans")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, errs.Wrap(err, "scan retired plan")
		}
		out[id] = true
	}
	return out, errs.Wrap(rows.Err(), "retired plans")
}
