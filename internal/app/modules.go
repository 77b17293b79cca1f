package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// ModuleView is a module of one account as a given actor may see it.
type ModuleView struct {
	tenancy.ModuleState
	// RestrictedAbove is set instead of RestrictedBy when the account that
	// switched the module off lies above the actor: the actor never learns
	// about accounts above its own (R10).
	RestrictedAbove bool
}

// Modules returns every module of account id: its switch, whether it is
// effective, and who switched it off.
func (a *App) Modules(ctx context.Context, actor tenancy.Actor, id int64) ([]ModuleView, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, id, tenancy.Read)
	if err != nil {
		return nil, err
	}
	levels, err := r.PathModuleLevels(ctx, acct.Path, "")
	if err != nil {
		return nil, err
	}
	return moduleViews(actor, levels), nil
}

func moduleViews(actor tenancy.Actor, levels []tenancy.ModuleLevel) []ModuleView {
	own := len(tenancy.PathIDs(actor.AccountPath)) - 1 // the actor's index on any path through it
	states := tenancy.EffectiveModules(levels)
	out := make([]ModuleView, len(states))
	for i, s := range states {
		v := ModuleView{ModuleState: s}
		if !s.Effective && s.OffAt-1 < own {
			v.RestrictedAbove = true
			v.RestrictedBy, v.RestrictedByName = 0, ""
		}
		out[i] = v
	}
	return out
}

// SetModules switches modules of a child account (parents only, R5). A
// module switched off above cannot be switched on below it: the request is
// refused whole with 409 module_restricted naming the module (even if the
// child's own switch is already on: nothing can be granted). The effect
// covers the child's whole subtree, by the path fold, without rewriting it.
func (a *App) SetModules(ctx context.Context, actor tenancy.Actor, id int64, sw map[string]bool) ([]ModuleView, error) {
	if err := tenancy.CheckModuleSwitches(sw); err != nil {
		return nil, err
	}
	var views []ModuleView
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, id, tenancy.Manage)
		if err != nil {
			return err
		}
		levels, err := q.PathModuleLevels(ctx, acct.Path, "")
		if err != nil {
			return err
		}
		self := levels[len(levels)-1]
		above := levels[:len(levels)-1]
		changes := map[string][2]bool{}
		for _, m := range tenancy.Modules { // catalogue order: stable messages
			v, ok := sw[m.Key]
			if !ok {
				continue
			}
			cur := self.Switch(m.Key)
			// Literal R5: asking for on what is off above is refused even
			// when this account's own switch is already on, so a caller
			// never believes it granted a module that stays off. Send only
			// the modules you change.
			if v {
				if on, at := tenancy.ModuleOn(above, m.Key); !on {
					who := "above your account"
					if at-1 >= len(tenancy.PathIDs(actor.AccountPath))-1 {
						who = "by " + above[at-1].Name
					}
					return &errs.Error{Kind: errs.Conflict, Code: "module_restricted",
						Message: "cannot switch on " + m.Name + " (" + m.Key + ") for " + acct.Name + ": it was switched off " + who,
						Fields:  map[string]string{m.Key: "switched off " + who}}
				}
			}
			if v != cur {
				changes[m.Key] = [2]bool{cur, v}
			}
		}
		if err := q.SetModuleSwitches(ctx, acct.ID, sw, a.Now()); err != nil {
			return err
		}
		for k, v := range sw {
			levels[len(levels)-1].Switches[k] = v
		}
		views = moduleViews(actor, levels)
		if len(changes) == 0 {
			return nil
		}
		out.publish(events.Event{Kind: events.ModulesChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "account.modules", map[string]any{"changes": changes})
	})
	return views, err
}

// RequireModule is THE enforcement point of modules for what an actor does
// itself: nil when key is effective for the actor's account, 403
// module_disabled otherwise. It runs one primary-key query over the ids of
// the actor's path (at most 17 rows) and keeps no cache, so a switch takes
// effect on the very next call. Use RequireModuleAt when the module of
// another account matters (e.g. the customer owning a camera).
func (a *App) RequireModule(ctx context.Context, actor tenancy.Actor, key string) error {
	if actor.AccountPath == "" {
		return errs.Unauthorizedf("unauthenticated", "sign in first")
	}
	return a.moduleAt(ctx, actor.AccountPath, key) // authcache.go
}

// RequireModuleAt is RequireModule for the account at accountPath.
func (a *App) RequireModuleAt(ctx context.Context, accountPath, key string) error {
	return requireModule(ctx, a.Store.R(), accountPath, key)
}

// ModuleEffective reports whether key is effective for the account at
// accountPath (for callers that decide rather than refuse).
func (a *App) ModuleEffective(ctx context.Context, accountPath, key string) (bool, error) {
	err := a.RequireModuleAt(ctx, accountPath, key)
	if errs.CodeOf(err) == "module_disabled" {
		return false, nil
	}
	return err == nil, err
}

func requireModule(ctx context.Context, q store.Q, path, key string) error {
	if !tenancy.ValidModule(key) {
		return errs.New(errs.Internal, "internal", "unknown module "+key)
	}
	levels, err := q.PathModuleLevels(ctx, path, key)
	if err != nil {
		return err
	}
	if on, _ := tenancy.ModuleOn(levels, key); !on {
		return tenancy.ErrModuleDisabled(key)
	}
	return nil
}

type credKey struct{}

// WithCookieAuth records whether the request was authenticated by the
// browser session cookie (true) or an Authorization: Bearer token (false).
// CheckAPIAccess needs it: api_access governs programmatic access only.
func WithCookieAuth(ctx context.Context, fromCookie bool) context.Context {
	return context.WithValue(ctx, credKey{}, fromCookie)
}

// checkAPIAccess applies the api_access module. It governs Bearer-token
// access to /api/v1, i.e. scripts and other systems; requests that carry the
// browser session cookie are the portals (a person at a browser) and keep
// working when it is off. A request whose credential kind is unknown is
// treated as programmatic.
func (a *App) checkAPIAccess(ctx context.Context, actor tenancy.Actor) error {
	if cookie, _ := ctx.Value(credKey{}).(bool); cookie {
		return nil
	}
	return a.RequireModule(ctx, actor, tenancy.ModAPIAccess)
}

// checkSubIntegrators refuses creating an integrator below parent unless
// the sub_integrators module is effective for parent.
func checkSubIntegrators(ctx context.Context, q store.Q, parent tenancy.Account, t tenancy.Type) error {
	if t != tenancy.Integrator {
		return nil
	}
	if err := requireModule(ctx, q, parent.Path, tenancy.ModSubIntegrators); err != nil {
		if errs.CodeOf(err) == "module_disabled" {
			return errs.Forbiddenf("module_disabled", "%s cannot create sub-integrators: the Sub-integrators module (sub_integrators) is switched off for it", parent.Name)
		}
		return err
	}
	return nil
}
