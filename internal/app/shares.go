package app

import (
	"context"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// CreateShare makes a share link of a camera live or of a ready clip
// (right share, module sharing, and the right to watch what is shared). The
// token is returned once, inside the URL; only its hash is stored.
func (a *App) CreateShare(ctx context.Context, actor tenancy.Actor, in camera.NewShare) (camera.Share, string, error) {
	if err := in.Validate(); err != nil {
		return camera.Share{}, "", err
	}
	plain, hash := identity.NewToken()
	var s camera.Share
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		camID := in.CameraID
		if in.Kind == camera.ShareClip {
			clip, _, err := a.clipForRight(ctx, q, actor, in.ClipID, identity.RightShare)
			if err != nil {
				return err
			}
			if clip.Status != camera.ClipReady {
				return errs.Conflictf("clip_not_ready", "only a saved clip can be shared (this one is %s)", clip.Status)
			}
			camID = clip.CameraID
		}
		c, err := a.shareDecision(ctx, q, actor, in.Kind, camID)
		if err != nil {
			return err
		}
		s = camera.Share{Kind: in.Kind, CameraID: c.ID, ClipID: in.ClipID, CreatedBy: actor.UserID, AccountID: actor.AccountID,
			ExpiresAt: a.Now().Add(time.Duration(in.ExpiresInHours) * time.Hour).UTC().Truncate(time.Millisecond)}
		if err := q.InsertShare(ctx, &s, hash); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, serviceAccount(c), "share.created", map[string]any{"share_id": s.ID, "kind": s.Kind,
			"camera_id": s.CameraID, "clip_id": s.ClipID, "expires_at": s.ExpiresAt})
	})
	if err != nil {
		return camera.Share{}, "", err
	}
	return s, a.ShareURL(plain), nil
}

// ShareURL is the public page of a share token.
func (a *App) ShareURL(token string) string {
	return strings.TrimRight(a.Config.BaseURL, "/") + "/s/" + token
}

// shareDecision is CameraForRight for every right a share of kind needs.
func (a *App) shareDecision(ctx context.Context, q store.Q, actor tenancy.Actor, kind string, cameraID int64) (camera.Camera, error) {
	var c camera.Camera
	for _, right := range camera.ShareRights(kind) {
		var err error
		if c, err = a.cameraForRight(ctx, q, actor, cameraID, right); err != nil {
			return c, err
		}
	}
	return c, nil
}

// ListShares lists share links, newest first: for admins those made in
// their subtree, for Guards and Viewers their own.
func (a *App) ListShares(ctx context.Context, actor tenancy.Actor, page store.Page) ([]camera.Share, int, store.Page, error) {
	p := page.Clamp()
	f := store.ShareFilter{Scope: actor.AccountPath, Page: p}
	if !actor.Admin {
		f.CreatedBy = actor.UserID
	}
	list, total, err := a.Store.R().ListShares(ctx, f)
	return list, total, p, err
}

// RevokeShare ends a share link at once: its page and media answer 410.
// Its maker may revoke it, and the admins of the accounts above.
func (a *App) RevokeShare(ctx context.Context, actor tenancy.Actor, id int64) error {
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		s, err := q.Share(ctx, id)
		if err != nil {
			return err
		}
		acct, err := q.Account(ctx, s.AccountID)
		if err != nil {
			return err
		}
		if tenancy.Decide(actor, acct, tenancy.Read) != nil || (!actor.Admin && s.CreatedBy != actor.UserID) {
			return errs.NotFoundf("share %d not found", id)
		}
		if err := q.RevokeShare(ctx, id, a.Now()); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, acct, "share.revoked", map[string]any{"share_id": id, "kind": s.Kind, "camera_id": s.CameraID})
	})
}

// Shared is what a share link shows: the share, its camera and, for a clip
// share, the clip.
type Shared struct {
	Share  camera.Share
	Camera camera.Camera
	Clip   camera.Clip
}

// OpenShare resolves a public share token, for people without an account:
// 404 for unknown tokens, 410 once expired or revoked, 403 share_stopped
// when the sharer may no longer share it (rights, modules, a disabled
// account or user: decided again as the sharer on every request). With
// view, one view is counted and audited.
func (a *App) OpenShare(ctx context.Context, token string, view bool) (Shared, error) {
	var out Shared
	run := func(q store.Q) error {
		s, err := q.ShareByToken(ctx, identity.HashToken(token))
		if errs.KindOf(err) == errs.NotFound {
			return errs.NotFoundf("no such link")
		}
		if err != nil {
			return err
		}
		if err := s.Open(a.Now()); err != nil {
			return err
		}
		sharer, err := a.actorOfUser(ctx, q, s.CreatedBy)
		if err == nil {
			out.Camera, err = a.shareDecision(ctx, q, sharer, s.Kind, s.CameraID)
		}
		if err == nil && s.Kind == camera.ShareClip {
			out.Clip, err = q.Clip(ctx, s.ClipID)
		}
		if errs.KindOf(err) == errs.NotFound || errs.KindOf(err) == errs.Forbidden {
			return errs.Forbiddenf("share_stopped", "this link no longer works: the person who shared it can no longer show this video")
		}
		if err != nil {
			return err
		}
		out.Share = s
		if !view {
			return nil
		}
		if err := q.CountShareView(ctx, s.ID); err != nil {
			return err
		}
		out.Share.Views++
		return a.audit(ctx, q, tenancy.Actor{Email: "share link"}, serviceAccount(out.Camera), "share.viewed",
			map[string]any{"share_id": s.ID, "kind": s.Kind, "camera_id": s.CameraID})
	}
	if view {
		return out, a.tx(ctx, func(q store.Q, _ *outbox) error { return run(q) })
	}
	return out, run(a.Store.R())
}

// ShareCamera is the camera of a share token, with no other check: an api
// node of a cluster uses it only to find the recorder to pass a live share
// request to, which then decides it (OpenShare). ok is false for an
// unknown token.
func (a *App) ShareCamera(ctx context.Context, token string) (id int64, ok bool, err error) {
	s, err := a.Store.R().ShareByToken(ctx, identity.HashToken(token))
	if errs.KindOf(err) == errs.NotFound {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return s.CameraID, true, nil
}

// OpenSharedClip opens the clip of a clip share for its player (the same
// checks as OpenShare, no view counted).
func (a *App) OpenSharedClip(ctx context.Context, token string) (ClipFile, error) {
	sh, err := a.OpenShare(ctx, token, false)
	if err != nil {
		return ClipFile{}, err
	}
	if sh.Share.Kind != camera.ShareClip {
		return ClipFile{}, errs.NotFoundf("this link shares a live camera, not a clip")
	}
	return a.openClipFile(ctx, sh.Clip)
}

// actorOfUser builds the actor a user would be if signed in now, with the
// same gate as Authenticate (user enabled and confirmed, every account up
// its path enabled): shares act as their maker.
func (a *App) actorOfUser(ctx context.Context, q store.Q, userID int64) (tenancy.Actor, error) {
	u, err := q.User(ctx, userID)
	if err != nil {
		return tenancy.Actor{}, err
	}
	acct, err := q.Account(ctx, u.AccountID)
	if err != nil {
		return tenancy.Actor{}, err
	}
	if err := a.usable(ctx, q, u, acct); err != nil {
		return tenancy.Actor{}, err
	}
	var role identity.Role
	if u.RoleID != 0 {
		if role, err = q.Role(ctx, u.RoleID); err != nil && errs.KindOf(err) != errs.NotFound {
			return tenancy.Actor{}, err
		}
	}
	return actorOf(u, acct, role), nil
}
