package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestInvoices closes February for root → A → B → C (+ D under A) on both
// databases and follows the invoices down the tree: the close drafts one
// per edge that owes something, with the child's statement as lines and
// the customer's VAT; customers do not see drafts; issuing numbers each
// issuer's invoices 1, 2, … without gaps and freezes the details; the
// lifecycle refuses impossible moves; PDF and CSV carry the same figures;
// bad input is a 4xx naming the field with nothing written.
func TestInvoices(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) { testInvoices(t, pg) })
	}
}

func testInvoices(t *testing.T, pg bool) {
	e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC).UnixMilli())
	e.Main.App.Now = func() time.Time { return time.UnixMilli(clock.Load()).UTC() }

	pID := idOf(planByName(t, e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items(), "Cloud 7 days"))
	a := e.CreateAccount(e.Root, 1, "integrator", "A")
	b := e.CreateAccount(a.Token, a.ID, "integrator", "B")
	c := e.CreateAccount(b.Token, b.ID, "customer", "C")
	d := e.CreateAccount(a.Token, a.ID, "customer", "D")
	for _, o := range []struct {
		acct        int64
		token, cost string
	}{{a.ID, e.Root, "3"}, {b.ID, a.Token, "4"}, {c.ID, b.Token, "5"}, {d.ID, a.Token, "4.40"}} {
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(o.acct)+"/plans/"+itoa(pID), o.token, map[string]any{"cost": o.cost})
	}
	if _, err := e.Main.Store.W().SeedCameras(ctx, []store.SeedCamera{
		{IntegratorID: b.ID, CustomerID: c.ID, PlanID: pID, Name: "c-1", Enabled: true},
		{IntegratorID: b.ID, CustomerID: c.ID, PlanID: pID, Name: "c-2", Enabled: true},
		{IntegratorID: a.ID, CustomerID: d.ID, PlanID: pID, Name: "d-1", Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	profile := func(id int64) string { return "/api/v1/accounts/" + itoa(id) + "/billing-profile" }

	// Billing profiles: bad input names each field and writes nothing.
	before := string(e.Must(200, "GET", profile(c.ID), b.Token, nil).Body)
	for field, body := range map[string]map[string]any{
		"vat_rate":           {"legal_name": "C Ltd", "vat_rate": "100.5"},
		"email":              {"legal_name": "C Ltd", "email": "not an address"},
		"payment_terms_days": {"legal_name": "C Ltd", "payment_terms_days": 400},
		"legal_name":         {"legal_name": strings.Repeat("x", 201)},
		"address":            {"legal_name": "C Ltd", "address": "a\x00b"},
	} {
		r := e.Must(400, "PATCH", profile(c.ID), b.Token, body)
		if _, ok := r.Fields()[field]; !ok {
			t.Errorf("%v: %s", body, r.Body)
		}
	}
	for _, bad := range []string{"-1", "abc", "1e2", "20.00001"} {
		r := e.Must(400, "PATCH", profile(c.ID), b.Token, map[string]any{"vat_rate": bad})
		if _, ok := r.Fields()["vat_rate"]; !ok {
			t.Errorf("vat_rate %q: %s", bad, r.Body)
		}
	}
	if after := string(e.Must(200, "GET", profile(c.ID), b.Token, nil).Body); after != before {
		t.Errorf("a refused change was written: %s, before %s", after, before)
	}
	// The terms are the parent's: C may not set its own VAT.
	r := e.Must(403, "PATCH", profile(c.ID), c.Token, map[string]any{"legal_name": "C Ltd", "vat_enabled": true, "vat_rate": "0"})
	if r.Code() != "set_by_parent" || r.Fields()["vat_enabled"] == nil {
		t.Errorf("C setting its own VAT: %s", r.Body)
	}
	e.Must(200, "PATCH", profile(c.ID), c.Token, map[string]any{"legal_name": "C Ltd", "address": "1 Main St\nSpringfield", "tax_id": "GB123", "email": "ap@c.example"})
	e.Must(200, "PATCH", profile(c.ID), b.Token, map[string]any{"vat_enabled": true, "vat_rate": "20", "payment_terms_days": 14})
	e.Must(200, "PATCH", profile(b.ID), b.Token, map[string]any{"legal_name": "B Security GmbH", "tax_id": "DE999", "address": "Hauptstr. 1"})
	e.Must(404, "GET", profile(b.ID), d.Token, nil)
	e.Must(404, "PATCH", profile(a.ID), b.Token, map[string]any{"legal_name": "mine now"})

	e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": "2026-02"})
	e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": "2026-02"}) // again: no second set

	list := func(token string, id int64, query string) []map[string]any {
		t.Helper()
		return e.Must(200, "GET", "/api/v1/accounts/"+itoa(id)+"/invoices"+query, token, nil).Items()
	}
	// Drafts: the root's to A, A's to B and D, B's to C.
	if n := len(list(e.Root, 1, "?direction=issued")); n != 1 {
		t.Errorf("root issued %d invoices, want 1 (to A)", n)
	}
	aIssued := list(a.Token, a.ID, "?direction=issued&period=2026-02")
	bIssued := list(b.Token, b.ID, "?direction=issued")
	if len(aIssued) != 2 || len(bIssued) != 1 {
		t.Fatalf("A issued %d, B issued %d", len(aIssued), len(bIssued))
	}
	toC := bIssued[0]
	// C: 2 cameras × 5 × 28/30 = 9.33; VAT 20 % = 1.87 (1.866); total 11.20.
	if toC["status"] != "draft" || toC["number"] != "" || toC["subtotal"] != "9.33" || toC["tax"] != "1.87" || toC["total"] != "11.20" ||
		toC["vat_rate"] != "20" || toC["currency"] != "EUR" {
		t.Errorf("B's draft to C: %v", toC)
	}
	if cust := toC["customer"].(map[string]any); cust["name"] != "C Ltd" || cust["tax_id"] != "GB123" {
		t.Errorf("customer details: %v", cust)
	}
	if iss := toC["issuer"].(map[string]any); iss["name"] != "B Security GmbH" || iss["tax_id"] != "DE999" {
		t.Errorf("issuer details: %v", iss)
	}
	cInv := "/api/v1/invoices/" + itoa(idOf(toC))

	// Drafts are the issuer's: C neither lists nor reads them.
	if n := len(list(c.Token, c.ID, "")); n != 0 {
		t.Errorf("C sees %d invoices while they are drafts", n)
	}
	e.Must(404, "GET", cInv, c.Token, nil)
	e.Must(404, "PATCH", cInv, c.Token, map[string]any{"status": "issued"})
	// Foreign and unknown ids, bad filters, bad statuses.
	e.Must(404, "GET", cInv, d.Token, nil)
	e.Must(404, "GET", "/api/v1/invoices/999999", b.Token, nil)
	e.Must(404, "GET", "/api/v1/accounts/"+itoa(c.ID)+"/invoices", d.Token, nil)
	for q, field := range map[string]string{"?period=2026-13": "period", "?status=open": "status", "?direction=up": "direction",
		"?customer_id=abc": "customer_id", "?format=xml": "format", "?per_page=1000": "per_page"} {
		r := e.Must(400, "GET", "/api/v1/accounts/"+itoa(b.ID)+"/invoices"+q, b.Token, nil)
		if _, ok := r.Fields()[field]; !ok {
			t.Errorf("%s: %s", q, r.Body)
		}
	}
	for _, bad := range []any{map[string]any{"status": "draft"}, map[string]any{"status": "sent"}, map[string]any{}} {
		r := e.Must(400, "PATCH", cInv, b.Token, bad)
		if _, ok := r.Fields()["status"]; !ok {
			t.Errorf("%v: %s", bad, r.Body)
		}
	}
	e.Must(409, "PATCH", cInv, b.Token, map[string]any{"status": "paid"}) // a draft is not paid
	e.Must(400, "GET", cInv+"?format=docx", b.Token, nil)

	// Issuing: numbers per issuer, 1, 2 … without gaps; details frozen.
	clock.Store(time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC).UnixMilli())
	issued := e.Must(200, "PATCH", cInv, b.Token, map[string]any{"status": "issued"}).JSON
	if issued["number"] != itoa(b.ID)+"-000001" || issued["status"] != "issued" || issued["due_at"] != "2026-03-25T23:59:59Z" ||
		issued["issued_at"] != "2026-03-11T09:00:00Z" {
		t.Errorf("issued: %v", issued)
	}
	var numbers []string
	for _, inv := range aIssued {
		numbers = append(numbers, e.Must(200, "PATCH", "/api/v1/invoices/"+itoa(idOf(inv)), a.Token, map[string]any{"status": "issued"}).JSON["number"].(string))
	}
	if strings.Join(numbers, ",") != itoa(a.ID)+"-000001,"+itoa(a.ID)+"-000002" {
		t.Errorf("A's numbers: %v", numbers)
	}
	e.Must(409, "PATCH", cInv, b.Token, map[string]any{"status": "issued"}) // once
	// Later edits of the profile do not change an issued invoice.
	e.Must(200, "PATCH", profile(c.ID), b.Token, map[string]any{"vat_rate": "10"})
	e.Must(200, "PATCH", profile(c.ID), c.Token, map[string]any{"legal_name": "C Renamed"})
	got := e.Must(200, "GET", cInv, c.Token, nil).JSON
	if got["total"] != "11.20" || got["customer"].(map[string]any)["name"] != "C Ltd" {
		t.Errorf("issued invoice moved with the profile: %v", got)
	}
	// Now C sees it, cannot change it; B marks it paid; paid is final.
	if l := list(c.Token, c.ID, "?direction=received"); len(l) != 1 || l[0]["number"] != itoa(b.ID)+"-000001" {
		t.Errorf("C received: %v", l)
	}
	e.Must(403, "PATCH", cInv, c.Token, map[string]any{"status": "paid"})
	e.Must(200, "PATCH", cInv, b.Token, map[string]any{"status": "paid"})
	e.Must(409, "PATCH", cInv, b.Token, map[string]any{"status": "void"})
	if l := list(b.Token, b.ID, "?status=paid&customer_id="+itoa(c.ID)); len(l) != 1 {
		t.Errorf("B's paid invoices to C: %v", l)
	}
	if l := list(b.Token, b.ID, "?status=draft"); len(l) != 0 {
		t.Errorf("B's drafts after issuing: %v", l)
	}
	// The ancestor A acts for B too (it is above the issuer).
	voided := e.Must(200, "PATCH", "/api/v1/invoices/"+itoa(idOf(aIssued[1])), e.Root, map[string]any{"status": "void"}).JSON
	if voided["number"] != itoa(a.ID)+"-000002" || voided["status"] != "void" {
		t.Errorf("a void invoice keeps its number: %v", voided)
	}

	// Documents: the PDF (same bytes twice, the figures a person reads) and CSV.
	doc := func(token, path, accept string) (string, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := e.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s (%s): %d %s", path, accept, resp.StatusCode, body)
		}
		return resp.Header.Get("Content-Type"), body
	}
	ct, pdf := doc(c.Token, cInv, "application/pdf")
	_, pdf2 := doc(b.Token, cInv+"?format=pdf", "")
	if ct != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Equal(pdf, pdf2) {
		t.Fatalf("PDF: %s, %d bytes, same twice: %v", ct, len(pdf), bytes.Equal(pdf, pdf2))
	}
	text := testenv.PDFText(t, pdf)
	for _, want := range []string{"Invoice " + itoa(b.ID) + "-000001", "PAID", "B Security GmbH", "DE999", "C Ltd", "GB123", "Springfield",
		"February 2026", "11 March 2026", "25 March 2026", "9.33", "VAT 20 %", "1.87", "11.20", "camera-days"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	ct, body := doc(c.Token, cInv, "text/csv")
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || !strings.HasPrefix(ct, "text/csv") || len(rows) != 7 {
		t.Fatalf("invoice CSV (%s, %v): %q", ct, err, rows)
	}
	if last := rows[len(rows)-1]; last[5] != "total" || last[8] != "11.20" || last[9] != "EUR" || last[0] != itoa(b.ID)+"-000001" {
		t.Errorf("CSV total row: %q", last)
	}
	_, body = doc(a.Token, "/api/v1/accounts/"+itoa(a.ID)+"/invoices?direction=issued&period=2026-02", "text/csv")
	rows, err = csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "invoice" || rows[1][1] != "issued" || rows[2][1] != "void" {
		t.Errorf("A's February CSV: %v %q", err, rows)
	}

	// Month to date: March as it stands, nothing stored.
	mtd := e.Must(200, "GET", "/api/v1/accounts/"+itoa(b.ID)+"/invoices/month-to-date", b.Token, nil).Items()
	if len(mtd) != 1 || mtd[0]["period"] != "2026-03" || mtd[0]["customer_id"] != float64(c.ID) || mtd[0]["id"] != nil || mtd[0]["vat_rate"] != "10" {
		t.Errorf("B's month to date: %v", mtd)
	}
	e.Must(404, "GET", "/api/v1/accounts/"+itoa(b.ID)+"/invoices/month-to-date", d.Token, nil)
	if n := len(list(b.Token, b.ID, "?direction=issued")); n != 1 {
		t.Errorf("B issued %d invoices after the preview, want 1", n)
	}
	if n := len(list(b.Token, b.ID, "")); n != 2 {
		t.Errorf("B has %d invoices both ways, want 2 (to C, from A)", n)
	}
}
