package web

import (
	"context"

	"github.com/vigilo/vigilo/internal/tenancy"
)

// cameraCounts reports camera statistics of an account's subtree; ok is
// false while no camera feature is wired into the portal.
func (p *Portal) cameraCounts(ctx context.Context, q *req, acct tenancy.Account) (c cameraCounts, ok bool, err error) {
	return cameraCounts{}, false, nil
}
