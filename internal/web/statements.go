package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The Statements tab of account properties: one month's statement (a draft
// while the month runs or until it is closed, then the stored one), with
// its lines, what each child owes, and a CSV download of the same figures.
// Months are UTC calendar months; the close time shows in the signed-in
// account's zone.

type statementView struct {
	Action    string // the tab's URL; the picker submits ?period=YYYY-MM
	Period    string // as typed, or the month shown
	PeriodErr string
	Months    []quickLink // the last twelve months
	Title     string      // "March 2026"
	Shown     bool        // a statement is shown (false after a bad period)
	Closed    bool
	ClosedAt  *time.Time
	ShowAbove bool // the operator pays nobody
	ShowBelow bool // only integrators have accounts below
	Lines     []statementLine
	Children  []statementChild
	OwesAbove string
	OwedBelow string
	Margin    string
	Negative  bool
	CSV       string
}

type statementLine struct{ Label, Quantity, Amount string }

type statementChild struct{ Name, Link, Owes string }

func (p *Portal) accountStatement(r *http.Request, q *req, acct tenancy.Account) (*statementView, error) {
	period := r.URL.Query().Get("period")
	base := "/accounts/" + itoa64(acct.ID) + "/statements"
	v := &statementView{Action: base, Period: period}
	now := p.App.Now().UTC()
	cur := billing.MonthOf(now)
	for i, m := 0, cur; i < 12; i, m = i+1, m.Prev() {
		v.Months = append(v.Months, quickLink{Label: monthTitle(m), Href: base + "?period=" + m.String(),
			Current: period == m.String() || period == "" && i == 0})
	}
	s, err := p.App.MonthStatement(r.Context(), q.Actor, acct.ID, period)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid && e.Fields["period"] != "" {
		v.PeriodErr = e.Fields["period"]
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	v.Period, v.Title, v.Shown, v.Closed = s.Month.String(), monthTitle(s.Month), true, s.Closed
	if s.Closed {
		at := s.ClosedAt
		v.ClosedAt = &at
	}
	v.ShowAbove, v.ShowBelow = !acct.IsRoot(), acct.Type == tenancy.Integrator
	for _, l := range s.Lines {
		label, unit := l.Kind.Describe()
		v.Lines = append(v.Lines, statementLine{Label: label, Quantity: l.Quantity.String() + " " + unit, Amount: s.Currency.Format(l.Amount)})
	}
	for _, c := range s.Children {
		v.Children = append(v.Children, statementChild{Name: c.Name, Link: "/accounts/" + itoa64(c.AccountID) + "/statements?period=" + v.Period,
			Owes: childCurrency(s, c).Format(c.Owes)})
	}
	v.OwesAbove = s.Currency.Format(s.OwesAbove)
	// The operator's top-level children may bill in other currencies: its
	// totals show one figure per currency, never one sum across them.
	totals, _ := s.Totals()
	var below, margin []string
	for _, t := range totals {
		below, margin = append(below, t.Currency.Format(t.OwedBelow)), append(margin, t.Currency.Format(t.Margin))
	}
	v.OwedBelow, v.Margin = strings.Join(below, " · "), strings.Join(margin, " · ")
	v.Negative = s.Margin < 0
	v.CSV = "/accounts/" + itoa64(acct.ID) + "/statements.csv?period=" + v.Period
	return v, nil
}

// childCurrency is the currency a child's line is in: its tree's.
func childCurrency(s billing.MonthStatement, c billing.ChildOwes) money.Currency {
	if c.Currency != "" {
		return c.Currency
	}
	return s.Currency
}

func monthTitle(m billing.Month) string { return m.Start().Format("January 2006") }

// statementCSV downloads one statement as CSV, one self-contained row per
// figure so that accounting tools can filter it: section (owes_above,
// owed_below, margin), item (a line kind, a child's name, or total),
// account_id (children), quantity, amount, currency, period, status.
func (p *Portal) statementCSV(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	s, err := p.App.MonthStatement(r.Context(), q.Actor, id, r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	d := s.Currency.Decimals()
	totals, _ := s.Totals()
	status := "draft"
	if s.Closed {
		status = "closed"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="statement-`+strconv.FormatInt(id, 10)+"-"+s.Month.String()+`.csv"`)
	cw := csv.NewWriter(w)
	row := func(section, item, account, quantity, amount string, cur money.Currency) {
		_ = cw.Write([]string{section, csvSafe(item), account, quantity, amount, string(cur), s.Month.String(), status})
	}
	_ = cw.Write([]string{"section", "item", "account_id", "quantity", "amount", "currency", "period", "status"})
	for _, l := range s.Lines {
		row("owes_above", string(l.Kind), "", l.Quantity.String(), l.Amount.Fixed(d), s.Currency)
	}
	row("owes_above", "total", "", "", s.OwesAbove.Fixed(d), s.Currency)
	for _, c := range s.Children {
		cur := childCurrency(s, c)
		row("owed_below", c.Name, strconv.FormatInt(c.AccountID, 10), "", c.Owes.Fixed(cur.Decimals()), cur)
	}
	// One total per currency (only the operator's can have more than one).
	for _, t := range totals {
		row("owed_below", "total", "", "", t.OwedBelow.Fixed(t.Currency.Decimals()), t.Currency)
	}
	for _, t := range totals {
		row("margin", "total", "", "", t.Margin.Fixed(t.Currency.Decimals()), t.Currency)
	}
	cw.Flush()
	return cw.Error()
}
