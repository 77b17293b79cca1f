package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestInvoicesTab: March of the money tree closes; B's Invoices tab lists
// its draft to Corner Bakery and the month-to-date preview; B sets C's VAT
// on the billing form (a bad rate shows next to its field and saves
// nothing), issues the invoice with its button, and downloads PDF and CSV;
// C sees the issued invoice without buttons or the terms form and cannot
// change it.
func TestInvoicesTab(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		m := seedMoneyTree(t, e)
		ctx := context.Background()
		a := e.Main.App
		a.Now = func() time.Time { return time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC) }
		root, err := a.Authenticate(ctx, e.Root)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CloseMonth(ctx, root, "2026-03"); err != nil {
			t.Fatal(err)
		}
		cid := itoa(m.C.ID)
		tab := "/accounts/" + cid + "/invoices"
		cb := newClient(t, e)
		cb.signIn(m.B.Email, m.B.Password)

		// B sets C's terms from C's Invoices tab: a bad rate first.
		form := url.Values{"legal_name": {"Corner Bakery Ltd"}, "billing_address": {"2 Mill Lane\r\nYork"}, "tax_id": {"GB42"},
			"billing_email": {"books@bakery.example"}, "vat_enabled": {"1"}, "vat_rate": {"150"}, "payment_terms_days": {"14"}}
		p := cb.post(tab, "/accounts/"+cid+"/billing-profile", form)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `data-field="vat_rate">VAT rate (%): must be between 0 and 100`) {
			t.Fatalf("a VAT rate of 150: %d %.500s", p.Status, p.Body)
		}
		if p := cb.get(tab); strings.Contains(p.Body, "Corner Bakery Ltd") {
			t.Errorf("a refused form was saved in part")
		}
		form.Set("vat_rate", "20")
		if p := cb.post(tab, "/accounts/"+cid+"/billing-profile", form); p.Status != http.StatusSeeOther {
			t.Fatalf("billing form: %d %.300s", p.Status, p.Body)
		}
		// The address keeps its lines (a textarea, shown back as typed).
		if p := cb.get(tab); !strings.Contains(p.Body, ">2 Mill Lane\r\nYork</textarea>") && !strings.Contains(p.Body, ">2 Mill Lane\nYork</textarea>") {
			t.Errorf("the address lost its lines: %.4000s", p.Body)
		}

		bTab := "/accounts/" + itoa(m.B.ID) + "/invoices?direction=issued"
		p = cb.get(bTab)
		row := regexp.MustCompile(`<tr data-invoice="(\d+)"><td>Draft</td><td>March 2026</td><td>To Corner Bakery Ltd</td>`).FindStringSubmatch(p.Body)
		if p.Status != http.StatusOK || row == nil {
			t.Fatalf("B's issued invoices: %d %.2000s", p.Status, p.Body)
		}
		// C owes 16.98 for March; VAT 20 % = 3.40 (3.396).
		for _, want := range []string{`data-total>EUR 20.38<`, `id="mtd-title">Month to date: April 2026`, `id="invoices-mtd"`,
			`data-action="issue"`, `href="/accounts/` + itoa(m.B.ID) + `/invoices.csv?direction=issued"`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("B's tab lacks %s", want)
			}
		}
		if p := cb.get("/accounts/" + itoa(m.B.ID) + "/invoices?period=2026-13&status=open"); !strings.Contains(p.Body, `data-field="period">Month:`) ||
			!strings.Contains(p.Body, `data-field="status">Status:`) {
			t.Errorf("bad filters are not shown next to their fields")
		}
		if p := cb.get("/accounts/" + itoa(m.B.ID) + "/invoices?period=2026-06"); p.Status != http.StatusOK ||
			!strings.Contains(p.Body, `data-field="period">Month: the month has not begun yet`) {
			t.Errorf("a month not begun yet is not shown next to the field: %d", p.Status)
		}
		id := row[1]
		if p := cb.post(bTab, "/invoices/"+id+"/status", url.Values{"status": {"issued"}, "back": {bTab}}); p.Status != http.StatusSeeOther || p.Location != bTab {
			t.Fatalf("issue: %d %s", p.Status, p.Location)
		}
		number := itoa(m.B.ID) + "-000001"
		if p := cb.get(bTab); !strings.Contains(p.Body, "<td>"+number+"</td>") || !strings.Contains(p.Body, `data-action="paid"`) {
			t.Errorf("issued row: %.2000s", p.Body)
		}
		if p := cb.get("/invoices/" + id + "/pdf"); p.Status != 200 || !strings.HasPrefix(p.Body, "%PDF-") {
			t.Errorf("PDF: %d %.40q", p.Status, p.Body)
		}
		p = cb.get("/accounts/" + itoa(m.B.ID) + "/invoices.csv?period=2026-03&direction=issued")
		rows, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][0] != number || rows[1][16] != "20.38" || rows[1][11] != "GB42" {
			t.Errorf("period CSV: %v %q", err, rows)
		}

		cc := newClient(t, e)
		cc.signIn(m.C.Email, m.C.Password)
		p = cc.get(tab)
		if !strings.Contains(p.Body, "<td>"+number+"</td>") || strings.Contains(p.Body, `data-action=`) || strings.Contains(p.Body, `name="vat_rate"`) ||
			!strings.Contains(p.Body, `id="billing-terms">VAT 20 %`) {
			t.Errorf("C's tab: %.3000s", p.Body)
		}
		if p := cc.post(tab, "/invoices/"+id+"/status", url.Values{"status": {"paid"}}); p.Status != http.StatusForbidden {
			t.Errorf("C marking its invoice paid: %d", p.Status)
		}
		if p := cc.get("/invoices/" + id + "/csv"); p.Status != 200 || !strings.Contains(p.Body, "total,,,20.38,EUR") {
			t.Errorf("C's CSV: %d %s", p.Status, p.Body)
		}
		if p := cc.get("/accounts/" + itoa(m.B.ID) + "/invoices"); p.Status != http.StatusNotFound {
			t.Errorf("C opening B's invoices: %d", p.Status)
		}
	})
}
