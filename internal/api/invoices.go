package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/invoicedoc"
	"github.com/vigilo/vigilo/internal/store"
)

// Invoices down the tree and the billing profiles they print
// (docs/BILLING.md "Invoices").

func invoiceRoutes() []Route {
	formatParam := Param{"format", "string", "json (default), pdf or csv; the Accept header (application/pdf, text/csv) does the same"}
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/invoices", Tag: "accounts", AdminOnly: true,
			Summary: "Invoices the account issued to its children and received from its parent (received drafts are not shown); with Accept: text/csv or format=csv, all that match as one CSV for accounting tools",
			Query: append([]Param{{"period", "string", "month, YYYY-MM"}, {"status", "string", "draft, issued, paid or void"},
				{"direction", "string", "issued or received; default both"}, {"customer_id", "integer", "invoices to this account only"},
				{"format", "string", "json (default) or csv"}}, pageParams...),
			Response: List[InvoiceJSON]{}, Handler: h((*Server).listInvoices)},
		{Method: "GET", Path: "/accounts/{id}/invoices/month-to-date", Tag: "accounts", AdminOnly: true,
			Summary:  "What the account would invoice each child for the running month if it closed now (unnumbered drafts, nothing stored)",
			Response: List[InvoiceJSON]{}, Handler: h((*Server).monthToDateInvoices)},
		{Method: "GET", Path: "/invoices/{id}", Tag: "accounts", AdminOnly: true,
			Summary: "One invoice: JSON; with Accept: application/pdf or text/csv (or format=pdf|csv), that document",
			Query:   []Param{formatParam}, Response: InvoiceJSON{}, Handler: h((*Server).getInvoice)},
		{Method: "PATCH", Path: "/invoices/{id}", Tag: "accounts", AdminOnly: true,
			Summary: "Issue (numbered without gaps, details frozen), mark paid or void an invoice: the issuer or above; draft → issued|void, issued → paid|void",
			Request: invoiceStatusRequest{}, Response: InvoiceJSON{}, Handler: h((*Server).setInvoiceStatus)},
		{Method: "GET", Path: "/accounts/{id}/billing-profile", Tag: "accounts", AdminOnly: true,
			Summary:  "An account's billing details and the tax and payment terms its parent invoices it on",
			Response: BillingProfileJSON{}, Handler: h((*Server).getBillingProfile)},
		{Method: "PATCH", Path: "/accounts/{id}/billing-profile", Tag: "accounts", AdminOnly: true,
			Summary: "Change billing details (the account or above) or the tax and payment terms (its parent or above; 403 set_by_parent for the account itself)",
			Request: billingProfileRequest{}, Response: BillingProfileJSON{}, Handler: h((*Server).updateBillingProfile)},
	}
}

// PartyJSON is one side of an invoice as printed on it.
type PartyJSON struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	Address   string `json:"address"`
	TaxID     string `json:"tax_id"`
	Email     string `json:"email"`
}

// InvoiceJSON is one invoice. Amounts are decimal strings with the
// currency's usual decimals; vat_rate is a percentage.
type InvoiceJSON struct {
	ID         int64      `json:"id,omitempty"` // absent for a month-to-date preview
	Number     string     `json:"number"`       // "" for a draft
	Status     string     `json:"status"`
	Period     string     `json:"period"`
	IssuerID   int64      `json:"issuer_id"`
	CustomerID int64      `json:"customer_id"`
	Issuer     PartyJSON  `json:"issuer"`
	Customer   PartyJSON  `json:"customer"`
	Currency   string     `json:"currency"`
	Lines      []LineJSON `json:"lines"`
	Subtotal   string     `json:"subtotal"`
	VATEnabled bool       `json:"vat_enabled"`
	VATRate    string     `json:"vat_rate"`
	Tax        string     `json:"tax"`
	Total      string     `json:"total"`
	CreatedAt  time.Time  `json:"created_at"`
	IssuedAt   *time.Time `json:"issued_at,omitempty"`
	DueAt      *time.Time `json:"due_at,omitempty"`
	PaidAt     *time.Time `json:"paid_at,omitempty"`
	VoidedAt   *time.Time `json:"voided_at,omitempty"`
}

func invoiceJSON(inv billing.Invoice) InvoiceJSON {
	d := inv.Currency.Decimals()
	at := timeOrNil
	out := InvoiceJSON{ID: inv.ID, Number: inv.NumberText(), Status: string(inv.Status), Period: inv.Month.String(),
		IssuerID: inv.IssuerID, CustomerID: inv.CustomerID, Issuer: PartyJSON(inv.Issuer), Customer: PartyJSON(inv.Customer),
		Currency: string(inv.Currency), Lines: []LineJSON{}, Subtotal: inv.Subtotal.Fixed(d), VATEnabled: inv.Tax.VAT,
		VATRate: inv.Tax.Rate.Trimmed(), Tax: inv.TaxAmount.Fixed(d), Total: inv.Total.Fixed(d), CreatedAt: inv.CreatedAt.UTC(),
		IssuedAt: at(inv.IssuedAt), DueAt: at(inv.DueAt), PaidAt: at(inv.PaidAt), VoidedAt: at(inv.VoidedAt)}
	for _, l := range inv.Lines {
		out.Lines = append(out.Lines, LineJSON{Kind: string(l.Kind), Quantity: l.Quantity.String(), Amount: l.Amount.Fixed(d)})
	}
	return out
}

// docFormat is what the client asked for: ?format wins over Accept.
func docFormat(r *http.Request, allowed ...string) (string, error) {
	if f := r.URL.Query().Get("format"); f != "" {
		for _, a := range append([]string{"json"}, allowed...) {
			if f == a {
				return f, nil
			}
		}
		return "", errs.Field("format", "must be one of json, "+strings.Join(allowed, ", "))
	}
	accept := r.Header.Get("Accept")
	for _, a := range allowed {
		if strings.Contains(accept, map[string]string{"pdf": "application/pdf", "csv": "text/csv"}[a]) {
			return a, nil
		}
	}
	return "json", nil
}

func (s *Server) listInvoices(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	format, ferr := docFormat(r, "csv")
	q := r.URL.Query()
	filter, err := billing.ParseInvoiceFilter(q.Get("period"), q.Get("status"), q.Get("direction"), q.Get("customer_id"))
	f := errs.Fields{}
	for _, e := range []error{ferr, err} {
		if e, ok := errs.As(e); ok {
			for k, v := range e.Fields {
				f.Add(k, v)
			}
		}
	}
	p := page(r, f)
	if err := f.Err(); err != nil {
		return err
	}
	if format == "csv" {
		p = store.Page{} // everything that matches
	}
	items, total, err := s.App.Invoices(r.Context(), actor(r), id, filter, p)
	if err != nil {
		return err
	}
	if format == "csv" {
		var buf bytes.Buffer
		if err := invoicedoc.ListCSV(&buf, items); err != nil {
			return err
		}
		name := "invoices-" + strconv.FormatInt(id, 10)
		if filter.Period != nil {
			name += "-" + filter.Period.String()
		}
		writeDoc(w, "text/csv; charset=utf-8", name+".csv", "attachment", buf.Bytes())
		return nil
	}
	out := make([]InvoiceJSON, len(items))
	for i, it := range items {
		out[i] = invoiceJSON(it)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}

func (s *Server) monthToDateInvoices(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	items, err := s.App.MonthToDateInvoices(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	out := make([]InvoiceJSON, len(items))
	for i, it := range items {
		out[i] = invoiceJSON(it)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, pageAll(len(out)), len(out)))
	return nil
}

func (s *Server) getInvoice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	format, err := docFormat(r, "pdf", "csv")
	if err != nil {
		return err
	}
	inv, err := s.App.Invoice(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	brand, err := s.App.InvoiceBrand(r.Context(), inv)
	if err != nil {
		return err
	}
	return WriteInvoice(w, inv, brand, format, "inline")
}

// WriteInvoice answers with one invoice as JSON, PDF or CSV (the portal
// serves the same documents) in the issuer's brand; disposition is
// "inline" or "attachment".
func WriteInvoice(w http.ResponseWriter, inv billing.Invoice, brand invoicedoc.Brand, format, disposition string) error {
	var buf bytes.Buffer
	switch format {
	case "pdf":
		if err := invoicedoc.PDF(&buf, inv, brand); err != nil {
			return err
		}
		writeDoc(w, "application/pdf", InvoiceFileName(inv)+".pdf", disposition, buf.Bytes())
	case "csv":
		if err := invoicedoc.CSV(&buf, inv); err != nil {
			return err
		}
		writeDoc(w, "text/csv; charset=utf-8", InvoiceFileName(inv)+".csv", disposition, buf.Bytes())
	default:
		httpx.WriteJSON(w, http.StatusOK, invoiceJSON(inv))
	}
	return nil
}

// InvoiceFileName names an invoice's documents: its number, or the draft's
// id and month.
func InvoiceFileName(inv billing.Invoice) string {
	if n := inv.NumberText(); n != "" {
		return "invoice-" + n
	}
	return "invoice-draft-" + strconv.FormatInt(inv.ID, 10) + "-" + inv.Month.String()
}

func writeDoc(w http.ResponseWriter, contentType, name, disposition string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", disposition+`; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

type invoiceStatusRequest struct {
	Status string `json:"status"` // issued, paid or void
}

func (s *Server) setInvoiceStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in invoiceStatusRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	inv, err := s.App.SetInvoiceStatus(r.Context(), actor(r), id, in.Status)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, invoiceJSON(inv))
	return nil
}

// BillingProfileJSON is an account's billing details and terms.
type BillingProfileJSON struct {
	AccountID        int64  `json:"account_id"`
	LegalName        string `json:"legal_name"`
	Address          string `json:"address"`
	TaxID            string `json:"tax_id"`
	Email            string `json:"email"`
	VATEnabled       bool   `json:"vat_enabled"`
	VATRate          string `json:"vat_rate"` // percent, 0–100
	PaymentTermsDays int    `json:"payment_terms_days"`
}

type billingProfileRequest struct {
	LegalName        *string `json:"legal_name,omitempty"`
	Address          *string `json:"address,omitempty"`
	TaxID            *string `json:"tax_id,omitempty"`
	Email            *string `json:"email,omitempty"`
	VATEnabled       *bool   `json:"vat_enabled,omitempty"`
	VATRate          *string `json:"vat_rate,omitempty"`
	PaymentTermsDays *int    `json:"payment_terms_days,omitempty"`
}

func billingProfileJSON(p billing.BillingProfile) BillingProfileJSON {
	return BillingProfileJSON{AccountID: p.AccountID, LegalName: p.LegalName, Address: p.Address, TaxID: p.TaxID, Email: p.Email,
		VATEnabled: p.Tax.VAT, VATRate: p.Tax.Rate.Trimmed(), PaymentTermsDays: p.PaymentTermsDays}
}

func (s *Server) getBillingProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.App.BillingProfile(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, billingProfileJSON(p))
	return nil
}

func (s *Server) updateBillingProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in billingProfileRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := s.App.UpdateBillingProfile(r.Context(), actor(r), id, app.BillingProfileInput{LegalName: in.LegalName, Address: in.Address,
		TaxID: in.TaxID, Email: in.Email, VATEnabled: in.VATEnabled, VATRate: in.VATRate, PaymentTermsDays: in.PaymentTermsDays})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, billingProfileJSON(p))
	return nil
}
