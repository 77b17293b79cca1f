package app

import (
	"bytes"
	"context"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/branding"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/invoicedoc"
	"github.com/vigilo/vigilo/internal/mail"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Invoices in the issuer's brand: the PDF's header and the mail that goes
// out when an invoice is issued (docs/BILLING.md "Invoice e-mails").

// InvoiceBrand is the look of an invoice's documents: the brand in effect
// at the issuer (its own, or inherited from above it, under the branding
// module), never the customer's own. No brand, or an issuer since deleted:
// the plain document.
func (a *App) InvoiceBrand(ctx context.Context, inv billing.Invoice) (invoicedoc.Brand, error) {
	return a.invoiceBrand(ctx, a.Store.R(), inv.IssuerID)
}

func (a *App) invoiceBrand(ctx context.Context, q store.Q, issuerID int64) (invoicedoc.Brand, error) {
	issuer, err := q.Account(ctx, issuerID)
	if errs.KindOf(err) == errs.NotFound {
		return invoicedoc.Brand{}, nil
	}
	if err != nil {
		return invoicedoc.Brand{}, err
	}
	var b branding.Brand
	var ok bool
	if q.InTx() {
		b, ok, err = loadEffectiveBrand(ctx, q, issuer.Path)
	} else {
		b, ok, err = a.EffectiveBrand(ctx, issuer.Path)
	}
	if err != nil || !ok {
		return invoicedoc.Brand{}, err
	}
	return invoicedoc.Brand{Name: b.ProductName, Color: b.PrimaryColor, Logo: b.Logo.Data, LogoIsPNG: b.Logo.Type == "image/png"}, nil
}

// mailIssuedInvoice queues, in the issuing transaction, the mail that inv
// was issued, with its PDF attached, to the customer's billing e-mail and
// its owner (once each when they are the same; nobody when neither is
// set), in the issuer's brand.
func (a *App) mailIssuedInvoice(ctx context.Context, q store.Q, out *outbox, inv billing.Invoice, issuer tenancy.Account) error {
	cust, err := q.Account(ctx, inv.CustomerID)
	if err != nil {
		return err
	}
	var to []string
	for _, addr := range []string{inv.Customer.Email, cust.Contact.Email} {
		addr = strings.TrimSpace(addr)
		if addr != "" && !containsFold(to, addr) {
			to = append(to, addr)
		}
	}
	if len(to) == 0 {
		return nil
	}
	mb, err := a.MailBrandAt(ctx, q, issuer.Path, MailInvoice)
	if err != nil {
		return err
	}
	brand, err := a.invoiceBrand(ctx, q, issuer.ID)
	if err != nil {
		return err
	}
	var pdf bytes.Buffer
	if err := invoicedoc.PDF(&pdf, inv, brand); err != nil {
		return err
	}
	d := mail.InvoiceData{Product: mb.Product, Number: inv.NumberText(), Issuer: inv.Issuer.Name, Account: inv.Customer.Name,
		Period: inv.Month.String(), Amount: inv.Currency.Format(inv.Total), Due: inv.DueAt.UTC().Format("2006-01-02"),
		Link: mb.Base + "/accounts/" + strconv.FormatInt(inv.CustomerID, 10) + "/invoices", Look: mb.Look}
	for _, addr := range to {
		msg := mail.InvoiceReady(addr, d)
		msg.Attachment = &mail.Attachment{Name: "invoice-" + inv.NumberText() + ".pdf", Type: "application/pdf", Data: pdf.Bytes()}
		if _, err := q.EnqueueMail(ctx, msg); err != nil {
			return err
		}
	}
	out.mail = true
	return nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
