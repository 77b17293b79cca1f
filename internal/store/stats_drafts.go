package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
)

// StatsDraft is one account's running month as a statistics pass computed
// it (migration 0041): what the statistics tab and the month's draft
// statement show until the next pass.
type StatsDraft struct {
	AccountID int64
	// AccountPath and AccountName are the account's as the pass read it:
	// a draft is written only while they are still its (see SaveStatsDrafts).
	AccountPath, AccountName string
	Month                    billing.Month
	AsOf                     time.Time
	Money                    billing.Statement      // the month's charges
	Draft                    billing.MonthStatement // the month's draft statement
	// Traffic and Storage are the month's daily series, days with bytes
	// only.
	Traffic []DayBytes
	Storage []DayBytes
	// StorageUsed is what the recordings of the cameras the account sees
	// occupied (StorageUsedInSubtree).
	StorageUsed int64
}

// dayBytesJSON keeps the stored series short: [["2026-12-01", 123], …].
type dayBytesJSON [2]any

// SaveStatsDrafts writes drafts, each replacing the account's stored one
// unless that one was read later (a view that filled an account's draft
// while a slower pass was running keeps its newer figures). A draft is
// written only for an account that is still the one the pass read (same
// id, path and name): one deleted since is skipped (not a foreign-key
// failure that loses the whole pass), and so is a newer account that took
// a deleted one's id (SQLite reuses the highest id), which must not be
// shown the old account's figures; its path differs unless it has the same
// parent, and then its name does unless it is the same account made again.
func (q Q) SaveStatsDrafts(ctx context.Context, list []StatsDraft) error {
	const cols = 10
	// Cast so that PostgreSQL types the VALUES of the WITH as the columns.
	const row = "(CAST(? AS BIGINT), ?, ?, ?, CAST(? AS BIGINT), ?, ?, ?, ?, CAST(? AS BIGINT))"
	for start := 0; start < len(list); start += bulkRows {
		chunk := list[start:min(start+bulkRows, len(list))]
		rows := make([]string, len(chunk))
		args := make([]any, 0, len(chunk)*cols)
		for i, d := range chunk {
			money, err := json.Marshal(d.Money)
			if err != nil {
				return errs.Wrap(err, "encode statistics draft")
			}
			month, err := json.Marshal(d.Draft)
			if err != nil {
				return errs.Wrap(err, "encode statistics draft")
			}
			rows[i] = row
			args = append(args, d.AccountID, d.AccountPath, d.AccountName, d.Month.String(), ms(d.AsOf), string(money), string(month),
				encodeDays(d.Traffic), encodeDays(d.Storage), d.StorageUsed)
		}
		if _, err := q.exec(ctx, `WITH v (account_id, path, name, period, as_of_ms, money, month, traffic, storage, stored) AS (VALUES `+strings.Join(rows, ",")+`)
			INSERT INTO statistics_drafts (account_id, period, as_of_ms, money, month, traffic, storage, stored)
			SELECT v.account_id, v.period, v.as_of_ms, v.money, v.month, v.traffic, v.storage, v.stored
			FROM v, accounts a WHERE a.id = v.account_id AND a.path = v.path AND a.name = v.name
			ON CONFLICT (account_id) DO UPDATE SET period = excluded.period, as_of_ms = excluded.as_of_ms,
				money = excluded.money, month = excluded.month, traffic = excluded.traffic, storage = excluded.storage,
				stored = excluded.stored
			WHERE excluded.as_of_ms >= statistics_drafts.as_of_ms`, args...); err != nil {
			return errs.Wrap(err, "save statistics drafts")
		}
	}
	return nil
}

// StatsDraftOf reads the stored draft of an account; false when there is
// none. The caller checks the month: a draft of a month that has ended is
// no longer the running month's.
func (q Q) StatsDraftOf(ctx context.Context, accountID int64) (StatsDraft, bool, error) {
	d := StatsDraft{AccountID: accountID}
	var period, money, month, traffic, storage string
	var asOf int64
	err := q.row(ctx, `SELECT period, as_of_ms, money, month, traffic, storage, stored FROM statistics_drafts WHERE account_id = ?`,
		accountID).Scan(&period, &asOf, &money, &month, &traffic, &storage, &d.StorageUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, errs.Wrap(err, "statistics draft")
	}
	if d.Month, err = billing.ParseMonth(period); err != nil {
		return d, false, errs.Wrap(err, "stored statistics period")
	}
	d.AsOf = fromMS(asOf)
	if err := json.Unmarshal([]byte(money), &d.Money); err != nil {
		return d, false, errs.Wrap(err, "decode statistics draft")
	}
	if err := json.Unmarshal([]byte(month), &d.Draft); err != nil {
		return d, false, errs.Wrap(err, "decode statistics draft")
	}
	if d.Traffic, err = decodeDays(traffic); err != nil {
		return d, false, err
	}
	d.Storage, err = decodeDays(storage)
	return d, err == nil, err
}

func encodeDays(days []DayBytes) string {
	out := make([]dayBytesJSON, len(days))
	for i, d := range days {
		out[i] = dayBytesJSON{d.Day, d.Bytes}
	}
	b, _ := json.Marshal(out) // strings and integers always encode
	return string(b)
}

func decodeDays(s string) ([]DayBytes, error) {
	var raw [][2]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, errs.Wrap(err, "decode statistics series")
	}
	var out []DayBytes
	for _, r := range raw {
		var d DayBytes
		if err := json.Unmarshal(r[0], &d.Day); err != nil {
			return nil, errs.Wrap(err, "decode statistics series")
		}
		if err := json.Unmarshal(r[1], &d.Bytes); err != nil {
			return nil, errs.Wrap(err, "decode statistics series")
		}
		out = append(out, d)
	}
	return out, nil
}

// CameraDayBytes is one day's bytes of the cameras registered under one
// integrator and assigned to one customer (CustomerPath empty: to none).
type CameraDayBytes struct {
	IntegratorPath, CustomerPath string
	DayBytes
}

// TreeDailyTraffic is SubtreeDailyTraffic for the whole tree at once, by
// where the cameras sit: the statistics pass hands each row to every
// account that sees those cameras, instead of one subtree scan per account.
func (q Q) TreeDailyTraffic(ctx context.Context, fromDay, toDay string) ([]CameraDayBytes, error) {
	return q.treeDailyBytes(ctx, "traffic_usage", fromDay, toDay)
}

// TreeDailyStorage is TreeDailyTraffic for the daily storage snapshots.
func (q Q) TreeDailyStorage(ctx context.Context, fromDay, toDay string) ([]CameraDayBytes, error) {
	return q.treeDailyBytes(ctx, "storage_usage", fromDay, toDay)
}

func (q Q) treeDailyBytes(ctx context.Context, table, fromDay, toDay string) ([]CameraDayBytes, error) {
	rows, err := q.query(ctx, `SELECT ia.path, COALESCE(ca.path, ''), u.day, CAST(sum(u.bytes) AS BIGINT) FROM `+table+` u
		JOIN cameras c ON c.id = u.camera_id JOIN accounts ia ON ia.id = c.integrator_id LEFT JOIN accounts ca ON ca.id = c.customer_id
		WHERE u.day >= ? AND u.day < ? GROUP BY ia.path, ca.path, u.day`, fromDay, toDay)
	if err != nil {
		return nil, errs.Wrap(err, "tree daily "+table)
	}
	defer rows.Close()
	var out []CameraDayBytes
	for rows.Next() {
		var d CameraDayBytes
		if err := rows.Scan(&d.IntegratorPath, &d.CustomerPath, &d.Day, &d.Bytes); err != nil {
			return nil, errs.Wrap(err, "tree daily "+table)
		}
		out = append(out, d)
	}
	return out, errs.Wrap(rows.Err(), "tree daily "+table)
}

// CameraBytes is the bytes of the cameras registered under one integrator
// and assigned to one customer (CustomerPath empty: to none).
type CameraBytes struct {
	IntegratorPath, CustomerPath string
	Bytes                        int64
}

// TreeStorageUsed is StorageUsedInSubtree for the whole tree at once, by
// where the cameras sit (the statistics pass spreads it as it does the
// daily series).
func (q Q) TreeStorageUsed(ctx context.Context) ([]CameraBytes, error) {
	rows, err := q.query(ctx, `SELECT ia.path, COALESCE(ca.path, ''), CAST(sum(s.bytes) AS BIGINT) FROM (`+storedFiles+`) s
		JOIN cameras c ON c.id = s.camera_id JOIN accounts ia ON ia.id = c.integrator_id LEFT JOIN accounts ca ON ca.id = c.customer_id
		GROUP BY ia.path, ca.path`)
	if err != nil {
		return nil, errs.Wrap(err, "tree storage used")
	}
	defer rows.Close()
	var out []CameraBytes
	for rows.Next() {
		var c CameraBytes
		if err := rows.Scan(&c.IntegratorPath, &c.CustomerPath, &c.Bytes); err != nil {
			return nil, errs.Wrap(err, "tree storage used")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "tree storage used")
}
