package app

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// StreamTokenTTL is how long a stream token lets a player open live URLs.
// Short on purpose: it travels in URLs (?token=), which end up in logs and
// browser history.
const StreamTokenTTL = 10 * time.Minute

// CreateStreamToken issues a token that lets actor's players watch one
// camera live without sending headers. Only its hash is stored.
func (a *App) CreateStreamToken(ctx context.Context, actor tenancy.Actor, cameraID int64) (string, time.Time, error) {
	if _, err := a.CameraForRight(ctx, actor, cameraID, identity.RightViewLive); err != nil {
		return "", time.Time{}, err
	}
	plain, hash := identity.NewToken()
	exp := a.Now().Add(StreamTokenTTL).Truncate(time.Millisecond)
	if err := a.Store.W().InsertStreamToken(ctx, actor.UserID, cameraID, hash, exp); err != nil {
		return "", time.Time{}, err
	}
	return plain, exp, nil
}

// LiveCredential is what a live request was authenticated with; open
// sessions keep it and present it again on every re-check.
type LiveCredential struct {
	Token string
	// Stream marks a stream token (?token=); otherwise Token is a session
	// or API token.
	Stream bool
	// Cookie marks a browser session cookie (exempt from api_access).
	Cookie bool
}

// LiveAccess decides whether the holder of cred may watch cameraID live now:
// it re-authenticates the credential (so a signed-out session, an expired
// token, a disabled user or account is refused) and asks CameraForRight for
// view_live. A camera switched off (privacy) shows no live video.
func (a *App) LiveAccess(ctx context.Context, cred LiveCredential, cameraID int64) (camera.Camera, error) {
	var actor tenancy.Actor
	var err error
	if cred.Stream {
		actor, err = a.authenticateStream(ctx, cred.Token, cameraID)
	} else {
		actor, err = a.Authenticate(ctx, cred.Token)
		if err == nil {
			err = a.CheckAPIAccess(WithCookieAuth(ctx, cred.Cookie), actor)
		}
	}
	if err != nil {
		return camera.Camera{}, err
	}
	c, err := a.CameraForRight(ctx, actor, cameraID, identity.RightViewLive)
	if err != nil {
		return c, err
	}
	if !c.Enabled {
		return camera.Camera{}, errs.Conflictf("camera_off", "the camera is switched off")
	}
	return c, nil
}

func (a *App) authenticateStream(ctx context.Context, token string, cameraID int64) (tenancy.Actor, error) {
	bad := func(code, problem string) error {
		return &errs.Error{Kind: errs.Unauthorized, Code: code, Message: "stream token " + problem,
			Fields: map[string]string{"token": problem}}
	}
	p, err := a.Store.R().PrincipalByStreamToken(ctx, identity.HashToken(token))
	if errs.KindOf(err) == errs.NotFound {
		return tenancy.Actor{}, bad("invalid_token", "is not valid")
	}
	if err != nil {
		return tenancy.Actor{}, err
	}
	if a.Now().After(p.ExpiresAt) {
		return tenancy.Actor{}, bad("token_expired", "has expired; ask for a new one")
	}
	if p.CameraID != cameraID {
		return tenancy.Actor{}, &errs.Error{Kind: errs.Forbidden, Code: "token_wrong_camera",
			Message: "this stream token is for another camera", Fields: map[string]string{"token": "is for another camera"}}
	}
	if err := userUsable(p.User); err != nil {
		return tenancy.Actor{}, err
	}
	if err := chainUsable(p.ChainActive); err != nil {
		return tenancy.Actor{}, err
	}
	return actorOf(p.User, p.Account, p.Role), nil
}

// LiveSourceURL is the RTSP address (credentials included) the media hub
// pulls a camera from for live viewers. It does not authorize: callers have
// decided access with LiveAccess already.
func (a *App) LiveSourceURL(ctx context.Context, cameraID int64) (string, error) {
	c, err := a.Store.R().Camera(ctx, cameraID)
	if err != nil {
		return "", err
	}
	if c.Type == camera.PnP && c.Enabled {
		l, ok := a.AgentLink(c.ID)
		if !ok {
			return "", errs.Conflictf(camera.ReasonAgentDisconnected, "the camera's P&P agent is not connected")
		}
		if u := l.StreamURL(c.ID, c.RTSPURL); u != "" {
			return u, nil
		}
		return "", errs.Conflictf("camera_not_connected", "the ONVIF device behind the camera's agent has not given its stream address yet")
	}
	if !c.Type.Connectable() || (c.RTSPURL == "" && c.Type != camera.PnP) {
		return "", errs.Conflictf("camera_not_connected", "the camera has no stream address the server can pull yet")
	}
	return a.enabledStreamURL(c, c.RTSPURL)
}

// enabledStreamURL is raw with c's credentials, unless c is switched off.
func (a *App) enabledStreamURL(c camera.Camera, raw string) (string, error) {
	if !c.Enabled {
		return "", errs.Conflictf("camera_off", "the camera is switched off")
	}
	pw, err := a.OpenCameraSecret(c.SecretEnc)
	if err != nil {
		return "", errs.Wrap(err, "camera credentials")
	}
	return camera.StreamURL(raw, c.Username, pw)
}

// LiveSubSourceURL is the RTSP address (credentials included) of a
// camera's sub stream, for grid tiles; NotFound when it has none. Like
// LiveSourceURL it does not authorize.
func (a *App) LiveSubSourceURL(ctx context.Context, cameraID int64) (string, error) {
	c, err := a.Store.R().Camera(ctx, cameraID)
	if err != nil {
		return "", err
	}
	if c.SubStreamURL == "" || c.Type == camera.PnP {
		return "", errs.NotFoundf("the camera has no sub stream")
	}
	return a.enabledStreamURL(c, c.SubStreamURL)
}

// HasSubStream reports whether the hub can pull a sub stream of the camera
// (LiveSubSourceURL). Callers have authorized the viewer first.
func (a *App) HasSubStream(ctx context.Context, cameraID int64) bool {
	c, err := a.Store.R().Camera(ctx, cameraID)
	return err == nil && c.SubStreamURL != "" && c.Type != camera.PnP
}
