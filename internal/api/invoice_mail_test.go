package api_test

import (
	"context"
	"image/color"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestInvoiceMailAndBrand issues February's invoices of two trees on both
// databases, one branded (Acme: name, colour, logo), one not, with a real
// Mailpit: each customer's billing e-mail and owner get the invoice with its
// PDF attached; Acme's customer's mail and PDF carry Acme's brand, its
// number and logo; the other customer's carry none of Acme's. The PDF the
// API serves is the same document.
func TestInvoiceMailAndBrand(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		mp := testenv.Mailpit(t)
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true, Env: map[string]string{
			"VIGILO_BASE_URL":      "http://vms.vigilo.test:0",
			"VIGILO_SMTP_HOST":     mp.SMTPHost,
			"VIGILO_SMTP_PORT":     strconv.Itoa(mp.SMTPPort),
			"VIGILO_SMTP_FROM":     "Vigilo <no-reply@vigilo.test>",
			"VIGILO_MAIL_INTERVAL": "100ms",
		}})
		ctx := context.Background()
		fixClock(e, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))

		pID := idOf(planByName(t, e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items(), "Cloud 7 days"))
		acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
		ac := e.CreateAccount(acme.Token, acme.ID, "customer", "Acme Customer")
		other := e.CreateAccount(e.Root, 1, "integrator", "Other Integrator")
		oc := e.CreateAccount(other.Token, other.ID, "customer", "Other Customer")
		putOffers(e, pID, []offerAt{{acme.ID, e.Root, "3"}, {ac.ID, acme.Token, "5"}, {other.ID, e.Root, "3"}, {oc.ID, other.Token, "6"}})
		if _, err := e.Main.Store.W().SeedCameras(ctx, []store.SeedCamera{
			{IntegratorID: acme.ID, CustomerID: ac.ID, PlanID: pID, Name: "a-1", Enabled: true},
			{IntegratorID: other.ID, CustomerID: oc.ID, PlanID: pID, Name: "o-1", Enabled: true},
		}); err != nil {
			t.Fatal(err)
		}
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(acme.ID)+"/branding", acme.Token, map[string]any{"product_name": "Acme Video",
			"primary_color": "#8b0000", "accent_color": "#a10000", "logo": brandPNG(t, color.RGBA{200, 0, 0, 255}),
			"texts": map[string]string{"invoice": "Thank you for choosing Acme."}})
		stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
		acBilling, ocBilling := "ap-"+stamp+"@acme-customer.test", "ap-"+stamp+"@other-customer.test"
		e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(ac.ID)+"/billing-profile", ac.Token, map[string]any{"legal_name": "Acme Customer Ltd", "email": acBilling})
		e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(oc.ID)+"/billing-profile", oc.Token, map[string]any{"email": ocBilling})

		e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": "2026-02"})
		issue := func(token string, issuer int64) map[string]any {
			t.Helper()
			items := e.Must(200, "GET", "/api/v1/accounts/"+itoa(issuer)+"/invoices?direction=issued&period=2026-02", token, nil).Items()
			if len(items) != 1 {
				t.Fatalf("invoices of %d: %v", issuer, items)
			}
			return e.Must(200, "PATCH", "/api/v1/invoices/"+itoa(idOf(items[0])), token, map[string]any{"status": "issued"}).JSON
		}
		acInv, ocInv := issue(acme.Token, acme.ID), issue(other.Token, other.ID)
		acNum, ocNum := acInv["number"].(string), ocInv["number"].(string)
		if acNum != itoa(acme.ID)+"-000001" || ocNum != itoa(other.ID)+"-000001" {
			t.Fatalf("numbers %q %q", acNum, ocNum)
		}

		// Acme's customer: to the billing address and to the owner, branded.
		for _, to := range []string{acBilling, ac.Email} {
			m := mp.WaitMessage(t, to, "invoice "+acNum, 20*time.Second)
			if !strings.HasPrefix(m.Subject, "Acme Video invoice "+acNum) || m.FromName != "Acme Video" {
				t.Errorf("to %s: subject %q from %q", to, m.Subject, m.FromName)
			}
			for _, want := range []string{"Thank you for choosing Acme.", "invoice " + acNum, "Acme Customer Ltd", "EUR 4.67",
				"http://vms.vigilo.test:", "/accounts/" + itoa(ac.ID) + "/invoices"} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("to %s: text lacks %q:\n%s", to, want, m.Text)
				}
			}
			if !strings.Contains(m.HTML, "/brand/"+itoa(acme.ID)+"/logo?v=") {
				t.Errorf("to %s: HTML lacks Acme's logo", to)
			}
			if len(m.Attachments) != 1 || m.Attachments[0].Name != "invoice-"+acNum+".pdf" || m.Attachments[0].Type != "application/pdf" {
				t.Fatalf("to %s: attachments %+v", to, m.Attachments)
			}
			text := testenv.PDFText(t, m.Attachments[0].Data)
			for _, want := range []string{"Acme Video", "Invoice " + acNum, "Acme Customer Ltd", "4.67"} {
				if !strings.Contains(text, want) {
					t.Errorf("to %s: the PDF lacks %q:\n%s", to, want, text)
				}
			}
			if imgs := testenv.PDFImages(t, m.Attachments[0].Data); len(imgs) != 1 || imgs[0] != "1 16 8" {
				t.Errorf("to %s: the PDF's images %v, want Acme's 16×8 logo on page 1", to, imgs)
			}
		}
		// The API serves the same branded document.
		r := e.Do("GET", "/api/v1/invoices/"+itoa(idOf(acInv))+"?format=pdf", ac.Token, nil)
		if text := testenv.PDFText(t, r.Body); r.Status != 200 || !strings.Contains(text, "Acme Video") || len(testenv.PDFImages(t, r.Body)) != 1 {
			t.Errorf("API PDF: %d\n%s", r.Status, text)
		}

		// The unbranded tree: the installation's plain mail and document.
		for _, to := range []string{ocBilling, oc.Email} {
			m := mp.WaitMessage(t, to, "invoice "+ocNum, 20*time.Second)
			if strings.Contains(m.Subject+m.FromName+m.Text+m.HTML, "Acme") || !strings.Contains(m.Text, "EUR 5.60") {
				t.Errorf("to %s: %q %q\n%s", to, m.Subject, m.FromName, m.Text)
			}
			if len(m.Attachments) != 1 {
				t.Fatalf("to %s: attachments %+v", to, m.Attachments)
			}
			if text := testenv.PDFText(t, m.Attachments[0].Data); strings.Contains(text, "Acme") || !strings.Contains(text, "Invoice "+ocNum) {
				t.Errorf("to %s: PDF\n%s", to, text)
			}
			if imgs := testenv.PDFImages(t, m.Attachments[0].Data); len(imgs) != 0 {
				t.Errorf("to %s: an unbranded PDF has images %v", to, imgs)
			}
		}
	})
}
