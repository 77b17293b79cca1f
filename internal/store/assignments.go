package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Assignment history (migration 0026, docs/BILLING.md): every write that
// changes a camera's customer, plan or switch (InsertCamera, UpdateCamera,
// DeleteCamera through the app, the seeds, an account deletion's unassign)
// is followed by SyncAssignments in the same transaction, which closes the
// camera's open span and opens the next when the billable state changed.

// SyncAssignments brings the history of the cameras ids up to their current
// rows as of at: a camera is billable while it has a customer and a plan
// and is switched on; a deleted camera is not.
func (q Q) SyncAssignments(ctx context.Context, at time.Time, ids ...int64) error {
	for _, id := range ids {
		var cust, plan, video sql.NullInt64
		var on bool
		err := q.row(ctx, `SELECT customer_id, plan_id, enabled, first_video_ms FROM cameras WHERE id = ?`, id).Scan(&cust, &plan, &on, &video)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return errs.Wrap(err, "sync assignment")
		}
		billable := err == nil && cust.Valid && plan.Valid && on
		var openID, oc, op int64
		err = q.row(ctx, `SELECT id, customer_id, plan_id FROM camera_assignments WHERE camera_id = ? AND to_ms IS NULL`, id).Scan(&openID, &oc, &op)
		open := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return errs.Wrap(err, "sync assignment")
		}
		if open && billable && oc == cust.Int64 && op == plan.Int64 {
			continue
		}
		if open {
			if _, err := q.exec(ctx, `UPDATE camera_assignments SET to_ms = ? WHERE id = ?`, ms(at), openID); err != nil {
				return errs.Wrap(err, "close assignment")
			}
		}
		if billable {
			if _, err := q.exec(ctx, `INSERT INTO camera_assignments (camera_id, customer_id, plan_id, from_ms, first_video_ms) VALUES (?, ?, ?, ?, ?)`,
				id, cust.Int64, plan.Int64, ms(at), video); err != nil {
				return errs.Wrap(err, "open assignment")
			}
		}
	}
	return nil
}

// Assignment is one span of a camera's history; To is zero while open.
type Assignment struct {
	CameraID, CustomerID, PlanID int64
	From, To                     time.Time
}

// CameraAssignments lists a camera's history, oldest first.
func (q Q) CameraAssignments(ctx context.Context, cameraID int64) ([]Assignment, error) {
	rows, err := q.query(ctx, `SELECT camera_id, customer_id, plan_id, from_ms, to_ms FROM camera_assignments
		WHERE camera_id = ? ORDER BY from_ms, id`, cameraID)
	if err != nil {
		return nil, errs.Wrap(err, "camera assignments")
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var from int64
		var to sql.NullInt64
		if err := rows.Scan(&a.CameraID, &a.CustomerID, &a.PlanID, &from, &to); err != nil {
			return nil, errs.Wrap(err, "camera assignments")
		}
		a.From = fromMS(from)
		if to.Valid {
			a.To = fromMS(to.Int64)
		}
		out = append(out, a)
	}
	return out, errs.Wrap(rows.Err(), "camera assignments")
}

// SubtreeCameraGroups sums, by customer (in the subtree at path) and plan,
// the time each camera was billable within [from, to): spans still open
// count until to, so the running month shows its bill as it will stand.
// A camera is billable only from the UTC day of its first video (never,
// while it has delivered none): a span starts at the later of its own
// start and that day.
func (q Q) SubtreeCameraGroups(ctx context.Context, path string, from, to time.Time) ([]billing.CameraGroup, error) {
	lo, hi := tenancy.SubtreeRange(path)
	f, t := ms(from), ms(to)
	const day = int64(24 * time.Hour / time.Millisecond)
	// Overlap of [max(from_ms, first video's day), to_ms or ∞) with
	// [f, t), in CASE expressions and integer division both engines read
	// alike (ms since the epoch are positive, so division floors).
	rows, err := q.query(ctx, `SELECT ca.path, a.plan_id, count(DISTINCT a.camera_id), CAST(sum(a.e - a.s) AS BIGINT) FROM (
			SELECT camera_id, customer_id, plan_id,
				CASE WHEN to_ms IS NULL OR to_ms > ? THEN ? ELSE to_ms END AS e,
				CASE WHEN from_ms >= ? AND from_ms >= fv THEN from_ms WHEN fv >= ? THEN fv ELSE ? END AS s
			FROM (SELECT camera_id, customer_id, plan_id, from_ms, to_ms, (first_video_ms / ?) * ? AS fv FROM camera_assignments
				WHERE first_video_ms IS NOT NULL AND from_ms < ? AND (to_ms IS NULL OR to_ms > ?)) spans
		) a JOIN accounts ca ON ca.id = a.customer_id
		WHERE ca.path >= ? AND ca.path < ? AND a.s < a.e
		GROUP BY ca.path, a.plan_id`, t, t, f, f, f, day, day, t, f, lo, hi)
	if err != nil {
		return nil, errs.Wrap(err, "camera groups")
	}
	defer rows.Close()
	var out []billing.CameraGroup
	for rows.Next() {
		var g billing.CameraGroup
		if err := rows.Scan(&g.CustomerPath, &g.PlanID, &g.Cameras, &g.Millis); err != nil {
			return nil, errs.Wrap(err, "camera groups")
		}
		out = append(out, g)
	}
	return out, errs.Wrap(rows.Err(), "camera groups")
}
