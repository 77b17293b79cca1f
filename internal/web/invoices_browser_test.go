package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestInvoicesInBrowser: the operator closed March (B closes nothing); the
// integrator B signs in, opens its Statements tab, picks last month and
// sees it closed with what Corner Bakery owes; on the Invoices tab it finds
// the issued invoice, opens its PDF (rendered to PNG for the gallery; the
// page's text is checked with pdftotext) and downloads the period's CSV,
// both through the signed-in browser session.
func TestInvoicesInBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	e := apitest.Boot(t, apitest.Options{Quiet: true})
	m := seedMoneyTree(t, e)
	// Sign in on the real clock: the session cookie's expiry comes from it,
	// and one dated April 2026 would be dropped by the browser at once.
	b := &browser{t: t, ctx: ctx, base: e.Main.Config.BaseURL}
	b.signIn(m.B.Email, m.B.Password)
	a := e.Main.App
	a.Now = func() time.Time { return time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC) }
	root, err := a.Authenticate(context.Background(), e.Root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CloseMonth(context.Background(), root, "2026-03"); err != nil {
		t.Fatal(err)
	}
	bid, cid := itoa(m.B.ID), itoa(m.C.ID)
	e.Must(200, "PATCH", "/api/v1/accounts/"+bid+"/billing-profile", m.B.Token, map[string]any{"legal_name": "Beta Security GmbH",
		"address": "Hauptstraße 5\n10115 Berlin", "tax_id": "DE811907980", "email": "billing@beta.example"})
	e.Must(200, "PATCH", "/api/v1/accounts/"+cid+"/billing-profile", m.B.Token, map[string]any{"legal_name": "Corner Bakery Ltd",
		"address": "2 Mill Lane\nYork", "tax_id": "GB123456789", "vat_enabled": true, "vat_rate": "20", "payment_terms_days": 14})
	inv := e.Must(200, "GET", "/api/v1/accounts/"+bid+"/invoices?direction=issued&period=2026-03", m.B.Token, nil).Items()
	if len(inv) != 1 {
		t.Fatalf("B's March invoices: %v", inv)
	}
	number := e.Must(200, "PATCH", "/api/v1/invoices/"+itoa(int64(inv[0]["id"].(float64))), m.B.Token, map[string]any{"status": "issued"}).JSON["number"].(string)

	b.do(chromedp.Navigate(b.base + "/accounts/" + bid + "/statements"))
	b.waitPath("/accounts/" + bid + "/statements")
	b.do(chromedp.Click(chromedp.CSS(`ul.quick a[href$="period=2026-03"]`)))
	b.waitPath("/accounts/" + bid + "/statements?period=2026-03")
	if s, title := b.text("#statement-status"), b.text("#statement-title"); s != "Closed" || !strings.Contains(title, "March 2026") {
		t.Fatalf("last month's statement: %q %q", s, title)
	}
	if owes := b.text("#statement-children [data-child-owes]"); owes != "EUR 16.98" {
		t.Errorf("Corner Bakery owes %q", owes)
	}
	testenv.Screenshot(t, ctx, "invoices-1-statement-closed")

	b.do(chromedp.Click(chromedp.CSS(`nav.tabs a[href="/accounts/` + bid + `/invoices"]`)))
	b.waitPath("/accounts/" + bid + "/invoices")
	b.do(chromedp.SetValue(chromedp.CSS("#f-inv-period"), "2026-03"), chromedp.SetValue(chromedp.CSS("#f-inv-direction"), "issued"),
		chromedp.Click(chromedp.CSS("#invoices-filter")))
	b.waitPath("/accounts/" + bid + "/invoices?period=2026-03&status=&direction=issued")
	row := `#invoices tr[data-invoice]`
	if got := b.text(row + ` td:first-child`); got != number {
		t.Fatalf("invoice row number %q, want %q", got, number)
	}
	if total := b.text(row + ` [data-total]`); total != "EUR 20.38" {
		t.Errorf("invoice total %q", total) // 16.98 + 20 % VAT 3.40
	}
	testenv.Screenshot(t, ctx, "invoices-2-list")

	// The PDF link, fetched as the signed-in user would open it.
	fetch := func(sel string) (string, []byte) {
		t.Helper()
		js := `(async () => { const r = await fetch(document.querySelector(` + jsString(sel) + `).href);
			const b = new Uint8Array(await r.arrayBuffer()); let s = ""; for (const x of b) s += String.fromCharCode(x);
			return r.status + " " + (r.headers.get("Content-Type") || "") + " " + (r.headers.get("Content-Disposition") || "") + "\n" + btoa(s); })()`
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("fetch %s: %v", sel, err)
		}
		head, body, _ := strings.Cut(v, "\n")
		raw, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			t.Fatalf("fetch %s: %v", sel, err)
		}
		return head, raw
	}
	head, pdf := fetch(row + ` a[data-doc="pdf"]`)
	if !strings.HasPrefix(head, "200 application/pdf inline") || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("PDF: %q, %d bytes", head, len(pdf))
	}
	text := testenv.PDFText(t, pdf)
	for _, want := range []string{"Invoice " + number, "Beta Security GmbH", "DE811907980", "Corner Bakery Ltd", "GB123456789", "March 2026",
		"16.98", "VAT 20 %", "3.40", "20.38"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	testenv.PDFToPNG(t, pdf, "invoices-3-invoice-pdf")

	head, body := fetch("#invoices-csv")
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if !strings.HasPrefix(head, "200 text/csv") || !strings.Contains(head, "attachment") || err != nil || len(rows) != 2 ||
		rows[1][0] != number || rows[1][10] != "Corner Bakery Ltd" || rows[1][16] != "20.38" {
		t.Errorf("CSV download: %q %v %q", head, err, rows)
	}
}

func jsString(s string) string { return "`" + strings.ReplaceAll(s, "`", "\\`") + "`" }
