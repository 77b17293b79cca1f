package app

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// PlanListInput filters and pages a plan list. Sort is one of name,
// retention_days, price, cost, kind, id, with - for descending.
type PlanListInput struct {
	Q    string
	Kind string
	Sort string
	Page store.Page
}

func (in PlanListInput) check() error {
	f := errs.Fields{}
	if in.Kind != "" && !billing.Kind(in.Kind).Valid() {
		f.Add("kind", `must be "fixed" or "usage"`)
	}
	if !store.ValidPlanSort(in.Sort) {
		f.Add("sort", "unknown sort; use name, retention_days, price, cost, kind or id, with - for descending")
	}
	return f.Err()
}

// Prices are money: guards and viewers, who only watch video, never see them.
func requireAdmin(actor tenancy.Actor) error {
	if !actor.Admin {
		return errs.Forbiddenf("forbidden", "your role cannot see or manage plans")
	}
	return nil
}

// MyPlans lists the plans the actor's account may use (R4), as that account
// sees them: its names, its cost (what it pays its parent; absent for the
// operator's own plans) and its end-user prices. Paginated, searchable by
// name, sorted.
func (a *App) MyPlans(ctx context.Context, actor tenancy.Actor, in PlanListInput) ([]billing.OfferView, int, store.Page, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, 0, store.Page{}, err
	}
	if err := in.check(); err != nil {
		return nil, 0, store.Page{}, err
	}
	q := a.Store.R()
	acct, err := q.Account(ctx, actor.AccountID)
	if err != nil {
		return nil, 0, store.Page{}, err
	}
	p := in.Page.Clamp()
	rows, total, err := q.ListUsable(ctx, store.UsableFilter{Account: acct, Kind: billing.Kind(in.Kind), Q: in.Q, Sort: in.Sort, Page: p})
	if err != nil {
		return nil, 0, p, err
	}
	out := make([]billing.OfferView, 0, len(rows))
	for _, r := range rows {
		v, err := a.viewOf(ctx, q, acct, r)
		if err != nil {
			return nil, 0, p, err
		}
		out = append(out, v)
	}
	return out, total, p, nil
}

// MyPlan is one plan the actor's account may use; anything else is NotFound.
func (a *App) MyPlan(ctx context.Context, actor tenancy.Actor, planID int64) (billing.OfferView, error) {
	if err := requireAdmin(actor); err != nil {
		return billing.OfferView{}, err
	}
	q := a.Store.R()
	acct, err := q.Account(ctx, actor.AccountID)
	if err != nil {
		return billing.OfferView{}, err
	}
	return a.UsablePlan(ctx, q, acct, planID)
}

// UsablePlan returns plan planID as acct sees it if acct may use it, and
// NotFound otherwise. Camera assignment calls it (inside its transaction) to
// check that a customer may record on a plan.
func (a *App) UsablePlan(ctx context.Context, q store.Q, acct tenancy.Account, planID int64) (billing.OfferView, error) {
	r, err := q.UsablePlan(ctx, acct, planID, 0)
	if err != nil {
		return billing.OfferView{}, err
	}
	return a.viewOf(ctx, q, acct, r)
}

// viewOf turns a usable row into what acct may see. For a copy's owner the
// cost is its own cost of the source plan.
func (a *App) viewOf(ctx context.Context, q store.Q, acct tenancy.Account, r store.UsableRow) (billing.OfferView, error) {
	var ownerCost *money.Amount
	if r.Own == nil && r.Plan.SourcePlanID != 0 {
		o, ok, err := q.Offer(ctx, r.Plan.SourcePlanID, acct.ID)
		if err != nil {
			return billing.OfferView{}, err
		}
		if ok {
			ownerCost = &o.Cost
		}
	}
	return billing.View(r.Plan, r.Own, ownerCost), nil
}

// ChildPlans is a parent's view of what one child is offered: every plan
// the child's parent may use, each with the child's offer (selected,
// visible, name, cost, end-user price) or, when none exists yet, the
// defaults it would get (Offered=false, Selected=false). Only the child's
// ancestors may ask (tenancy.Manage); the child itself gets 403.
func (a *App) ChildPlans(ctx context.Context, actor tenancy.Actor, childID int64, in PlanListInput) ([]billing.ChildOffer, int, store.Page, error) {
	if err := in.check(); err != nil {
		return nil, 0, store.Page{}, err
	}
	q := a.Store.R()
	child, err := a.loadVisible(ctx, q, actor, childID, tenancy.Manage)
	if err != nil {
		return nil, 0, store.Page{}, err
	}
	parent, err := q.Account(ctx, child.ParentID)
	if err != nil {
		return nil, 0, store.Page{}, err
	}
	return a.offerable(ctx, q, parent, child.ID, in)
}

// OfferablePlans lists the plans a new child of parentID could be offered,
// with default names and prices: the Add wizard's plans step.
func (a *App) OfferablePlans(ctx context.Context, actor tenancy.Actor, parentID int64, in PlanListInput) ([]billing.ChildOffer, int, store.Page, error) {
	if err := in.check(); err != nil {
		return nil, 0, store.Page{}, err
	}
	q := a.Store.R()
	parent, err := a.loadVisible(ctx, q, actor, parentID, tenancy.CreateChild)
	if err != nil {
		return nil, 0, store.Page{}, err
	}
	return a.offerable(ctx, q, parent, 0, in)
}

func (a *App) offerable(ctx context.Context, q store.Q, parent tenancy.Account, childID int64, in PlanListInput) ([]billing.ChildOffer, int, store.Page, error) {
	p := in.Page.Clamp()
	rows, total, err := q.ListUsable(ctx, store.UsableFilter{Account: parent, ChildID: childID, Kind: billing.Kind(in.Kind),
		Q: in.Q, Sort: in.Sort, Page: p, Offerable: true})
	if err != nil {
		return nil, 0, p, err
	}
	out := make([]billing.ChildOffer, 0, len(rows))
	for _, r := range rows {
		c, err := a.childOffer(ctx, q, parent, childID, r)
		if err != nil {
			return nil, 0, p, err
		}
		out = append(out, c)
	}
	return out, total, p, nil
}

func (a *App) childOffer(ctx context.Context, q store.Q, parent tenancy.Account, childID int64, r store.UsableRow) (billing.ChildOffer, error) {
	pv, err := a.viewOf(ctx, q, parent, r)
	if err != nil {
		return billing.ChildOffer{}, err
	}
	c := billing.ChildOffer{Parent: pv, AccountID: childID}
	if r.Child != nil {
		c.Offered, c.Offer = true, *r.Child
	} else {
		c.Offer = billing.DefaultOffer(pv, childID)
		c.Offer.Selected = false
	}
	return c, nil
}

// ChildPlan is ChildPlans for one plan.
func (a *App) ChildPlan(ctx context.Context, actor tenancy.Actor, childID, planID int64) (billing.ChildOffer, error) {
	q := a.Store.R()
	child, err := a.loadVisible(ctx, q, actor, childID, tenancy.Manage)
	if err != nil {
		return billing.ChildOffer{}, err
	}
	parent, err := q.Account(ctx, child.ParentID)
	if err != nil {
		return billing.ChildOffer{}, err
	}
	r, err := q.UsablePlan(ctx, parent, planID, child.ID)
	if err != nil {
		return billing.ChildOffer{}, err
	}
	return a.childOffer(ctx, q, parent, child.ID, r)
}

// SetChildOffer creates or changes one child's offer of a plan its parent
// may use: selected, visible (OFF keeps every other setting), name, cost and
// end-user price — for that child only. Ancestors of the child only.
func (a *App) SetChildOffer(ctx context.Context, actor tenancy.Actor, childID, planID int64, p billing.OfferPatch) (billing.ChildOffer, error) {
	if err := p.Validate(""); err != nil {
		return billing.ChildOffer{}, err
	}
	var res billing.ChildOffer
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		child, parent, err := a.childAndParent(ctx, q, actor, childID)
		if err != nil {
			return err
		}
		res, err = a.putChildOffer(ctx, q, out, actor, child, parent, planID, p)
		return err
	})
	return res, err
}

// SetChildOffers applies several rows of a child's Plans tab at once (by
// plan id): every row is checked first, errors name the row
// ("plans[7].cost"), and either all are written in one transaction or none.
func (a *App) SetChildOffers(ctx context.Context, actor tenancy.Actor, childID int64, rows map[int64]billing.OfferPatch) error {
	f := errs.Fields{}
	ids := slices.Sorted(maps.Keys(rows))
	for _, planID := range ids {
		p := rows[planID]
		if e, ok := errs.As(p.Validate("plans[" + strconv.FormatInt(planID, 10) + "].")); ok {
			for k, v := range e.Fields {
				f.Add(k, v)
			}
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	return a.tx(ctx, func(q store.Q, out *outbox) error {
		child, parent, err := a.childAndParent(ctx, q, actor, childID)
		if err != nil {
			return err
		}
		for _, planID := range ids {
			if _, err := a.putChildOffer(ctx, q, out, actor, child, parent, planID, rows[planID]); err != nil {
				if e, ok := errs.As(err); ok && e.Kind == errs.NotFound {
					return errs.Field("plans["+strconv.FormatInt(planID, 10)+"].plan_id", "no such plan")
				}
				if e, ok := errs.As(err); ok && e.Kind == errs.Invalid && e.Fields["plan_id"] != "" {
					return errs.Field("plans["+strconv.FormatInt(planID, 10)+"].selected", e.Fields["plan_id"])
				}
				return err
			}
		}
		return nil
	})
}

func (a *App) childAndParent(ctx context.Context, q store.Q, actor tenancy.Actor, childID int64) (tenancy.Account, tenancy.Account, error) {
	child, err := a.loadVisible(ctx, q, actor, childID, tenancy.Manage)
	if err != nil {
		return child, tenancy.Account{}, err
	}
	parent, err := q.Account(ctx, child.ParentID)
	return child, parent, err
}

// putChildOffer writes one offer of a plan to child, in the caller's
// transaction, and audits it.
func (a *App) putChildOffer(ctx context.Context, q store.Q, out *outbox, actor tenancy.Actor, child, parent tenancy.Account, planID int64, p billing.OfferPatch) (billing.ChildOffer, error) {
	r, err := q.UsablePlan(ctx, parent, planID, child.ID)
	if err != nil {
		return billing.ChildOffer{}, err
	}
	res, err := a.childOffer(ctx, q, parent, child.ID, r)
	if err != nil {
		return res, err
	}
	before, existed := res.Offer, res.Offered
	if res.Parent.Retired && (!existed || turnsOn(p, before)) {
		// A retired plan is never offered anew; an existing offer keeps
		// its settings and may still be renamed, repriced or switched off.
		return res, retiredField("plan_id")
	}
	if !existed {
		before = billing.Offer{}  // the audit entry then lists every value set
		res.Offer.Selected = true // putting an offer offers the plan unless told otherwise
	}
	p.Apply(&res.Offer, res.Parent.Name)
	if !existed {
		defaultEndUserPrice(&res.Offer, child, p)
	}
	if err := q.PutOffer(ctx, &res.Offer); err != nil {
		return res, err
	}
	res.Offered = true
	out.publish(events.Event{Kind: events.PlanChanged, AccountID: child.ID, Path: child.Path})
	detail := offerDiff(before, res.Offer)
	detail["plan_id"] = planID
	detail["created"] = !existed
	return res, a.audit(ctx, q, actor, child, "plan.offer_set", detail)
}

// UpdateMyOffer changes the name and end-user price the actor's account
// uses for a plan (never its cost, which its parent sets). For the plan's
// owner it edits the plan itself: name and list price.
func (a *App) UpdateMyOffer(ctx context.Context, actor tenancy.Actor, planID int64, p billing.MyOfferPatch) (billing.OfferView, error) {
	if err := requireAdmin(actor); err != nil {
		return billing.OfferView{}, err
	}
	if err := p.Validate(); err != nil {
		return billing.OfferView{}, err
	}
	var v billing.OfferView
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		var err error
		v, err = a.updateMyOffer(ctx, q, out, actor, planID, p)
		return err
	})
	return v, err
}

// UpdateMyOffers changes several of my plans at once (the Plans page's one
// Save, by plan id): every row is checked first, errors name the row
// ("plans[7].end_user_price"), and all are written in one transaction or
// none.
func (a *App) UpdateMyOffers(ctx context.Context, actor tenancy.Actor, rows map[int64]billing.MyOfferPatch) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	f := errs.Fields{}
	ids := slices.Sorted(maps.Keys(rows))
	for _, planID := range ids {
		p := rows[planID]
		if e, ok := errs.As(p.Validate()); ok {
			for k, v := range e.Fields {
				f.Add("plans["+strconv.FormatInt(planID, 10)+"]."+k, v)
			}
		}
		rows[planID] = p
	}
	if err := f.Err(); err != nil {
		return err
	}
	return a.tx(ctx, func(q store.Q, out *outbox) error {
		for _, planID := range ids {
			if _, err := a.updateMyOffer(ctx, q, out, actor, planID, rows[planID]); err != nil {
				if errs.KindOf(err) == errs.NotFound {
					return errs.Field("plans["+strconv.FormatInt(planID, 10)+"].plan_id", "no such plan")
				}
				return err
			}
		}
		return nil
	})
}

// updateMyOffer changes one of my plans in the caller's transaction.
func (a *App) updateMyOffer(ctx context.Context, q store.Q, out *outbox, actor tenancy.Actor, planID int64, p billing.MyOfferPatch) (billing.OfferView, error) {
	var v billing.OfferView
	err := func() error {
		acct, err := q.Account(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		r, err := q.UsablePlan(ctx, acct, planID, 0)
		if err != nil {
			return err
		}
		if acct.Type == tenancy.Customer {
			// Customers are leaves: nobody buys from them, so they have no
			// end-user price to set, and the name is their provider's
			// choice. (A plan it may not use was 404 above.)
			return errs.Forbiddenf("customer_plans_fixed", "a customer's plans are named and priced by its provider")
		}
		if r.Own == nil {
			before := r.Plan
			if p.Name != nil {
				r.Plan.Name = *p.Name
			}
			if p.EndUserPrice != nil {
				r.Plan.Price = *p.EndUserPrice
			}
			if err := q.UpdatePlan(ctx, &r.Plan); err != nil {
				return err
			}
			if v, err = a.viewOf(ctx, q, acct, r); err != nil {
				return err
			}
			out.publish(events.Event{Kind: events.PlanChanged, AccountID: acct.ID, Path: acct.Path})
			return a.audit(ctx, q, actor, acct, "plan.updated", map[string]any{"plan_id": planID,
				"name": [2]string{before.Name, r.Plan.Name}, "price": [2]string{before.Price.String(), r.Plan.Price.String()}})
		}
		o := *r.Own
		before := o
		if p.Name != nil {
			o.Name = *p.Name
		}
		if p.EndUserPrice != nil {
			o.EndUserPrice = *p.EndUserPrice
		}
		if err := q.PutOffer(ctx, &o); err != nil {
			return err
		}
		r.Own = &o
		v = billing.View(r.Plan, r.Own, nil)
		out.publish(events.Event{Kind: events.PlanChanged, AccountID: acct.ID, Path: acct.Path})
		detail := offerDiff(before, o)
		detail["plan_id"] = planID
		return a.audit(ctx, q, actor, acct, "plan.offer_updated", detail)
	}()
	return v, err
}

// CreatePlan adds a plan to the operator's catalogue. Operator admins only.
func (a *App) CreatePlan(ctx context.Context, actor tenancy.Actor, n billing.NewPlan) (billing.OfferView, error) {
	if !actor.IsOperator() || !actor.Admin {
		return billing.OfferView{}, errs.Forbiddenf("forbidden", "only the operator defines plans; copy a fixed plan to offer it to sub-integrators")
	}
	if err := n.Validate(); err != nil {
		return billing.OfferView{}, err
	}
	var v billing.OfferView
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		root, err := q.Account(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		p := n.Plan(root.ID)
		if err := q.InsertPlan(ctx, &p); err != nil {
			return err
		}
		v = billing.View(p, nil, nil)
		out.publish(events.Event{Kind: events.PlanChanged, AccountID: root.ID, Path: root.Path})
		return a.audit(ctx, q, actor, root, "plan.created", map[string]any{"plan_id": p.ID, "name": p.Name, "kind": p.Kind,
			"retention_days": p.RetentionDays, "recording_mode": p.RecordingMode, "max_bitrate_kbps": p.MaxBitrateKbps, "price": p.Price})
	})
	return v, err
}

// CopyPlan copies a fixed plan the actor's account may use into a new plan
// it owns, and offers the copy to the listed direct sub-integrators with the
// given cost (what they pay per camera-month) and default end-user price
// (when omitted, the cost with the copier's markup: billing.ChildEndUserPrice). The copy lives only while the source stays usable
// by the copier.
func (a *App) CopyPlan(ctx context.Context, actor tenancy.Actor, planID int64, in billing.CopyInput) (billing.OfferView, error) {
	if err := requireAdmin(actor); err != nil {
		return billing.OfferView{}, err
	}
	if err := in.Validate(); err != nil {
		return billing.OfferView{}, err
	}
	var v billing.OfferView
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		acct, err := q.Account(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		if acct.Type != tenancy.Integrator {
			return errs.Forbiddenf("forbidden", "only integrators copy plans for sub-integrators")
		}
		r, err := q.UsablePlan(ctx, acct, planID, 0)
		if err != nil {
			return err
		}
		f := errs.Fields{}
		if r.Own == nil {
			f.Add("plan_id", "is your own plan; offer it to your sub-integrators directly")
		}
		if r.Plan.Kind != billing.Fixed {
			f.Add("kind", "only fixed plans can be copied")
		}
		if r.Plan.Retired() {
			f.Add("plan_id", "is retired: it can no longer be copied")
		}
		var children []tenancy.Account
		for i, id := range in.AccountIDs {
			field := "account_ids[" + strconv.Itoa(i) + "]"
			c, err := q.Account(ctx, id)
			if errs.KindOf(err) == errs.NotFound || err == nil && c.ParentID != acct.ID {
				f.Add(field, "is not one of your sub-integrators")
				continue
			}
			if err != nil {
				return err
			}
			if c.Type != tenancy.Integrator {
				f.Add(field, "is a customer; copies are for sub-integrators")
				continue
			}
			children = append(children, c)
		}
		if err := f.Err(); err != nil {
			return err
		}
		src := billing.View(r.Plan, r.Own, nil)
		name := in.Name
		if name == "" {
			name = src.Name
		}
		// Unnamed, their end-user price starts above their cost, so they do
		// not start at a margin of 0.
		eup := billing.ChildEndUserPrice(*in.Cost)
		if in.EndUserPrice != nil {
			eup = *in.EndUserPrice
		}
		cp := billing.Plan{OwnerAccountID: acct.ID, SourcePlanID: r.Plan.ID, Name: name, Kind: billing.Fixed,
			RetentionDays: r.Plan.RetentionDays, RecordingMode: r.Plan.RecordingMode, MaxBitrateKbps: r.Plan.MaxBitrateKbps, Price: *in.Cost}
		if err := q.InsertPlan(ctx, &cp); err != nil {
			return err
		}
		for _, c := range children {
			o := billing.Offer{PlanID: cp.ID, AccountID: c.ID, Selected: true, Visible: true, Name: name, Cost: *in.Cost, EndUserPrice: eup}
			if err := q.PutOffer(ctx, &o); err != nil {
				return err
			}
			out.publish(events.Event{Kind: events.PlanChanged, AccountID: c.ID, Path: c.Path})
			if err := a.audit(ctx, q, actor, c, "plan.offer_set", map[string]any{"plan_id": cp.ID, "created": true,
				"name": o.Name, "cost": o.Cost, "end_user_price": o.EndUserPrice, "selected": true, "visible": true}); err != nil {
				return err
			}
		}
		v = billing.View(cp, nil, src.Cost)
		return a.audit(ctx, q, actor, acct, "plan.copied", map[string]any{"plan_id": cp.ID, "source_plan_id": r.Plan.ID,
			"name": name, "cost": *in.Cost, "end_user_price": eup, "account_ids": in.AccountIDs})
	})
	return v, err
}

// PlanMargin is what accountID earns on planID: what it pays up and charges
// down per camera, and the totals over the cameras on that plan in its
// subtree (copies of the plan made below count for the child they were made
// in). The actor must see the account; every figure is at or below it.
func (a *App) PlanMargin(ctx context.Context, actor tenancy.Actor, accountID, planID int64) (billing.Margin, error) {
	if err := requireAdmin(actor); err != nil {
		return billing.Margin{}, err
	}
	q := a.Store.R()
	acct, err := a.loadVisible(ctx, q, actor, accountID, tenancy.Read)
	if err != nil {
		return billing.Margin{}, err
	}
	v, err := a.UsablePlan(ctx, q, acct, planID)
	if err != nil {
		return billing.Margin{}, err
	}
	m := billing.Margin{AccountID: acct.ID, PlanID: planID, Name: v.Name, Customer: acct.Type == tenancy.Customer,
		Cost: v.Cost, EndUserPrice: v.EndUserPrice}
	if m.Customer {
		n, err := q.CountCamerasOnPlans(ctx, acct.Path, []int64{planID})
		if err != nil {
			return m, err
		}
		return billing.ComputeMargin(m, n), nil
	}
	family, err := q.PlanFamily(ctx, planID)
	if err != nil {
		return m, err
	}
	kids, err := q.ChildOffers(ctx, acct.ID, planID)
	if err != nil {
		return m, err
	}
	for _, k := range kids {
		ids := []int64{planID}
		for _, c := range family {
			if tenancy.InSubtree(k.Account.Path, c.OwnerPath) {
				ids = append(ids, c.ID)
			}
		}
		n, err := q.CountCamerasOnPlans(ctx, k.Account.Path, ids)
		if err != nil {
			return m, err
		}
		m.Children = append(m.Children, billing.ChildMargin{AccountID: k.Account.ID, Name: k.Account.Name,
			Selected: k.Offer.Selected, Visible: k.Offer.Visible, Cost: k.Offer.Cost, Cameras: n})
	}
	return billing.ComputeMargin(m, 0), nil
}

// offerDiff lists the changed fields of an offer for the audit log. It names
// only the offer's own figures (the child's cost and prices), which every
// reader of that child's audit log may see.
func offerDiff(b, a billing.Offer) map[string]any {
	d := map[string]any{}
	if b.Selected != a.Selected {
		d["selected"] = [2]bool{b.Selected, a.Selected}
	}
	if b.Visible != a.Visible {
		d["visible"] = [2]bool{b.Visible, a.Visible}
	}
	if b.Name != a.Name {
		d["name"] = [2]string{b.Name, a.Name}
	}
	if b.Cost != a.Cost {
		d["cost"] = [2]string{b.Cost.String(), a.Cost.String()}
	}
	if b.EndUserPrice != a.EndUserPrice {
		d["end_user_price"] = [2]string{b.EndUserPrice.String(), a.EndUserPrice.String()}
	}
	return d
}
