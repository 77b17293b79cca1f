package store

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Usage for statistics and statements (R7). Cameras count for the account
// whose subtree holds their customer, as assigned now (docs/BILLING.md).

// SnapshotStorage writes, for every camera with recordings or clips, what they
// occupy now as the figure of day ("YYYY-MM-DD", UTC), replacing an earlier
// snapshot of the same day, and drops the day's rows of cameras left with
// none (a missing row counts as 0): cameras that do not record add no rows.
// Run it in a transaction so readers see one snapshot or the other.
func (q Q) SnapshotStorage(ctx context.Context, day string) (int64, error) {
	// WHERE true: SQLite needs it to read ON CONFLICT as the upsert clause
	// rather than a join constraint after INSERT … SELECT.
	res, err := q.exec(ctx, `INSERT INTO storage_usage (camera_id, day, bytes)
		SELECT camera_id, CAST(? AS TEXT), CAST(sum(bytes) AS BIGINT) FROM (`+storedFiles+`) f WHERE true GROUP BY camera_id
		ON CONFLICT (camera_id, day) DO UPDATE SET bytes = excluded.bytes`, day)
	if err != nil {
		return 0, errs.Wrap(err, "snapshot storage")
	}
	n, _ := res.RowsAffected()
	_, err = q.exec(ctx, `DELETE FROM storage_usage WHERE day = ?
		AND NOT EXISTS (SELECT 1 FROM (`+storedFiles+`) s WHERE s.camera_id = storage_usage.camera_id)`, day)
	return n, errs.Wrap(err, "snapshot storage")
}

// storedFiles is every file that counts as a camera's stored video: its
// segments and its ready clips (kept apart from retention until deleted).
const storedFiles = `SELECT camera_id, bytes FROM segments UNION ALL SELECT camera_id, bytes FROM clips WHERE status = 'ready'`

// SetStorageUsage writes one camera's stored bytes for one day (tests and
// imports; the recorder uses SnapshotStorage).
func (q Q) SetStorageUsage(ctx context.Context, cameraID int64, day time.Time, bytes int64) error {
	_, err := q.exec(ctx, `INSERT INTO storage_usage (camera_id, day, bytes) VALUES (?, ?, ?)
		ON CONFLICT (camera_id, day) DO UPDATE SET bytes = excluded.bytes`, cameraID, day.UTC().Format(time.DateOnly), bytes)
	return errs.Wrap(err, "set storage usage")
}

// ChildPayers lists an account's direct children with their usage prices.
func (q Q) ChildPayers(ctx context.Context, parentID int64) ([]billing.Payer, error) {
	rows, err := q.query(ctx, `SELECT id, name, path, storage_price, traffic_price FROM accounts WHERE parent_id = ?`, parentID)
	if err != nil {
		return nil, errs.Wrap(err, "child payers")
	}
	defer rows.Close()
	var out []billing.Payer
	for rows.Next() {
		var p billing.Payer
		var sp, tp int64
		if err := rows.Scan(&p.ID, &p.Name, &p.Path, &sp, &tp); err != nil {
			return nil, errs.Wrap(err, "child payers")
		}
		p.StoragePrice, p.TrafficPrice = money.FromUnits(sp), money.FromUnits(tp)
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "child payers")
}

// PlanRefs loads the plans ids and, transitively, the plans they were
// copied from, keyed by id.
func (q Q) PlanRefs(ctx context.Context, ids []int64) (map[int64]billing.PlanRef, error) {
	out := map[int64]billing.PlanRef{}
	frontier := ids
	for depth := 0; len(frontier) > 0 && depth <= tenancy.MaxDepth+1; depth++ {
		args := make([]any, len(frontier))
		for i, id := range frontier {
			args[i] = id
		}
		rows, err := q.query(ctx, `SELECT p.id, p.kind, COALESCE(p.source_plan_id, 0), a.path FROM plans p
			JOIN accounts a ON a.id = p.owner_account_id WHERE p.id IN (`+placeholders(len(frontier))+`)`, args...)
		if err != nil {
			return nil, errs.Wrap(err, "plan refs")
		}
		frontier = nil
		for rows.Next() {
			var p billing.PlanRef
			if err := rows.Scan(&p.ID, &p.Kind, &p.SourcePlanID, &p.OwnerPath); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "plan refs")
			}
			out[p.ID] = p
			if _, seen := out[p.SourcePlanID]; p.SourcePlanID != 0 && !seen {
				frontier = append(frontier, p.SourcePlanID)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "plan refs")
		}
	}
	return out, nil
}

// FamilyOfferCosts loads the offer costs of an account and of its direct
// children: what each of them pays its parent per camera-month, by plan.
func (q Q) FamilyOfferCosts(ctx context.Context, accountID int64) (map[billing.OfferKey]money.Amount, error) {
	return q.offerCosts(ctx, `WHERE account_id = ? OR account_id IN (SELECT id FROM accounts WHERE parent_id = ?)`, accountID, accountID)
}

// AllOfferCosts loads every offer's cost, by plan and account (the close
// prices the whole tree at once).
func (q Q) AllOfferCosts(ctx context.Context) (map[billing.OfferKey]money.Amount, error) {
	return q.offerCosts(ctx, "")
}

// offerCosts reads the costs of the offers that where selects.
func (q Q) offerCosts(ctx context.Context, where string, args ...any) (map[billing.OfferKey]money.Amount, error) {
	rows, err := q.query(ctx, `SELECT plan_id, account_id, cost FROM offers `+where, args...)
	if err != nil {
		return nil, errs.Wrap(err, "offer costs")
	}
	defer rows.Close()
	out := map[billing.OfferKey]money.Amount{}
	for rows.Next() {
		var k billing.OfferKey
		var cost int64
		if err := rows.Scan(&k.PlanID, &k.AccountID, &cost); err != nil {
			return nil, errs.Wrap(err, "offer costs")
		}
		out[k] = money.FromUnits(cost)
	}
	return out, errs.Wrap(rows.Err(), "offer costs")
}

// SubtreeUsage sums, per customer in the subtree at path, the storage
// byte-days and traffic bytes of its usage-plan cameras over the UTC days
// [fromDay, toDay).
func (q Q) SubtreeUsage(ctx context.Context, path, fromDay, toDay string) ([]billing.UsageRow, error) {
	lo, hi := tenancy.SubtreeRange(path)
	byPath := map[string]*billing.UsageRow{}
	var order []string
	for _, t := range []struct{ table, what string }{{"storage_usage", "storage"}, {"traffic_usage", "traffic"}} {
		rows, err := q.query(ctx, `SELECT ca.path, CAST(COALESCE(sum(u.bytes), 0) AS BIGINT) FROM `+t.table+` u
			JOIN cameras c ON c.id = u.camera_id JOIN accounts ca ON ca.id = c.customer_id JOIN plans p ON p.id = c.plan_id
			WHERE ca.path >= ? AND ca.path < ? AND p.kind = 'usage' AND u.day >= ? AND u.day < ? GROUP BY ca.path`,
			lo, hi, fromDay, toDay)
		if err != nil {
			return nil, errs.Wrap(err, "usage "+t.what)
		}
		for rows.Next() {
			var p string
			var n int64
			if err := rows.Scan(&p, &n); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "usage "+t.what)
			}
			r := byPath[p]
			if r == nil {
				r = &billing.UsageRow{CustomerPath: p}
				byPath[p] = r
				order = append(order, p)
			}
			if t.what == "storage" {
				r.StorageByteDays += n
			} else {
				r.TrafficBytes += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "usage "+t.what)
		}
	}
	out := make([]billing.UsageRow, 0, len(order))
	for _, p := range order {
		out = append(out, *byPath[p])
	}
	return out, nil
}

// DayBytes is one day of a series.
type DayBytes struct {
	Day   string // "YYYY-MM-DD", UTC
	Bytes int64
}

// SubtreeDailyTraffic sums, per UTC day in [fromDay, toDay), the bytes
// served for every camera of the subtree at path (registered or assigned
// there, the camera visibility rule), whatever its plan. Days without
// traffic are absent.
func (q Q) SubtreeDailyTraffic(ctx context.Context, path, fromDay, toDay string) ([]DayBytes, error) {
	return q.dailyBytes(ctx, "traffic_usage", path, fromDay, toDay)
}

// SubtreeDailyStorage is SubtreeDailyTraffic for the daily storage
// snapshots.
func (q Q) SubtreeDailyStorage(ctx context.Context, path, fromDay, toDay string) ([]DayBytes, error) {
	return q.dailyBytes(ctx, "storage_usage", path, fromDay, toDay)
}

func (q Q) dailyBytes(ctx context.Context, table, path, fromDay, toDay string) ([]DayBytes, error) {
	lo, hi := tenancy.SubtreeRange(path)
	rows, err := q.query(ctx, `SELECT u.day, CAST(sum(u.bytes) AS BIGINT) FROM `+table+` u JOIN cameras c ON c.id = u.camera_id
		JOIN accounts ia ON ia.id = c.integrator_id LEFT JOIN accounts ca ON ca.id = c.customer_id
		WHERE ((ia.path >= ? AND ia.path < ?) OR (ca.path >= ? AND ca.path < ?)) AND u.day >= ? AND u.day < ?
		GROUP BY u.day ORDER BY u.day`, lo, hi, lo, hi, fromDay, toDay)
	if err != nil {
		return nil, errs.Wrap(err, "daily "+table)
	}
	defer rows.Close()
	var out []DayBytes
	for rows.Next() {
		var d DayBytes
		if err := rows.Scan(&d.Day, &d.Bytes); err != nil {
			return nil, errs.Wrap(err, "daily "+table)
		}
		out = append(out, d)
	}
	return out, errs.Wrap(rows.Err(), "daily "+table)
}

// SubtreeCameras lists every camera registered in or assigned within the
// subtree at path (the camera visibility rule), unsorted and unpaged, for
// counting: one scan instead of a page walk that sorts the subtree's cameras
// again for every page.
func (q Q) SubtreeCameras(ctx context.Context, path string) ([]camera.Camera, error) {
	lo, hi := tenancy.SubtreeRange(path)
	rows, err := q.query(ctx, `SELECT `+cameraCols+cameraFrom+` WHERE (ia.path >= ? AND ia.path < ?) OR (ca.path >= ? AND ca.path < ?)`,
		lo, hi, lo, hi)
	return scanCameras(rows, err, "subtree cameras")
}

// ClosedMonths lists every closed billing month, oldest first.
func (q Q) ClosedMonths(ctx context.Context) ([]billing.Month, error) {
	rows, err := q.query(ctx, `SELECT period FROM billing_closes ORDER BY period`)
	if err != nil {
		return nil, errs.Wrap(err, "closed months")
	}
	defer rows.Close()
	var out []billing.Month
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, errs.Wrap(err, "closed months")
		}
		m, err := billing.ParseMonth(p)
		if err != nil {
			return nil, errs.Wrap(err, "stored period")
		}
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "closed months")
}

// PruneUsage deletes the storage snapshots and traffic of the days in r
// (docs/BILLING.md "Usage retention") and reports how many rows went.
func (q Q) PruneUsage(ctx context.Context, r billing.DayRange) (int64, error) {
	from, to := r.From.UTC().Format(time.DateOnly), r.To.UTC().Format(time.DateOnly)
	var n int64
	for _, table := range []string{"storage_usage", "traffic_usage"} {
		res, err := q.exec(ctx, `DELETE FROM `+table+` WHERE day >= ? AND day < ?`, from, to)
		if err != nil {
			return n, errs.Wrap(err, "prune "+table)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, errs.Wrap(err, "prune "+table)
		}
		n += k
	}
	return n, nil
}

// UsageRows counts the usage detail rows (storage snapshots, traffic days).
func (q Q) UsageRows(ctx context.Context) (storage, traffic int, err error) {
	if storage, err = q.count(ctx, `SELECT count(*) FROM storage_usage`); err != nil {
		return 0, 0, errs.Wrap(err, "count usage")
	}
	traffic, err = q.count(ctx, `SELECT count(*) FROM traffic_usage`)
	return storage, traffic, errs.Wrap(err, "count usage")
}
