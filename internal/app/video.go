package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/camera"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// VideoCamera is a camera as the video portal shows it: the camera with its
// status and the camera rights the actor holds on it right now. The portal
// offers a control only where its right is here, so a control is never
// shown for something the server would refuse.
type VideoCamera struct {
	CameraView
	Rights map[string]bool
}

// Can reports whether the actor holds right on the camera.
func (v VideoCamera) Can(right string) bool { return v.Rights[right] }

// videoRights are the rights that put a camera in the video portal; PTZ
// controls are added on the camera's page (VideoCamera) where it has PTZ.
var videoRights = []string{identity.RightViewLive, identity.RightPlayback, identity.RightSaveClip, identity.RightShare}

// rightsOn asks the one camera decision (decideCamera: CameraForRight without
// the audit of a parent's access, since asking is not watching) for each right, so
// the portal never holds a second copy of the rule. The first refusal that is
// not a missing right (not found, a disabled account) is returned when no
// right is held.
func (a *App) rightsOn(ctx context.Context, actor tenancy.Actor, id int64) (map[string]bool, error) {
	held := map[string]bool{}
	var refusal error
	for _, r := range videoRights {
		_, _, err := a.decideCamera(ctx, a.Store.R(), actor, id, r)
		switch {
		case err == nil:
			held[r] = true
		case errs.KindOf(err) == errs.NotFound:
			return nil, err
		case refusal == nil:
			refusal = err
		}
	}
	if len(held) == 0 {
		if refusal == nil {
			refusal = errs.Forbiddenf("right_missing", "your role gives you no right on this camera")
		}
		return nil, refusal
	}
	return held, nil
}

// VideoCameras lists the cameras the actor may watch or play back, a page
// at a time, each with the rights held on it. A camera the actor can see but
// has no video right on is left out: it does not belong in the video portal.
func (a *App) VideoCameras(ctx context.Context, actor tenancy.Actor, page store.Page) ([]VideoCamera, int, store.Page, error) {
	list, total, p, err := a.ListCameras(ctx, actor, CameraListInput{Page: page})
	if errs.KindOf(err) == errs.Forbidden {
		// A role that may list no camera has an empty video portal, not an
		// error page.
		return nil, 0, page.Clamp(), nil
	}
	if err != nil {
		return nil, 0, p, err
	}
	out := make([]VideoCamera, 0, len(list))
	for _, c := range list {
		held, err := a.rightsOn(ctx, actor, c.ID)
		if err != nil {
			if k := errs.KindOf(err); k == errs.Forbidden || k == errs.NotFound {
				total--
				continue
			}
			return nil, 0, p, err
		}
		out = append(out, VideoCamera{CameraView: c, Rights: held})
	}
	return out, total, p, nil
}

// VideoCamera is one camera for the video portal's camera page: not found
// outside the actor's subtree, forbidden when no video right is held.
func (a *App) VideoCamera(ctx context.Context, actor tenancy.Actor, id int64) (VideoCamera, error) {
	held, err := a.rightsOn(ctx, actor, id)
	if err != nil {
		return VideoCamera{}, err
	}
	r := a.Store.R()
	c, err := loadCamera(ctx, r, actor, id)
	if err != nil {
		return VideoCamera{}, err
	}
	// PTZ controls only where the camera can be driven and the one
	// decision grants the ptz right (module live_view included).
	if c.Type == camera.ONVIF && c.ONVIF.HasPTZ() {
		if _, err := a.cameraForRight(ctx, r, actor, id, identity.RightPTZ); err == nil {
			held[identity.RightPTZ] = true
		}
	}
	return VideoCamera{CameraView: a.cameraView(ctx, r, c), Rights: held}, nil
}
