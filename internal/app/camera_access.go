package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// rightModule is the module each camera right needs on the camera's side of
// the tree.
var rightModule = map[string]string{
	identity.RightViewLive: tenancy.ModLiveView,
	identity.RightPlayback: tenancy.ModPlayback,
	identity.RightSaveClip: tenancy.ModClips,
	identity.RightShare:    tenancy.ModSharing,
	identity.RightPTZ:      tenancy.ModLiveView,
}

// CameraForRight is the one decision for every video request (live,
// playback, clips, shares, PTZ): it returns the camera when actor may
// exercise right on it, and the refusal otherwise. Callers never combine
// their own checks around it, so the rule lives here only.
//
// Provisional body: admins of the camera's subtree with the module on for
// the actor. The camera-rights work replaces it with the role-based decision.
func (a *App) CameraForRight(ctx context.Context, actor tenancy.Actor, id int64, right string) (camera.Camera, error) {
	if err := requireCameraAdmin(actor); err != nil {
		return camera.Camera{}, err
	}
	if mod, ok := rightModule[right]; ok {
		if err := a.RequireModule(ctx, actor, mod); err != nil {
			return camera.Camera{}, err
		}
	}
	return loadCamera(ctx, a.Store.R(), actor, id)
}
