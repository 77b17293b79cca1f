package web_test

import (
	csvpkg "encoding/csv"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// The audit page filters by who, what, account and period, exports the same
// selection as CSV (formula cells defused), hides parents' actors from a
// child, and lets the operator set the retention. Both databases.
func TestAuditPage(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			in := e.CreateAccount(e.Root, 1, "integrator", "Audit Page Int")
			cu := e.CreateAccount(in.Token, in.ID, "customer", "=cmd|' /C calc'!A0")
			e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(cu.ID), in.Token, map[string]any{"notes": "from above"})

			op := newClient(t, e)
			op.signIn(apitest.AdminEmail, apitest.AdminPassword)
			p := op.get("/audit?action=account.created")
			if p.Status != 200 || !strings.Contains(p.Body, "account.created") || strings.Contains(p.Body, "account.updated") {
				t.Fatalf("filter by action: %d", p.Status)
			}
			p = op.get("/audit?actor=" + url.QueryEscape(in.Email) + "&account_id=" + itoa(cu.ID))
			if !strings.Contains(p.Body, "account.updated") || strings.Contains(p.Body, apitest.AdminEmail+"</td>") {
				t.Fatalf("filter by actor and account: %.500s", p.Body)
			}
			if p := op.get("/audit?from=2020-01-01&to=2020-01-02"); !strings.Contains(p.Body, "No entries match") {
				t.Fatalf("period filter: %.300s", p.Body)
			}
			if p := op.get("/audit?from=yesterday"); p.Status != 400 || !strings.Contains(p.Body, "e-from") {
				t.Fatalf("bad date: %d", p.Status)
			}
			// A user whose e-mail a spreadsheet would read as a formula signs in.
			e.Must(201, "POST", "/api/v1/accounts/"+itoa(in.ID)+"/users", in.Token, map[string]any{"email": "=sum@vigilo.test",
				"name": "Formula", "password": "Formula-pass-42", "send_confirmation": false})
			e.ConfirmEmail("=sum@vigilo.test")
			e.Login("=sum@vigilo.test", "Formula-pass-42")
			if f := op.get("/audit.csv?actor=" + url.QueryEscape("=sum")); !strings.Contains(f.Body, "'=sum@vigilo.test") {
				t.Fatalf("formula e-mail not defused: %s", f.Body)
			}
			csv := op.get("/audit.csv?action=account.created")
			if csv.Status != 200 || !strings.HasPrefix(csv.Body, "id,at,actor") || !strings.Contains(csv.Body, "account.created") {
				t.Fatalf("csv: %d %.300s", csv.Status, csv.Body)
			}
			rows, err := csvpkg.NewReader(strings.NewReader(csv.Body)).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("csv rows: %v %d", err, len(rows))
			}
			for _, row := range rows {
				for _, cell := range row {
					if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
						t.Fatalf("formula cell not defused: %q", cell)
					}
				}
			}

			// The customer sees the change from above, not who made it.
			c := newClient(t, e)
			c.signIn(cu.Email, cu.Password)
			p = c.get("/audit")
			if p.Status != 200 || strings.Contains(p.Body, in.Email) || !strings.Contains(p.Body, "a parent account") {
				t.Fatalf("child's audit page: %d", p.Status)
			}
			if p := c.post("/audit", "/audit/retention", url.Values{"retention_days": {"90"}}); p.Status != 403 {
				t.Fatalf("a customer set the retention: %d", p.Status)
			}
			if p := op.post("/audit", "/audit/retention", url.Values{"retention_days": {"5"}}); p.Status != 400 {
				t.Fatalf("5 days accepted: %d", p.Status)
			}
			if p := op.post("/audit", "/audit/retention", url.Values{"retention_days": {"90"}}); p.Status != 303 {
				t.Fatalf("retention: %d %.300s", p.Status, p.Body)
			}
			if p := op.get("/audit"); !strings.Contains(p.Body, "90 days") {
				t.Fatal("retention not shown")
			}
			if n, err := e.Main.App.SweepAudit(t.Context()); err != nil || n != 0 {
				t.Fatalf("sweep removed fresh entries: %d %v", n, err)
			}
		})
	}
}
