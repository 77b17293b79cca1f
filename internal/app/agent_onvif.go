package app

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/onvif"
)

// An ONVIF device behind a P&P agent is a P&P camera whose agent reported
// an ONVIF device service instead of an RTSP stream (camera.AgentONVIF).
// The ONVIF connector onboards it like any ONVIF camera, with its device
// address on the camera's stand-in host and a dialer that reaches only
// that device, through the tunnel: the server never dials the camera.

// agentONVIFCameras are the P&P cameras whose connected agent serves an
// ONVIF device, shaped as the connector's ONVIF cameras: the device URL on
// the stand-in host, the credentials the agent was given.
func (a *App) agentONVIFCameras(ctx context.Context) ([]camera.Camera, error) {
	if a.Cameras.Agents == nil {
		return nil, nil
	}
	var out []camera.Camera
	for id, l := range a.Cameras.Agents.Links() {
		if l.ONVIF == nil {
			continue
		}
		c, err := a.Store.R().Camera(ctx, id)
		if errs.KindOf(err) == errs.NotFound {
			continue // deleted meanwhile; its link is going
		}
		if err != nil {
			return nil, err
		}
		c.ONVIFAddress, c.Username, c.SecretEnc = l.ONVIF.DeviceURL(id), l.ONVIF.Username, ""
		out = append(out, c)
	}
	return out, nil
}

// agentONVIF is the ONVIF device a P&P camera's agent serves, if any.
func (a *App) agentONVIF(c camera.Camera) (*camera.AgentONVIF, bool) {
	if c.Type != camera.PnP {
		return nil, false
	}
	l, ok := a.AgentLink(c.ID)
	return l.ONVIF, ok && l.ONVIF != nil
}

// ONVIFDialer is the dialer an ONVIF client for c must use: the
// camera-address policy, or for a device behind a P&P agent the tunnel —
// whatever host the device names (its LAN address in XAddrs and stream
// URIs), the agent connects only to the device's own host, at the port
// named.
func (a *App) ONVIFDialer(c camera.Camera) onvif.Dialer {
	if c.Type != camera.PnP {
		return a.Cameras.Addresses.DialContext
	}
	return func(ctx context.Context, _, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return a.dialAgentPort(ctx, c.ID, port)
	}
}

func (a *App) dialAgentPort(ctx context.Context, id int64, port string) (net.Conn, error) {
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("agent: bad port %q", port)
	}
	if a.Cameras.Agents == nil {
		return nil, errs.Conflictf(camera.ReasonAgentDisconnected, "no P&P tunnel runs in this process")
	}
	return a.Cameras.Agents.DialPort(ctx, id, p)
}

// checkAgentStreamHost: what onboarding stores for a device behind an
// agent must be on that camera's own stand-in host (the connector rewrote
// the device's LAN host), never another camera's nor a real address.
func checkAgentStreamHost(id int64, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Hostname() != camera.AgentHost(id) {
		return errs.Field("rtsp_url", "is not on the camera's agent")
	}
	return nil
}
