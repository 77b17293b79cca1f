package app

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Invoices down the tree (docs/BILLING.md "Invoices"). The close writes a
// draft per parent→child edge that owes something; the issuer (or an
// account above it) issues, marks paid or voids. The customer sees its
// invoices once issued; a draft is its parent's work in progress.

// draftInvoices writes, in the close's transaction, one draft invoice for
// every child that owes its parent something in the month's statements
// (by account id; names by id), with the parties as refreshParties would
// fill them, from the profiles read once.
func (a *App) draftInvoices(ctx context.Context, q store.Q, month billing.Month, stmts map[int64]billing.MonthStatement, names map[int64]string, now time.Time) error {
	profiles, err := q.AllBillingProfiles(ctx)
	if err != nil {
		return err
	}
	profile := func(id int64) billing.BillingProfile {
		if p, ok := profiles[id]; ok {
			return p
		}
		return billing.DefaultProfile(id)
	}
	var drafts []billing.Invoice
	for _, id := range slices.Sorted(maps.Keys(stmts)) {
		s := stmts[id]
		for _, c := range s.Children {
			if c.Owes == 0 {
				continue // nothing to invoice
			}
			inv := billing.Invoice{IssuerID: s.AccountID, CustomerID: c.AccountID, Month: month, Status: billing.InvoiceDraft,
				Currency: owesIn(s, c), Lines: stmts[c.AccountID].Lines, Subtotal: c.Owes, CreatedAt: now}
			inv.Issuer = profile(inv.IssuerID).Party(names[inv.IssuerID])
			cp := profile(inv.CustomerID)
			inv.Customer = cp.Party(names[inv.CustomerID])
			if !inv.Price(cp.Tax) {
				return errs.Conflictf("amount_overflow", "the invoice total is too large to compute exactly")
			}
			drafts = append(drafts, inv)
		}
	}
	return q.InsertInvoices(ctx, drafts)
}

// owesIn is the currency a child's debt on s is in: the child's tree's.
func owesIn(s billing.MonthStatement, c billing.ChildOwes) money.Currency {
	if c.Currency != "" {
		return c.Currency
	}
	return s.Currency
}

// refreshParties fills an unissued invoice's parties and tax from the
// current billing profiles (names: account names already at hand, by id;
// others are read). Issuing freezes them.
func (a *App) refreshParties(ctx context.Context, q store.Q, inv *billing.Invoice, names map[int64]string) error {
	party := func(id int64) (billing.BillingProfile, billing.Party, error) {
		p, err := q.BillingProfile(ctx, id)
		if err != nil {
			return p, billing.Party{}, err
		}
		name, ok := names[id]
		if !ok {
			acct, err := q.Account(ctx, id)
			if err != nil && errs.KindOf(err) != errs.NotFound {
				return p, billing.Party{}, err
			}
			name = acct.Name
			if names != nil {
				names[id] = name
			}
		}
		return p, p.Party(name), nil
	}
	var err error
	if _, inv.Issuer, err = party(inv.IssuerID); err != nil {
		return err
	}
	cp, cust, err := party(inv.CustomerID)
	if err != nil {
		return err
	}
	inv.Customer = cust
	if !inv.Price(cp.Tax) {
		return errs.Conflictf("amount_overflow", "the invoice total is too large to compute exactly")
	}
	return nil
}

// invoiceSide is how the actor sees an invoice.
type invoiceSide int

const (
	sideNone     invoiceSide = iota
	sideCustomer             // the customer or above it, not above the issuer: reads issued invoices
	sideIssuer               // the issuer or above it: reads drafts, changes the status
)

func (a *App) invoiceSide(ctx context.Context, q store.Q, actor tenancy.Actor, inv billing.Invoice) (invoiceSide, error) {
	for _, c := range []struct {
		id   int64
		side invoiceSide
	}{{inv.IssuerID, sideIssuer}, {inv.CustomerID, sideCustomer}} {
		acct, err := q.Account(ctx, c.id)
		if err != nil && errs.KindOf(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return sideNone, err
		}
		if tenancy.Decide(actor, acct, tenancy.Read) == nil {
			return c.side, nil
		}
	}
	return sideNone, nil
}

// Invoice reads one invoice the actor may see: 404 for anything else (a
// draft is not there for its customer). A draft shows the current billing
// details and tax.
func (a *App) Invoice(ctx context.Context, actor tenancy.Actor, id int64) (billing.Invoice, error) {
	if err := requireAdmin(actor); err != nil {
		return billing.Invoice{}, err
	}
	q := a.Store.R()
	inv, err := q.Invoice(ctx, id)
	if err != nil {
		return inv, err
	}
	side, err := a.invoiceSide(ctx, q, actor, inv)
	if err != nil {
		return inv, err
	}
	if side == sideNone || side == sideCustomer && inv.Status == billing.InvoiceDraft {
		return billing.Invoice{}, errs.NotFoundf("invoice %d not found", id)
	}
	if inv.Status == billing.InvoiceDraft {
		err = a.refreshParties(ctx, q, &inv, map[int64]string{})
	}
	return inv, err
}

// Invoices lists what an account issued and received (filters in f); a
// zero page lists all (the CSV export of a period).
func (a *App) Invoices(ctx context.Context, actor tenancy.Actor, accountID int64, f billing.InvoiceFilter, page store.Page) ([]billing.Invoice, int, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, 0, err
	}
	q := a.Store.R()
	if _, err := a.loadVisible(ctx, q, actor, accountID, tenancy.Read); err != nil {
		return nil, 0, err
	}
	if f.Period != nil {
		// As for statements: a month not begun yet is a mistake, not an
		// empty list.
		if err := f.Period.CheckShowable(a.Now()); err != nil {
			return nil, 0, err
		}
	}
	list, total, err := q.ListInvoices(ctx, accountID, f, page)
	if err != nil {
		return nil, 0, err
	}
	names := map[int64]string{}
	for i := range list {
		if list[i].Status == billing.InvoiceDraft {
			if err := a.refreshParties(ctx, q, &list[i], names); err != nil {
				return nil, 0, err
			}
		}
	}
	return list, total, nil
}

// SetInvoiceStatus moves an invoice along its lifecycle (issued, paid,
// void) for the issuer or an account above it; the customer's side gets
// 403, anyone else 404. Issuing takes the issuer's next number in the same
// transaction, freezes the parties, the tax and the due date, and queues
// the invoice's mail with its PDF (mailIssuedInvoice).
func (a *App) SetInvoiceStatus(ctx context.Context, actor tenancy.Actor, id int64, status string) (billing.Invoice, error) {
	if err := requireAdmin(actor); err != nil {
		return billing.Invoice{}, err
	}
	to := billing.InvoiceStatus(status)
	if !to.Valid() || to == billing.InvoiceDraft {
		return billing.Invoice{}, errs.Field("status", `must be "issued", "paid" or "void"`)
	}
	var inv billing.Invoice
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		var err error
		if inv, err = q.Invoice(ctx, id); err != nil {
			return err
		}
		side, err := a.invoiceSide(ctx, q, actor, inv)
		if err != nil {
			return err
		}
		switch {
		case side == sideNone, side == sideCustomer && inv.Status == billing.InvoiceDraft:
			return errs.NotFoundf("invoice %d not found", id)
		case side == sideCustomer:
			return errs.Forbiddenf("forbidden", "only the issuer changes an invoice's status")
		}
		from := inv.Status
		if err := billing.CheckTransition(from, to); err != nil {
			return err
		}
		now := a.Now().UTC()
		inv.Status = to
		switch to {
		case billing.InvoiceIssued:
			if err := a.refreshParties(ctx, q, &inv, map[int64]string{}); err != nil {
				return err
			}
			cp, err := q.BillingProfile(ctx, inv.CustomerID)
			if err != nil {
				return err
			}
			if inv.Number, err = q.NextInvoiceNumber(ctx, inv.IssuerID); err != nil {
				return err
			}
			inv.IssuedAt, inv.DueAt = now, billing.Due(now, cp.PaymentTermsDays)
		case billing.InvoicePaid:
			inv.PaidAt = now
		case billing.InvoiceVoid:
			inv.VoidedAt = now
		}
		if err := q.UpdateInvoice(ctx, inv, from); err != nil {
			return err
		}
		issuer, err := q.Account(ctx, inv.IssuerID)
		if err != nil {
			return err
		}
		if to == billing.InvoiceIssued {
			if err := a.mailIssuedInvoice(ctx, q, out, inv, issuer); err != nil {
				return err
			}
		}
		return a.audit(ctx, q, actor, issuer, "invoice."+string(to), map[string]any{"invoice_id": inv.ID, "number": inv.NumberText(),
			"customer_id": inv.CustomerID, "period": inv.Month.String()})
	})
	return inv, err
}

// MonthToDateInvoices previews what the account would invoice each child
// for the running month if it closed now: one unnumbered draft per child
// that owes something, from the draft statement (nothing is stored).
func (a *App) MonthToDateInvoices(ctx context.Context, actor tenancy.Actor, accountID int64) ([]billing.Invoice, error) {
	s, err := a.MonthStatement(ctx, actor, accountID, "")
	if err != nil {
		return nil, err
	}
	q := a.Store.R()
	out := []billing.Invoice{}
	names := map[int64]string{}
	for _, c := range s.Children {
		if c.Owes == 0 {
			continue
		}
		names[c.AccountID] = c.Name
		cs, err := a.MonthStatement(ctx, actor, c.AccountID, "")
		if err != nil {
			return nil, err
		}
		inv := billing.Invoice{IssuerID: accountID, CustomerID: c.AccountID, Month: s.Month, Status: billing.InvoiceDraft,
			Currency: owesIn(s, c), Lines: cs.Lines, Subtotal: c.Owes, CreatedAt: a.Now().UTC()}
		if err := a.refreshParties(ctx, q, &inv, names); err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

// BillingProfileInput changes a billing profile; nil fields stay as they
// are. The terms (VAT, rate, payment terms) are set by the account's parent
// or above: the account itself may read but not change them.
type BillingProfileInput struct {
	LegalName, Address, TaxID, Email *string
	VATEnabled                       *bool
	VATRate                          *string
	PaymentTermsDays                 *int
}

// BillingProfile reads an account's billing profile (the account and those
// above it; admins).
func (a *App) BillingProfile(ctx context.Context, actor tenancy.Actor, accountID int64) (billing.BillingProfile, error) {
	if err := requireAdmin(actor); err != nil {
		return billing.BillingProfile{}, err
	}
	q := a.Store.R()
	if _, err := a.loadVisible(ctx, q, actor, accountID, tenancy.Read); err != nil {
		return billing.BillingProfile{}, err
	}
	return q.BillingProfile(ctx, accountID)
}

// UpdateBillingProfile applies in to an account's profile: all of it is
// checked before anything is written, errors name each field.
func (a *App) UpdateBillingProfile(ctx context.Context, actor tenancy.Actor, accountID int64, in BillingProfileInput) (billing.BillingProfile, error) {
	var p billing.BillingProfile
	err := a.Store.InTx(ctx, func(q store.Q) error {
		acct, err := a.loadVisible(ctx, q, actor, accountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if p, err = q.BillingProfile(ctx, accountID); err != nil {
			return err
		}
		before := p
		f := errs.Fields{}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&p.LegalName, in.LegalName)
		set(&p.Address, in.Address)
		set(&p.TaxID, in.TaxID)
		set(&p.Email, in.Email)
		if in.VATEnabled != nil {
			p.Tax.VAT = *in.VATEnabled
		}
		if in.VATRate != nil {
			r, err := billing.ParseTaxRate(*in.VATRate)
			if e, ok := errs.As(err); ok {
				for k, v := range e.Fields {
					f.Add(k, v)
				}
			}
			p.Tax.Rate = r
		}
		if in.PaymentTermsDays != nil {
			p.PaymentTermsDays = *in.PaymentTermsDays
		}
		if err := p.Check(); err != nil {
			if e, ok := errs.As(err); ok {
				for k, v := range e.Fields {
					if !f.Has(k) {
						f.Add(k, v)
					}
				}
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if acct.ID == actor.AccountID && !acct.IsRoot() {
			terms := errs.Fields{}
			if p.Tax.VAT != before.Tax.VAT {
				terms.Add("vat_enabled", "is set by the parent account")
			}
			if p.Tax.Rate != before.Tax.Rate {
				terms.Add("vat_rate", "is set by the parent account")
			}
			if p.PaymentTermsDays != before.PaymentTermsDays {
				terms.Add("payment_terms_days", "is set by the parent account")
			}
			if len(terms) > 0 {
				return &errs.Error{Kind: errs.Forbidden, Code: "set_by_parent", Message: "the tax and payment terms of an account are set by its parent", Fields: terms}
			}
		}
		if err := q.PutBillingProfile(ctx, p); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, acct, "billing_profile.updated", map[string]any{"vat_enabled": p.Tax.VAT,
			"vat_rate": p.Tax.Rate.String(), "payment_terms_days": p.PaymentTermsDays})
	})
	return p, err
}
