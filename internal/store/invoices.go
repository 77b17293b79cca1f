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

// Billing profiles and invoices (migration 0030, docs/BILLING.md "Invoices").

// BillingProfile reads an account's profile; the defaults when it has none.
func (q Q) BillingProfile(ctx context.Context, accountID int64) (billing.BillingProfile, error) {
	p := billing.DefaultProfile(accountID)
	var rate int64
	err := q.row(ctx, `SELECT legal_name, address, tax_id, email, vat_enabled, vat_rate, payment_terms_days
		FROM billing_profiles WHERE account_id = ?`, accountID).
		Scan(&p.LegalName, &p.Address, &p.TaxID, &p.Email, &p.Tax.VAT, &rate, &p.PaymentTermsDays)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	p.Tax.Rate = money.FromUnits(rate)
	return p, errs.Wrap(err, "billing profile")
}

// PutBillingProfile writes an account's whole profile.
func (q Q) PutBillingProfile(ctx context.Context, p billing.BillingProfile) error {
	_, err := q.exec(ctx, `INSERT INTO billing_profiles (account_id, legal_name, address, tax_id, email, vat_enabled, vat_rate, payment_terms_days)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET legal_name = excluded.legal_name,
		address = excluded.address, tax_id = excluded.tax_id, email = excluded.email, vat_enabled = excluded.vat_enabled,
		vat_rate = excluded.vat_rate, payment_terms_days = excluded.payment_terms_days`,
		p.AccountID, p.LegalName, p.Address, p.TaxID, p.Email, p.Tax.VAT, p.Tax.Rate.Units(), p.PaymentTermsDays)
	return errs.Wrap(err, "put billing profile")
}

// invoiceBody is the stored JSON of an invoice's lines and parties; its
// field names are part of the stored format, so they never change.
type invoiceBody struct {
	Lines    []lineJSON `json:"lines"`
	Issuer   partyJSON  `json:"issuer"`
	Customer partyJSON  `json:"customer"`
}

type partyJSON struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	Address   string `json:"address"`
	TaxID     string `json:"tax_id"`
	Email     string `json:"email"`
}

func encodeInvoiceBody(inv billing.Invoice) (string, error) {
	b := invoiceBody{Lines: []lineJSON{}, Issuer: partyJSON(inv.Issuer), Customer: partyJSON(inv.Customer)}
	for _, l := range inv.Lines {
		b.Lines = append(b.Lines, lineJSON{string(l.Kind), l.Quantity.Units(), l.Amount.Units()})
	}
	body, err := json.Marshal(b)
	return string(body), errs.Wrap(err, "encode invoice")
}

// InsertInvoices stores new (draft) invoices, many rows per statement (the
// close writes one per edge that owes something).
func (q Q) InsertInvoices(ctx context.Context, list []billing.Invoice) error {
	const cols = 13
	row := "(" + placeholders(cols) + ")"
	for start := 0; start < len(list); start += bulkRows {
		chunk := list[start:min(start+bulkRows, len(list))]
		rows := make([]string, len(chunk))
		args := make([]any, 0, len(chunk)*cols)
		for i, inv := range chunk {
			body, err := encodeInvoiceBody(inv)
			if err != nil {
				return err
			}
			rows[i] = row
			args = append(args, inv.IssuerID, inv.CustomerID, inv.Month.String(), string(inv.Status), inv.Number, string(inv.Currency), inv.Subtotal.Units(),
				inv.Tax.VAT, inv.Tax.Rate.Units(), inv.TaxAmount.Units(), inv.Total.Units(), body, ms(inv.CreatedAt))
		}
		if _, err := q.exec(ctx, `INSERT INTO invoices (`+newInvoiceCols+`) VALUES `+strings.Join(rows, ","), args...); err != nil {
			return errs.Wrap(err, "insert invoices")
		}
	}
	return nil
}

// newInvoiceCols are the columns a new invoice is written with.
const newInvoiceCols = `issuer_id, customer_id, period, status, number, currency, subtotal,
	vat_enabled, vat_rate, tax, total, body, created_at_ms`

// NextInvoiceNumber takes the issuer's next invoice number. Run it in the
// transaction that issues the invoice: a rollback gives the number back,
// so the sequence has no gaps.
func (q Q) NextInvoiceNumber(ctx context.Context, issuerID int64) (int64, error) {
	var n int64
	err := q.row(ctx, `INSERT INTO invoice_numbers (issuer_id, last_number) VALUES (?, 1)
		ON CONFLICT (issuer_id) DO UPDATE SET last_number = invoice_numbers.last_number + 1 RETURNING last_number`, issuerID).Scan(&n)
	return n, errs.Wrap(err, "next invoice number")
}

// UpdateInvoice writes an invoice's status, number, parties, tax and times,
// provided it is still in status from (two racing changes: the second
// finds it moved and gets a conflict).
func (q Q) UpdateInvoice(ctx context.Context, inv billing.Invoice, from billing.InvoiceStatus) error {
	body, err := encodeInvoiceBody(inv)
	if err != nil {
		return err
	}
	res, err := q.exec(ctx, `UPDATE invoices SET status = ?, number = ?, vat_enabled = ?, vat_rate = ?, tax = ?, total = ?, body = ?,
		issued_at_ms = ?, due_at_ms = ?, paid_at_ms = ?, voided_at_ms = ? WHERE id = ? AND status = ?`,
		string(inv.Status), inv.Number, inv.Tax.VAT, inv.Tax.Rate.Units(), inv.TaxAmount.Units(), inv.Total.Units(), body,
		msOrZero(inv.IssuedAt), msOrZero(inv.DueAt), msOrZero(inv.PaidAt), msOrZero(inv.VoidedAt), inv.ID, string(from))
	if err != nil {
		return errs.Wrap(err, "update invoice")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return errs.Wrap(err, "update invoice")
		}
		return errs.Conflictf("invoice_changed", "the invoice changed meanwhile; reload it")
	}
	return nil
}

const invoiceCols = `id, issuer_id, customer_id, period, status, number, currency, subtotal, vat_enabled, vat_rate, tax, total, body,
	created_at_ms, issued_at_ms, due_at_ms, paid_at_ms, voided_at_ms`

func scanInvoice(sc interface{ Scan(...any) error }) (billing.Invoice, error) {
	var inv billing.Invoice
	var period, status, cur, body string
	var sub, rate, tax, total, created, issued, due, paid, voided int64
	if err := sc.Scan(&inv.ID, &inv.IssuerID, &inv.CustomerID, &period, &status, &inv.Number, &cur, &sub, &inv.Tax.VAT, &rate,
		&tax, &total, &body, &created, &issued, &due, &paid, &voided); err != nil {
		return inv, err
	}
	m, err := billing.ParseMonth(period)
	if err != nil {
		return inv, errs.Wrap(err, "stored invoice period")
	}
	var b invoiceBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return inv, errs.Wrap(err, "decode invoice")
	}
	inv.Month, inv.Status, inv.Currency = m, billing.InvoiceStatus(status), money.Currency(cur)
	inv.Subtotal, inv.Tax.Rate, inv.TaxAmount, inv.Total = money.FromUnits(sub), money.FromUnits(rate), money.FromUnits(tax), money.FromUnits(total)
	inv.Issuer, inv.Customer = billing.Party(b.Issuer), billing.Party(b.Customer)
	inv.Lines = make([]billing.Line, 0, len(b.Lines))
	for _, l := range b.Lines {
		inv.Lines = append(inv.Lines, billing.Line{Kind: billing.LineKind(l.Kind), Quantity: money.FromUnits(l.Quantity), Amount: money.FromUnits(l.Amount)})
	}
	inv.CreatedAt, inv.IssuedAt, inv.DueAt, inv.PaidAt, inv.VoidedAt = fromMS(created), zeroOrMS(issued), zeroOrMS(due), zeroOrMS(paid), zeroOrMS(voided)
	return inv, nil
}

// Invoice reads one invoice.
func (q Q) Invoice(ctx context.Context, id int64) (billing.Invoice, error) {
	inv, err := scanInvoice(q.row(ctx, `SELECT `+invoiceCols+` FROM invoices WHERE id = ?`, id))
	if err != nil {
		return inv, notFound(err, "invoice", id)
	}
	return inv, nil
}

// ListInvoices lists the invoices an account issued or received, newest
// month first, then by number (drafts last) and id. Drafts an account
// received are left out: they are its parent's work in progress. A zero
// page lists everything (the CSV export of a period).
func (q Q) ListInvoices(ctx context.Context, accountID int64, f billing.InvoiceFilter, page Page) ([]billing.Invoice, int, error) {
	var where []string
	var args []any
	switch f.Direction {
	case "issued":
		where, args = append(where, "issuer_id = ?"), append(args, accountID)
	case "received":
		where, args = append(where, "customer_id = ? AND status <> 'draft'"), append(args, accountID)
	default:
		where, args = append(where, "(issuer_id = ? OR (customer_id = ? AND status <> 'draft'))"), append(args, accountID, accountID)
	}
	if f.Period != nil {
		where, args = append(where, "period = ?"), append(args, f.Period.String())
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.CustomerID != 0 {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	total, err := q.count(ctx, `SELECT count(*) FROM invoices`+cond, args...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count invoices")
	}
	query := `SELECT ` + invoiceCols + ` FROM invoices` + cond + ` ORDER BY period DESC, number = 0, number, id`
	if page.PerPage > 0 {
		p := page.Clamp()
		query += ` LIMIT ? OFFSET ?`
		args = append(args, p.PerPage, (p.Page-1)*p.PerPage)
	}
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list invoices")
	}
	defer rows.Close()
	out := []billing.Invoice{}
	for rows.Next() {
		inv, err := scanInvoice(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "list invoices")
		}
		out = append(out, inv)
	}
	return out, total, errs.Wrap(rows.Err(), "list invoices")
}

// zeroOrMS reads a stored time where 0 means "not yet".
func zeroOrMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}
