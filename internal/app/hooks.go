package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// PlanSelection is one row of the wizard's plans step (R4).
type PlanSelection struct {
	PlanID       int64
	Selected     bool
	Visible      bool
	Name         string
	Cost         *string
	EndUserPrice *string
}

// applyPlanSelections offers the chosen plans to a new child. Plans arrive
// with the billing feature; until then any selection is refused by field.
func (a *App) applyPlanSelections(ctx context.Context, q store.Q, actor tenancy.Actor, parent, child tenancy.Account, sel []PlanSelection) error {
	if len(sel) > 0 {
		return errs.Field("plans", "no plans are defined yet")
	}
	return nil
}

// checkCreateChild applies rules beyond the tree shape (e.g. the
// sub_integrators module) before a child is created.
func (a *App) checkCreateChild(ctx context.Context, q store.Q, actor tenancy.Actor, parent tenancy.Account, t tenancy.Type) error {
	return nil
}

// bootstrapHook lets features seed the root account (e.g. default plans).
func (a *App) bootstrapHook(ctx context.Context, q store.Q, root tenancy.Account) error { return nil }

// CheckAPIAccess applies the api_access module to API requests.
func (a *App) CheckAPIAccess(ctx context.Context, actor tenancy.Actor) error { return nil }
