package store

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

const clipCols = `k.id, k.camera_id, COALESCE(k.created_by, 0), k.name, k.start_ms, k.duration_ms, k.status, k.progress,
	k.bytes, k.path, k.error, k.created_at, k.updated_at`

func scanClip(sc interface{ Scan(...any) error }) (camera.Clip, error) {
	var c camera.Clip
	var start, dur, ca, ua int64
	err := sc.Scan(&c.ID, &c.CameraID, &c.CreatedBy, &c.Name, &start, &dur, &c.Status, &c.Progress,
		&c.Bytes, &c.Path, &c.Error, &ca, &ua)
	c.Start, c.Duration = fromMS(start), time.Duration(dur)*time.Millisecond
	c.CreatedAt, c.UpdatedAt = fromMS(ca), fromMS(ua)
	return c, err
}

func (q Q) clips(ctx context.Context, query string, args ...any) ([]camera.Clip, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, errs.Wrap(err, "list clips")
	}
	defer rows.Close()
	out := []camera.Clip{}
	for rows.Next() {
		c, err := scanClip(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan clip")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "list clips")
}

// InsertClip writes a new pending clip.
func (q Q) InsertClip(ctx context.Context, c *camera.Clip) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	c.Status, c.CreatedAt, c.UpdatedAt = camera.ClipPending, now, now
	id, err := q.insert(ctx, `INSERT INTO clips (camera_id, created_by, name, start_ms, duration_ms, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.CameraID, nullable(c.CreatedBy), c.Name, ms(c.Start), c.Duration.Milliseconds(),
		c.Status, ms(now), ms(now))
	if err != nil {
		return errs.Wrap(err, "insert clip")
	}
	c.ID = id
	return nil
}

// Clip loads one clip.
func (q Q) Clip(ctx context.Context, id int64) (camera.Clip, error) {
	c, err := scanClip(q.row(ctx, `SELECT `+clipCols+` FROM clips k WHERE k.id = ?`, id))
	if err != nil {
		return c, notFound(err, "clip", id)
	}
	return c, nil
}

// ClipFilter selects clips for lists: those of the cameras in Scope (the
// same rule as camera lists), optionally of one camera or of the cameras
// named in IDs (a video role's).
type ClipFilter struct {
	Scope    string
	CameraID int64
	OnlyIDs  bool
	IDs      []int64
	Page     Page
}

// ListClips returns one page of clips, newest first, and the total.
func (q Q) ListClips(ctx context.Context, f ClipFilter) ([]camera.Clip, int, error) {
	if f.Scope == "" {
		return nil, 0, errs.New(errs.Internal, "internal", "clip list without scope")
	}
	lo, hi := tenancy.SubtreeRange(f.Scope)
	from := ` FROM clips k JOIN cameras c ON c.id = k.camera_id JOIN accounts ia ON ia.id = c.integrator_id
		LEFT JOIN accounts ca ON ca.id = c.customer_id
		WHERE ((ia.path >= ? AND ia.path < ?) OR (ca.path >= ? AND ca.path < ?))`
	args := []any{lo, hi, lo, hi}
	if f.CameraID != 0 {
		from += ` AND k.camera_id = ?`
		args = append(args, f.CameraID)
	}
	if f.OnlyIDs {
		if len(f.IDs) == 0 {
			return []camera.Clip{}, 0, nil
		}
		from += ` AND k.camera_id IN (` + placeholders(len(f.IDs)) + `)`
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	total, err := q.count(ctx, `SELECT count(*)`+from, args...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count clips")
	}
	p := f.Page.Clamp()
	list, err := q.clips(ctx, `SELECT `+clipCols+from+` ORDER BY k.id DESC LIMIT ? OFFSET ?`, append(args, p.PerPage, p.Offset())...)
	return list, total, err
}

// PendingClips lists up to limit clips waiting for the clip job, oldest first.
func (q Q) PendingClips(ctx context.Context, limit int) ([]camera.Clip, error) {
	return q.clips(ctx, `SELECT `+clipCols+` FROM clips k WHERE k.status = 'pending' ORDER BY k.id LIMIT ?`, limit)
}

// SetClipProgress records how far the job is (percent).
func (q Q) SetClipProgress(ctx context.Context, id int64, pct int) error {
	_, err := q.exec(ctx, `UPDATE clips SET progress = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
		pct, ms(time.Now()), id)
	return errs.Wrap(err, "clip progress")
}

// FinishClip ends a pending clip as ready (with its file) or failed (with
// the reason). ok is false when the clip is no longer pending (deleted
// meanwhile): the caller then removes the file it wrote.
func (q Q) FinishClip(ctx context.Context, c camera.Clip) (ok bool, err error) {
	progress := 0
	if c.Status == camera.ClipReady {
		progress = 100
	}
	res, err := q.exec(ctx, `UPDATE clips SET status = ?, progress = ?, bytes = ?, path = ?, error = ?, updated_at = ?
		WHERE id = ? AND status = 'pending'`, c.Status, progress, c.Bytes, c.Path, c.Error, ms(time.Now()), c.ID)
	if err != nil {
		return false, errs.Wrap(err, "finish clip")
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "finish clip")
}

// DeleteClip removes a clip row (its shares follow by cascade).
func (q Q) DeleteClip(ctx context.Context, id int64) error {
	_, err := q.exec(ctx, `DELETE FROM clips WHERE id = ?`, id)
	return errs.Wrap(err, "delete clip")
}

// CameraClipPaths lists the files of a camera's clips (for deleting a camera).
func (q Q) CameraClipPaths(ctx context.Context, cameraID int64) ([]string, error) {
	return q.strings(ctx, "clip paths", `SELECT path FROM clips WHERE camera_id = ? AND path <> ''`, cameraID)
}

// ClipPathsKnown reports which of paths are files of clips (the clip job's
// sweep removes the others).
func (q Q) ClipPathsKnown(ctx context.Context, paths []string) (map[string]bool, error) {
	return q.knownPaths(ctx, "clips", paths)
}

// strings runs a query of one text column.
func (q Q) strings(ctx context.Context, what, query string, args ...any) ([]string, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, errs.Wrap(err, what)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, errs.Wrap(err, what)
		}
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), what)
}
