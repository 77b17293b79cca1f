package invoicedoc

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
)

// CSV writes one invoice as CSV, one self-contained row per line plus the
// subtotal, tax and total rows, so that a spreadsheet can filter it without
// reading a header block.
func CSV(w io.Writer, inv billing.Invoice) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"invoice", "status", "period", "issuer", "customer", "item", "quantity", "unit", "amount", "currency"})
	d := inv.Currency.Decimals()
	row := func(item, quantity, unit, amount string) {
		_ = cw.Write([]string{inv.NumberText(), string(inv.Status), inv.Month.String(), safe(inv.Issuer.Name), safe(inv.Customer.Name),
			item, quantity, unit, amount, string(inv.Currency)})
	}
	for _, l := range inv.Lines {
		_, unit := l.Kind.Describe()
		row(string(l.Kind), l.Quantity.String(), unit, l.Amount.Fixed(d))
	}
	row("subtotal", "", "", inv.Subtotal.Fixed(d))
	vat := ""
	if inv.Tax.VAT {
		vat = inv.Tax.Rate.Trimmed()
	}
	row("vat", vat, "%", inv.TaxAmount.Fixed(d))
	row("total", "", "", inv.Total.Fixed(d))
	cw.Flush()
	return cw.Error()
}

// ListHeader is the header of ListCSV, one column per field an accounting
// tool imports.
var ListHeader = []string{"invoice", "status", "period", "issued", "due", "paid", "issuer_id", "issuer", "issuer_tax_id",
	"customer_id", "customer", "customer_tax_id", "currency", "subtotal", "vat_rate", "vat", "total"}

// ListCSV writes invoices one per row (the export of a period).
func ListCSV(w io.Writer, list []billing.Invoice) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(ListHeader)
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	}
	for _, inv := range list {
		d := inv.Currency.Decimals()
		vat := ""
		if inv.Tax.VAT {
			vat = inv.Tax.Rate.Trimmed()
		}
		_ = cw.Write([]string{inv.NumberText(), string(inv.Status), inv.Month.String(), day(inv.IssuedAt), day(inv.DueAt), day(inv.PaidAt),
			strconv.FormatInt(inv.IssuerID, 10), safe(inv.Issuer.Name), safe(inv.Issuer.TaxID),
			strconv.FormatInt(inv.CustomerID, 10), safe(inv.Customer.Name), safe(inv.Customer.TaxID),
			string(inv.Currency), inv.Subtotal.Fixed(d), vat, inv.TaxAmount.Fixed(d), inv.Total.Fixed(d)})
	}
	cw.Flush()
	return cw.Error()
}

// safe keeps a name from being read as a formula by a spreadsheet.
func safe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
