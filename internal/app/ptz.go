package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// PTZ moves a camera (right ptz, module live_view). No camera type has a PTZ
// connector in this version (ONVIF PTZ arrives with the ONVIF connector), so
// an allowed, valid command answers 409 ptz_unsupported; the decision and
// the validation are already the final ones.
func (a *App) PTZ(ctx context.Context, actor tenancy.Actor, cameraID int64, cmd camera.PTZCommand) error {
	if _, err := a.CameraForRight(ctx, actor, cameraID, identity.RightPTZ); err != nil {
		return err
	}
	if err := cmd.Validate(); err != nil {
		return err
	}
	return errs.Conflictf("ptz_unsupported", "this camera has no pan/tilt/zoom control this server can drive")
}
