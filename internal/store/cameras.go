package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Cameras are loaded with the paths of their integrator and customer, which
// the access decision (camera.VisibleTo) needs.
const cameraCols = `c.id, c.integrator_id, COALESCE(c.customer_id, 0), COALESCE(c.plan_id, 0), c.type, c.name, c.enabled,
	c.rtsp_url, c.sub_rtsp_url, c.onvif_address, c.username, c.secret_enc, c.device_id, c.claim_code_hash, c.created_at,
	c.updated_at, ia.path, COALESCE(ca.path, ''), c.onvif_info, c.connect_reason, c.connect_checked_at,
	c.first_video_ms`

const cameraFrom = ` FROM cameras c JOIN accounts ia ON ia.id = c.integrator_id LEFT JOIN accounts ca ON ca.id = c.customer_id`

func scanCamera(sc interface{ Scan(...any) error }) (camera.Camera, error) {
	var c camera.Camera
	var ca, ua, checked int64
	var info string
	var video sql.NullInt64
	err := sc.Scan(&c.ID, &c.IntegratorID, &c.CustomerID, &c.PlanID, &c.Type, &c.Name, &c.Enabled,
		&c.RTSPURL, &c.SubStreamURL, &c.ONVIFAddress, &c.Username, &c.SecretEnc, &c.DeviceID, &c.ClaimCodeHash, &ca, &ua,
		&c.IntegratorPath, &c.CustomerPath, &info, &c.ConnectReason, &checked, &video)
	c.CreatedAt, c.UpdatedAt = fromMS(ca), fromMS(ua)
	if video.Valid {
		c.FirstVideo = fromMS(video.Int64)
	}
	if checked != 0 {
		c.ConnectCheckedAt = fromMS(checked)
	}
	if err == nil && info != "" {
		// A row written by an older build or damaged by hand loses only
		// the device details, never the camera.
		_ = json.Unmarshal([]byte(info), &c.ONVIF)
	}
	return c, err
}

func nullable(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// InsertCamera writes a new camera, counted on its owner's path.
func (q Q) InsertCamera(ctx context.Context, c *camera.Camera) error {
	return q.countCameras(ctx, func() []int64 { return []int64{c.ID} }, func(q Q) error { return q.insertCamera(ctx, c) })
}

func (q Q) insertCamera(ctx context.Context, c *camera.Camera) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	id, err := q.insert(ctx, `INSERT INTO cameras (integrator_id, customer_id, plan_id, type, name, enabled, rtsp_url,
		sub_rtsp_url, onvif_address, username, secret_enc, device_id, claim_code_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.IntegratorID, nullable(c.CustomerID), nullable(c.PlanID), c.Type, c.Name, c.Enabled, c.RTSPURL,
		c.SubStreamURL, c.ONVIFAddress, c.Username, c.SecretEnc, c.DeviceID, c.ClaimCodeHash, ms(now), ms(now))
	if err != nil {
		if q.d.isForeignKey(err) {
			return errs.Field("customer_id", "no such account or plan")
		}
		return errs.Wrap(err, "insert camera")
	}
	c.ID, c.CreatedAt, c.UpdatedAt = id, now, now
	return nil
}

// Camera loads one camera with its integrator's and customer's paths.
func (q Q) Camera(ctx context.Context, id int64) (camera.Camera, error) {
	c, err := scanCamera(q.row(ctx, `SELECT `+cameraCols+cameraFrom+` WHERE c.id = ?`, id))
	if err != nil {
		return c, notFound(err, "camera", id)
	}
	return c, nil
}

// UpdateCamera writes the changeable fields of c. A camera moved to
// another customer moves its counts; one that can no longer record
// (switched off, unassigned, without a plan) stops counting as online and
// recording at once, in the same transaction, whatever its recorder has
// not yet noticed.
func (q Q) UpdateCamera(ctx context.Context, c *camera.Camera) error {
	c.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	live := c.Enabled && c.CustomerID != 0 && c.PlanID != 0
	return q.countCameras(ctx, func() []int64 { return []int64{c.ID} }, func(q Q) error {
		_, err := q.exec(ctx, `UPDATE cameras SET customer_id = ?, plan_id = ?, name = ?, enabled = ?, rtsp_url = ?,
			sub_rtsp_url = ?, username = ?, secret_enc = ?, updated_at = ?,
			live_online = live_online AND ?, live_recording = live_recording AND ? WHERE id = ?`,
			nullable(c.CustomerID), nullable(c.PlanID), c.Name, c.Enabled, c.RTSPURL, c.SubStreamURL, c.Username, c.SecretEnc, ms(c.UpdatedAt),
			live, live, c.ID)
		if q.d.isForeignKey(err) {
			return errs.Field("customer_id", "no such account or plan")
		}
		return errs.Wrap(err, "update camera")
	})
}

// DeleteCamera removes a camera and its counts; its segment index and
// traffic rows follow by ON DELETE CASCADE (the caller removes the files
// after commit).
func (q Q) DeleteCamera(ctx context.Context, id int64) error {
	return q.countCameras(ctx, func() []int64 { return []int64{id} }, func(q Q) error {
		_, err := q.exec(ctx, `DELETE FROM cameras WHERE id = ?`, id)
		return errs.Wrap(err, "delete camera")
	})
}

// PnPDeviceTaken reports whether a P&P device id is already registered.
func (q Q) PnPDeviceTaken(ctx context.Context, deviceID string) (bool, error) {
	n, err := q.count(ctx, `SELECT count(*) FROM cameras WHERE type = 'pnp' AND device_id = ?`, deviceID)
	return n > 0, errs.Wrap(err, "check device id")
}

// CameraFilter selects cameras for lists. Scope is required: a camera is
// listed when its integrator or its customer lies in the scope (R10).
type CameraFilter struct {
	Scope      string
	CustomerID int64 // only cameras assigned to this account
	Unassigned bool  // only cameras without a customer
	// OnlyIDs restricts the list to IDs (a video role's cameras; none when
	// IDs is empty).
	OnlyIDs bool
	IDs     []int64
	Q       string
	Page    Page
}

// ListCameras returns one page of cameras and the total.
func (q Q) ListCameras(ctx context.Context, f CameraFilter) ([]camera.Camera, int, error) {
	if f.Scope == "" {
		return nil, 0, errs.New(errs.Internal, "internal", "camera list without scope")
	}
	lo, hi := tenancy.SubtreeRange(f.Scope)
	where := []string{"((ia.path >= ? AND ia.path < ?) OR (ca.path >= ? AND ca.path < ?))"}
	args := []any{lo, hi, lo, hi}
	if f.CustomerID != 0 {
		where = append(where, "c.customer_id = ?")
		args = append(args, f.CustomerID)
	}
	if f.Unassigned {
		where = append(where, "c.customer_id IS NULL")
	}
	if f.OnlyIDs {
		if len(f.IDs) == 0 {
			return []camera.Camera{}, 0, nil
		}
		where = append(where, "c.id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if s := strings.TrimSpace(f.Q); s != "" {
		pat := "%" + likeEscape(s) + "%"
		op := q.d.ilike
		where = append(where, "(c.name "+op+" ? ESCAPE '\\' OR c.device_id "+op+" ? ESCAPE '\\')")
		args = append(args, pat, pat)
	}
	cond := strings.Join(where, " AND ")
	total, err := q.count(ctx, `SELECT count(*)`+cameraFrom+` WHERE `+cond, args...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count cameras")
	}
	p := f.Page.Clamp()
	rows, err := q.query(ctx, `SELECT `+cameraCols+cameraFrom+` WHERE `+cond+` ORDER BY c.name, c.id LIMIT ? OFFSET ?`,
		append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list cameras")
	}
	defer rows.Close()
	out := []camera.Camera{}
	for rows.Next() {
		c, err := scanCamera(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan camera")
		}
		out = append(out, c)
	}
	return out, total, errs.Wrap(rows.Err(), "list cameras")
}

// CameraPlan loads what cameras need of a plan (retention, mode, limits).
func (q Q) CameraPlan(ctx context.Context, id int64) (camera.Plan, error) {
	var p camera.Plan
	err := q.row(ctx, `SELECT id, owner_account_id, name, retention_days, recording_mode, max_bitrate_kbps FROM plans WHERE id = ?`, id).
		Scan(&p.ID, &p.OwnerAccountID, &p.Name, &p.RetentionDays, &p.RecordingMode, &p.MaxBitrateKbps)
	if err != nil {
		return p, notFound(err, "plan", id)
	}
	return p, nil
}

// ExistingCameraIDs reports which of ids are cameras that exist.
func (q Q) ExistingCameraIDs(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	for lo := 0; lo < len(ids); lo += 500 {
		part := ids[lo:min(lo+500, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := q.query(ctx, `SELECT id FROM cameras WHERE id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, errs.Wrap(err, "existing cameras")
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "existing cameras")
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "existing cameras")
		}
	}
	return out, nil
}
