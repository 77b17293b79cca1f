package tenancy

import "github.com/vigilo/vigilo/internal/errs"

// Actor is who is asking: a signed-in user of one account.
type Actor struct {
	UserID      int64
	Email       string
	AccountID   int64
	AccountPath string
	AccountType Type
	// Admin is true for users whose role may manage the account in the admin
	// portal and the API (Owner and Admin roles). Guards and viewers only
	// watch video.
	Admin bool
	Owner bool
	// The camera rights of the user's role (identity.Right*) and the cameras
	// they cover: every camera the account sees (AllCameras) or those named.
	// Admins have every right on every camera of their subtree whatever
	// these say (camera.HasRight). Loaded with the session, no extra query.
	Rights     []string
	AllCameras bool
	CameraIDs  []int64
	// SessionID is the session or API token of the request (0 when none);
	// PortalSession tells that it is a sign-in session opened by the portal's
	// own sign-in form (see App.CheckAPIAccess).
	SessionID     int64
	PortalSession bool
	// NeedsTOTP: an account on the user's path requires 2FA and the user has
	// not enrolled yet; until then only enrolment and sign-out are open.
	NeedsTOTP bool
}

// IsOperator reports whether the actor belongs to the root account, which is
// the only one allowed to see everything and to define plans.
func (a Actor) IsOperator() bool { return len(PathIDs(a.AccountPath)) == 1 }

// Action is what the actor wants to do with an account.
type Action int

const (
	Read          Action = iota // see the account, its users, statistics
	EditProfile                 // name and contact details: the account itself or above
	Manage                      // prices, plans, modules, disable/enable: parents only
	CreateChild                 // add a sub-account under it
	DeleteAccount               // irreversible; parents only
)

// Decide is the one access decision (R10). target is the account acted on.
// Everything outside the actor's subtree is reported as not found, so ids
// from another tenant cannot even be confirmed to exist.
func Decide(actor Actor, target Account, action Action) error {
	if !InSubtree(actor.AccountPath, target.Path) {
		return errs.NotFoundf("account %d not found", target.ID)
	}
	self := target.ID == actor.AccountID
	if action != Read && !actor.Admin {
		return errs.Forbiddenf("forbidden", "your role cannot manage accounts")
	}
	switch action {
	case Manage, DeleteAccount:
		if self {
			return errs.Forbiddenf("forbidden", "an account's prices, plans, modules and status are set by its parent")
		}
	case CreateChild:
		if target.Type != Integrator {
			return errs.Field("parent_id", "customers cannot hold sub-accounts")
		}
		if target.Depth+1 > MaxDepth {
			return errs.Field("parent_id", "the account tree is limited to 16 levels")
		}
	}
	return nil
}

// Effective folds the statuses along a path, root first: one disabled
// ancestor disables the whole subtree (R6).
func Effective(statuses []Status) Status {
	for _, s := range statuses {
		if s != Active {
			return Disabled
		}
	}
	return Active
}
