package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/api"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/invoicedoc"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The Invoices tab of account properties (docs/BILLING.md "Invoices"):
// the invoices the account issued and received, with filters, each as PDF
// and CSV and with the issuer's status buttons; the month-to-date preview
// of what it would invoice its children; a CSV of what the filters show;
// and the billing details printed on invoices.

type invoicesView struct {
	Action                       string
	Period, Status, Direction    string
	PeriodErr, StatusErr, DirErr string
	Rows                         []invoiceRow
	Total                        int
	CSV                          string
	MonthToDate                  []invoiceRow
	MonthTitle                   string
	Integrator                   bool
	TermsEditable                bool // the actor sets this account's VAT and payment terms (it is above it)
	VATOn                        bool
	Back                         string
}

type invoiceRow struct {
	ID                                 int64
	Number, Period, Status, Other, Dir string
	Subtotal, Tax, Total               string
	Due                                *time.Time
	PDF, CSV                           string
	CanIssue, CanPay, CanVoid          bool
}

func (p *Portal) accountInvoices(r *http.Request, q *req, acct tenancy.Account, form url.Values) (*invoicesView, error) {
	ctx := r.Context()
	qs := r.URL.Query()
	base := "/accounts/" + itoa64(acct.ID) + "/invoices"
	v := &invoicesView{Action: base, Period: qs.Get("period"), Status: qs.Get("status"), Direction: qs.Get("direction"),
		Integrator: acct.Type == tenancy.Integrator, Back: base + "?" + qs.Encode()}
	v.TermsEditable = acct.ID != q.Actor.AccountID || acct.IsRoot()
	filter, err := billing.ParseInvoiceFilter(v.Period, v.Status, v.Direction, "")
	if e, ok := errs.As(err); ok {
		v.PeriodErr, v.StatusErr, v.DirErr = e.Fields["period"], e.Fields["status"], e.Fields["direction"]
		filter = billing.InvoiceFilter{}
	} else if err != nil {
		return nil, err
	}
	list, total, err := p.App.Invoices(ctx, q.Actor, acct.ID, filter, store.Page{Page: 1, PerPage: store.MaxPerPage})
	if e, ok := errs.As(err); ok && e.Fields["period"] != "" { // a month not begun yet
		v.PeriodErr = e.Fields["period"]
		list, total, err = p.App.Invoices(ctx, q.Actor, acct.ID, billing.InvoiceFilter{}, store.Page{Page: 1, PerPage: store.MaxPerPage})
	}
	if err != nil {
		return nil, err
	}
	v.Total = total
	for _, inv := range list {
		v.Rows = append(v.Rows, invoiceRowOf(inv, acct.ID, q.Actor.AccountID == inv.CustomerID))
	}
	csvQ := url.Values{}
	for k, val := range map[string]string{"period": v.Period, "status": v.Status, "direction": v.Direction} {
		if val != "" && v.PeriodErr == "" && v.StatusErr == "" && v.DirErr == "" {
			csvQ.Set(k, val)
		}
	}
	v.CSV = base + ".csv"
	if len(csvQ) > 0 {
		v.CSV += "?" + csvQ.Encode()
	}
	if v.Integrator {
		mtd, err := p.App.MonthToDateInvoices(ctx, q.Actor, acct.ID)
		if err != nil {
			return nil, err
		}
		v.MonthTitle = monthTitle(billing.MonthOf(p.App.Now()))
		for _, inv := range mtd {
			v.MonthToDate = append(v.MonthToDate, invoiceRowOf(inv, acct.ID, false))
		}
	}
	prof, err := p.App.BillingProfile(ctx, q.Actor, acct.ID)
	if err != nil {
		return nil, err
	}
	if len(form) == 0 {
		for k, val := range billingForm(prof) {
			form[k] = val
		}
	}
	v.VATOn = form.Get("vat_enabled") == "1"
	return v, nil
}

func billingForm(p billing.BillingProfile) url.Values {
	vat := "0"
	if p.Tax.VAT {
		vat = "1"
	}
	return url.Values{"legal_name": {p.LegalName}, "billing_address": {p.Address}, "tax_id": {p.TaxID}, "billing_email": {p.Email},
		"vat_enabled": {vat}, "vat_rate": {p.Tax.Rate.Trimmed()}, "payment_terms_days": {strconv.Itoa(p.PaymentTermsDays)}}
}

// invoiceRowOf shows inv from account's side; customerSide: the actor is
// the invoice's customer (no status buttons).
func invoiceRowOf(inv billing.Invoice, account int64, customerSide bool) invoiceRow {
	c := inv.Currency
	row := invoiceRow{ID: inv.ID, Number: inv.NumberText(), Period: monthTitle(inv.Month), Status: string(inv.Status),
		Subtotal: c.Format(inv.Subtotal), Tax: c.Format(inv.TaxAmount), Total: c.Format(inv.Total)}
	if row.Number == "" {
		row.Number = "Draft"
	}
	if inv.IssuerID == account {
		row.Dir, row.Other = "To", inv.Customer.Name
	} else {
		row.Dir, row.Other = "From", inv.Issuer.Name
	}
	if !inv.DueAt.IsZero() {
		d := inv.DueAt
		row.Due = &d
	}
	if inv.ID != 0 {
		row.PDF = "/invoices/" + itoa64(inv.ID) + "/pdf"
		row.CSV = "/invoices/" + itoa64(inv.ID) + "/csv"
		if !customerSide {
			row.CanIssue = inv.Status == billing.InvoiceDraft
			row.CanPay = inv.Status == billing.InvoiceIssued
			row.CanVoid = inv.Status == billing.InvoiceDraft || inv.Status == billing.InvoiceIssued
		}
	}
	return row
}

// invoiceDoc serves one invoice's PDF (inline: the browser shows it) or CSV
// (a download).
func (p *Portal) invoiceDoc(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "iid")
	if err != nil {
		return err
	}
	format := r.PathValue("format")
	if format != "pdf" && format != "csv" {
		return errNotFound
	}
	inv, err := p.App.Invoice(r.Context(), q.Actor, id)
	if err != nil {
		return err
	}
	disposition := "inline"
	if format == "csv" {
		disposition = "attachment"
	}
	brand, err := p.App.InvoiceBrand(r.Context(), inv)
	if err != nil {
		return err
	}
	return api.WriteInvoice(w, inv, brand, format, disposition)
}

// invoicesCSV downloads what the tab's filters select, one row per invoice.
func (p *Portal) invoicesCSV(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	qs := r.URL.Query()
	filter, err := billing.ParseInvoiceFilter(qs.Get("period"), qs.Get("status"), qs.Get("direction"), "")
	if err != nil {
		return err
	}
	list, _, err := p.App.Invoices(r.Context(), q.Actor, id, filter, store.Page{})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := invoicedoc.ListCSV(&buf, list); err != nil {
		return err
	}
	name := "invoices-" + itoa64(id)
	if filter.Period != nil {
		name += "-" + filter.Period.String()
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	_, err = w.Write(buf.Bytes())
	return err
}

// invoiceStatusSubmit issues, marks paid or voids an invoice, then goes
// back to the tab it was pressed on.
func (p *Portal) invoiceStatusSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "iid")
	if err != nil {
		return err
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/accounts/") || strings.HasPrefix(back, "//") {
		back = "/accounts/" + itoa64(q.Account.ID) + "/invoices"
	}
	inv, err := p.App.SetInvoiceStatus(r.Context(), q.Actor, id, r.PostFormValue("status"))
	if err != nil {
		if k := errs.KindOf(err); k == errs.Conflict || k == errs.Invalid {
			return p.redirect(w, r, back, "Not changed: "+err.(*errs.Error).Message+".")
		}
		return err
	}
	msg := map[billing.InvoiceStatus]string{billing.InvoiceIssued: "Invoice " + inv.NumberText() + " issued.",
		billing.InvoicePaid: "Invoice " + inv.NumberText() + " marked paid.", billing.InvoiceVoid: "Invoice voided."}[inv.Status]
	return p.redirect(w, r, back, msg)
}

// billingProfileSubmit saves the billing details (and, for a parent, the
// terms) shown on the Invoices tab.
func (p *Portal) billingProfileSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	f := r.PostForm
	str := func(k string) *string { v := f.Get(k); return &v }
	in := app.BillingProfileInput{LegalName: str("legal_name"), Address: str("billing_address"), TaxID: str("tax_id"), Email: str("billing_email")}
	bad := errs.Fields{}
	if f.Has("vat_rate") {
		on := f.Get("vat_enabled") == "1"
		in.VATEnabled, in.VATRate = &on, str("vat_rate")
		n, err := strconv.Atoi(strings.TrimSpace(f.Get("payment_terms_days")))
		if err != nil {
			bad.Add("payment_terms_days", "must be a number of days from 0 to 365")
		}
		in.PaymentTermsDays = &n
	}
	err = bad.Err()
	if err == nil {
		_, err = p.App.UpdateBillingProfile(r.Context(), q.Actor, acct.ID, in)
	}
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		// The form names the address and e-mail fields apart from the
		// account profile's; show the app's errors next to them.
		if e, ok := errs.As(err); ok {
			for from, to := range map[string]string{"address": "billing_address", "email": "billing_email"} {
				if m, ok := e.Fields[from]; ok {
					delete(e.Fields, from)
					e.Fields[to] = m
				}
			}
		}
		return p.showAccount(w, r, q, acct.ID, "invoices", "customers", f, err)
	}
	return p.redirect(w, r, "/accounts/"+itoa64(acct.ID)+"/invoices", "Billing details saved.")
}
