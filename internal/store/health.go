package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/health"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// HealthStates loads the health state of every watched camera (the
// monitor keeps them in memory and writes only what changes).
func (q Q) HealthStates(ctx context.Context) (map[int64]health.State, error) {
	rows, err := q.query(ctx, `SELECT camera_id, online, since_ms, last_seen_ms, reason, alerted, bitrate_kbps FROM camera_health`)
	if err != nil {
		return nil, errs.Wrap(err, "health states")
	}
	defer rows.Close()
	out := map[int64]health.State{}
	for rows.Next() {
		s, err := scanHealth(rows)
		if err != nil {
			return nil, err
		}
		out[s.CameraID] = s
	}
	return out, errs.Wrap(rows.Err(), "health states")
}

func scanHealth(sc interface{ Scan(...any) error }) (health.State, error) {
	var s health.State
	var since, seen int64
	err := sc.Scan(&s.CameraID, &s.Online, &since, &seen, &s.Reason, &s.Alerted, &s.BitrateKbps)
	s.Since = fromMS(since)
	if seen > 0 {
		s.LastSeen = fromMS(seen)
	}
	return s, errs.Wrap(err, "scan health")
}

// CamerasHealth loads the health rows of some cameras (cameras never
// watched are absent).
func (q Q) CamerasHealth(ctx context.Context, ids []int64) (map[int64]health.State, error) {
	out := map[int64]health.State{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT camera_id, online, since_ms, last_seen_ms, reason, alerted, bitrate_kbps FROM camera_health
		WHERE camera_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cameras health")
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanHealth(rows)
		if err != nil {
			return nil, err
		}
		out[s.CameraID] = s
	}
	return out, errs.Wrap(rows.Err(), "cameras health")
}

// SaveHealth writes a camera's state (insert or replace). A camera deleted
// meanwhile is no error: its row would only be removed again.
func (q Q) SaveHealth(ctx context.Context, s health.State) error {
	_, err := q.exec(ctx, `INSERT INTO camera_health (camera_id, online, since_ms, last_seen_ms, reason, alerted, bitrate_kbps)
		SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM cameras WHERE id = ?)
		ON CONFLICT (camera_id) DO UPDATE SET online = excluded.online, since_ms = excluded.since_ms,
		last_seen_ms = excluded.last_seen_ms, reason = excluded.reason, alerted = excluded.alerted, bitrate_kbps = excluded.bitrate_kbps`,
		s.CameraID, s.Online, ms(s.Since), msOrZero(s.LastSeen), s.Reason, s.Alerted, s.BitrateKbps, s.CameraID)
	return errs.Wrap(err, "save health")
}

// SubtreeHealthEvents returns the online and offline camera events that
// overlap [since, now] of every camera registered or assigned in the
// subtree of scope (uptime and outages of the fleet health page), in one
// query, oldest first per camera.
func (q Q) SubtreeHealthEvents(ctx context.Context, scope string, since time.Time) (map[int64][]camera.Event, error) {
	lo, hi := tenancy.SubtreeRange(scope)
	rows, err := q.query(ctx, `SELECT `+cameraEventCols+` FROM camera_events
		WHERE type IN ('online', 'offline') AND (end_ms IS NULL OR end_ms > ?) AND camera_id IN (SELECT c.id`+cameraFrom+`
		WHERE (ia.path >= ? AND ia.path < ?) OR (ca.path >= ? AND ca.path < ?))
		ORDER BY camera_id, start_ms, id`, ms(since), lo, hi, lo, hi)
	list, err := scanCameraEvents(rows, err)
	if err != nil {
		return nil, err
	}
	out := map[int64][]camera.Event{}
	for _, e := range list {
		out[e.CameraID] = append(out[e.CameraID], e)
	}
	return out, nil
}

// msOrZero is t in unix milliseconds, 0 for the zero time.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// AlertSettings is one account's own alert settings row.
type AlertSettings struct {
	AccountID    int64
	OfflineAfter *time.Duration // nil: inherited
	Contacts     []string
}

// AlertSettingsOn returns the rows of the accounts on path (ancestors and
// the account itself), keyed by account id.
func (q Q) AlertSettingsOn(ctx context.Context, path string) (map[int64]AlertSettings, error) {
	ids := tenancy.PathIDs(path)
	out := map[int64]AlertSettings{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT account_id, offline_after_ms, contacts FROM account_alerts WHERE account_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "alert settings")
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanAlertSettings(rows)
		if err != nil {
			return nil, err
		}
		out[s.AccountID] = s
	}
	return out, errs.Wrap(rows.Err(), "alert settings")
}

// OfflineAfterOverrides lists every account with its own debounce (a small
// table: the monitor folds it along each camera's path).
func (q Q) OfflineAfterOverrides(ctx context.Context) (map[int64]time.Duration, error) {
	rows, err := q.query(ctx, `SELECT account_id, offline_after_ms FROM account_alerts WHERE offline_after_ms IS NOT NULL`)
	if err != nil {
		return nil, errs.Wrap(err, "offline-after overrides")
	}
	defer rows.Close()
	out := map[int64]time.Duration{}
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, errs.Wrap(err, "scan offline-after override")
		}
		out[id] = time.Duration(v) * time.Millisecond
	}
	return out, errs.Wrap(rows.Err(), "offline-after overrides")
}

func scanAlertSettings(sc interface{ Scan(...any) error }) (AlertSettings, error) {
	var s AlertSettings
	var after sql.NullInt64
	var contacts string
	if err := sc.Scan(&s.AccountID, &after, &contacts); err != nil {
		return s, errs.Wrap(err, "scan alert settings")
	}
	if after.Valid {
		d := time.Duration(after.Int64) * time.Millisecond
		s.OfflineAfter = &d
	}
	s.Contacts = splitList(contacts)
	return s, nil
}

// SetAlertSettings writes an account's own settings.
func (q Q) SetAlertSettings(ctx context.Context, s AlertSettings) error {
	var after sql.NullInt64
	if s.OfflineAfter != nil {
		after = sql.NullInt64{Int64: s.OfflineAfter.Milliseconds(), Valid: true}
	}
	_, err := q.exec(ctx, `INSERT INTO account_alerts (account_id, offline_after_ms, contacts) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET offline_after_ms = excluded.offline_after_ms, contacts = excluded.contacts`,
		s.AccountID, after, strings.Join(s.Contacts, ","))
	return errs.Wrap(err, "write alert settings")
}

// FleetHealth is one row per camera registered or assigned in the subtree
// of scope, with its health state, how much of the 24 h before now is
// missing between its recordings, and its oldest kept recording — one
// query, however large the subtree (the fleet health page; flags are
// computed by health.Assess). The per-camera figures are correlated
// subqueries on the (camera_id, start_ms) index: first, last and oldest
// recording are index probes; only the day's covered time scans the
// camera's day of segments.
func (q Q) FleetHealth(ctx context.Context, scope string, now time.Time) ([]health.FleetCamera, error) {
	lo, hi := tenancy.SubtreeRange(scope)
	dayAgo := ms(now.Add(-24 * time.Hour))
	rows, err := q.query(ctx, `SELECT c.id, c.name, c.integrator_id, COALESCE(c.customer_id, 0), COALESCE(ca.name, ''), c.enabled,
		COALESCE(c.plan_id, 0), COALESCE(p.retention_days, 0), COALESCE(p.max_bitrate_kbps, 0), COALESCE(p.recording_mode, ''), c.created_at,
		h.camera_id IS NOT NULL, COALESCE(h.online, FALSE), COALESCE(h.since_ms, 0), COALESCE(h.last_seen_ms, 0),
		COALESCE(h.reason, ''), COALESCE(h.alerted, FALSE), COALESCE(h.bitrate_kbps, 0),
		(SELECT MIN(s.start_ms) FROM segments s WHERE s.camera_id = c.id AND s.start_ms >= ?),
		(SELECT s.end_ms FROM segments s WHERE s.camera_id = c.id ORDER BY s.start_ms DESC LIMIT 1),
		(SELECT SUM(s.end_ms - s.start_ms) FROM segments s WHERE s.camera_id = c.id AND s.start_ms >= ?),
		(SELECT MIN(s.start_ms) FROM segments s WHERE s.camera_id = c.id)`+cameraFrom+`
		LEFT JOIN plans p ON p.id = c.plan_id
		LEFT JOIN camera_health h ON h.camera_id = c.id
		WHERE (ia.path >= ? AND ia.path < ?) OR (ca.path >= ? AND ca.path < ?) ORDER BY c.name, c.id`,
		dayAgo, dayAgo, lo, hi, lo, hi)
	if err != nil {
		return nil, errs.Wrap(err, "fleet health")
	}
	defer rows.Close()
	out := []health.FleetCamera{}
	for rows.Next() {
		var c health.FleetCamera
		var created, since, seen int64
		var dayFirst, dayLast, dayCovered, oldest sql.NullInt64
		var mode billing.RecordingMode
		if err := rows.Scan(&c.CameraID, &c.Name, &c.IntegratorID, &c.CustomerID, &c.CustomerName, &c.Enabled,
			&c.PlanID, &c.RetentionDays, &c.MaxBitrateKbps, &mode, &created,
			&c.Watched, &c.State.Online, &since, &seen, &c.State.Reason, &c.State.Alerted, &c.State.BitrateKbps,
			&dayFirst, &dayLast, &dayCovered, &oldest); err != nil {
			return nil, errs.Wrap(err, "scan fleet health")
		}
		c.CreatedAt = fromMS(created)
		if dayFirst.Valid && mode != billing.Events {
			// Missing time between the day's first and last recording
			// (an events plan records only around events: no gaps).
			if gap := time.Duration(dayLast.Int64-dayFirst.Int64-dayCovered.Int64) * time.Millisecond; gap >= health.GapMin {
				c.GapTime = gap
			}
		}
		c.State.CameraID = c.CameraID
		if c.Watched {
			c.State.Since = fromMS(since)
			if seen > 0 {
				c.State.LastSeen = fromMS(seen)
			}
		}
		c.OldestSegment = nullMS(oldest)
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "fleet health")
}

// DeleteHealth forgets the state of cameras no longer watched.
func (q Q) DeleteHealth(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	_, err := q.exec(ctx, `DELETE FROM camera_health WHERE camera_id IN (`+placeholders(len(ids))+`)`, args...)
	return errs.Wrap(err, "delete health")
}
