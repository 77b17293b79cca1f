package billing

import (
	"fmt"
	"math/big"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
)

// Invoices down the tree (docs/BILLING.md, "Invoices"): when a month closes,
// every account that is owed something by a direct child gets a draft
// invoice to that child, made of the child's closed statement lines. The
// issuer issues it (which gives it the next number of its own gap-free
// sequence and freezes both parties' details and the tax), then marks it
// paid or voids it.

// InvoiceStatus is where an invoice stands.
type InvoiceStatus string

const (
	InvoiceDraft  InvoiceStatus = "draft"  // no number yet; only the issuer's side sees it
	InvoiceIssued InvoiceStatus = "issued" // numbered, details frozen, sent to the customer
	InvoicePaid   InvoiceStatus = "paid"   // final
	InvoiceVoid   InvoiceStatus = "void"   // final; an issued invoice keeps its number (no gap)
)

// Valid reports whether s is one of the statuses.
func (s InvoiceStatus) Valid() bool {
	switch s {
	case InvoiceDraft, InvoiceIssued, InvoicePaid, InvoiceVoid:
		return true
	}
	return false
}

// transitions are the allowed moves; paid and void are final.
var transitions = map[InvoiceStatus][]InvoiceStatus{
	InvoiceDraft:  {InvoiceIssued, InvoiceVoid},
	InvoiceIssued: {InvoicePaid, InvoiceVoid},
}

// CheckTransition refuses a move the lifecycle does not allow: an unknown
// status names the field, a known but impossible one is a conflict with
// the invoice's state.
func CheckTransition(from, to InvoiceStatus) error {
	if !to.Valid() {
		return errs.Field("status", `must be "issued", "paid" or "void"`)
	}
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return errs.Conflictf("invalid_transition", "an invoice that is %s cannot become %s", from, to)
}

// Party is one side of an invoice as printed on it.
type Party struct {
	AccountID int64
	Name      string // the legal name, or the account's name when none is set
	Address   string
	TaxID     string
	Email     string
}

// Tax is what an issuer charges on top of an invoice to one customer: set
// on the customer's billing profile by its parent.
type Tax struct {
	VAT  bool         // VAT is charged
	Rate money.Amount // percent, 0–100, four decimals
}

// BillingProfile is an account's billing details (its own, edited by the
// account or above) and the terms its parent invoices it on (set by the
// parent or above).
type BillingProfile struct {
	AccountID        int64
	LegalName        string
	Address          string
	TaxID            string
	Email            string
	Tax              Tax
	PaymentTermsDays int
}

// DefaultPaymentTermsDays is the due date of an account with no profile.
const DefaultPaymentTermsDays = 30

// DefaultProfile is the profile of an account that never set one.
func DefaultProfile(accountID int64) BillingProfile {
	return BillingProfile{AccountID: accountID, PaymentTermsDays: DefaultPaymentTermsDays}
}

// ParseTaxRate reads a VAT rate in percent: a decimal from 0 to 100 with at
// most four decimals. Errors name the field "vat_rate".
func ParseTaxRate(s string) (money.Amount, error) {
	r, err := money.Parse(s)
	if err != nil {
		return 0, errs.Field("vat_rate", "must be a percentage like 20 or 7.7")
	}
	if r < 0 || r > money.MustParse("100") {
		return 0, errs.Field("vat_rate", "must be between 0 and 100")
	}
	return r, nil
}

// Check validates a profile; errors name each bad field.
func (p BillingProfile) Check() error {
	f := errs.Fields{}
	text := func(field, v string, max int, multiline bool) {
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > max {
			f.Add(field, fmt.Sprintf("must be text of at most %d characters", max))
			return
		}
		for _, r := range v {
			if r < 0x20 && !(multiline && (r == '\n' || r == '\r')) || r == 0x7f {
				f.Add(field, "must not contain control characters")
				return
			}
		}
	}
	text("legal_name", p.LegalName, 200, false)
	text("address", p.Address, 500, true)
	text("tax_id", p.TaxID, 50, false)
	text("email", p.Email, 254, false)
	if p.Email != "" && !f.Has("email") {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			f.Add("email", "must be an e-mail address like billing@example.com")
		}
	}
	if p.Tax.Rate < 0 || p.Tax.Rate > money.MustParse("100") {
		f.Add("vat_rate", "must be between 0 and 100")
	}
	if p.PaymentTermsDays < 0 || p.PaymentTermsDays > 365 {
		f.Add("payment_terms_days", "must be a number of days from 0 to 365")
	}
	return f.Err()
}

// Party is the profile as printed on an invoice; name is the account's
// name, used when no legal name is set.
func (p BillingProfile) Party(name string) Party {
	if strings.TrimSpace(p.LegalName) != "" {
		name = p.LegalName
	}
	return Party{AccountID: p.AccountID, Name: name, Address: p.Address, TaxID: p.TaxID, Email: p.Email}
}

// Invoice is what one account charges one direct child for one closed
// month.
type Invoice struct {
	ID         int64
	IssuerID   int64
	CustomerID int64
	Month      Month
	Status     InvoiceStatus
	Number     int64 // 0 until issued; then the issuer's next, without gaps
	Currency   money.Currency
	Lines      []Line       // the child's closed statement lines
	Subtotal   money.Amount // Σ Lines: what the child's statement owes
	Tax        Tax
	TaxAmount  money.Amount
	Total      money.Amount
	Issuer     Party
	Customer   Party
	CreatedAt  time.Time
	IssuedAt   time.Time // zero until issued
	DueAt      time.Time // IssuedAt + the customer's payment terms
	PaidAt     time.Time
	VoidedAt   time.Time
}

// NumberText is the invoice number as printed: the issuer's account id and
// its sequence number ("7-000042"), so numbers of different issuers never
// collide in an export; empty for a draft.
func (i Invoice) NumberText() string {
	if i.Number == 0 {
		return ""
	}
	return fmt.Sprintf("%d-%06d", i.IssuerID, i.Number)
}

// Price fills the tax and the total from the subtotal: VAT is the subtotal
// times the rate, rounded once to the currency's minor unit (half away from
// zero). ok is false if the total does not fit.
func (i *Invoice) Price(tax Tax) bool {
	i.Tax = tax
	i.TaxAmount = 0
	if tax.VAT {
		// subtotal (ten-thousandths) × rate (ten-thousandths of a percent) / (100 × 10^4)
		p := new(big.Int).Mul(big.NewInt(int64(i.Subtotal)), big.NewInt(int64(tax.Rate)))
		d := big.NewInt(100 * 10000)
		q, r := new(big.Int).QuoRem(p, d, new(big.Int))
		if new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(d) >= 0 {
			q.Add(q, big.NewInt(int64(p.Sign())))
		}
		if !q.IsInt64() {
			return false
		}
		i.TaxAmount = i.Currency.Round(money.FromUnits(q.Int64()))
	}
	var ok bool
	i.Total, ok = i.Subtotal.Add(i.TaxAmount)
	return ok
}

// Due is when an invoice issued at t to a customer with these terms falls
// due: the end of the UTC day terms days later.
func Due(t time.Time, termsDays int) time.Time {
	d := t.UTC().AddDate(0, 0, termsDays)
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, time.UTC)
}

// InvoiceFilter selects an account's invoices.
type InvoiceFilter struct {
	Period     *Month
	Status     InvoiceStatus // "" = any
	Direction  string        // "issued", "received" or "" for both
	CustomerID int64         // 0 = any
}

// ParseInvoiceFilter reads the list filters; errors name each bad field.
func ParseInvoiceFilter(period, status, direction, customer string) (InvoiceFilter, error) {
	var out InvoiceFilter
	f := errs.Fields{}
	if period != "" {
		m, err := ParseMonth(period)
		if err != nil {
			f.Add("period", "must be a month like 2026-03")
		} else {
			out.Period = &m
		}
	}
	if status != "" {
		if out.Status = InvoiceStatus(status); !out.Status.Valid() {
			f.Add("status", `must be "draft", "issued", "paid" or "void"`)
		}
	}
	switch direction {
	case "", "issued", "received":
		out.Direction = direction
	default:
		f.Add("direction", `must be "issued" or "received"`)
	}
	if customer != "" {
		var id int64
		if _, err := fmt.Sscanf(customer, "%d", &id); err != nil || id <= 0 || fmt.Sprint(id) != customer {
			f.Add("customer_id", "must be an account id")
		}
		out.CustomerID = id
	}
	return out, f.Err()
}
