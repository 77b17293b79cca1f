package billing

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

// Month is a billing period: a calendar month in UTC. Statements close per
// month; the running month is always a draft.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the month t falls in (UTC).
func MonthOf(t time.Time) Month {
	t = t.UTC()
	return Month{t.Year(), t.Month()}
}

// ParseMonth reads "YYYY-MM"; errors name the field "period".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		return Month{}, errs.Field("period", "must be a month like 2026-03")
	}
	return MonthOf(t), nil
}

// String is "YYYY-MM", the key of stored statements.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Start is the month's first instant, End the next month's.
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC) }
func (m Month) End() time.Time   { return m.Start().AddDate(0, 1, 0) }

// Prev and Next are the neighbouring months.
func (m Month) Prev() Month { return MonthOf(m.Start().AddDate(0, -1, 0)) }
func (m Month) Next() Month { return MonthOf(m.End()) }

// Over reports whether the month has ended at now.
func (m Month) Over(now time.Time) bool { return !now.Before(m.End()) }

// Period is the month as whole UTC days.
func (m Month) Period() Period {
	return Period{From: m.Start(), To: m.End(), Days: int(m.End().Sub(m.Start()).Hours() / 24)}
}

// CheckClosable refuses a month that is not over at now: its usage is
// still coming in.
func (m Month) CheckClosable(now time.Time) error {
	if !m.Over(now) {
		return errs.Field("period", "the month is not over yet; only a past month can be closed")
	}
	return nil
}

// CheckShowable refuses a month that has not begun at now.
func (m Month) CheckShowable(now time.Time) error {
	if now.Before(m.Start()) {
		return errs.Field("period", "the month has not begun yet")
	}
	return nil
}

// Closing is a closed month: when it closed and how many statements it
// holds (one per account that existed then).
type Closing struct {
	Month      Month
	ClosedAt   time.Time
	Statements int
}
