package api

import (
	"net/http"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/money"
)

func statementMonthRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/statistics/months", Tag: "accounts", AdminOnly: true,
			Summary:  "An account's money, storage and traffic per month from its statements: closed months as billed, the running month as a draft (the statistics charts)",
			Query:    []Param{{"months", "integer", "how many months, ending with the running one, 1 to 24; default 12"}},
			Response: StatementMonthsJSON{}, Handler: h((*Server).statementMonths)},
	}
}

// StatementMonthsJSON is the monthly series of an account's statements,
// oldest first. Amounts are exact (ten-thousandths) in the tree's currency.
type StatementMonthsJSON struct {
	AccountID int64              `json:"account_id"`
	Currency  string             `json:"currency"`
	Months    []MonthFiguresJSON `json:"months"`
}

// MonthFiguresJSON is one month: what the account owes above, what each
// direct child owes it, the margin, and the usage its statement counted
// (storage GB-months and traffic GB of its subtree; zero for the operator,
// which owes nobody).
type MonthFiguresJSON struct {
	Period          string           `json:"period"`
	Status          string           `json:"status"` // "closed" or "draft"
	OwesAbove       money.Amount     `json:"owes_above"`
	OwedBelow       money.Amount     `json:"owed_below"`
	Margin          money.Amount     `json:"margin"`
	StorageGBMonths money.Amount     `json:"storage_gb_months"`
	TrafficGB       money.Amount     `json:"traffic_gb"`
	Children        []ChildOwesExact `json:"children"`
}

// ChildOwesExact is what one direct child owes in a month, exact.
type ChildOwesExact struct {
	AccountID int64        `json:"account_id"`
	Name      string       `json:"name"`
	Owes      money.Amount `json:"owes"`
	Currency  string       `json:"currency"` // the child's tree's (only the operator's children can differ)
}

func (s *Server) statementMonths(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := app.ParseStatementMonths(r.URL.Query().Get("months"))
	if err != nil {
		return err
	}
	ms, err := s.App.StatementMonths(r.Context(), actor(r), id, n)
	if err != nil {
		return err
	}
	out := StatementMonthsJSON{AccountID: id, Months: make([]MonthFiguresJSON, 0, len(ms))}
	for _, m := range ms {
		out.Currency = string(m.Currency)
		f := MonthFiguresJSON{Period: m.Month.String(), Status: "draft", OwesAbove: m.OwesAbove, OwedBelow: m.OwedBelow, Margin: m.Margin,
			StorageGBMonths: billing.LineQuantity(m.Lines, billing.LineStorage), TrafficGB: billing.LineQuantity(m.Lines, billing.LineTraffic),
			Children: make([]ChildOwesExact, 0, len(m.Children))}
		if m.Closed {
			f.Status = "closed"
		}
		for _, c := range m.Children {
			cur := m.Currency
			if c.Currency != "" {
				cur = c.Currency
			}
			f.Children = append(f.Children, ChildOwesExact{AccountID: c.AccountID, Name: c.Name, Owes: c.Owes, Currency: string(cur)})
		}
		out.Months = append(out.Months, f)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
