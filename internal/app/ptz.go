package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// PTZDriver sends a validated command to a camera (the ONVIF connector will
// provide one); it answers ptz_unsupported for cameras it cannot drive.
type PTZDriver func(ctx context.Context, c camera.Camera, cmd camera.PTZCommand) error

// PTZ moves a camera (right ptz, module live_view): decided by
// CameraForRight, validated, then handed to the PTZ driver. Without one
// (no connector in this version) a valid command answers 409
// ptz_unsupported.
func (a *App) PTZ(ctx context.Context, actor tenancy.Actor, cameraID int64, cmd camera.PTZCommand) error {
	c, err := a.CameraForRight(ctx, actor, cameraID, identity.RightPTZ)
	if err != nil {
		return err
	}
	if err := cmd.Validate(); err != nil {
		return err
	}
	if a.Cameras.PTZ == nil {
		return errs.Conflictf("ptz_unsupported", "this camera has no pan/tilt/zoom control this server can drive")
	}
	return a.Cameras.PTZ(ctx, c, cmd)
}
