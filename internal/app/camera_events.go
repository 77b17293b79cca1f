package app

import (
	"context"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// OpenCameraEvent starts an event of typ at a camera (motion from its
// connector, offline/online from the health service). It is a system action,
// not an actor's: no rights apply. A camera has at most one open event of a
// type, so reporting motion again while it lasts returns the open event
// unchanged and publishes nothing. CameraEventOpened is published after
// commit only when an event was started.
func (a *App) OpenCameraEvent(ctx context.Context, cameraID int64, typ string, start time.Time, detail string) (camera.Event, error) {
	if err := camera.CheckEventType("type", typ); err != nil {
		return camera.Event{}, err
	}
	if start.IsZero() {
		start = a.Now()
	}
	detail = clipDetail(detail)
	var ev camera.Event
	err := a.tx(ctx, func(q store.Q, o *outbox) error {
		c, err := q.Camera(ctx, cameraID)
		if err != nil {
			return err
		}
		e, opened, err := q.OpenCameraEvent(ctx, camera.Event{CameraID: cameraID, Type: typ, Start: start, Detail: detail})
		if err != nil {
			return err
		}
		ev = e
		if opened {
			o.publish(cameraEvent(events.CameraEventOpened, c, e))
		}
		return nil
	})
	return ev, err
}

// CloseCameraEvent ends the camera's open event of typ at end (now when
// zero). Closing when nothing is open is not an error: ok is false and
// nothing is published. CameraEventClosed follows the commit.
func (a *App) CloseCameraEvent(ctx context.Context, cameraID int64, typ string, end time.Time) (ev camera.Event, ok bool, err error) {
	if err := camera.CheckEventType("type", typ); err != nil {
		return camera.Event{}, false, err
	}
	if end.IsZero() {
		end = a.Now()
	}
	err = a.tx(ctx, func(q store.Q, o *outbox) error {
		c, err := q.Camera(ctx, cameraID)
		if err != nil {
			return err
		}
		ev, ok, err = q.CloseCameraEvent(ctx, cameraID, typ, end)
		if err != nil || !ok {
			return err
		}
		o.publish(cameraEvent(events.CameraEventClosed, c, ev))
		return nil
	})
	return ev, ok, err
}

func cameraEvent(k events.Kind, c camera.Camera, e camera.Event) events.Event {
	acct := serviceAccount(c)
	return events.Event{Kind: k, AccountID: acct.ID, Path: acct.Path, CameraID: c.ID,
		CameraEventID: e.ID, CameraEventType: e.Type}
}

func clipDetail(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "")
	if len(s) > camera.MaxEventDetail {
		s = strings.ToValidUTF8(s[:camera.MaxEventDetail], "")
	}
	return s
}

// CameraEvents lists a camera's events overlapping [from, to). Events are
// part of both watching and looking back, so either right will do: the
// caller needs playback or view_live on the camera (CameraForRight, the
// rights' modules included). When neither is held, the playback refusal is
// returned.
func (a *App) CameraEvents(ctx context.Context, actor tenancy.Actor, id int64, from, to time.Time) ([]camera.Event, error) {
	r := a.Store.R()
	if _, err := a.cameraForRight(ctx, r, actor, id, identity.RightPlayback); err != nil {
		if k := errs.KindOf(err); k != errs.Forbidden {
			return nil, err
		}
		if _, err2 := a.cameraForRight(ctx, r, actor, id, identity.RightViewLive); err2 != nil {
			return nil, err
		}
	}
	if !to.After(from) {
		return nil, errs.Field("to", "must be after from")
	}
	if to.Sub(from) > MaxEventsRange {
		return nil, errs.Field("from", "at most 31 days before to")
	}
	return r.CameraEventsInRange(ctx, id, from, to, camera.MaxEventsListed)
}

// MaxEventsRange bounds one events list request.
const MaxEventsRange = 31 * 24 * time.Hour
