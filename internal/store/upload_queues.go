package store

import (
	"context"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/fleet"
)

// PutUploadQueue records a recorder's upload backlog (one row per node).
func (q Q) PutUploadQueue(ctx context.Context, u fleet.UploadQueue) error {
	var oldest int64
	if !u.Oldest.IsZero() {
		oldest = ms(u.Oldest)
	}
	_, err := q.exec(ctx, `INSERT INTO upload_queues (node_id, segments, bytes, oldest_ms, reported_ms) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (node_id) DO UPDATE SET segments = excluded.segments, bytes = excluded.bytes,
			oldest_ms = excluded.oldest_ms, reported_ms = excluded.reported_ms`,
		u.NodeID, u.Segments, u.Bytes, oldest, ms(u.Reported))
	return errs.Wrap(err, "put upload queue")
}

// UploadQueues returns the last report of every recorder, by node id.
func (q Q) UploadQueues(ctx context.Context) (map[string]fleet.UploadQueue, error) {
	rows, err := q.query(ctx, `SELECT node_id, segments, bytes, oldest_ms, reported_ms FROM upload_queues`)
	if err != nil {
		return nil, errs.Wrap(err, "list upload queues")
	}
	defer rows.Close()
	out := map[string]fleet.UploadQueue{}
	for rows.Next() {
		var u fleet.UploadQueue
		var oldest, reported int64
		if err := rows.Scan(&u.NodeID, &u.Segments, &u.Bytes, &oldest, &reported); err != nil {
			return nil, errs.Wrap(err, "scan upload queue")
		}
		if oldest != 0 {
			u.Oldest = fromMS(oldest)
		}
		u.Reported = fromMS(reported)
		out[u.NodeID] = u
	}
	return out, errs.Wrap(rows.Err(), "list upload queues")
}
