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
	"github.com/vigilo/vigilo/internal/money"
)

// Closed monthly statements (migration 0016, docs/BILLING.md).

// BeginClose claims month for closing: it records the close and reports
// true, or reports false when the month is already closed (another close
// won; the caller then reads that one). Run it in the transaction that
// writes the statements, so a failed close leaves nothing behind.
func (q Q) BeginClose(ctx context.Context, month billing.Month, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO billing_closes (period, closed_at_ms) VALUES (?, ?) ON CONFLICT (period) DO NOTHING`,
		month.String(), ms(at))
	if err != nil {
		return false, errs.Wrap(err, "begin close")
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "begin close")
}

// FinishClose records how many statements the close wrote.
func (q Q) FinishClose(ctx context.Context, month billing.Month, n int) error {
	_, err := q.exec(ctx, `UPDATE billing_closes SET statements = ? WHERE period = ?`, n, month.String())
	return errs.Wrap(err, "finish close")
}

// MonthClosed reports whether month is closed, and the close.
func (q Q) MonthClosed(ctx context.Context, month billing.Month) (billing.Closing, bool, error) {
	c := billing.Closing{Month: month}
	var at int64
	err := q.row(ctx, `SELECT closed_at_ms, statements FROM billing_closes WHERE period = ?`, month.String()).Scan(&at, &c.Statements)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, errs.Wrap(err, "month closed")
	}
	c.ClosedAt = fromMS(at)
	return c, true, nil
}

// statementBody is the stored JSON of a statement's lines and children; its
// field names are part of the stored format, so they never change.
type statementBody struct {
	Lines    []lineJSON  `json:"lines"`
	Children []childJSON `json:"children"`
}

type lineJSON struct {
	Kind     string `json:"kind"`
	Quantity int64  `json:"quantity"`
	Amount   int64  `json:"amount"`
}

type childJSON struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	Owes      int64  `json:"owes"`
	// Currency is set only where the child bills in another currency than
	// the statement (the operator's top-level children, migration 0035).
	Currency string `json:"currency,omitempty"`
}

// statementCols are the columns of one stored statement.
const statementCols = `account_id, period, currency, owes_above, owed_below, margin,
	storage_byte_days, traffic_bytes, storage_price, traffic_price, body`

// InsertStatements stores the statements of a month being closed, many
// rows per statement (after BeginClose, in the same transaction): a close
// writes one per account, and a round trip each cost most of its time.
func (q Q) InsertStatements(ctx context.Context, list []billing.MonthStatement) error {
	const cols = 11
	row := "(" + placeholders(cols) + ")"
	for start := 0; start < len(list); start += bulkRows {
		chunk := list[start:min(start+bulkRows, len(list))]
		rows := make([]string, len(chunk))
		args := make([]any, 0, len(chunk)*cols)
		for i, s := range chunk {
			body, err := encodeStatementBody(s)
			if err != nil {
				return err
			}
			rows[i] = row
			args = append(args, s.AccountID, s.Month.String(), string(s.Currency), s.OwesAbove.Units(), s.OwedBelow.Units(), s.Margin.Units(),
				s.Counted.StorageByteDays, s.Counted.TrafficBytes, s.Counted.StoragePrice.Units(), s.Counted.TrafficPrice.Units(), body)
		}
		if _, err := q.exec(ctx, `INSERT INTO statements (`+statementCols+`) VALUES `+strings.Join(rows, ","), args...); err != nil {
			return errs.Wrap(err, "insert statements")
		}
	}
	return nil
}

func encodeStatementBody(s billing.MonthStatement) (string, error) {
	b := statementBody{Lines: []lineJSON{}, Children: []childJSON{}}
	for _, l := range s.Lines {
		b.Lines = append(b.Lines, lineJSON{string(l.Kind), l.Quantity.Units(), l.Amount.Units()})
	}
	for _, c := range s.Children {
		cur := ""
		if c.Currency != s.Currency {
			cur = string(c.Currency)
		}
		b.Children = append(b.Children, childJSON{c.AccountID, c.Name, c.Owes.Units(), cur})
	}
	body, err := json.Marshal(b)
	return string(body), errs.Wrap(err, "encode statement")
}

// ClosedStatement reads an account's stored statement of a closed month;
// false when the account has none (it did not exist when the month closed).
func (q Q) ClosedStatement(ctx context.Context, accountID int64, month billing.Month) (billing.MonthStatement, bool, error) {
	s := billing.MonthStatement{AccountID: accountID, Month: month, Closed: true}
	var cur, body string
	var oa, ob, mg, sp, tp, at int64
	err := q.row(ctx, `SELECT s.currency, s.owes_above, s.owed_below, s.margin, s.storage_byte_days, s.traffic_bytes,
		s.storage_price, s.traffic_price, s.body, c.closed_at_ms FROM statements s JOIN billing_closes c ON c.period = s.period
		WHERE s.account_id = ? AND s.period = ?`, accountID, month.String()).
		Scan(&cur, &oa, &ob, &mg, &s.Counted.StorageByteDays, &s.Counted.TrafficBytes, &sp, &tp, &body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, errs.Wrap(err, "closed statement")
	}
	var b statementBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return s, false, errs.Wrap(err, "decode statement")
	}
	s.Currency, s.ClosedAt = money.Currency(cur), fromMS(at)
	s.OwesAbove, s.OwedBelow, s.Margin = money.FromUnits(oa), money.FromUnits(ob), money.FromUnits(mg)
	s.Counted.StoragePrice, s.Counted.TrafficPrice = money.FromUnits(sp), money.FromUnits(tp)
	s.Lines = make([]billing.Line, 0, len(b.Lines))
	for _, l := range b.Lines {
		s.Lines = append(s.Lines, billing.Line{Kind: billing.LineKind(l.Kind), Quantity: money.FromUnits(l.Quantity), Amount: money.FromUnits(l.Amount)})
	}
	s.Children = make([]billing.ChildOwes, 0, len(b.Children))
	for _, c := range b.Children {
		cur := s.Currency
		if c.Currency != "" {
			cur = money.Currency(c.Currency)
		}
		s.Children = append(s.Children, billing.ChildOwes{AccountID: c.AccountID, Name: c.Name, Owes: money.FromUnits(c.Owes), Currency: cur})
	}
	return s, true, nil
}

// CountedUsage reads what the closed statements of month counted for the
// given accounts (absent: the account had no statement).
func (q Q) CountedUsage(ctx context.Context, month billing.Month, ids []int64) (map[int64]billing.Counted, error) {
	if len(ids) == 0 {
		return map[int64]billing.Counted{}, nil
	}
	args := []any{month.String()}
	for _, id := range ids {
		args = append(args, id)
	}
	return q.counted(ctx, `WHERE period = ? AND account_id IN (`+placeholders(len(ids))+`)`, args...)
}

// counted reads the counted usage of the statements that where selects.
func (q Q) counted(ctx context.Context, where string, args ...any) (map[int64]billing.Counted, error) {
	rows, err := q.query(ctx, `SELECT account_id, storage_byte_days, traffic_bytes, storage_price, traffic_price FROM statements `+where, args...)
	if err != nil {
		return nil, errs.Wrap(err, "counted usage")
	}
	defer rows.Close()
	out := map[int64]billing.Counted{}
	for rows.Next() {
		var id, sp, tp int64
		var c billing.Counted
		if err := rows.Scan(&id, &c.StorageByteDays, &c.TrafficBytes, &sp, &tp); err != nil {
			return nil, errs.Wrap(err, "counted usage")
		}
		c.StoragePrice, c.TrafficPrice = money.FromUnits(sp), money.FromUnits(tp)
		out[id] = c
	}
	return out, errs.Wrap(rows.Err(), "counted usage")
}
