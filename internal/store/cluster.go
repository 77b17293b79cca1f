package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/fleet"
)

// Heartbeat records that node n is alive at n.LastSeen. A row of the same
// id held by another instance is taken over only once that one has been
// silent for ttl: ok is false while it still heartbeats (two processes
// with one VIGILO_NODE_ID).
func (q Q) Heartbeat(ctx context.Context, n fleet.Node, ttl time.Duration) (ok bool, err error) {
	rows, err := q.query(ctx, `INSERT INTO cluster_nodes (id, instance, roles, url, capacity, started_ms, last_seen_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET instance = excluded.instance, roles = excluded.roles, url = excluded.url,
			capacity = excluded.capacity, started_ms = excluded.started_ms, last_seen_ms = excluded.last_seen_ms
		WHERE cluster_nodes.instance = excluded.instance OR cluster_nodes.last_seen_ms < ?
		RETURNING id`,
		n.ID, n.Instance, strings.Join(n.Roles, ","), n.URL, n.Capacity, ms(n.StartedAt), ms(n.LastSeen), ms(n.LastSeen.Add(-ttl)))
	if err != nil {
		return false, errs.Wrap(err, "heartbeat")
	}
	defer rows.Close()
	ok = rows.Next()
	return ok, errs.Wrap(rows.Err(), "heartbeat")
}

// Nodes lists every node that ever heartbeated, by id.
func (q Q) Nodes(ctx context.Context) ([]fleet.Node, error) {
	rows, err := q.query(ctx, `SELECT id, instance, roles, url, capacity, started_ms, last_seen_ms FROM cluster_nodes ORDER BY id`)
	if err != nil {
		return nil, errs.Wrap(err, "list nodes")
	}
	defer rows.Close()
	var out []fleet.Node
	for rows.Next() {
		var n fleet.Node
		var roles string
		var started, seen int64
		if err := rows.Scan(&n.ID, &n.Instance, &roles, &n.URL, &n.Capacity, &started, &seen); err != nil {
			return nil, errs.Wrap(err, "scan node")
		}
		n.Roles = strings.Split(roles, ",")
		n.StartedAt, n.LastSeen = fromMS(started), fromMS(seen)
		out = append(out, n)
	}
	return out, errs.Wrap(rows.Err(), "list nodes")
}

// leaseCols reads a lease joined with its holder's node (leaseFrom): a
// lease holds until the later of its own expiry (set when it was taken)
// and its holder's renewal of all its leases (RenewLeases).
const leaseCols = `l.camera_id, l.node_id, l.revision, l.acquired_ms,
	CASE WHEN COALESCE(n.leases_expire_ms, 0) > l.expires_ms THEN n.leases_expire_ms ELSE l.expires_ms END`

// leaseRaw is a lease row's own columns (RETURNING of a write).
const leaseRaw = `camera_id, node_id, revision, acquired_ms, expires_ms`

const leaseFrom = ` FROM camera_leases l LEFT JOIN cluster_nodes n ON n.id = l.node_id `

func scanLease(sc interface{ Scan(...any) error }) (fleet.Lease, error) {
	var l fleet.Lease
	var acq, exp int64
	err := sc.Scan(&l.CameraID, &l.NodeID, &l.Revision, &acq, &exp)
	l.Acquired, l.Expires = fromMS(acq), fromMS(exp)
	return l, err
}

// Leases lists every camera lease (the operator's cluster page).
func (q Q) Leases(ctx context.Context) ([]fleet.Lease, error) {
	return q.leases(ctx, `SELECT `+leaseCols+leaseFrom+`ORDER BY l.camera_id`)
}

// NodeLeases lists the leases naming node, live or not (a recorder's own,
// read in full only when LeaseSum says they changed).
func (q Q) NodeLeases(ctx context.Context, node string) ([]fleet.Lease, error) {
	return q.leases(ctx, `SELECT `+leaseCols+leaseFrom+`WHERE l.node_id = ? ORDER BY l.camera_id`, node)
}

// leaseBatch bounds the ids of one LeasesOf query.
const leaseBatch = 500

// LeasesOf lists the leases of the given cameras (those a recorder is
// about to take), in batches.
func (q Q) LeasesOf(ctx context.Context, ids []int64) ([]fleet.Lease, error) {
	var out []fleet.Lease
	for lo := 0; lo < len(ids); lo += leaseBatch {
		part := ids[lo:min(lo+leaseBatch, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		got, err := q.leases(ctx, `SELECT `+leaseCols+leaseFrom+`WHERE l.camera_id IN (?`+strings.Repeat(", ?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

func (q Q) leases(ctx context.Context, query string, args ...any) ([]fleet.Lease, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, errs.Wrap(err, "list leases")
	}
	defer rows.Close()
	var out []fleet.Lease
	for rows.Next() {
		l, err := scanLease(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan lease")
		}
		out = append(out, l)
	}
	return out, errs.Wrap(rows.Err(), "list leases")
}

// LeaseSum is the count and the sum of revisions of the leases naming
// node: a recorder compares it with what it believes it holds at every
// tick, and reads its leases (NodeLeases) only when another took one
// (every change of holder raises a revision, and only the holder itself
// adds leases under its name). One row, from the (node_id, revision) index.
func (q Q) LeaseSum(ctx context.Context, node string) (count int, sum int64, err error) {
	err = q.row(ctx, `SELECT COUNT(*), COALESCE(SUM(revision), 0) FROM camera_leases WHERE node_id = ?`, node).Scan(&count, &sum)
	return count, sum, errs.Wrap(err, "lease sum")
}

// Lease is one camera's lease; found is false when it has none.
func (q Q) Lease(ctx context.Context, cameraID int64) (l fleet.Lease, found bool, err error) {
	l, err = scanLease(q.row(ctx, `SELECT `+leaseCols+leaseFrom+`WHERE l.camera_id = ?`, cameraID))
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	return l, err == nil, errs.Wrap(err, "read lease")
}

// AcquireLease gives node the camera's lease from now until expires, as a
// compare-and-set on the revision the caller saw (0: it saw none), so two
// recorders racing for one camera cannot both win. ok is false when the
// lease changed meanwhile, or the camera is gone.
func (q Q) AcquireLease(ctx context.Context, cameraID int64, node string, seen int64, now, expires time.Time) (l fleet.Lease, ok bool, err error) {
	var rowq string
	var args []any
	if seen == 0 {
		rowq = `INSERT INTO camera_leases (camera_id, node_id, revision, acquired_ms, expires_ms)
			SELECT ?, ?, 1, ?, ? WHERE EXISTS (SELECT 1 FROM cameras WHERE id = ?)
			ON CONFLICT (camera_id) DO NOTHING RETURNING ` + leaseRaw
		args = []any{cameraID, node, ms(now), ms(expires), cameraID}
	} else {
		rowq = `UPDATE camera_leases SET node_id = ?, revision = revision + 1, acquired_ms = ?, expires_ms = ?
			WHERE camera_id = ? AND revision = ? RETURNING ` + leaseRaw
		args = []any{node, ms(now), ms(expires), cameraID, seen}
	}
	// The lease's own expiry is its expiry now: it bridges until the
	// holder's next renewal.
	l, err = scanLease(q.row(ctx, rowq, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	return l, err == nil, errs.Wrap(err, "acquire lease")
}

// RenewLeases extends every lease node holds until expires: one row, the
// node's, whatever its camera count (the node must have heartbeated).
func (q Q) RenewLeases(ctx context.Context, node string, expires time.Time) error {
	_, err := q.exec(ctx, `UPDATE cluster_nodes SET leases_expire_ms = ? WHERE id = ?`, ms(expires), node)
	return errs.Wrap(err, "renew leases")
}

// ReleaseLeases lets the leases of node expire now (a recorder stopping
// cleanly), so other recorders take its cameras without waiting.
func (q Q) ReleaseLeases(ctx context.Context, node string, now time.Time) error {
	if _, err := q.exec(ctx, `UPDATE cluster_nodes SET leases_expire_ms = ? WHERE id = ? AND leases_expire_ms > ?`, ms(now), node, ms(now)); err != nil {
		return errs.Wrap(err, "release leases")
	}
	_, err := q.exec(ctx, `UPDATE camera_leases SET expires_ms = ? WHERE node_id = ? AND expires_ms > ?`, ms(now), node, ms(now))
	return errs.Wrap(err, "release leases")
}
