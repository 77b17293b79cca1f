package app

import (
	"context"
	"net/url"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/onvif"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// ReasonAddressRefused is the connect reason of a device that named a
// stream address the camera-address policy refuses.
const ReasonAddressRefused = onvif.ReasonAddressRefused

// ONVIFCameras lists every ONVIF camera, for the ONVIF connector.
// with the ONVIF devices connected P&P agents serve (agent_onvif.go).
func (a *App) ONVIFCameras(ctx context.Context) ([]camera.Camera, error) {
	list, err := a.Store.R().ONVIFCameras(ctx)
	if err != nil {
		return nil, err
	}
	behind, err := a.agentONVIFCameras(ctx)
	return append(list, behind...), err
}

// ONVIFCredentials are the user name and password an ONVIF client for c
// signs with (they never leave the process): the camera's own, or for a device behind a P&P agent the
// ones its agent was given.
func (a *App) ONVIFCredentials(c camera.Camera) (user, password string, err error) {
	if o, ok := a.agentONVIF(c); ok {
		return o.Username, o.Password, nil
	}
	pw, err := a.OpenCameraSecret(c.SecretEnc)
	return c.Username, pw, err
}

// SetConnectResult records an ONVIF onboarding attempt. A stream address
// the device gave is judged by the camera-address policy before it is kept:
// a device cannot make the server dial a refused address by naming it
// (address_refused). The device's details are kept all the same (it did
// answer): they are shown, and its events service is subscribed to — a
// camera's motion reports do not depend on its stream. A change publishes
// CameraChanged after commit, so the recorder starts (or moves to the new
// address) at once.
func (a *App) SetConnectResult(ctx context.Context, id int64, r camera.ConnectResult) error {
	if r.At.IsZero() {
		r.At = a.Now()
	}
	check := func(raw string) error { return a.checkStreamHost(ctx, raw) }
	if _, ok := a.agentONVIF(camera.Camera{ID: id, Type: camera.PnP}); ok {
		check = func(raw string) error { return checkAgentStreamHost(id, raw) }
	}
	if r.Reason == "" && r.RTSPURL != "" {
		if err := check(r.RTSPURL); err != nil {
			r = camera.ConnectResult{Reason: ReasonAddressRefused, Info: r.Info, At: r.At}
		}
	}
	if r.Info != nil && r.Info.SubStreamURL != "" {
		if err := check(r.Info.SubStreamURL); err != nil {
			r.Info.SubStreamURL = "" // tiles use the main stream instead
		}
	}
	return a.tx(ctx, func(q store.Q, o *outbox) error {
		c, err := q.Camera(ctx, id)
		if err != nil {
			return err
		}
		if r.Info != nil && r.RTSPURL == "" {
			// Details without a usable stream address: the last working
			// one (if any) is kept, as on any failure.
			r.RTSPURL = c.RTSPURL
		}
		changed, err := q.SetConnectResult(ctx, id, r)
		if err != nil || !changed {
			return err
		}
		acct := serviceAccount(c)
		o.publish(events.Event{Kind: events.CameraChanged, AccountID: acct.ID, Path: acct.Path, CameraID: id})
		return nil
	})
}

func (a *App) checkStreamHost(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	return a.checkHost(ctx, u.Hostname())
}

// EventsOn reports whether the camera's events may be collected: it is
// assigned, and the events module is on at every level of its customer's
// path (a parent's switch covers its subtree).
func (a *App) EventsOn(ctx context.Context, c camera.Camera) (bool, error) {
	return a.EventsOnPath(ctx, c.CustomerPath)
}

// EventsOnPath reports whether the events module is on for the customer
// at path ("" = unassigned: never).
func (a *App) EventsOnPath(ctx context.Context, path string) (bool, error) {
	if path == "" {
		return false, nil
	}
	levels, err := a.Store.R().PathModuleLevels(ctx, path, tenancy.ModEvents)
	if err != nil {
		return false, err
	}
	on, _ := tenancy.ModuleOn(levels, tenancy.ModEvents)
	return on, nil
}

// RecorderState tells a connector how the recorder fares with a camera:
// whether it should record, is online, and since when it has been failing
// (zero when it is not), so the connector can ask the device for its stream
// address again after failures (cameras change it on reboot).
func (a *App) RecorderState(id int64) (desired, online bool, reason string) {
	rec := a.Cameras.Recording
	if rec == nil {
		return false, false, ""
	}
	ms, d := rec.Status(id)
	return d, ms.Online, ms.Reason
}

// connectStatus is the status of an ONVIF camera the recorder cannot use
// yet: pending before the first attempt, the named reason after a failed
// one (ok false when the camera has a stream address and the recorder's
// own state applies).
func connectStatus(c camera.Camera) (s CameraStatus, ok bool) {
	if c.Type != camera.ONVIF || c.RTSPURL != "" {
		return s, false
	}
	if c.ConnectReason == "" {
		s.State, s.LastError = camera.StatePending, "connecting to the ONVIF device"
		return s, true
	}
	s.State, s.Reason = camera.StateOffline, c.ConnectReason
	s.LastError = ONVIFReasonText(c.ConnectReason)
	if !c.ConnectCheckedAt.IsZero() {
		s.LastError += " (checked " + c.ConnectCheckedAt.UTC().Format(time.RFC3339) + ")"
	}
	return s, true
}

// ONVIFReasonText explains a connect reason in a sentence a person can act
// on (never the device's own error text).
func ONVIFReasonText(reason string) string { return onvif.Describe(reason) }
