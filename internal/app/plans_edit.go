package app

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// EditPlan changes a plan its owner defined (the operator's catalogue, or
// an integrator's copy): name, list price, retention, maximum bitrate, and
// whether it is retired. Anyone else who may use the plan gets 403 naming
// the field (their name and end-user price go through UpdateMyOffer); a
// plan they may not use is 404.
//
// Retiring (docs/BILLING.md "Retired and hidden plans") stops the plan from
// being offered, copied or chosen for a camera; cameras already on it keep
// recording and being billed on it until moved. Copies made of it, at any
// depth, retire with it and come back with it when it is put back in
// service (those its owners retired on their own stay retired).
func (a *App) EditPlan(ctx context.Context, actor tenancy.Actor, planID int64, e billing.PlanEdit) (billing.OfferView, error) {
	if err := requireAdmin(actor); err != nil {
		return billing.OfferView{}, err
	}
	if err := e.Validate(); err != nil {
		return billing.OfferView{}, err
	}
	var v billing.OfferView
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		acct, err := q.Account(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		r, err := q.UsablePlan(ctx, acct, planID, 0)
		if err != nil {
			return err
		}
		if r.Own != nil {
			return notOwner(e)
		}
		before := r.Plan
		if before.SourcePlanID != 0 {
			if err := copyKeepsSource(before, e); err != nil {
				return err
			}
		}
		e.Apply(&r.Plan)
		if err := q.UpdatePlan(ctx, &r.Plan); err != nil {
			return err
		}
		if r.Plan.RetentionDays != before.RetentionDays || r.Plan.MaxBitrateKbps != before.MaxBitrateKbps {
			if err := a.recordLikeSource(ctx, q, r.Plan); err != nil {
				return err
			}
		}
		detail := planDiff(before, r.Plan)
		if e.Retired != nil && *e.Retired != before.Retired() {
			if err := a.setRetired(ctx, q, &r.Plan, *e.Retired); err != nil {
				return err
			}
			detail["retired"] = [2]bool{before.Retired(), r.Plan.Retired()}
		}
		if v, err = a.viewOf(ctx, q, acct, r); err != nil {
			return err
		}
		if len(detail) == 0 {
			return nil
		}
		// Retention and bitrate reach the recorder through the same
		// event as any plan change (it re-reads its desired cameras).
		out.publish(events.Event{Kind: events.PlanChanged, AccountID: acct.ID, Path: acct.Path})
		detail["plan_id"] = planID
		return a.audit(ctx, q, actor, acct, "plan.updated", detail)
	})
	return v, err
}

// copyKeepsSource refuses a copy's own retention or bitrate: a copy is
// billed at its source's cost all the way up, and fixed plans carry no
// storage charge, so a copy that kept longer or recorded heavier would be
// storage its owner's parents pay for without charging it.
func copyKeepsSource(p billing.Plan, e billing.PlanEdit) error {
	f := errs.Fields{}
	const why = "is set by the plan it was copied from"
	if e.RetentionDays != nil && *e.RetentionDays != p.RetentionDays {
		f.Add("retention_days", why)
	}
	if e.MaxBitrateKbps != nil && *e.MaxBitrateKbps != p.MaxBitrateKbps {
		f.Add("max_bitrate_kbps", why)
	}
	return f.Err()
}

// recordLikeSource gives every copy of p, at any depth, p's retention and
// maximum bitrate: what the copies' cameras record follows their source.
func (a *App) recordLikeSource(ctx context.Context, q store.Q, p billing.Plan) error {
	family, err := q.PlanFamily(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, c := range family {
		cp, err := q.Plan(ctx, c.ID)
		if err != nil {
			return err
		}
		cp.RetentionDays, cp.MaxBitrateKbps = p.RetentionDays, p.MaxBitrateKbps
		if err := q.UpdatePlan(ctx, &cp); err != nil {
			return err
		}
	}
	return nil
}

// notOwner refuses an edit of a plan the actor's account uses but does not
// own, naming each field it tried to change.
func notOwner(e billing.PlanEdit) error {
	f := map[string]string{}
	const why = "is set by the plan's owner"
	if e.RetentionDays != nil {
		f["retention_days"] = why
	}
	if e.MaxBitrateKbps != nil {
		f["max_bitrate_kbps"] = why
	}
	if e.Retired != nil {
		f["retired"] = why
	}
	if e.Price != nil {
		f["price"] = why + "; change end_user_price instead"
	}
	return &errs.Error{Kind: errs.Forbidden, Code: "not_plan_owner", Message: "only the plan's owner changes the plan itself", Fields: f}
}

// setRetired retires p and its copies at the app's clock, or puts them back
// in service: only the copies retired at the same instant as p, so a copy
// its owner retired on its own stays retired. A copy cannot come back while
// its source is retired.
func (a *App) setRetired(ctx context.Context, q store.Q, p *billing.Plan, retired bool) error {
	family, err := q.PlanFamily(ctx, p.ID)
	if err != nil {
		return err
	}
	ids := []int64{p.ID}
	if retired {
		for _, c := range family {
			ids = append(ids, c.ID)
		}
		now := a.Now()
		if err := q.SetPlansRetired(ctx, ids, now); err != nil {
			return err
		}
		p.RetiredAt = time.UnixMilli(now.UnixMilli()).UTC() // as stored
		return nil
	}
	if p.SourcePlanID != 0 {
		src, err := q.Plan(ctx, p.SourcePlanID)
		if err != nil {
			return err
		}
		if src.Retired() {
			return errs.Field("retired", "the plan it was copied from is retired")
		}
	}
	for _, c := range family {
		cp, err := q.Plan(ctx, c.ID)
		if err != nil {
			return err
		}
		if cp.RetiredAt.Equal(p.RetiredAt) {
			ids = append(ids, c.ID)
		}
	}
	if err := q.SetPlansRetired(ctx, ids, time.Time{}); err != nil {
		return err
	}
	p.RetiredAt = time.Time{}
	return nil
}

// planDiff lists the changed fields of a plan for the audit log.
func planDiff(b, a billing.Plan) map[string]any {
	d := map[string]any{}
	if b.Name != a.Name {
		d["name"] = [2]string{b.Name, a.Name}
	}
	if b.Price != a.Price {
		d["price"] = [2]string{b.Price.String(), a.Price.String()}
	}
	if b.RetentionDays != a.RetentionDays {
		d["retention_days"] = [2]int{b.RetentionDays, a.RetentionDays}
	}
	if b.MaxBitrateKbps != a.MaxBitrateKbps {
		d["max_bitrate_kbps"] = [2]int{b.MaxBitrateKbps, a.MaxBitrateKbps}
	}
	return d
}

// retiredField refuses a retired plan where a new use of it is asked for.
func retiredField(field string) error {
	return errs.Field(field, "is retired: it can no longer be offered or chosen")
}

// turnsOn reports whether patch p would switch an offer that is off (not
// selected, or hidden) back on.
func turnsOn(p billing.OfferPatch, o billing.Offer) bool {
	return p.Selected != nil && *p.Selected && !o.Selected || p.Visible != nil && *p.Visible && !o.Visible
}
