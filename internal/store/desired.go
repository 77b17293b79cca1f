package store

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// maxPushedBlocks bounds how many blocked subtrees DesiredRecordings names
// in SQL; beyond it the filter runs in Go only (the answer is the same).
const maxPushedBlocks = 64

// DesiredRecordings is the whole set of cameras that should be recording
// now (camera.ShouldRecord for every camera), in two queries: the accounts
// that block recording below them (disabled, or cloud_recording switched
// off), then the enabled, assigned cameras on a recording plan outside those
// subtrees. The recorder calls it on every event and on a timer and
// reconciles its running set against it.
func (q Q) DesiredRecordings(ctx context.Context) ([]camera.DesiredCamera, error) {
	blocked, roots, err := q.recordingBlocks(ctx)
	if err != nil {
		return nil, err
	}
	where := []string{"c.enabled", "p.retention_days > 0"}
	var args []any
	if len(roots) <= maxPushedBlocks {
		for _, r := range roots {
			lo, hi := tenancy.SubtreeRange(r)
			where = append(where, "NOT (cu.path >= ? AND cu.path < ?)")
			args = append(args, lo, hi)
		}
	}
	rows, err := q.query(ctx, `SELECT c.id, c.integrator_id, c.customer_id, cu.path, c.type, c.rtsp_url, c.username, c.secret_enc,
		p.id, p.retention_days, p.recording_mode, p.max_bitrate_kbps
		FROM cameras c JOIN accounts cu ON cu.id = c.customer_id JOIN plans p ON p.id = c.plan_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY c.id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "desired recordings")
	}
	defer rows.Close()
	out := []camera.DesiredCamera{}
	okPath := map[string]bool{} // customer path → no blocked account on it
	for rows.Next() {
		var d camera.DesiredCamera
		if err := rows.Scan(&d.CameraID, &d.IntegratorID, &d.CustomerID, &d.CustomerPath, &d.Type, &d.RTSPURL, &d.Username,
			&d.SecretEnc, &d.PlanID, &d.RetentionDays, &d.RecordingMode, &d.MaxBitrateKbps); err != nil {
			return nil, errs.Wrap(err, "scan desired recording")
		}
		ok, seen := okPath[d.CustomerPath]
		if !seen {
			ok = true
			for _, id := range tenancy.PathIDs(d.CustomerPath) {
				if blocked[id] {
					ok = false
					break
				}
			}
			okPath[d.CustomerPath] = ok
		}
		if ok {
			d.SegmentLength = camera.DefaultSegmentLength
			out = append(out, d)
		}
	}
	return out, errs.Wrap(rows.Err(), "desired recordings")
}

// recordingBlocks returns the accounts that stop recording in their whole
// subtree, as a set of ids and as the minimal list of subtree paths.
func (q Q) recordingBlocks(ctx context.Context) (map[int64]bool, []string, error) {
	cond := []string{"a.status <> 'active'", "m.enabled IS NOT NULL"}
	var args []any
	args = append(args, tenancy.ModCloudRecording)
	for _, t := range []tenancy.Type{tenancy.Integrator, tenancy.Customer} {
		if !tenancy.DefaultModule(t, tenancy.ModCloudRecording) {
			cond = append(cond, "a.type = ?") // off unless switched on
			args = append(args, t)
		}
	}
	rows, err := q.query(ctx, `SELECT a.id, a.path, a.depth, a.type, a.status, m.enabled
		FROM accounts a LEFT JOIN account_modules m ON m.account_id = a.id AND m.module = ?
		WHERE `+strings.Join(cond, " OR "), args...)
	if err != nil {
		return nil, nil, errs.Wrap(err, "recording blocks")
	}
	defer rows.Close()
	blocked := map[int64]bool{}
	var paths []string
	for rows.Next() {
		var id int64
		var path string
		var depth int
		var typ tenancy.Type
		var status tenancy.Status
		var on *bool
		if err := rows.Scan(&id, &path, &depth, &typ, &status, &on); err != nil {
			return nil, nil, errs.Wrap(err, "scan recording block")
		}
		sw := tenancy.DefaultModule(typ, tenancy.ModCloudRecording)
		if on != nil {
			sw = *on
		}
		if depth == 0 {
			sw = true // nobody is above the root to switch its modules
		}
		if status != tenancy.Active || !sw {
			blocked[id] = true
			paths = append(paths, path)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, errs.Wrap(err, "recording blocks")
	}
	// Keep only the topmost blocked subtrees: sorted paths put an ancestor
	// right before its descendants.
	sort.Strings(paths)
	var roots []string
	for _, p := range paths {
		if n := len(roots); n > 0 && strings.HasPrefix(p, roots[n-1]) {
			continue
		}
		roots = append(roots, p)
	}
	return blocked, roots, nil
}

// SeedCamera is a camera row for tests and benchmarks, which need many
// cameras long before (and regardless of) the camera registration flow.
type SeedCamera struct {
	IntegratorID int64
	CustomerID   int64 // 0 = unassigned
	PlanID       int64 // 0 = none
	Name         string
	RTSPURL      string
	Enabled      bool
	// AssignedAt starts the camera's billing history when it is assigned
	// (zero: since 1970, so fixtures bill every period in full).
	AssignedAt time.Time
	// FirstVideo is when the camera first delivered video, which starts
	// its fixed-plan charges (zero: since 1970, like AssignedAt); NoVideo
	// seeds a camera that never connected.
	FirstVideo time.Time
	NoVideo    bool
}

// firstVideo is the seed's first_video_ms column value.
func (c SeedCamera) firstVideo() any {
	if c.NoVideo {
		return nil
	}
	if c.FirstVideo.IsZero() {
		return int64(0)
	}
	return ms(c.FirstVideo)
}

// SeedCameras inserts cameras in batches of multi-row INSERTs and returns
// their ids in order, counted on their owners' paths.
func (q Q) SeedCameras(ctx context.Context, cams []SeedCamera) ([]int64, error) {
	var ids []int64
	err := q.countCameras(ctx, func() []int64 { return ids }, func(q Q) error {
		var err error
		ids, err = q.seedCameras(ctx, cams)
		return err
	})
	return ids, err
}

func (q Q) seedCameras(ctx context.Context, cams []SeedCamera) ([]int64, error) {
	const batch = 500
	now := ms(time.Now())
	ids := make([]int64, 0, len(cams))
	for lo := 0; lo < len(cams); lo += batch {
		part := cams[lo:min(lo+batch, len(cams))]
		var b strings.Builder
		b.WriteString(`INSERT INTO cameras (integrator_id, customer_id, plan_id, type, name, enabled, rtsp_url, created_at, updated_at, first_video_ms) VALUES `)
		args := make([]any, 0, len(part)*9)
		for i, c := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?, ?, 'generic', ?, ?, ?, ?, ?, ?)")
			args = append(args, c.IntegratorID, nullID(c.CustomerID), nullID(c.PlanID), c.Name, c.Enabled, c.RTSPURL, now, now, c.firstVideo())
		}
		b.WriteString(" RETURNING id")
		rows, err := q.query(ctx, b.String(), args...)
		if err != nil {
			return nil, errs.Wrap(err, "seed cameras")
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "seed cameras")
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "seed cameras")
		}
	}
	// RETURNING order is not promised by either engine; ids are ascending
	// in insertion order on both, so sorting restores it.
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, q.seedAssignments(ctx, cams, ids)
}

// seedAssignments opens the billing history of the seeded cameras that are
// billable (assigned, on a plan, switched on), in multi-row batches.
func (q Q) seedAssignments(ctx context.Context, cams []SeedCamera, ids []int64) error {
	var b strings.Builder
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := q.exec(ctx, `INSERT INTO camera_assignments (camera_id, customer_id, plan_id, from_ms, first_video_ms) VALUES `+b.String(), args...)
		b.Reset()
		args = args[:0]
		return errs.Wrap(err, "seed assignments")
	}
	for i, c := range cams {
		if c.CustomerID == 0 || c.PlanID == 0 || !c.Enabled {
			continue
		}
		if len(args) > 0 {
			b.WriteByte(',')
		}
		from := int64(0)
		if !c.AssignedAt.IsZero() {
			from = ms(c.AssignedAt)
		}
		b.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, ids[i], c.CustomerID, c.PlanID, from, c.firstVideo())
		if len(args) >= 5*500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// SeedCameraEnabled switches one camera on or off directly (tests).
func (q Q) SeedCameraEnabled(ctx context.Context, id int64, on bool) error {
	if err := q.countCameras(ctx, func() []int64 { return []int64{id} }, func(q Q) error {
		_, err := q.exec(ctx, `UPDATE cameras SET enabled = ?, updated_at = ?, live_online = live_online AND ?, live_recording = live_recording AND ?
			WHERE id = ?`, on, ms(time.Now()), on, on, id)
		return err
	}); err != nil {
		return errs.Wrap(err, "seed camera enabled")
	}
	return q.SyncAssignments(ctx, time.Now(), id)
}

// SeedPlan inserts a plan owned by an account (tests and benchmarks).
func (q Q) SeedPlan(ctx context.Context, ownerID int64, name string, retentionDays, maxKbps int) (int64, error) {
	now := ms(time.Now())
	id, err := q.insert(ctx, `INSERT INTO plans (owner_account_id, name, kind, retention_days, recording_mode, max_bitrate_kbps, price, created_at, updated_at)
		VALUES (?, ?, 'fixed', ?, 'continuous', ?, 0, ?, ?)`, ownerID, name, retentionDays, maxKbps, now, now)
	return id, errs.Wrap(err, "seed plan")
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// SeedSegment inserts one recording row (tests of deletion).
func (q Q) SeedSegment(ctx context.Context, cameraID int64, start time.Time, bytes int64, path string) error {
	_, err := q.exec(ctx, `INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES (?, ?, ?, ?, ?)`,
		cameraID, ms(start), ms(start.Add(time.Minute)), bytes, path)
	if err != nil {
		return errs.Wrap(err, "seed segment")
	}
	return q.markFirstVideo(ctx, cameraID, start)
}
