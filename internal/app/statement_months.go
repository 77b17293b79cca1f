package app

import (
	"context"
	"strconv"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// MaxStatementMonths bounds the monthly charts: two years of statements
// is what a trend needs, and each draft month costs a computation.
const MaxStatementMonths = 24

// ParseStatementMonths reads the months parameter of the monthly charts:
// empty means 12; anything but 1..MaxStatementMonths names the field.
func ParseStatementMonths(s string) (int, error) {
	if s == "" {
		return 12, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxStatementMonths {
		return 0, errs.Field("months", "must be a whole number from 1 to "+strconv.Itoa(MaxStatementMonths))
	}
	return n, nil
}

// StatementMonths is the account's statements of the last n months, oldest
// first, ending with the running month's draft. Closed months come from
// their stored statements, so the charts show exactly what was billed; a
// past month not closed yet is a draft like the running one.
func (a *App) StatementMonths(ctx context.Context, actor tenancy.Actor, accountID int64, n int) ([]billing.MonthStatement, error) {
	if n < 1 || n > MaxStatementMonths {
		return nil, errs.Field("months", "must be a whole number from 1 to "+strconv.Itoa(MaxStatementMonths))
	}
	m := billing.MonthOf(a.Now())
	for i := 1; i < n; i++ {
		m = m.Prev()
	}
	out := make([]billing.MonthStatement, 0, n)
	for i := 0; i < n; i, m = i+1, m.Next() {
		s, err := a.MonthStatement(ctx, actor, accountID, m.String())
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
