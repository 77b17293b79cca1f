package onvif

import (
	"context"
	"time"
)

// Result is what onboarding learnt from a device.
type Result struct {
	DeviceURL    string
	Info         DeviceInfo
	Services     Services
	Profiles     []Profile
	Main, Sub    *Profile
	StreamURI    string // RTSP address of the main profile (recording)
	SubStreamURI string // of the sub profile ("" when none)
	ClockOffset  time.Duration
}

// PTZToken is the profile PTZ commands are sent for ("" when the device has
// no PTZ service or no profile with a PTZ configuration).
func (r Result) PTZToken() string {
	if r.Services.PTZ == "" {
		return ""
	}
	if r.Main != nil && r.Main.PTZ {
		return r.Main.Token
	}
	for _, p := range r.Profiles {
		if p.PTZ {
			return p.Token
		}
	}
	return ""
}

// Probe onboards a device: its clock (for WS-Security), services, identity,
// profiles, and the stream URIs of the main and sub profiles. Every address
// it dials — the device URL, the XAddrs the device names (taken onto the
// device's own host), and later the stream URIs — goes through the
// client's dialer.
func (c *Client) Probe(ctx context.Context, address string) (Result, error) {
	var r Result
	u, err := DeviceURL(address)
	if err != nil {
		return r, err
	}
	r.DeviceURL = u
	if r.ClockOffset, err = c.SyncClock(ctx, u); err != nil {
		return r, err
	}
	if r.Services, err = c.GetServices(ctx, u); err != nil {
		return r, err
	}
	for _, x := range []*string{&r.Services.Media, &r.Services.Media2, &r.Services.Events, &r.Services.PTZ} {
		if *x == "" {
			continue
		}
		if *x, err = onDeviceHost(u, *x); err != nil {
			if x == &r.Services.Media || x == &r.Services.Media2 {
				return r, err
			}
			*x = "" // an unusable events/PTZ address only loses that feature
		}
	}
	if r.Info, err = c.GetDeviceInformation(ctx, u); err != nil {
		return r, err
	}
	if r.Profiles, err = c.GetProfiles(ctx, r.Services); err != nil {
		return r, err
	}
	if r.Main, r.Sub, err = PickProfiles(r.Profiles); err != nil {
		return r, err
	}
	if r.StreamURI, err = c.GetStreamUri(ctx, r.Services, *r.Main); err != nil {
		return r, err
	}
	if r.Sub != nil {
		// A sub stream is a convenience: without it tiles use the main one.
		if s, err := c.GetStreamUri(ctx, r.Services, *r.Sub); err == nil {
			r.SubStreamURI = s
		}
	}
	return r, nil
}
