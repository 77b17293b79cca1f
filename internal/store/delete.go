package store

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// DeleteStats counts what DeleteSubtree removed.
type DeleteStats struct {
	Accounts int
	Users    int
	Cameras  int // cameras registered in the subtree, deleted
	Segments int // recording rows deleted (files are the recorder's)
	// Unassigned are cameras registered above the subtree (by its parent
	// integrator) but assigned to a customer in it: they stay with their
	// owner, unassigned and without a plan, and lose the recordings made for
	// the deleted customer, so the next customer never sees them.
	Unassigned []int64
}

// DeleteSubtree removes every account in the subtree at path with, by the
// schema's ON DELETE CASCADE, their users, tokens, roles, plans, offers,
// module switches, cameras and recording rows. Run it inside a transaction.
func (q Q) DeleteSubtree(ctx context.Context, path string) (DeleteStats, error) {
	var st DeleteStats
	lo, hi := tenancy.SubtreeRange(path)
	var err error
	if st.Accounts, err = q.count(ctx, `SELECT count(*) FROM accounts WHERE path >= ? AND path < ?`, lo, hi); err != nil {
		return st, errs.Wrap(err, "count subtree")
	}
	if st.Users, err = q.CountUsersInSubtree(ctx, path); err != nil {
		return st, err
	}
	if st.Cameras, err = q.count(ctx, `SELECT count(*) FROM cameras c JOIN accounts i ON i.id = c.integrator_id
		WHERE i.path >= ? AND i.path < ?`, lo, hi); err != nil {
		return st, errs.Wrap(err, "count cameras")
	}
	rows, err := q.query(ctx, `SELECT c.id FROM cameras c JOIN accounts cu ON cu.id = c.customer_id JOIN accounts i ON i.id = c.integrator_id
		WHERE cu.path >= ? AND cu.path < ? AND NOT (i.path >= ? AND i.path < ?) ORDER BY c.id`, lo, hi, lo, hi)
	if err != nil {
		return st, errs.Wrap(err, "find assigned cameras")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return st, errs.Wrap(err, "find assigned cameras")
		}
		st.Unassigned = append(st.Unassigned, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, errs.Wrap(err, "find assigned cameras")
	}
	if st.Segments, err = q.count(ctx, `SELECT count(*) FROM segments s JOIN cameras c ON c.id = s.camera_id
		JOIN accounts i ON i.id = c.integrator_id LEFT JOIN accounts cu ON cu.id = c.customer_id
		WHERE (i.path >= ? AND i.path < ?) OR (cu.path >= ? AND cu.path < ?)`, lo, hi, lo, hi); err != nil {
		return st, errs.Wrap(err, "count segments")
	}
	for i := 0; i < len(st.Unassigned); i += 500 {
		part := st.Unassigned[i:min(i+500, len(st.Unassigned))]
		args := make([]any, len(part))
		for j, id := range part {
			args[j] = id
		}
		if _, err := q.exec(ctx, `DELETE FROM segments WHERE camera_id IN (`+placeholders(len(part))+`)`, args...); err != nil {
			return st, errs.Wrap(err, "delete recordings")
		}
		// Unassigned, they count on their integrator's path again, and
		// cannot record.
		if err := q.countCameras(ctx, func() []int64 { return part }, func(q Q) error {
			_, err := q.exec(ctx, `UPDATE cameras SET customer_id = NULL, plan_id = NULL, live_online = ?, live_recording = ?
				WHERE id IN (`+placeholders(len(part))+`)`, append([]any{false, false}, args...)...)
			return errs.Wrap(err, "unassign cameras")
		}); err != nil {
			return st, err
		}
		if err := q.SyncAssignments(ctx, time.Now(), part...); err != nil {
			return st, err
		}
	}
	if err := q.removeSubtreeCounts(ctx, path); err != nil {
		return st, err
	}
	// One statement for the whole subtree: both engines check the
	// parent_id foreign key at the end of the statement, so the order in
	// which rows go does not matter.
	if _, err := q.exec(ctx, `DELETE FROM accounts WHERE path >= ? AND path < ?`, lo, hi); err != nil {
		return st, errs.Wrap(err, "delete accounts")
	}
	return st, nil
}
