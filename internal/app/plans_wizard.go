package app

import (
	"context"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// offerSelectedPlans is the Add wizard's plans step: each selection becomes
// the new child's offer of a plan its parent may use. Every row is checked
// before anything is written, and errors name the row ("plans[2].cost"), so
// the whole wizard is refused with all its problems at once.
func (a *App) offerSelectedPlans(ctx context.Context, q store.Q, actor tenancy.Actor, parent, child tenancy.Account, sel []PlanSelection) error {
	if len(sel) == 0 {
		return nil
	}
	f := errs.Fields{}
	type row struct {
		parent billing.OfferView
		patch  billing.OfferPatch
	}
	rows := make([]row, len(sel))
	seen := map[int64]bool{}
	for i, s := range sel {
		prefix := "plans[" + strconv.Itoa(i) + "]."
		selected, visible, name := s.Selected, s.Visible, strings.TrimSpace(s.Name)
		p := billing.OfferPatch{Selected: &selected, Visible: &visible, Name: &name,
			Cost: billing.ParsePrice(f, prefix+"cost", s.Cost), EndUserPrice: billing.ParsePrice(f, prefix+"end_user_price", s.EndUserPrice)}
		tenancy.CheckName(f, prefix+"name", name, tenancy.MaxName, false)
		switch {
		case s.PlanID <= 0:
			f.Add(prefix+"plan_id", "is required")
			continue
		case seen[s.PlanID]:
			f.Add(prefix+"plan_id", "is listed twice")
			continue
		}
		seen[s.PlanID] = true
		v, err := a.UsablePlan(ctx, q, parent, s.PlanID)
		if errs.KindOf(err) == errs.NotFound {
			f.Add(prefix+"plan_id", "no such plan")
			continue
		} else if err != nil {
			return err
		}
		if v.Retired {
			f.Add(prefix+"plan_id", "is retired: it can no longer be offered")
			continue
		}
		rows[i] = row{parent: v, patch: p}
	}
	if err := f.Err(); err != nil {
		return err
	}
	for _, r := range rows {
		o := billing.DefaultOffer(r.parent, child.ID)
		r.patch.Apply(&o, r.parent.Name)
		defaultEndUserPrice(&o, child, r.patch)
		if err := q.PutOffer(ctx, &o); err != nil {
			return err
		}
		if err := a.audit(ctx, q, actor, child, "plan.offer_set", map[string]any{"plan_id": o.PlanID, "created": true,
			"selected": o.Selected, "visible": o.Visible, "name": o.Name, "cost": o.Cost, "end_user_price": o.EndUserPrice}); err != nil {
			return err
		}
	}
	return nil
}

// seedDefaultPlans gives a fresh installation a small catalogue, so the
// operator has something to offer before defining its own plans.
func (a *App) seedDefaultPlans(ctx context.Context, q store.Q, root tenancy.Account) error {
	for _, n := range billing.DefaultPlans() {
		p := n.Plan(root.ID)
		if err := q.InsertPlan(ctx, &p); err != nil {
			return err
		}
	}
	return a.audit(ctx, q, tenancy.Actor{Email: "system"}, root, "plan.seeded", map[string]any{"plans": len(billing.DefaultPlans())})
}

// defaultEndUserPrice gives a new sub-integrator's offer, when its end-user
// price was not named, a price above its cost (billing.ChildEndUserPrice),
// so that it does not start at a margin of 0. A customer resells nothing:
// its end-user price stays its cost.
func defaultEndUserPrice(o *billing.Offer, child tenancy.Account, p billing.OfferPatch) {
	if p.EndUserPrice == nil && child.Type == tenancy.Integrator {
		o.EndUserPrice = billing.ChildEndUserPrice(o.Cost)
	}
}
