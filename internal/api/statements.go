package api

import (
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/httpx"
)

func statementRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/statements", Tag: "accounts", AdminOnly: true,
			Summary:  "An account's monthly statement: closed (stored, never recomputed) or a draft computed now (docs/BILLING.md)",
			Query:    []Param{{"period", "string", "month, YYYY-MM (UTC); default: the running month; a month not yet begun is refused"}},
			Response: StatementMonthJSON{}, Handler: h((*Server).accountStatement)},
		{Method: "POST", Path: "/billing/close", Tag: "accounts", AdminOnly: true,
			Summary: "Close a past month's statements for every account (operator only; closing again changes nothing)",
			Request: CloseRequest{}, Response: CloseJSON{}, Handler: h((*Server).closeMonth)},
	}
}

// StatementMonthJSON is one account's statement of one month. Amounts are
// decimal strings with the currency's usual decimals ("12.50"); quantities
// keep four (camera-days, GB-months, GB).
type StatementMonthJSON struct {
	AccountID int64           `json:"account_id"`
	Period    string          `json:"period"`
	Status    string          `json:"status"` // "draft" or "closed"
	ClosedAt  *time.Time      `json:"closed_at,omitempty"`
	Currency  string          `json:"currency"`
	OwesAbove string          `json:"owes_above"`
	OwedBelow string          `json:"owed_below"`
	Margin    string          `json:"margin"`
	Lines     []LineJSON      `json:"lines"`
	Children  []ChildOwesLine `json:"children"`
	// Totals is owed_below and margin per currency, the statement's own
	// first; only the operator's, whose top-level children may bill in
	// their own currencies, can have more than one.
	Totals []CurrencyTotalJSON `json:"totals"`
}

// CurrencyTotalJSON is what an account is owed below, and its margin, in
// one currency.
type CurrencyTotalJSON struct {
	Currency  string `json:"currency"`
	OwedBelow string `json:"owed_below"`
	Margin    string `json:"margin"`
}

// LineJSON is one charge: kind fixed (quantity in camera-days), storage
// (GB-months), traffic (GB), storage_adjustment or traffic_adjustment (late
// usage of the previous, closed month).
type LineJSON struct {
	Kind     string `json:"kind"`
	Quantity string `json:"quantity"`
	Amount   string `json:"amount"`
}

// ChildOwesLine is what one direct child owes the account for the month,
// in the child's currency (its tree's).
type ChildOwesLine struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	Owes      string `json:"owes"`
	Currency  string `json:"currency"`
}

// StatementMonthJSONOf renders a statement for the API (and the portal's
// CSV, which shows the same figures).
func StatementMonthJSONOf(s billing.MonthStatement) StatementMonthJSON {
	d := s.Currency.Decimals()
	out := StatementMonthJSON{AccountID: s.AccountID, Period: s.Month.String(), Status: "draft", Currency: string(s.Currency),
		OwesAbove: s.OwesAbove.Fixed(d), OwedBelow: s.OwedBelow.Fixed(d), Margin: s.Margin.Fixed(d),
		Lines: []LineJSON{}, Children: []ChildOwesLine{}, Totals: []CurrencyTotalJSON{}}
	if s.Closed {
		out.Status = "closed"
		at := s.ClosedAt.UTC()
		out.ClosedAt = &at
	}
	for _, l := range s.Lines {
		out.Lines = append(out.Lines, LineJSON{Kind: string(l.Kind), Quantity: l.Quantity.String(), Amount: l.Amount.Fixed(d)})
	}
	for _, c := range s.Children {
		cur := s.Currency
		if c.Currency != "" {
			cur = c.Currency
		}
		out.Children = append(out.Children, ChildOwesLine{AccountID: c.AccountID, Name: c.Name, Owes: c.Owes.Fixed(cur.Decimals()), Currency: string(cur)})
	}
	totals, _ := s.Totals() // BuildMonth refused sums that do not fit
	for _, t := range totals {
		k := t.Currency.Decimals()
		out.Totals = append(out.Totals, CurrencyTotalJSON{Currency: string(t.Currency), OwedBelow: t.OwedBelow.Fixed(k), Margin: t.Margin.Fixed(k)})
	}
	return out
}

func (s *Server) accountStatement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.App.MonthStatement(r.Context(), actor(r), id, r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, StatementMonthJSONOf(st))
	return nil
}

// CloseRequest names the month to close.
type CloseRequest struct {
	Period string `json:"period"` // YYYY-MM, a month that is over
}

// CloseJSON is a closed month; closing it again answers the same.
type CloseJSON struct {
	Period     string    `json:"period"`
	Status     string    `json:"status"` // "closed"
	ClosedAt   time.Time `json:"closed_at"`
	Statements int       `json:"statements"` // one per account that existed at the close
}

func (s *Server) closeMonth(w http.ResponseWriter, r *http.Request) error {
	var in CloseRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.App.CloseMonth(r.Context(), actor(r), in.Period)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, CloseJSON{Period: c.Month.String(), Status: "closed", ClosedAt: c.ClosedAt.UTC(), Statements: c.Statements})
	return nil
}
