package app

import (
	"context"
	"crypto/subtle"
	"net"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// AgentTunnels is the P&P tunnel (internal/tunnel) as the camera use cases
// see it: which cameras have their agent connected, and a dialer through it.
type AgentTunnels interface {
	Link(cameraID int64) (camera.AgentLink, bool)
	Links() map[int64]camera.AgentLink
	Dial(ctx context.Context, cameraID int64) (net.Conn, error)
	DialPort(ctx context.Context, cameraID int64, port int) (net.Conn, error)
	Disconnect(cameraID int64)
}

// errClaimRefused is the one answer for an unknown device id and a wrong
// claim code alike, so that neither can be told from the other.
var errClaimRefused = &errs.Error{Kind: errs.Unauthorized, Code: "claim_refused",
	Message: "no P&P camera is registered with this device id and claim code"}

var errAgentRefused = &errs.Error{Kind: errs.Unauthorized, Code: "invalid_credential",
	Message: "the device credential is not valid (the camera was deleted or registered again): claim it again"}

// ClaimDevice is an agent proving the claim code an integrator registered
// with its device id. It answers the device credential, issued once: the
// code does not work again for this registration (only deleting the camera
// and registering it again starts over). Failures are throttled per device
// id and per client address, whether the device exists or not.
func (a *App) ClaimDevice(ctx context.Context, deviceID, claimCode string) (string, error) {
	f := errs.Fields{}
	deviceID, claimCode = strings.TrimSpace(deviceID), strings.TrimSpace(claimCode)
	if !camera.ValidDeviceID(deviceID) {
		f.Add("device_id", "must be 3 to 64 letters, digits or . _ : -")
	}
	if len(claimCode) < 6 || len(claimCode) > 64 {
		f.Add("claim_code", "must be 6 to 64 characters")
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	release, err := a.takePnP(ctx, deviceID)
	if err != nil {
		return "", err
	}
	c, err := a.Store.R().PnPCameraByDevice(ctx, deviceID)
	if errs.KindOf(err) == errs.NotFound {
		return "", errClaimRefused
	}
	if err != nil {
		release()
		return "", err
	}
	if subtle.ConstantTimeCompare([]byte(c.ClaimCodeHash), []byte(camera.HashClaimCode(claimCode))) != 1 {
		return "", errClaimRefused
	}
	release() // the right code: not a guess
	if err := a.RequireModuleAt(ctx, c.IntegratorPath, tenancy.ModPnPCameras); err != nil {
		return "", err
	}
	plain, hash := identity.NewToken()
	err = a.tx(ctx, func(q store.Q, _ *outbox) error {
		ok, err := q.ClaimPnPAgent(ctx, c.ID, hash, a.Now())
		if err != nil {
			return err
		}
		if !ok {
			return errs.Conflictf("already_claimed",
				"this device was claimed already; delete the camera and register it again to claim it anew")
		}
		integ, err := q.Account(ctx, c.IntegratorID)
		if err != nil {
			return err
		}
		return a.audit(ctx, q, tenancy.Actor{Email: "P&P agent"}, integ, "camera.claimed",
			map[string]any{"camera_id": c.ID, "device_id": deviceID})
	})
	if err != nil {
		return "", err
	}
	return plain, nil
}

// AuthenticateAgent checks an agent's device credential and answers its
// camera. Wrong credentials are throttled like wrong claim codes.
func (a *App) AuthenticateAgent(ctx context.Context, deviceID, credential string) (camera.Camera, error) {
	if !camera.ValidDeviceID(deviceID) {
		return camera.Camera{}, errs.Field("device_id", "must be 3 to 64 letters, digits or . _ : - (header X-Vigilo-Device-Id)")
	}
	if credential == "" || len(credential) > 200 {
		return camera.Camera{}, errAgentRefused
	}
	release, err := a.takePnP(ctx, deviceID)
	if err != nil {
		return camera.Camera{}, err
	}
	c, err := a.Store.R().PnPCameraByCredential(ctx, deviceID, identity.HashToken(credential))
	if errs.KindOf(err) == errs.NotFound {
		return c, errAgentRefused
	}
	release()
	if err != nil {
		return c, err
	}
	if err := a.RequireModuleAt(ctx, c.IntegratorPath, tenancy.ModPnPCameras); err != nil {
		return c, err
	}
	return c, nil
}

// takePnP counts one attempt of a device id and of the client; release
// takes it back when the attempt proves right.
func (a *App) takePnP(ctx context.Context, deviceID string) (release func(), err error) {
	dk, ck := "device:"+deviceID, clientKey(ctx)
	if w := a.Throttles.PnPClient.Wait(ck); w > 0 {
		return nil, errTooMany(w, "P&P attempts from this address")
	}
	if w, _ := a.Throttles.PnPDevice.Take(dk); w > 0 {
		return nil, errTooMany(w, "attempts for this device")
	}
	if w, _ := a.Throttles.PnPClient.Take(ck); w > 0 {
		a.Throttles.PnPDevice.Undo(dk)
		return nil, errTooMany(w, "P&P attempts from this address")
	}
	return func() { a.Throttles.PnPDevice.Undo(dk); a.Throttles.PnPClient.Undo(ck) }, nil
}

// AgentSeen records what an agent reported and when it was heard.
func (a *App) AgentSeen(ctx context.Context, cameraID int64, version string, at time.Time) {
	if err := a.Store.W().TouchPnPAgent(ctx, cameraID, version, at); err != nil {
		a.Log.Warn("record agent seen", "camera", cameraID, "err", err)
	}
}

// AgentLink is the connected agent of a P&P camera, if any.
func (a *App) AgentLink(cameraID int64) (camera.AgentLink, bool) {
	if a.Cameras.Agents == nil {
		return camera.AgentLink{}, false
	}
	return a.Cameras.Agents.Link(cameraID)
}

// DialCamera is the recorder's and the live hub's dialer: a P&P camera's
// stand-in host (camera.AgentHost) opens a stream through its agent's
// tunnel (for an ONVIF device behind the agent, to the port named on the
// device's host); every other address goes through the camera-address
// policy.
func (a *App) DialCamera(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if id, ok := camera.ParseAgentHost(host); ok {
		if a.Cameras.Agents == nil {
			return nil, errs.Conflictf(camera.ReasonAgentDisconnected, "no P&P tunnel runs in this process")
		}
		if l, ok := a.Cameras.Agents.Link(id); ok && l.ONVIF != nil {
			return a.dialAgentPort(ctx, id, port)
		}
		return a.Cameras.Agents.Dial(ctx, id)
	}
	return a.Cameras.Addresses.DialContext(ctx, network, addr)
}

// AgentInfo is what the API shows of a P&P camera's agent.
type AgentInfo struct {
	Connected  bool
	Claimed    bool
	Version    string
	LastSeenAt *time.Time
	// Discovered: ONVIF devices the connected agent found on its LAN.
	Discovered []camera.DiscoveredDevice
}

func (a *App) agentInfo(ctx context.Context, q store.Q, c camera.Camera) *AgentInfo {
	if c.Type != camera.PnP {
		return nil
	}
	ag, err := q.PnPAgent(ctx, c.ID)
	if err != nil {
		a.Log.Warn("load agent", "camera", c.ID, "err", err)
	}
	info := &AgentInfo{Claimed: ag.Claimed, Version: ag.Version}
	if !ag.LastSeenAt.IsZero() {
		t := ag.LastSeenAt
		info.LastSeenAt = &t
	}
	if l, ok := a.AgentLink(c.ID); ok {
		info.Connected, info.Version, info.Discovered = true, l.Version, l.Discovered
	}
	return info
}

// withAgent refines a P&P camera's status once its agent is known: a camera
// no agent has claimed yet is pending (the installer has still to run the
// agent) rather than offline or idle; one switched off stays off.
func withAgent(v CameraView) CameraView {
	if v.Agent != nil && !v.Agent.Claimed && !v.Agent.Connected && v.Status.State != camera.StateOff {
		v.Status.State, v.Status.Reason = camera.StatePending, camera.ReasonAgentUnclaimed
		v.Status.LastError = "waiting for the P&P agent to claim the camera with device id " + v.DeviceID
	}
	return v
}
