package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// PortalCounts are the numbers the admin portal's dashboard and an account's
// statistics tab show about a subtree (R7), as far as the data exists.
type PortalCounts struct {
	Integrators int // sub-integrators anywhere below the account
	Customers   int // customers anywhere below the account
	Users       int // users of the account and every account below it
	OwnUsers    int // users of the account itself
}

// PortalCounts counts what lies in the subtree of an account the actor may
// see (R10: anything else is NotFound).
func (a *App) PortalCounts(ctx context.Context, actor tenancy.Actor, accountID int64) (PortalCounts, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read)
	if err != nil {
		return PortalCounts{}, err
	}
	var c PortalCounts
	if c.Integrators, c.Customers, err = r.SubtreeCounts(ctx, acct.Path); err != nil {
		return c, err
	}
	if c.Users, err = r.CountUsersInSubtree(ctx, acct.Path); err != nil {
		return c, err
	}
	_, c.OwnUsers, _, err = a.ListUsers(ctx, actor, accountID, "", store.Page{Page: 1, PerPage: 1})
	return c, err
}
