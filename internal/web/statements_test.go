package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestStatementsTab: March of the money tree closes; B's Statements tab
// shows it closed (the close time in B's zone) with its lines, what C owes
// and the margin in euros to the cent, the running month as a draft, a bad
// month next to the picker, and a CSV with the same figures; C cannot open
// B's statement.
func TestStatementsTab(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		m := seedMoneyTree(t, e)
		ctx := context.Background()
		a := e.Main.App
		closedAt := time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC)
		a.Now = func() time.Time { return closedAt }
		e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(m.B.ID), m.A.Token, map[string]any{"time_zone": "Europe/Stockholm"})
		root, err := a.Authenticate(ctx, e.Root)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CloseMonth(ctx, root, "2026-03"); err != nil {
			t.Fatal(err)
		}
		bid := itoa(m.B.ID)
		cb := newClient(t, e)
		cb.signIn(m.B.Email, m.B.Password)
		p := cb.get("/accounts/" + bid + "/statements?period=2026-03")
		if p.Status != http.StatusOK {
			t.Fatalf("B's March statement: %d %.300s", p.Status, p.Body)
		}
		// B pays A 12.50 × 31/30 = 12.92 for fixed cameras, 0.10 storage,
		// 0.10 traffic; C pays B 16.53 + 0.20 + 0.25.
		got := moneyFigures(p.Body)
		if got["owes-above"] != "EUR 13.12" || got["owed-below"] != "EUR 16.98" || got["margin"] != "EUR 3.86" {
			t.Errorf("B's March figures: %v", got)
		}
		for _, want := range []string{`id="statement-status">Closed<`, `Closed 2026-04-10 14:00 CEST`, `March 2026`,
			`<th scope="row">Fixed plans</th><td class="num">93.0000 camera-days</td><td class="num">EUR 12.92</td>`,
			`<a href="/accounts/` + itoa(m.C.ID) + `/statements?period=2026-03">Corner Bakery</a></td><td class="num" data-child-owes>EUR 16.98<`,
			`href="/accounts/` + bid + `/statements.csv?period=2026-03"`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("B's March statement lacks %s", want)
			}
		}
		if p := cb.get("/accounts/" + bid + "/statements"); !strings.Contains(p.Body, `id="statement-status">Draft<`) || !strings.Contains(p.Body, "April 2026") {
			t.Errorf("the running month is not a draft: %.500s", p.Body)
		}
		p = cb.get("/accounts/" + bid + "/statements?period=2026-13")
		if p.Status != http.StatusOK || !regexp.MustCompile(`data-field="period">Month: must be a month`).MatchString(p.Body) {
			t.Errorf("a bad month: %d, no field error", p.Status)
		}

		p = cb.get("/accounts/" + bid + "/statements.csv?period=2026-03")
		rows, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
		if err != nil || p.Status != http.StatusOK {
			t.Fatalf("CSV: %d %v %s", p.Status, err, p.Body)
		}
		want := map[string]string{"owes_above/fixed": "12.92", "owes_above/total": "13.12", "owed_below/Corner Bakery": "16.98",
			"owed_below/total": "16.98", "margin/total": "3.86"}
		for _, r := range rows[1:] {
			if w, ok := want[r[0]+"/"+r[1]]; ok {
				if r[4] != w || r[5] != "EUR" || r[6] != "2026-03" || r[7] != "closed" {
					t.Errorf("CSV row %v, want amount %s", r, w)
				}
				delete(want, r[0]+"/"+r[1])
			}
		}
		if len(want) > 0 {
			t.Errorf("CSV lacks %v: %v", want, rows)
		}

		cc := newClient(t, e)
		cc.signIn(m.C.Email, m.C.Password)
		for _, path := range []string{"/accounts/" + bid + "/statements?period=2026-03", "/accounts/" + bid + "/statements.csv?period=2026-03"} {
			if p := cc.get(path); p.Status != http.StatusNotFound {
				t.Errorf("C opening %s: %d", path, p.Status)
			}
		}
	})
}
