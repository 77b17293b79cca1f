package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
)

const cameraEventCols = `id, camera_id, type, start_ms, end_ms, detail`

func scanCameraEvent(sc interface{ Scan(...any) error }) (camera.Event, error) {
	var e camera.Event
	var st int64
	var en sql.NullInt64
	err := sc.Scan(&e.ID, &e.CameraID, &e.Type, &st, &en, &e.Detail)
	e.Start, e.End = fromMS(st), nullMS(en)
	return e, err
}

// OpenCameraEvent returns the camera's open event of e.Type, or starts one
// from e when none is open (opened reports which). A camera deleted
// meanwhile gives NotFound.
func (q Q) OpenCameraEvent(ctx context.Context, e camera.Event) (ev camera.Event, opened bool, err error) {
	cur, err := scanCameraEvent(q.row(ctx, `SELECT `+cameraEventCols+` FROM camera_events
		WHERE camera_id = ? AND type = ? AND end_ms IS NULL`, e.CameraID, e.Type))
	if err == nil {
		return cur, false, nil
	}
	if err != sql.ErrNoRows {
		return ev, false, errs.Wrap(err, "load open camera event")
	}
	id, err := q.insert(ctx, `INSERT INTO camera_events (camera_id, type, start_ms, end_ms, detail) VALUES (?, ?, ?, NULL, ?)`,
		e.CameraID, e.Type, ms(e.Start), e.Detail)
	if err != nil {
		if q.d.isForeignKey(err) {
			return ev, false, errs.NotFoundf("camera %d not found", e.CameraID)
		}
		return ev, false, errs.Wrap(err, "insert camera event")
	}
	e.ID, e.End = id, nil
	e.Start = fromMS(ms(e.Start))
	return e, true, nil
}

// CloseCameraEvent ends the camera's open event of type t at end (never
// before its start). ok is false when none was open.
func (q Q) CloseCameraEvent(ctx context.Context, cameraID int64, t string, end time.Time) (ev camera.Event, ok bool, err error) {
	ev, err = scanCameraEvent(q.row(ctx, `UPDATE camera_events SET end_ms = CASE WHEN start_ms > ? THEN start_ms ELSE ? END
		WHERE camera_id = ? AND type = ? AND end_ms IS NULL RETURNING `+cameraEventCols, ms(end), ms(end), cameraID, t))
	if err == sql.ErrNoRows {
		return ev, false, nil
	}
	if err != nil {
		return ev, false, errs.Wrap(err, "close camera event")
	}
	return ev, true, nil
}

// CameraEventsInRange lists a camera's events overlapping [from, to) (open
// ones last until now), oldest first, at most limit of them (the newest
// when there are more).
func (q Q) CameraEventsInRange(ctx context.Context, cameraID int64, from, to time.Time, limit int) ([]camera.Event, error) {
	rows, err := q.query(ctx, `SELECT `+cameraEventCols+` FROM (
			SELECT `+cameraEventCols+` FROM camera_events
			WHERE camera_id = ? AND start_ms < ? AND (end_ms IS NULL OR end_ms > ?)
			ORDER BY start_ms DESC, id DESC LIMIT ?
		) newest ORDER BY start_ms, id`, cameraID, ms(to), ms(from), limit)
	return scanCameraEvents(rows, err)
}

func scanCameraEvents(rows *sql.Rows, err error) ([]camera.Event, error) {
	if err != nil {
		return nil, errs.Wrap(err, "list camera events")
	}
	defer rows.Close()
	out := []camera.Event{}
	for rows.Next() {
		e, err := scanCameraEvent(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan camera event")
		}
		out = append(out, e)
	}
	return out, errs.Wrap(rows.Err(), "list camera events")
}

// OpenCameraEvents lists every open event of type t (all cameras), so a
// connector that restarts can close what it no longer sees.
func (q Q) OpenCameraEvents(ctx context.Context, t string) ([]camera.Event, error) {
	return scanCameraEvents(q.query(ctx, `SELECT `+cameraEventCols+` FROM camera_events WHERE type = ? AND end_ms IS NULL ORDER BY id`, t))
}
