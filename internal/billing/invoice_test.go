package billing

import (
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
)

func TestInvoiceTransitions(t *testing.T) {
	allowed := map[[2]InvoiceStatus]bool{
		{InvoiceDraft, InvoiceIssued}: true, {InvoiceDraft, InvoiceVoid}: true,
		{InvoiceIssued, InvoicePaid}: true, {InvoiceIssued, InvoiceVoid}: true,
	}
	all := []InvoiceStatus{InvoiceDraft, InvoiceIssued, InvoicePaid, InvoiceVoid}
	for _, from := range all {
		for _, to := range all {
			err := CheckTransition(from, to)
			if allowed[[2]InvoiceStatus{from, to}] != (err == nil) {
				t.Errorf("%s → %s: %v", from, to, err)
			}
			if err != nil && errs.KindOf(err) != errs.Conflict {
				t.Errorf("%s → %s: %v, want a conflict", from, to, err)
			}
		}
	}
	if err := CheckTransition(InvoiceDraft, "sent"); errs.KindOf(err) != errs.Invalid {
		t.Errorf("unknown status: %v", err)
	}
}

func TestInvoicePrice(t *testing.T) {
	for _, c := range []struct {
		cur                money.Currency
		subtotal, rate     string
		vat                bool
		wantTax, wantTotal string
	}{
		{"EUR", "9.33", "20", true, "1.87", "11.20"},   // 1.866
		{"EUR", "10.00", "7.7", true, "0.77", "10.77"}, // 0.77
		{"EUR", "0.05", "10", true, "0.01", "0.06"},    // 0.005: half away from zero
		{"EUR", "-0.05", "10", true, "-0.01", "-0.06"}, // a credit rounds the same way
		{"EUR", "9.33", "20", false, "0", "9.33"},
		{"JPY", "1001", "8", true, "80", "1081"}, // 80.08
		{"KWD", "1.000", "5", true, "0.05", "1.05"},
	} {
		inv := Invoice{Currency: c.cur, Subtotal: money.MustParse(c.subtotal)}
		if !inv.Price(Tax{VAT: c.vat, Rate: money.MustParse(c.rate)}) {
			t.Fatalf("%+v: overflow", c)
		}
		if inv.TaxAmount != money.MustParse(c.wantTax) || inv.Total != money.MustParse(c.wantTotal) {
			t.Errorf("%+v: tax %s total %s", c, inv.TaxAmount, inv.Total)
		}
	}
}

func TestTaxRateAndProfile(t *testing.T) {
	for _, good := range []string{"0", "20", "7.7", "100", "19.6000"} {
		if _, err := ParseTaxRate(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	for _, bad := range []string{"", "-0.01", "100.0001", "abc", "1e2", "20%"} {
		if _, err := ParseTaxRate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		} else if e, _ := errs.As(err); e.Fields["vat_rate"] == "" {
			t.Errorf("%q: %v does not name vat_rate", bad, err)
		}
	}
	p := DefaultProfile(7)
	p.Email, p.PaymentTermsDays, p.LegalName = "Name <x@example.com>", -1, "tab\there"
	e, _ := errs.As(p.Check())
	for _, f := range []string{"email", "payment_terms_days", "legal_name"} {
		if e == nil || e.Fields[f] == "" {
			t.Errorf("profile check misses %s: %v", f, e)
		}
	}
	p = DefaultProfile(7)
	p.Address = "1 Main St\r\nSpringfield"
	if err := p.Check(); err != nil {
		t.Errorf("a two-line address: %v", err)
	}
	if got := p.Party("Acme").Name; got != "Acme" {
		t.Errorf("no legal name: %q", got)
	}
}

func TestInvoiceFilterAndDue(t *testing.T) {
	e, _ := errs.As(func() error { _, err := ParseInvoiceFilter("2026-13", "open", "up", "0"); return err }())
	for _, f := range []string{"period", "status", "direction", "customer_id"} {
		if e == nil || e.Fields[f] == "" {
			t.Errorf("filter misses %s: %v", f, e)
		}
	}
	f, err := ParseInvoiceFilter("2026-02", "paid", "issued", "42")
	if err != nil || f.Period.String() != "2026-02" || f.Status != InvoicePaid || f.Direction != "issued" || f.CustomerID != 42 {
		t.Errorf("filter: %+v %v", f, err)
	}
	if got := Due(time.Date(2026, 1, 31, 22, 0, 0, 0, time.UTC), 30); !got.Equal(time.Date(2026, 3, 2, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("due: %s", got)
	}
	if n := (Invoice{IssuerID: 7, Number: 42}).NumberText(); n != "7-000042" {
		t.Errorf("number: %q", n)
	}
}
