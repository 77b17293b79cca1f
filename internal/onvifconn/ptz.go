package onvifconn

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/onvif"
)

// PTZ is the app's PTZ driver: ONVIF cameras whose device has a PTZ
// service and a PTZ profile are driven over ONVIF; any other camera answers
// 409 ptz_unsupported. A device that does not take the command answers 409
// ptz_failed with the named reason.
func (s *Service) PTZ(ctx context.Context, c camera.Camera, cmd camera.PTZCommand) error {
	if (c.Type != camera.ONVIF && c.Type != camera.PnP) || !c.ONVIF.HasPTZ() {
		return errs.Conflictf("ptz_unsupported", "this camera has no pan/tilt/zoom control this server can drive")
	}
	cl, err := s.client(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u, p := c.ONVIF.PTZURL, c.ONVIF.PTZProfile
	switch cmd.Action {
	case camera.PTZMove:
		err = cl.ContinuousMove(ctx, u, p, cmd.Pan, cmd.Tilt, cmd.Zoom)
	case camera.PTZStop:
		err = cl.Stop(ctx, u, p)
	case camera.PTZGotoPreset:
		err = cl.GotoPreset(ctx, u, p, cmd.Preset)
	}
	if err == nil {
		return nil
	}
	reason := onvif.ReasonOf(err)
	if reason == onvif.ReasonNoPreset {
		return errs.Field("preset", "the camera has no preset of that name")
	}
	e := errs.Conflictf("ptz_failed", "the camera did not take the command: %s", onvif.Describe(reason))
	e.Fields = map[string]string{"reason": reason}
	return e
}
