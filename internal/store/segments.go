package store

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

const segmentCols = `id, camera_id, start_ms, end_ms, bytes, path, codec, width, height, COALESCE(object_key, '')`

func scanSegment(sc interface{ Scan(...any) error }) (camera.Segment, error) {
	var s camera.Segment
	var st, en int64
	err := sc.Scan(&s.ID, &s.CameraID, &st, &en, &s.Bytes, &s.Path, &s.Codec, &s.Width, &s.Height, &s.Object)
	s.Start, s.End = fromMS(st), fromMS(en)
	return s, err
}

func (q Q) segments(ctx context.Context, query string, args ...any) ([]camera.Segment, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, errs.Wrap(err, "list segments")
	}
	defer rows.Close()
	var out []camera.Segment
	for rows.Next() {
		s, err := scanSegment(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan segment")
		}
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "list segments")
}

// InsertSegment indexes a finished segment. The same file indexed twice
// (a recovered segment seen again) is not an error: inserted is false. A
// segment of a camera deleted meanwhile gives NotFound, so the caller can
// remove the orphan file. The camera's first segment also marks its first
// video (billing starts that day), so run it in a transaction.
func (q Q) InsertSegment(ctx context.Context, s *camera.Segment) (inserted bool, err error) {
	if inserted, err = q.insertSegment(ctx, s); err != nil || !inserted {
		return inserted, err
	}
	return true, q.markFirstVideo(ctx, s.CameraID, s.Start)
}

// markFirstVideo sets a camera's first video once: the IS NULL guard makes
// every later segment a no-op that writes nothing. The camera's history
// rows get the same instant, so it survives the camera's deletion.
func (q Q) markFirstVideo(ctx context.Context, cameraID int64, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE cameras SET first_video_ms = ? WHERE id = ? AND first_video_ms IS NULL`, ms(at), cameraID)
	if err != nil {
		return errs.Wrap(err, "mark first video")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errs.Wrap(err, "mark first video")
	}
	_, err = q.exec(ctx, `UPDATE camera_assignments SET first_video_ms = ? WHERE camera_id = ? AND first_video_ms IS NULL`, ms(at), cameraID)
	return errs.Wrap(err, "mark first video")
}

// IndexSegment is InsertSegment in its own transaction, so a camera's first
// video is marked together with the segment that shows it, or not at all.
func (s *Store) IndexSegment(ctx context.Context, seg *camera.Segment) (inserted bool, err error) {
	err = s.InTx(ctx, func(q Q) (err error) {
		inserted, err = q.InsertSegment(ctx, seg)
		return err
	})
	return inserted, err
}

func (q Q) insertSegment(ctx context.Context, s *camera.Segment) (inserted bool, err error) {
	rows, err := q.query(ctx, `INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path, codec, width, height, lease_revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO NOTHING RETURNING id`,
		s.CameraID, ms(s.Start), ms(s.End), s.Bytes, s.Path, s.Codec, s.Width, s.Height, s.LeaseRevision)
	if err != nil {
		if q.d.isForeignKey(err) {
			return false, errs.NotFoundf("camera %d not found", s.CameraID)
		}
		return false, errs.Wrap(err, "insert segment")
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&s.ID); err != nil {
			return false, errs.Wrap(err, "insert segment")
		}
		inserted = true
	}
	if err := rows.Err(); err != nil {
		if q.d.isForeignKey(err) {
			return false, errs.NotFoundf("camera %d not found", s.CameraID)
		}
		return false, errs.Wrap(err, "insert segment")
	}
	return inserted, nil
}

// SegmentsInRange lists a camera's segments overlapping [from, to), oldest
// first.
func (q Q) SegmentsInRange(ctx context.Context, cameraID int64, from, to time.Time) ([]camera.Segment, error) {
	return q.segments(ctx, `SELECT `+segmentCols+` FROM segments
		WHERE camera_id = ? AND start_ms < ? AND end_ms > ? ORDER BY start_ms`, cameraID, ms(to), ms(from))
}

// RecordedSpans merges a camera's segments overlapping [from, to) into
// continuous spans in SQL (gaps-and-islands with window functions, which
// both engines have), so a month of one-minute segments comes back as a few
// rows. A segment starting more than maxGap after the previous one ended
// opens a new span.
func (q Q) RecordedSpans(ctx context.Context, cameraID int64, from, to time.Time, maxGap time.Duration) ([]camera.Span, error) {
	rows, err := q.query(ctx, `SELECT min(start_ms), max(end_ms), CAST(sum(bytes) AS BIGINT), count(*) FROM (
			SELECT start_ms, end_ms, bytes, sum(brk) OVER (ORDER BY start_ms ROWS UNBOUNDED PRECEDING) AS grp FROM (
				SELECT start_ms, end_ms, bytes,
					CASE WHEN start_ms - lag(end_ms) OVER (ORDER BY start_ms) <= ? THEN 0 ELSE 1 END AS brk
				FROM segments WHERE camera_id = ? AND start_ms < ? AND end_ms > ?
			) marked
		) grouped GROUP BY grp ORDER BY 1`, maxGap.Milliseconds(), cameraID, ms(to), ms(from))
	if err != nil {
		return nil, errs.Wrap(err, "recorded spans")
	}
	defer rows.Close()
	out := []camera.Span{}
	for rows.Next() {
		var s camera.Span
		var st, en int64
		if err := rows.Scan(&st, &en, &s.Bytes, &s.Segments); err != nil {
			return nil, errs.Wrap(err, "scan span")
		}
		s.Start, s.End = fromMS(st), fromMS(en)
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "recorded spans")
}

// CameraStorage is what one camera's recordings occupy, from the index.
type CameraStorage struct {
	Bytes    int64
	Segments int
	// LastEnd is the end of the newest segment (nil when none).
	LastEnd *time.Time
}

// CameraStorageUsed sums a camera's segments.
func (q Q) CameraStorageUsed(ctx context.Context, cameraID int64) (CameraStorage, error) {
	var s CameraStorage
	var last *int64
	err := q.row(ctx, `SELECT CAST(COALESCE(sum(bytes), 0) AS BIGINT), count(*), max(end_ms) FROM segments WHERE camera_id = ?`, cameraID).
		Scan(&s.Bytes, &s.Segments, &last)
	if last != nil {
		t := fromMS(*last)
		s.LastEnd = &t
	}
	return s, errs.Wrap(err, "camera storage")
}

// StorageUsedInSubtree sums the recordings of every camera registered in or
// assigned within the subtree at path (the same rule as camera visibility).
func (q Q) StorageUsedInSubtree(ctx context.Context, path string) (int64, error) {
	lo, hi := tenancy.SubtreeRange(path)
	var n int64
	// Ready clips count as stored video of their camera until deleted.
	err := q.row(ctx, `SELECT CAST(COALESCE(sum(s.bytes), 0) AS BIGINT) FROM (`+storedFiles+`) s JOIN cameras c ON c.id = s.camera_id
		JOIN accounts ia ON ia.id = c.integrator_id LEFT JOIN accounts ca ON ca.id = c.customer_id
		WHERE (ia.path >= ? AND ia.path < ?) OR (ca.path >= ? AND ca.path < ?)`, lo, hi, lo, hi).Scan(&n)
	return n, errs.Wrap(err, "storage in subtree")
}

// CameraSegmentPaths lists every file of a camera (for deleting a camera).
func (q Q) CameraSegmentPaths(ctx context.Context, cameraID int64) ([]string, error) {
	return q.strings(ctx, "segment paths", `SELECT path FROM segments WHERE camera_id = ?`, cameraID)
}

// ExpiredSegments lists up to limit segments, oldest first, that ended
// before their camera's retention window: the plan's retention days, or
// defaultDays for a camera without a plan (0 there keeps them).
func (q Q) ExpiredSegments(ctx context.Context, now time.Time, defaultDays, limit int) ([]camera.Segment, error) {
	const day = int64(24 * time.Hour / time.Millisecond)
	return q.segments(ctx, `SELECT s.id, s.camera_id, s.start_ms, s.end_ms, s.bytes, s.path, s.codec, s.width, s.height,
		COALESCE(s.object_key, '') FROM segments s JOIN cameras c ON c.id = s.camera_id LEFT JOIN plans p ON p.id = c.plan_id
		WHERE COALESCE(p.retention_days, ?) > 0
			AND s.end_ms <= CAST(? AS BIGINT) - COALESCE(p.retention_days, ?) * CAST(? AS BIGINT)
		ORDER BY s.start_ms LIMIT ?`, defaultDays, ms(now), defaultDays, day, limit)
}

// OldestSegments lists the limit oldest segments of all cameras, for the
// disk-space floor.
func (q Q) OldestSegments(ctx context.Context, limit int) ([]camera.Segment, error) {
	return q.segments(ctx, `SELECT `+segmentCols+` FROM segments ORDER BY start_ms LIMIT ?`, limit)
}

// OldestLocalSegments lists the limit oldest segments not yet uploaded to
// the object store: with S3 on, the only ones whose deletion frees disk
// without losing what the bucket already holds.
func (q Q) OldestLocalSegments(ctx context.Context, limit int) ([]camera.Segment, error) {
	return q.segments(ctx, `SELECT `+segmentCols+` FROM segments WHERE object_key IS NULL ORDER BY start_ms LIMIT ?`, limit)
}

// SetSegmentObject records that the segment at path is uploaded as key.
// found is false when the segment left the index meanwhile (retention or a
// deleted camera), so the caller can remove the object it just wrote.
func (q Q) SetSegmentObject(ctx context.Context, path, key string) (found bool, err error) {
	res, err := q.exec(ctx, `UPDATE segments SET object_key = ? WHERE path = ?`, key, path)
	if err != nil {
		return false, errs.Wrap(err, "set segment object")
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// SegmentsByPath returns the index rows of those of paths that are indexed.
func (q Q) SegmentsByPath(ctx context.Context, paths []string) (map[string]camera.Segment, error) {
	out := make(map[string]camera.Segment, len(paths))
	for lo := 0; lo < len(paths); lo += 500 {
		part := paths[lo:min(lo+500, len(paths))]
		args := make([]any, len(part))
		for i, p := range part {
			args[i] = p
		}
		segs, err := q.segments(ctx, `SELECT `+segmentCols+` FROM segments WHERE path IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, s := range segs {
			out[s.Path] = s
		}
	}
	return out, nil
}

// DeleteSegment removes one segment from the index. Retention deletes the
// row before the file: a crash in between leaves an unlisted file (wasted
// space) rather than a listed file that cannot be played.
func (q Q) DeleteSegment(ctx context.Context, id int64) error {
	_, err := q.exec(ctx, `DELETE FROM segments WHERE id = ?`, id)
	return errs.Wrap(err, "delete segment")
}

// AddTraffic adds bytes served for a camera to its UTC day's total.
func (q Q) AddTraffic(ctx context.Context, cameraID int64, at time.Time, bytes int64) error {
	day := at.UTC().Format(time.DateOnly)
	_, err := q.exec(ctx, `INSERT INTO traffic_usage (camera_id, day, bytes) VALUES (?, ?, ?)
		ON CONFLICT (camera_id, day) DO UPDATE SET bytes = traffic_usage.bytes + excluded.bytes`, cameraID, day, bytes)
	return errs.Wrap(err, "add traffic")
}

// CameraTraffic sums the bytes served for a camera between two UTC days
// (inclusive, "YYYY-MM-DD").
func (q Q) CameraTraffic(ctx context.Context, cameraID int64, fromDay, toDay string) (int64, error) {
	var n int64
	err := q.row(ctx, `SELECT CAST(COALESCE(sum(bytes), 0) AS BIGINT) FROM traffic_usage WHERE camera_id = ? AND day >= ? AND day <= ?`,
		cameraID, fromDay, toDay).Scan(&n)
	return n, errs.Wrap(err, "camera traffic")
}

// CamerasStorageUsed is CameraStorageUsed for a page of cameras in one query.
func (q Q) CamerasStorageUsed(ctx context.Context, ids []int64) (map[int64]CameraStorage, error) {
	out := make(map[int64]CameraStorage, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT camera_id, CAST(COALESCE(sum(bytes), 0) AS BIGINT), count(*), max(end_ms) FROM segments
		WHERE camera_id IN (`+placeholders(len(ids))+`) GROUP BY camera_id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cameras storage")
	}
	defer rows.Close()
	for rows.Next() {
		var id, last int64
		var s CameraStorage
		if err := rows.Scan(&id, &s.Bytes, &s.Segments, &last); err != nil {
			return nil, errs.Wrap(err, "cameras storage")
		}
		t := fromMS(last)
		s.LastEnd = &t
		out[id] = s
	}
	return out, errs.Wrap(rows.Err(), "cameras storage")
}

// IndexedPaths reports which of paths are in the segment index.
func (q Q) IndexedPaths(ctx context.Context, paths []string) (map[string]bool, error) {
	return q.knownPaths(ctx, "segments", paths)
}

// knownPaths reports which of paths are in the path column of table
// (segments or clips).
func (q Q) knownPaths(ctx context.Context, table string, paths []string) (map[string]bool, error) {
	out := make(map[string]bool, len(paths))
	for lo := 0; lo < len(paths); lo += 500 {
		part := paths[lo:min(lo+500, len(paths))]
		args := make([]any, len(part))
		for i, p := range part {
			args[i] = p
		}
		rows, err := q.query(ctx, `SELECT path FROM `+table+` WHERE path IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, errs.Wrap(err, "indexed paths")
		}
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "indexed paths")
			}
			out[p] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "indexed paths")
		}
	}
	return out, nil
}

// DeleteCameraSegmentsBefore removes a camera's index rows of segments that
// started at or before at (recordings deleted while the camera was still
// writing).
func (q Q) DeleteCameraSegmentsBefore(ctx context.Context, cameraID int64, at time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM segments WHERE camera_id = ? AND start_ms <= ?`, cameraID, ms(at))
	if err != nil {
		return 0, errs.Wrap(err, "delete camera segments")
	}
	n, _ := res.RowsAffected()
	return n, nil
}
