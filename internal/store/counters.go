package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Counters are what lies in one account's subtree, the account itself
// included (migration 0033): the customers page's total and the statistics
// tab read them instead of counting up to 100 000 rows. Every write that
// changes what they count adjusts the counters of each account on the
// path, in the same transaction; RepairCounters recomputes them from the
// rows at every start.
type Counters struct {
	Integrators, Customers int64 // accounts of each type, the account included
	Users                  int64 // users of the accounts
	Cameras                int64 // cameras registered or assigned in the subtree
	Online, Recording      int64 // of those, what their recorders last reported
}

// plus returns c + sign×d.
func (c Counters) plus(d Counters, sign int64) Counters {
	return Counters{c.Integrators + sign*d.Integrators, c.Customers + sign*d.Customers, c.Users + sign*d.Users,
		c.Cameras + sign*d.Cameras, c.Online + sign*d.Online, c.Recording + sign*d.Recording}
}

// accountDelta is what one account adds to the counters of its path.
func accountDelta(t tenancy.Type) Counters {
	if t == tenancy.Integrator {
		return Counters{Integrators: 1}
	}
	return Counters{Customers: 1}
}

const counterCols = `integrators, customers, users, cameras, online, recording`

// AccountCounters reads the counters of one account.
func (q Q) AccountCounters(ctx context.Context, id int64) (Counters, error) {
	var c Counters
	err := q.row(ctx, `SELECT `+counterCols+` FROM account_counters WHERE account_id = ?`, id).
		Scan(&c.Integrators, &c.Customers, &c.Users, &c.Cameras, &c.Online, &c.Recording)
	return c, notFound(err, "account counters", id)
}

// atomic runs fn in a transaction: q's own, or one it opens when q writes
// outside any (W()), so that a row and its counters land together.
func (q Q) atomic(ctx context.Context, fn func(q Q) error) error {
	run := func(q Q) error {
		if err := q.lockCounting(ctx); err != nil {
			return err
		}
		return fn(q)
	}
	if q.InTx() || q.st == nil {
		return run(q)
	}
	return q.st.InTx(ctx, run)
}

// lockCounting makes a PostgreSQL transaction that moves counters wait, before
// it reads or writes anything else of them, for every other one to commit:
// it locks the counters row with the smallest id (the tree's root, which is
// on every path anyway). Without it two writers of the same cameras read
// their "before" from the same committed state and count one flip twice
// (READ COMMITTED), or lock camera rows and counter rows in opposite orders
// and deadlock. SQLite has one writer at a time already. Locking again in
// the same transaction is free.
func (q Q) lockCounting(ctx context.Context) error {
	if q.d.name != "postgres" || !q.InTx() {
		return nil
	}
	rows, err := q.query(ctx, `SELECT account_id FROM account_counters ORDER BY account_id LIMIT 1 FOR UPDATE`)
	if err != nil {
		return errs.Wrap(err, "lock account counters")
	}
	for rows.Next() {
	}
	rows.Close()
	return errs.Wrap(rows.Err(), "lock account counters")
}

// addCounters adds per-account deltas, one UPDATE per distinct delta (most
// changes add the same delta to every account of one path).
func (q Q) addCounters(ctx context.Context, deltas map[int64]Counters) error {
	groups := map[Counters][]int64{}
	var all []int64
	for id, d := range deltas {
		if d != (Counters{}) {
			groups[d] = append(groups[d], id)
		}
		all = append(all, id)
	}
	if len(groups) > 0 && q.d.name == "postgres" {
		// Every row of the paths touched is locked first, in id order (an
		// UPDATE locks rows in whatever order it finds them), even where
		// the delta is zero: the tree's root is on every path and has the
		// smallest id, so writers of counters queue on it instead of
		// deadlocking — two cameras moved in opposite directions, or a
		// transaction that adjusts counters twice.
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		for lo := 0; lo < len(all); lo += 500 {
			part := all[lo:min(lo+500, len(all))]
			args := make([]any, len(part))
			for i, id := range part {
				args[i] = id
			}
			rows, err := q.query(ctx, `SELECT account_id FROM account_counters WHERE account_id IN (`+placeholders(len(part))+`)
				ORDER BY account_id FOR UPDATE`, args...)
			if err != nil {
				return errs.Wrap(err, "lock account counters")
			}
			for rows.Next() {
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return errs.Wrap(err, "lock account counters")
			}
		}
	}
	for d, ids := range groups {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for lo := 0; lo < len(ids); lo += 500 {
			part := ids[lo:min(lo+500, len(ids))]
			args := []any{d.Integrators, d.Customers, d.Users, d.Cameras, d.Online, d.Recording}
			for _, id := range part {
				args = append(args, id)
			}
			if _, err := q.exec(ctx, `UPDATE account_counters SET integrators = integrators + ?, customers = customers + ?,
				users = users + ?, cameras = cameras + ?, online = online + ?, recording = recording + ?
				WHERE account_id IN (`+placeholders(len(part))+`)`, args...); err != nil {
				return errs.Wrap(err, "update account counters")
			}
		}
	}
	return nil
}

// addOnPath adds d to the counters of every account on path (d counted
// once per path; several paths add up).
func addOnPath(into map[int64]Counters, path string, d Counters, sign int64) {
	for _, id := range tenancy.PathIDs(path) {
		into[id] = into[id].plus(d, sign)
	}
}

// addAccounts counts new account rows (their counter rows are created
// here) on their paths.
func (q Q) addAccounts(ctx context.Context, accts []accountRef) error {
	deltas := map[int64]Counters{}
	for lo := 0; lo < len(accts); lo += 500 {
		part := accts[lo:min(lo+500, len(accts))]
		args := make([]any, len(part))
		for i, a := range part {
			args[i] = a.id
		}
		if _, err := q.exec(ctx, `INSERT INTO account_counters (account_id) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?),", len(part)), ","), args...); err != nil {
			return errs.Wrap(err, "insert account counters")
		}
		for _, a := range part {
			addOnPath(deltas, a.path, accountDelta(a.typ), 1)
		}
	}
	return q.addCounters(ctx, deltas)
}

type accountRef struct {
	id   int64
	path string
	typ  tenancy.Type
}

// addUsers counts n users more (or fewer) for an account.
func (q Q) addUsers(ctx context.Context, accountID int64, n int64) error {
	var path string
	if err := q.row(ctx, `SELECT path FROM accounts WHERE id = ?`, accountID).Scan(&path); err != nil {
		return notFound(err, "account", accountID)
	}
	deltas := map[int64]Counters{}
	addOnPath(deltas, path, Counters{Users: n}, 1)
	return q.addCounters(ctx, deltas)
}

// cameraCount is what one camera adds to the counters of its owner's path:
// its customer's when assigned, else its integrator's (a customer always
// lies below its integrator, so that path holds both).
type cameraCount struct {
	path              string
	online, recording bool
	node              string
}

func (c cameraCount) delta() Counters {
	d := Counters{Cameras: 1}
	if c.online {
		d.Online = 1
	}
	if c.recording {
		d.Recording = 1
	}
	return d
}

// cameraCounts reads what the given cameras count for now; a camera that
// does not exist is absent.
func (q Q) cameraCounts(ctx context.Context, ids []int64) (map[int64]cameraCount, error) {
	out := make(map[int64]cameraCount, len(ids))
	for lo := 0; lo < len(ids); lo += 500 {
		part := ids[lo:min(lo+500, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := q.query(ctx, `SELECT c.id, COALESCE(ca.path, ia.path), c.live_online, c.live_recording, c.live_node`+
			cameraFrom+` WHERE c.id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, errs.Wrap(err, "camera counts")
		}
		for rows.Next() {
			var id int64
			var c cameraCount
			if err := rows.Scan(&id, &c.path, &c.online, &c.recording, &c.node); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "camera counts")
			}
			out[id] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "camera counts")
		}
	}
	return out, nil
}

// countCameras runs change on the given cameras and moves the counters by
// what it changed: a camera inserted, deleted, moved to another customer,
// unassigned, or whose live state flipped.
func (q Q) countCameras(ctx context.Context, ids func() []int64, change func(q Q) error) error {
	return q.atomic(ctx, func(q Q) error {
		before, err := q.cameraCounts(ctx, ids())
		if err != nil {
			return err
		}
		if err := change(q); err != nil {
			return err
		}
		after, err := q.cameraCounts(ctx, ids())
		if err != nil {
			return err
		}
		deltas := map[int64]Counters{}
		for id, c := range before {
			if a, ok := after[id]; ok && a.path == c.path && a.delta() == c.delta() {
				continue
			}
			addOnPath(deltas, c.path, c.delta(), -1)
		}
		for id, c := range after {
			if b, ok := before[id]; ok && b.path == c.path && b.delta() == c.delta() {
				continue
			}
			addOnPath(deltas, c.path, c.delta(), 1)
		}
		return q.addCounters(ctx, deltas)
	})
}

// CameraLive is a camera's live state as its recorder reports it.
type CameraLive struct {
	CameraID          int64
	Online, Recording bool
}

// SetCamerasLive writes the live state the recorder node reports for some
// cameras, and moves the counters of their paths by what flipped, in one
// transaction. A recorder that lets a camera go reports it off; that
// clears only its own report, never that of the recorder which took the
// camera over meanwhile.
func (q Q) SetCamerasLive(ctx context.Context, node string, list []CameraLive) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	for i, l := range list {
		ids[i] = l.CameraID
	}
	return q.countCameras(ctx, func() []int64 { return ids }, func(q Q) error {
		for _, l := range list {
			var err error
			if l.Online || l.Recording {
				_, err = q.exec(ctx, `UPDATE cameras SET live_online = ?, live_recording = ?, live_node = ? WHERE id = ?`,
					l.Online, l.Recording, node, l.CameraID)
			} else {
				_, err = q.exec(ctx, `UPDATE cameras SET live_online = ?, live_recording = ? WHERE id = ? AND live_node = ?`,
					false, false, l.CameraID, node)
			}
			if err != nil {
				return errs.Wrap(err, "set camera live state")
			}
		}
		return nil
	})
}

// ClearCamerasLive drops every live state the recorder node reported: at
// its start nothing runs yet, whatever it said before it stopped.
func (q Q) ClearCamerasLive(ctx context.Context, node string) (int, error) {
	rows, err := q.query(ctx, `SELECT id FROM cameras WHERE live_node = ? AND (live_online OR live_recording)`, node)
	if err != nil {
		return 0, errs.Wrap(err, "find live cameras")
	}
	var list []CameraLive
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "find live cameras")
		}
		list = append(list, CameraLive{CameraID: id})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(err, "find live cameras")
	}
	return len(list), q.SetCamerasLive(ctx, node, list)
}

// removeSubtreeCounts takes what the subtree at path holds off the
// counters of the accounts above it, before the subtree is deleted (its
// own counter rows go with its accounts).
func (q Q) removeSubtreeCounts(ctx context.Context, path string) error {
	ids := tenancy.PathIDs(path)
	if len(ids) == 0 {
		return nil
	}
	c, err := q.AccountCounters(ctx, ids[len(ids)-1])
	if err != nil {
		return err
	}
	deltas := map[int64]Counters{}
	for _, id := range ids[:len(ids)-1] {
		deltas[id] = Counters{}.plus(c, -1)
	}
	return q.addCounters(ctx, deltas)
}

// RecountCounters computes every account's counters from the rows.
func (q Q) RecountCounters(ctx context.Context) (map[int64]Counters, error) {
	want := map[int64]Counters{}
	rows, err := q.query(ctx, `SELECT id, path, type FROM accounts`)
	if err != nil {
		return nil, errs.Wrap(err, "recount accounts")
	}
	for rows.Next() {
		var a accountRef
		if err := rows.Scan(&a.id, &a.path, &a.typ); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "recount accounts")
		}
		addOnPath(want, a.path, accountDelta(a.typ), 1)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "recount accounts")
	}
	type group struct {
		path string
		d    Counters
	}
	var groups []group
	add := func(query, what string, scan func(*sql.Rows) (group, error)) error {
		rows, err := q.query(ctx, query)
		if err != nil {
			return errs.Wrap(err, what)
		}
		defer rows.Close()
		for rows.Next() {
			g, err := scan(rows)
			if err != nil {
				return errs.Wrap(err, what)
			}
			groups = append(groups, g)
		}
		return errs.Wrap(rows.Err(), what)
	}
	if err := add(`SELECT a.path, count(*) FROM users u JOIN accounts a ON a.id = u.account_id GROUP BY a.path`, "recount users",
		func(r *sql.Rows) (g group, err error) { err = r.Scan(&g.path, &g.d.Users); return }); err != nil {
		return nil, err
	}
	if err := add(`SELECT COALESCE(ca.path, ia.path), count(*), COALESCE(sum(CASE WHEN c.live_online THEN 1 ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN c.live_recording THEN 1 ELSE 0 END), 0)`+cameraFrom+` GROUP BY COALESCE(ca.path, ia.path)`, "recount cameras",
		func(r *sql.Rows) (g group, err error) {
			err = r.Scan(&g.path, &g.d.Cameras, &g.d.Online, &g.d.Recording)
			return
		}); err != nil {
		return nil, err
	}
	for _, g := range groups {
		addOnPath(want, g.path, g.d, 1)
	}
	return want, nil
}

// StoredCounters reads every account's counters as stored.
func (q Q) StoredCounters(ctx context.Context) (map[int64]Counters, error) {
	rows, err := q.query(ctx, `SELECT account_id, `+counterCols+` FROM account_counters`)
	if err != nil {
		return nil, errs.Wrap(err, "read counters")
	}
	defer rows.Close()
	out := map[int64]Counters{}
	for rows.Next() {
		var id int64
		var c Counters
		if err := rows.Scan(&id, &c.Integrators, &c.Customers, &c.Users, &c.Cameras, &c.Online, &c.Recording); err != nil {
			return nil, errs.Wrap(err, "read counters")
		}
		out[id] = c
	}
	return out, errs.Wrap(rows.Err(), "read counters")
}

// RepairCounters recomputes every account's counters from the rows and
// rewrites those that differ, returning how many did: at start, after a
// crash, a bug or a hand edit, so that counters cannot stay wrong. On
// PostgreSQL the counters table is locked for the transaction, so that a
// concurrent write's adjustment lands after the repair, not under it.
func (s *Store) RepairCounters(ctx context.Context) (int, error) {
	fixed := 0
	err := s.InTx(ctx, func(q Q) error {
		fixed = 0
		if s.d.name == "postgres" {
			if _, err := q.exec(ctx, `LOCK TABLE account_counters IN EXCLUSIVE MODE`); err != nil {
				return errs.Wrap(err, "lock counters")
			}
		}
		want, err := q.RecountCounters(ctx)
		if err != nil {
			return err
		}
		have, err := q.StoredCounters(ctx)
		if err != nil {
			return err
		}
		var ids []int64
		for id, c := range want {
			if h, ok := have[id]; !ok || h != c {
				ids = append(ids, id)
			}
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		fixed = len(ids)
		const perRow = 7
		for lo := 0; lo < len(ids); lo += 500 {
			part := ids[lo:min(lo+500, len(ids))]
			args := make([]any, 0, len(part)*perRow)
			for _, id := range part {
				c := want[id]
				args = append(args, id, c.Integrators, c.Customers, c.Users, c.Cameras, c.Online, c.Recording)
			}
			if _, err := q.exec(ctx, `INSERT INTO account_counters (account_id, `+counterCols+`) VALUES `+
				strings.TrimSuffix(strings.Repeat("("+placeholders(perRow)+"),", len(part)), ",")+`
				ON CONFLICT (account_id) DO UPDATE SET integrators = excluded.integrators, customers = excluded.customers,
				users = excluded.users, cameras = excluded.cameras, online = excluded.online, recording = excluded.recording`, args...); err != nil {
				return errs.Wrap(err, "repair counters")
			}
		}
		return nil
	})
	return fixed, err
}

// errNoRows reports sql.ErrNoRows.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
