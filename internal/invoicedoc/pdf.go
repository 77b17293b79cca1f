// Package invoicedoc renders invoices as documents: a PDF for people and
// CSV for accounting tools (docs/BILLING.md "Invoices"). It knows neither
// HTTP nor SQL; the API and the portal serve what it writes.
package invoicedoc

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/vigilo/vigilo/internal/billing"
)

// Brand is the issuer's look on its invoices (zero: the plain document).
type Brand struct {
	Name      string // the product name, printed beside the logo
	Color     string // "#rrggbb": the title and rules; "" keeps the default
	Logo      []byte // PNG or JPEG as served by the brand; nil for none
	LogoIsPNG bool
}

// PDF writes inv as an A4 PDF in the issuer's brand b. The same invoice
// always gives the same bytes: the document's dates are the invoice's own,
// never the clock.
func PDF(w io.Writer, inv billing.Invoice, b Brand) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	// The core fonts are Windows-1252; the translator maps UTF-8 text onto
	// it (characters outside it print as '?', rather than as mojibake).
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	stamp := inv.CreatedAt
	if !inv.IssuedAt.IsZero() {
		stamp = inv.IssuedAt
	}
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(title(inv), true)
	pdf.SetAuthor(inv.Issuer.Name, true)
	pdf.SetProducer("Vigilo", true)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AddPage()

	const full = 174.0 // A4 width minus margins
	cr, cg, cb := 20, 20, 20
	if r, g, bl, ok := rgb(b.Color); ok {
		cr, cg, cb = r, g, bl
	}
	brandHeader(pdf, tr, b, full, cr, cg, cb)
	pdf.SetTextColor(cr, cg, cb)
	pdf.SetFont("Helvetica", "B", 20)
	pdf.CellFormat(full, 10, tr(title(inv)), "", 1, "L", false, 0, "")
	pdf.SetTextColor(20, 20, 20)
	if inv.Status != billing.InvoiceIssued {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.SetTextColor(170, 40, 40)
		pdf.CellFormat(full, 6, strings.ToUpper(string(inv.Status)), "", 1, "L", false, 0, "")
		pdf.SetTextColor(20, 20, 20)
	}
	pdf.Ln(3)

	// Facts of the invoice, two columns.
	pdf.SetFont("Helvetica", "", 10)
	for _, f := range facts(inv) {
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(40, 5.5, tr(f[0]), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		pdf.CellFormat(full-40, 5.5, tr(f[1]), "", 1, "L", false, 0, "")
	}
	pdf.Ln(5)

	// The parties side by side.
	top := pdf.GetY()
	party := func(x float64, head string, p billing.Party) float64 {
		pdf.SetXY(x, top)
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(82, 5.5, tr(head), "", 2, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(82, 5, tr(partyText(p)), "", "L", false)
		return pdf.GetY()
	}
	y1 := party(18, "From", inv.Issuer)
	y2 := party(110, "Bill to", inv.Customer)
	pdf.SetXY(18, max(y1, y2)+6)

	// Lines.
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetFillColor(235, 238, 242)
	pdf.CellFormat(94, 7, "Description", "B", 0, "L", true, 0, "")
	pdf.CellFormat(45, 7, "Quantity", "B", 0, "R", true, 0, "")
	pdf.CellFormat(35, 7, "Amount ("+string(inv.Currency)+")", "B", 1, "R", true, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	d := inv.Currency.Decimals()
	for _, l := range inv.Lines {
		label, unit := l.Kind.Describe()
		pdf.CellFormat(94, 6.5, tr(label), "", 0, "L", false, 0, "")
		pdf.CellFormat(45, 6.5, strings.TrimSpace(l.Quantity.String()+" "+unit), "", 0, "R", false, 0, "")
		pdf.CellFormat(35, 6.5, l.Amount.Fixed(d), "", 1, "R", false, 0, "")
	}
	pdf.Ln(2)
	total := func(label, v string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 10)
		pdf.CellFormat(139, 6.5, tr(label), "T", 0, "R", false, 0, "")
		pdf.CellFormat(35, 6.5, v, "T", 1, "R", false, 0, "")
	}
	total("Subtotal", inv.Subtotal.Fixed(d), false)
	if inv.Tax.VAT {
		total("VAT "+inv.Tax.Rate.Trimmed()+" %", inv.TaxAmount.Fixed(d), false)
	} else {
		total("VAT not charged", inv.TaxAmount.Fixed(d), false)
	}
	total("Total "+string(inv.Currency), inv.Total.Fixed(d), true)

	pdf.Ln(8)
	pdf.SetFont("Helvetica", "", 8)
	pdf.SetTextColor(110, 110, 110)
	pdf.MultiCell(full, 4, tr("Charges for "+monthName(inv.Month)+" from the closed monthly statement. Fixed plans are billed per camera-day; "+
		"storage per GB-month and traffic per GB (a GB is 10^9 bytes, a month 30 days)."), "", "L", false)

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("render invoice %d: %w", inv.ID, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// brandHeader prints the issuer's logo (at most 16 mm high, 60 mm wide)
// and product name above the title, with a rule in the brand's colour.
// A logo the PDF library cannot read is left out rather than failing the
// invoice: the brand re-encoded it, so this does not happen in practice.
func brandHeader(pdf *fpdf.Fpdf, tr func(string) string, b Brand, full float64, r, g, bl int) {
	if b.Name == "" && len(b.Logo) == 0 {
		return
	}
	top := pdf.GetY()
	x := 18.0
	if len(b.Logo) > 0 {
		kind := "JPG"
		if b.LogoIsPNG {
			kind = "PNG"
		}
		opt := fpdf.ImageOptions{ImageType: kind, ReadDpi: false}
		info := pdf.RegisterImageOptionsReader("brand-logo", opt, bytes.NewReader(b.Logo))
		if pdf.Ok() && info != nil && info.Height() > 0 {
			h := 16.0
			wd := info.Width() * h / info.Height()
			if wd > 60 {
				wd, h = 60, info.Height()*60/info.Width()
			}
			pdf.ImageOptions("brand-logo", x, top, wd, h, false, opt, 0, "")
			x += wd + 5
		} else {
			pdf.ClearError()
		}
	}
	if b.Name != "" {
		pdf.SetXY(x, top+4)
		pdf.SetFont("Helvetica", "B", 14)
		pdf.SetTextColor(r, g, bl)
		pdf.CellFormat(18+full-x, 8, tr(b.Name), "", 0, "L", false, 0, "")
	}
	pdf.SetDrawColor(r, g, bl)
	pdf.SetLineWidth(0.6)
	pdf.Line(18, top+19, 18+full, top+19)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.2)
	pdf.SetXY(18, top+23)
}

// rgb reads "#rrggbb".
func rgb(c string) (r, g, b int, ok bool) {
	if len(c) != 7 || c[0] != '#' {
		return 0, 0, 0, false
	}
	v, err := strconv.ParseUint(c[1:], 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff), true
}

// title is "Invoice 7-000042", or "Draft invoice" before a number exists.
func title(inv billing.Invoice) string {
	if inv.Number == 0 {
		return "Draft invoice"
	}
	return "Invoice " + inv.NumberText()
}

func facts(inv billing.Invoice) [][2]string {
	day := func(t time.Time) string {
		if t.IsZero() {
			return "on issue"
		}
		return t.UTC().Format("2 January 2006")
	}
	out := [][2]string{{"Period", monthName(inv.Month)}, {"Issued", day(inv.IssuedAt)}, {"Due", day(inv.DueAt)}}
	switch inv.Status {
	case billing.InvoicePaid:
		out = append(out, [2]string{"Paid", day(inv.PaidAt)})
	case billing.InvoiceVoid:
		out = append(out, [2]string{"Void", day(inv.VoidedAt)})
	}
	return append(out, [2]string{"Currency", string(inv.Currency)})
}

func partyText(p billing.Party) string {
	lines := []string{p.Name}
	if a := strings.TrimSpace(strings.ReplaceAll(p.Address, "\r", "")); a != "" {
		lines = append(lines, a)
	}
	if p.TaxID != "" {
		lines = append(lines, "Tax ID: "+p.TaxID)
	}
	if p.Email != "" {
		lines = append(lines, p.Email)
	}
	return strings.Join(lines, "\n")
}

func monthName(m billing.Month) string { return m.Start().Format("January 2006") }
