package camera

import (
	"slices"

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
//  4. every account up that path is enabled — else 403 account_disabled (R6).
//
// The actor's own account chain is checked when the request is
// authenticated; the camera's path lies below the actor's, so 3 and 4 cover
// the actor's levels too.
func DecideRight(in RightInputs) error {
	c := in.Camera
	if !c.VisibleTo(in.Actor) {
		return errs.NotFoundf("camera %d not found", c.ID)
	}
	mod, ok := RightModule[in.Right]
	if !ok {
		return errs.New(errs.Internal, "internal", "unknown camera right "+in.Right)
	}
	if !HasRight(in.Actor, c, in.Right) {
		return &errs.Error{Kind: errs.Forbidden, Code: "right_missing",
			Message: "your role does not have the " + in.Right + " right on this camera",
			Fields:  map[string]string{"right": in.Right}}
	}
	if len(in.Path) == 0 || !slices.Equal(levelIDs(in.Path), tenancy.PathIDs(c.ServicePath())) {
		return errs.New(errs.Internal, "internal", "camera rights decided without the camera's account path")
	}
	if on, _ := tenancy.ModuleOn(in.Path, mod); !on {
		return tenancy.ErrModuleDisabled(mod)
	}
	for _, l := range in.Path {
		if l.Status != tenancy.Active {
			return errs.Forbiddenf("account_disabled", "the camera's account has been disabled")
		}
	}
	return nil
}

func levelIDs(path []tenancy.ModuleLevel) []int64 {
	ids := make([]int64, len(path))
	for i, l := range path {
		ids[i] = l.AccountID
	}
	return ids
}
