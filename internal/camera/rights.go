package camera

import (
	"slices"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// RightModule is the module each camera right needs on the camera's side of
// the tree (R5, R9). PTZ moves the picture people watch live, so it goes
// with live view.
var RightModule = map[string]string{
	identity.RightViewLive: tenancy.ModLiveView,
	identity.RightPlayback: tenancy.ModPlayback,
	identity.RightSaveClip: tenancy.ModClips,
	identity.RightShare:    tenancy.ModSharing,
	identity.RightPTZ:      tenancy.ModLiveView,
}

// ServicePath is the account whose service the camera is: its customer, or
// the registering integrator while it is unassigned. Modules and statuses of
// this path decide what may be done with the camera's video.
func (c Camera) ServicePath() string {
	if c.CustomerPath != "" {
		return c.CustomerPath
	}
	return c.IntegratorPath
}

// Covers reports whether the actor's role reaches this camera at all, for
// some right: admins (owners and admin-portal roles) reach every camera of
// their subtree; a video role reaches its cameras (all of them, or the ones
// it names) when it has at least one right. It is what camera lists show a
// Guard or Viewer.
func Covers(actor tenancy.Actor, c Camera) bool {
	if !c.VisibleTo(actor) {
		return false
	}
	if actor.Admin {
		return true
	}
	return len(actor.Rights) > 0 && (actor.AllCameras || slices.Contains(actor.CameraIDs, c.ID))
}

// HasRight reports whether the actor's role grants right on the camera
// (the subtree is checked separately by DecideRight).
func HasRight(actor tenancy.Actor, c Camera, right string) bool {
	if actor.Admin {
		return true
	}
	return slices.Contains(actor.Rights, right) && (actor.AllCameras || slices.Contains(actor.CameraIDs, c.ID))
}

// RightInputs is everything the camera-rights decision reads.
type RightInputs struct {
	Actor  tenancy.Actor
	Camera Camera
	Right  string // identity.Right*
	// Path holds the accounts from the root down to the camera's
	// ServicePath, with their statuses and module switches (at least the
	// right's module).
	Path []tenancy.ModuleLevel
	// Grants are the privacy grants of the camera's service account, needed
	// when it keeps its video private (its last Path level's VideoPrivate)
	// and the actor belongs to an account above it; Now judges their expiry.
	Grants []tenancy.PrivacyGrant
	Now    time.Time
}

// Access tells how an allowed request reaches the video: from an account
// above the camera's service account (a parent), and through which privacy
// grant. The customer's audit log records such accesses.
type Access struct {
	ByAncestor bool
	Grant      int64
	// From is the ancestor account's name, for the audit entry.
	From string
}

// ErrVideoWithheld is the refusal of a parent's request for a private
// customer's video; it names the customer and the way back in.
func ErrVideoWithheld(customer string) error {
	return &errs.Error{Kind: errs.Forbidden, Code: "video_withheld",
		Message: customer + " keeps its live and recorded video private from the accounts above it; " +
			"its administrators can give your account time-limited access (Account → Privacy)"}
}

// DecideRight is the one decision for every live, playback, clip, share and
// PTZ request, in this order:
//
//  1. the camera is in the actor's subtree — else NotFound, so ids of other
//     tenants cannot be confirmed to exist (R10);
//  2. the actor's role has the right for this camera — else 403
//     right_missing naming the right (R9);
//  3. the right's module is effective for the camera's customer, i.e. on at
//     every level of its path — else 403 module_disabled (R5);
//  4. every account up that path is enabled — else 403 account_disabled (R6);
//  5. the camera's service account does not keep its video private from
//     the actor's account above it — else 403 video_withheld. A private
//     customer's own users are never withheld; a parent gets in only through
//     an active grant to its own account, and never for share, since a
//     public link would outlive the grant.
//
// The actor's own account chain is checked when the request is
// authenticated; the camera's path lies below the actor's, so 3 and 4 cover
// the actor's levels too.
func DecideRight(in RightInputs) (Access, error) {
	c := in.Camera
	if !c.VisibleTo(in.Actor) {
		return Access{}, errs.NotFoundf("camera %d not found", c.ID)
	}
	mod, ok := RightModule[in.Right]
	if !ok {
		return Access{}, errs.New(errs.Internal, "internal", "unknown camera right "+in.Right)
	}
	if !HasRight(in.Actor, c, in.Right) {
		return Access{}, &errs.Error{Kind: errs.Forbidden, Code: "right_missing",
			Message: "your role does not have the " + in.Right + " right on this camera",
			Fields:  map[string]string{"right": in.Right}}
	}
	if len(in.Path) == 0 || !slices.Equal(levelIDs(in.Path), tenancy.PathIDs(c.ServicePath())) {
		return Access{}, errs.New(errs.Internal, "internal", "camera rights decided without the camera's account path")
	}
	if on, _ := tenancy.ModuleOn(in.Path, mod); !on {
		return Access{}, tenancy.ErrModuleDisabled(mod)
	}
	for _, l := range in.Path {
		if l.Status != tenancy.Active {
			return Access{}, errs.Forbiddenf("account_disabled", "the camera's account has been disabled")
		}
	}
	svc := in.Path[len(in.Path)-1]
	if in.Actor.AccountID == svc.AccountID {
		return Access{}, nil
	}
	acc := Access{ByAncestor: true}
	for _, l := range in.Path {
		if l.AccountID == in.Actor.AccountID {
			acc.From = l.Name
		}
	}
	if !svc.VideoPrivate {
		return acc, nil
	}
	g := tenancy.GrantFor(in.Grants, in.Actor.AccountID, in.Now)
	if g == nil || g.AccountID != svc.AccountID || in.Right == identity.RightShare {
		return Access{}, ErrVideoWithheld(svc.Name)
	}
	acc.Grant = g.ID
	return acc, nil
}

// NeedsGrants reports whether DecideRight needs the service account's
// privacy grants for actor: the account keeps its video private and the
// actor is above it. Everyone else is decided without loading them.
func NeedsGrants(actor tenancy.Actor, path []tenancy.ModuleLevel) bool {
	if len(path) == 0 {
		return false
	}
	svc := path[len(path)-1]
	return svc.VideoPrivate && actor.AccountID != svc.AccountID
}

func levelIDs(path []tenancy.ModuleLevel) []int64 {
	ids := make([]int64, len(path))
	for i, l := range path {
		ids[i] = l.AccountID
	}
	return ids
}
