package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// monthsView is the statistics tab's monthly charts, drawn from the
// statements (closed months as billed, the running month as a draft).
type monthsView struct {
	Charts []seriesChart
	CSV    string
}

// statementMonths draws the last 12 months for an admin; nil for anyone
// who may not read statements (the charts are money).
func (p *Portal) statementMonths(r *http.Request, q *req, acct tenancy.Account) (*monthsView, error) {
	ms, err := p.App.StatementMonths(r.Context(), q.Actor, acct.ID, 12)
	if errs.KindOf(err) == errs.Forbidden {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := &monthsView{CSV: "/accounts/" + itoa64(acct.ID) + "/statistics/months.csv?months=12"}
	cur := ms[len(ms)-1].Currency
	moneyFmt := func(u int64) string { return cur.Format(money.FromUnits(u)) }
	spec := func(id, title, y string, line bool, f func(int64) string) seriesSpec {
		return seriesSpec{ID: id, Title: title, Line: line, XTitle: "Month (UTC)", YTitle: y, Format: f, Short: shortMonth}
	}
	pick := func(f func(billing.MonthStatement) money.Amount) []seriesPoint {
		pts := make([]seriesPoint, len(ms))
		for i, m := range ms {
			pts[i] = seriesPoint{Key: m.Month.String(), Value: f(m).Units()}
		}
		return pts
	}
	if acct.Type == tenancy.Integrator || acct.IsRoot() {
		v.Charts = append(v.Charts, newSeries(spec("margin-months", "Margin per month ("+string(cur)+")", "Margin", false, moneyFmt),
			pick(func(m billing.MonthStatement) money.Amount { return m.Margin })))
		for _, c := range monthChildren(ms) {
			id := c.AccountID
			cc := cur // the child's tree's: only the operator's children can differ
			if c.Currency != "" {
				cc = c.Currency
			}
			childFmt := func(u int64) string { return cc.Format(money.FromUnits(u)) }
			v.Charts = append(v.Charts, newSeries(spec("child-months-"+itoa64(id), "Owed by "+c.Name+" per month ("+string(cc)+")", "Owed", false, childFmt),
				pick(func(m billing.MonthStatement) money.Amount { return childOwes(m, id) })))
		}
	}
	if !acct.IsRoot() {
		v.Charts = append(v.Charts, newSeries(spec("storage-months", "Storage per month (GB-months)", "GB-months", true, quantityText),
			pick(func(m billing.MonthStatement) money.Amount { return billing.LineQuantity(m.Lines, billing.LineStorage) })),
			newSeries(spec("traffic-months", "Traffic per month (GB)", "GB", false, quantityText),
				pick(func(m billing.MonthStatement) money.Amount { return billing.LineQuantity(m.Lines, billing.LineTraffic) })))
	}
	for i := range v.Charts {
		v.Charts[i].CSV = v.CSV
	}
	return v, nil
}

// monthChildren is every direct child that owed something in any of the
// months, named as in the latest month it appears in, ordered as there.
func monthChildren(ms []billing.MonthStatement) []billing.ChildOwes {
	seen := map[int64]bool{}
	var out []billing.ChildOwes
	for i := len(ms) - 1; i >= 0; i-- {
		for _, c := range ms[i].Children {
			if !seen[c.AccountID] {
				seen[c.AccountID] = true
				out = append(out, c)
			}
		}
	}
	return out
}

func childOwes(m billing.MonthStatement, id int64) money.Amount {
	for _, c := range m.Children {
		if c.AccountID == id {
			return c.Owes
		}
	}
	return 0
}

func quantityText(u int64) string { return money.FromUnits(u).Trimmed() }

// shortMonth shows "2026-11" as "Nov 26".
func shortMonth(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("Jan 06")
}

// statementMonthsCSV downloads the monthly charts' figures, one row per
// figure: period, status, series (margin, owes_above, owed_below, owed_by
// for a child, storage, traffic), account_id and name (children), value
// exact to the ten-thousandth, unit (the currency, GB-months or GB).
func (p *Portal) statementMonthsCSV(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := app.ParseStatementMonths(r.URL.Query().Get("months"))
	if err != nil {
		return err
	}
	ms, err := p.App.StatementMonths(r.Context(), q.Actor, id, n)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="statistics-`+strconv.FormatInt(id, 10)+"-months.csv\"")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"period", "status", "series", "account_id", "name", "value", "unit"})
	for _, m := range ms {
		status, cur := "draft", string(m.Currency)
		if m.Closed {
			status = "closed"
		}
		row := func(series, account, name string, v money.Amount, unit string) {
			_ = cw.Write([]string{m.Month.String(), status, series, account, csvSafe(name), v.String(), unit})
		}
		row("owes_above", "", "", m.OwesAbove, cur)
		row("owed_below", "", "", m.OwedBelow, cur)
		row("margin", "", "", m.Margin, cur)
		for _, c := range m.Children {
			cc := cur
			if c.Currency != "" {
				cc = string(c.Currency)
			}
			row("owed_by", itoa64(c.AccountID), c.Name, c.Owes, cc)
		}
		row("storage", "", "", billing.LineQuantity(m.Lines, billing.LineStorage), "GB-months")
		row("traffic", "", "", billing.LineQuantity(m.Lines, billing.LineTraffic), "GB")
	}
	cw.Flush()
	return cw.Error()
}
