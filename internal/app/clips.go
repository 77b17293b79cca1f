package app

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// serviceAccount is the account a camera's video belongs to (its customer,
// or its integrator while unassigned): audit entries of clips and shares go
// to its log.
func serviceAccount(c camera.Camera) tenancy.Account {
	id := c.CustomerID
	if id == 0 {
		id = c.IntegratorID
	}
	return tenancy.Account{ID: id, Path: c.ServicePath()}
}

// CreateClip asks for a clip of a camera's recording (right save_clip,
// module clips). The request is refused whole, with nothing written, when
// the input is wrong or nothing was recorded in the range; otherwise the
// clip is stored as pending and the clip job writes its file.
func (a *App) CreateClip(ctx context.Context, actor tenancy.Actor, cameraID int64, in camera.NewClip) (camera.Clip, error) {
	var clip camera.Clip
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		c, err := a.cameraForRight(ctx, q, actor, cameraID, identity.RightSaveClip)
		if err != nil {
			return err
		}
		if err := in.Validate(c.Name); err != nil {
			return err
		}
		segs, err := q.SegmentsInRange(ctx, c.ID, in.Start, in.Start.Add(in.Duration))
		if err != nil {
			return err
		}
		if len(segs) == 0 {
			return errs.Field("start", "nothing was recorded between start and start + duration")
		}
		clip = camera.Clip{CameraID: c.ID, CreatedBy: actor.UserID, Name: in.Name, Start: in.Start, Duration: in.Duration}
		if err := q.InsertClip(ctx, &clip); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, serviceAccount(c), "clip.created", map[string]any{"clip_id": clip.ID,
			"camera_id": c.ID, "name": clip.Name, "start": clip.Start, "duration_s": in.Duration.Seconds()})
	})
	if err != nil {
		return camera.Clip{}, err
	}
	if a.ClipKick != nil {
		a.ClipKick()
	}
	return clip, nil
}

// clipForRight loads a clip whose camera the actor may use with right; a
// clip of a camera it cannot see does not exist for it (R10).
func (a *App) clipForRight(ctx context.Context, q store.Q, actor tenancy.Actor, id int64, right string) (camera.Clip, camera.Camera, error) {
	clip, err := q.Clip(ctx, id)
	if err != nil {
		return clip, camera.Camera{}, err
	}
	c, err := a.cameraForRight(ctx, q, actor, clip.CameraID, right)
	if errs.KindOf(err) == errs.NotFound {
		return camera.Clip{}, c, errs.NotFoundf("clip %d not found", id)
	}
	if err != nil {
		return camera.Clip{}, c, err
	}
	return clip, c, nil
}

// Clip returns one clip with its status and progress (right playback).
func (a *App) Clip(ctx context.Context, actor tenancy.Actor, id int64) (camera.Clip, error) {
	clip, _, err := a.clipForRight(ctx, a.Store.R(), actor, id, identity.RightPlayback)
	return clip, err
}

// ListClips lists the clips of the cameras the actor may play back, newest
// first; with cameraID, of that camera only (decided by CameraForRight). The
// list without a camera is scoped by the subtree and the role's cameras in
// the query; opening or downloading each clip is decided in full.
func (a *App) ListClips(ctx context.Context, actor tenancy.Actor, cameraID int64, page store.Page) ([]camera.Clip, int, store.Page, error) {
	r := a.Store.R()
	p := page.Clamp()
	f := store.ClipFilter{Scope: actor.AccountPath, CameraID: cameraID, Page: p}
	if cameraID != 0 {
		if _, err := a.cameraForRight(ctx, r, actor, cameraID, identity.RightPlayback); err != nil {
			return nil, 0, p, err
		}
	} else if !actor.Admin {
		f.OnlyIDs = !slices.Contains(actor.Rights, identity.RightPlayback) || !actor.AllCameras
		if slices.Contains(actor.Rights, identity.RightPlayback) {
			f.IDs = actor.CameraIDs
		}
	}
	list, total, err := r.ListClips(ctx, f)
	return list, total, p, err
}

// DeleteClip deletes a clip and its file (right save_clip: who may save
// clips may delete them). Its share links stop with it.
func (a *App) DeleteClip(ctx context.Context, actor tenancy.Actor, id int64) error {
	var clip camera.Clip
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		var c camera.Camera
		var err error
		if clip, c, err = a.clipForRight(ctx, q, actor, id, identity.RightSaveClip); err != nil {
			return err
		}
		if err := q.DeleteClip(ctx, id); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, serviceAccount(c), "clip.deleted", map[string]any{"clip_id": id,
			"camera_id": c.ID, "name": clip.Name, "bytes": clip.Bytes})
	})
	if err != nil {
		return err
	}
	a.removeClipFile(ctx, clip)
	return nil
}

// removeClipFile removes a deleted clip's file from this node's disk (if
// it wrote it) and, with S3, its object. Another node's local copy goes
// with that node's sweep of orphan clip files.
func (a *App) removeClipFile(ctx context.Context, clip camera.Clip) {
	if clip.Path == "" {
		return
	}
	if err := removeFile(clip.Path); err != nil {
		a.Log.Warn("remove clip file", "clip", clip.ID, "path", clip.Path, "err", err)
	}
	if a.DeleteObject != nil {
		if err := a.DeleteObject(context.WithoutCancel(ctx), clip.ObjectKey()); err != nil {
			a.Log.Warn("remove clip object", "clip", clip.ID, "key", clip.ObjectKey(), "err", err)
		}
	}
}

// ClipFile is an open clip for download; the caller closes File.
type ClipFile struct {
	Clip camera.Clip
	File io.ReadSeekCloser
}

// OpenClip opens a ready clip's file for download (right playback). A clip
// still being written is 409 clip_not_ready; a failed one 409 clip_failed.
func (a *App) OpenClip(ctx context.Context, actor tenancy.Actor, id int64) (ClipFile, error) {
	clip, _, err := a.clipForRight(ctx, a.Store.R(), actor, id, identity.RightPlayback)
	if err != nil {
		return ClipFile{}, err
	}
	return a.openClipFile(ctx, clip)
}

func (a *App) openClipFile(ctx context.Context, clip camera.Clip) (ClipFile, error) {
	switch clip.Status {
	case camera.ClipPending:
		return ClipFile{}, errs.Conflictf("clip_not_ready", "the clip is still being saved (%d%%)", clip.Progress)
	case camera.ClipFailed:
		return ClipFile{}, errs.Conflictf("clip_failed", "the clip could not be saved: %s", clip.Error)
	}
	f, err := os.Open(clip.Path)
	if err == nil {
		return ClipFile{Clip: clip, File: f}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) || a.Remote == nil {
		return ClipFile{}, errs.Wrap(err, "open clip")
	}
	// Written by another node: from the bucket, with range requests.
	obj, rerr := a.Remote(ctx, clip.ObjectKey())
	if rerr != nil {
		return ClipFile{}, errs.Wrap(rerr, "open clip in S3")
	}
	return ClipFile{Clip: clip, File: remoteClip{io.NewSectionReader(obj, 0, obj.Size()), obj}}, nil
}

// remoteClip reads a clip's object as a seekable file.
type remoteClip struct {
	*io.SectionReader
	io.Closer
}

// MeterTraffic adds bytes delivered of a camera's video (clip downloads,
// share viewers) to its traffic of today, like playback. It runs after the
// response, so it ignores the request's cancellation.
func (a *App) MeterTraffic(ctx context.Context, cameraID, n int64) {
	if n <= 0 {
		return
	}
	if err := a.Store.W().AddTraffic(context.WithoutCancel(ctx), cameraID, a.Now(), n); err != nil {
		a.Log.Error("meter traffic", "camera", cameraID, "bytes", n, "err", err)
	}
}
