package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// CameraForRight is the one decision for every video request (live,
// playback, recordings list, clips, shares, PTZ): it returns the camera when
// actor may exercise right on it, and the refusal otherwise. Callers never
// combine their own checks around it, so the rule lives in one place: the
// pure camera.DecideRight, fed here with two indexed queries (the camera
// with its paths; the accounts of its customer's path with their statuses,
// privacy flags and the right's module switches), and a third only for a
// parent asking for a private customer's video (its live grants). Nothing
// is cached, so a disable, a module switched off, a role changed, privacy
// switched on or a grant revoked applies on the very next call.
//
// A parent let through to a customer's video is recorded in the
// customer's audit log (parent_access.go).
func (a *App) CameraForRight(ctx context.Context, actor tenancy.Actor, id int64, right string) (camera.Camera, error) {
	return a.cameraForRight(ctx, a.Store.R(), actor, id, right)
}

func (a *App) cameraForRight(ctx context.Context, q store.Q, actor tenancy.Actor, id int64, right string) (camera.Camera, error) {
	c, acc, err := a.decideCamera(ctx, q, actor, id, right)
	if err != nil {
		return camera.Camera{}, err
	}
	if err := a.noteParentAccess(ctx, q, actor, c, right, acc); err != nil {
		return camera.Camera{}, err
	}
	return c, nil
}

// decideCamera is CameraForRight without the audit of parents' accesses:
// for asking which controls to show (rightsOn), which uses no video.
func (a *App) decideCamera(ctx context.Context, q store.Q, actor tenancy.Actor, id int64, right string) (camera.Camera, camera.Access, error) {
	if actor.AccountPath == "" {
		return camera.Camera{}, camera.Access{}, errs.Unauthorizedf("unauthenticated", "sign in first")
	}
	// Not visible: answered before anything else is loaded (R10).
	c, err := loadCamera(ctx, q, actor, id)
	if err != nil {
		return camera.Camera{}, camera.Access{}, err
	}
	mod, ok := camera.RightModule[right]
	if !ok {
		return camera.Camera{}, camera.Access{}, errs.New(errs.Internal, "internal", "unknown camera right "+right)
	}
	path, err := q.PathModuleLevels(ctx, c.ServicePath(), mod)
	if err != nil {
		return camera.Camera{}, camera.Access{}, err
	}
	in := camera.RightInputs{Actor: actor, Camera: c, Right: right, Path: path, Now: a.Now()}
	if camera.NeedsGrants(actor, path) {
		svc := path[len(path)-1]
		if in.Grants, err = q.LivePrivacyGrants(ctx, svc.AccountID, actor.AccountID, in.Now); err != nil {
			return camera.Camera{}, camera.Access{}, err
		}
	}
	acc, err := camera.DecideRight(in)
	if err != nil {
		return camera.Camera{}, camera.Access{}, err
	}
	return c, acc, nil
}

// coveredCamera loads a camera the actor's role reaches for some right
// (GET /cameras/{id}); a camera of the subtree that the role does not cover
// does not exist for a Guard or Viewer, as in their list.
func coveredCamera(ctx context.Context, q store.Q, actor tenancy.Actor, id int64) (camera.Camera, error) {
	c, err := loadCamera(ctx, q, actor, id)
	if err != nil {
		return c, err
	}
	if !camera.Covers(actor, c) {
		return camera.Camera{}, errs.NotFoundf("camera %d not found", id)
	}
	return c, nil
}

// cameraScope narrows a camera list to what the actor's role covers: all
// cameras of the subtree for admins and all_cameras roles, the role's own
// cameras otherwise, none for a role without rights.
func cameraScope(actor tenancy.Actor, f *store.CameraFilter) {
	if actor.Admin {
		return
	}
	f.OnlyIDs = len(actor.Rights) == 0 || !actor.AllCameras
	if len(actor.Rights) > 0 && !actor.AllCameras {
		f.IDs = actor.CameraIDs
	}
}

// MaxRoleCameras bounds camera_ids of one role; larger sets are what
// all_cameras is for.
const MaxRoleCameras = 1000

// checkRoleCameras validates a role's camera_ids against its account: each
// id must be a camera that account sees (for a customer, one assigned to
// it). Unknown ids and other tenants' ids get the same field error, so the
// answer confirms nothing about cameras elsewhere (R10).
func checkRoleCameras(ctx context.Context, q store.Q, acct tenancy.Account, role *identity.Role) error {
	if len(role.CameraIDs) > MaxRoleCameras {
		return errs.Field("camera_ids", fmt.Sprintf("at most %d cameras; use all_cameras for more", MaxRoleCameras))
	}
	slices.Sort(role.CameraIDs)
	role.CameraIDs = slices.Compact(role.CameraIDs)
	owner := tenancy.Actor{AccountID: acct.ID, AccountPath: acct.Path}
	for _, id := range role.CameraIDs {
		c, err := q.Camera(ctx, id)
		if errs.KindOf(err) == errs.NotFound || (err == nil && !c.VisibleTo(owner)) {
			return errs.Field("camera_ids", fmt.Sprintf("camera %d is not a camera of %s", id, acct.Name))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
