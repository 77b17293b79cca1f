package app

import (
	"context"

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

// applyPlanSelections offers the chosen plans to a new child (app/plans_wizard.go).
func (a *App) applyPlanSelections(ctx context.Context, q store.Q, actor tenancy.Actor, parent, child tenancy.Account, sel []PlanSelection) error {
	return a.offerSelectedPlans(ctx, q, actor, parent, child, sel)
}

// checkCreateChild applies rules beyond the tree shape (e.g. the
// sub_integrators module) before a child is created.
func (a *App) checkCreateChild(ctx context.Context, q store.Q, actor tenancy.Actor, parent tenancy.Account, t tenancy.Type) error {
	return checkSubIntegrators(ctx, q, parent, t) // app/modules.go
}

// bootstrapHook lets features seed the root account (e.g. default plans).
func (a *App) bootstrapHook(ctx context.Context, q store.Q, root tenancy.Account) error {
	return a.seedDefaultPlans(ctx, q, root) // app/plans_wizard.go
}

// CheckAPIAccess applies the api_access module to API requests.
// Only Bearer-token requests are subject to it; the portals' cookie sessions
// are not (see checkAPIAccess in app/modules.go).
func (a *App) CheckAPIAccess(ctx context.Context, actor tenancy.Actor) error {
	return a.checkAPIAccess(ctx, actor)
}
