package app

import (
	"context"
	"strconv"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// DeleteAccountInput confirms an irreversible delete (R6).
type DeleteAccountInput struct {
	ConfirmName string // must be the account's exact name
	Cascade     bool   // also delete every sub-account
}

// DeleteAccount removes an account and everything below it: users, roles,
// cameras and recording rows (parents only). It is separate from disabling,
// irreversible, and needs the account's exact name; an account with
// sub-accounts is refused unless Cascade is set.
//
// Events, after commit: one AccountDeleted{AccountID, Path} for the subtree
// (its cameras are gone from the database: the recorder stops them and
// deletes the files of camera ids that no longer exist), and one
// AccountDeleted{AccountID, Path, CameraID} per camera that survives
// unassigned (registered above the subtree) whose recordings were deleted:
// the recorder deletes that camera's existing files.
func (a *App) DeleteAccount(ctx context.Context, actor tenancy.Actor, id int64, in DeleteAccountInput) (store.DeleteStats, error) {
	var st store.DeleteStats
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, id, tenancy.DeleteAccount)
		if err != nil {
			return err
		}
		if in.ConfirmName != acct.Name {
			return errs.Field("confirm_name", "must be the account's exact name, "+strconv.Quote(acct.Name)+", to confirm the deletion")
		}
		below, err := q.SubtreeCounters(ctx, acct)
		if err != nil {
			return err
		}
		if n := below.Integrators + below.Customers; n > 0 && !in.Cascade {
			return errs.Conflictf("has_sub_accounts", "%s has %d sub-accounts; delete them first, or confirm with cascade: true to delete them too", acct.Name, n)
		}
		if st, err = q.DeleteSubtree(ctx, acct.Path); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.AccountDeleted, AccountID: acct.ID, Path: acct.Path})
		for _, cam := range st.Unassigned {
			out.publish(events.Event{Kind: events.AccountDeleted, AccountID: acct.ID, Path: acct.Path, CameraID: cam})
		}
		return a.audit(ctx, q, actor, acct, "account.deleted", map[string]any{"name": acct.Name, "type": acct.Type,
			"cascade": in.Cascade, "accounts": st.Accounts, "users": st.Users, "cameras": st.Cameras,
			"segments": st.Segments, "unassigned_cameras": st.Unassigned})
	})
	return st, err
}
