package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/money"
)

// TestStatisticsMonths closes March and April of the money tree with the
// clock in May, then checks, for B: the API's months equal B's statements
// month by month (owes above, owed below, margin, what C owes, storage and
// traffic quantities), the CSV rows equal them too, the Statistics tab
// draws 12 months in each monthly chart with the CSV link under it, and bad
// months are 400 naming months; C cannot read B's months.
func TestStatisticsMonths(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		m := seedMoneyTree(t, e)
		ctx := context.Background()
		a := e.Main.App
		a.Now = func() time.Time { return time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC) }
		root, err := a.Authenticate(ctx, e.Root)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CloseMonth(ctx, root, "2026-02"); err != nil {
			t.Fatal(err)
		}
		a.Now = func() time.Time { return time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC) }
		for _, month := range []string{"2026-03", "2026-04"} {
			if _, err := a.CloseMonth(ctx, root, month); err != nil {
				t.Fatal(err)
			}
		}
		bid := itoa(m.B.ID)
		for _, bad := range []string{"0", "25", "x", "1.5"} {
			r := e.Must(400, "GET", "/api/v1/accounts/"+bid+"/statistics/months?months="+bad, m.B.Token, nil)
			if _, ok := r.Fields()["months"]; !ok {
				t.Errorf("months=%s: %s", bad, r.Body)
			}
		}
		e.Must(404, "GET", "/api/v1/accounts/"+bid+"/statistics/months", m.C.Token, nil)

		r := e.Must(200, "GET", "/api/v1/accounts/"+bid+"/statistics/months?months=4", m.B.Token, nil)
		months, _ := r.JSON["months"].([]any)
		if len(months) != 4 || r.JSON["currency"] != "EUR" {
			t.Fatalf("months: %s", r.Body)
		}
		same := func(what, got, want string) {
			t.Helper()
			g, err1 := money.Parse(got)
			w, err2 := money.Parse(want)
			if err1 != nil || err2 != nil || g != w {
				t.Errorf("%s: months says %q, statement %q", what, got, want)
			}
		}
		// want collects the statements' figures as the CSV must show them.
		want := map[string]string{}
		statuses := []string{"closed", "closed", "closed", "draft"}
		for i, period := range []string{"2026-02", "2026-03", "2026-04", "2026-05"} {
			got := months[i].(map[string]any)
			st := e.Must(200, "GET", "/api/v1/accounts/"+bid+"/statements?period="+period, m.B.Token, nil).JSON
			if got["period"] != period || got["status"] != statuses[i] || st["status"] != statuses[i] {
				t.Errorf("month %d: %v (statement %v)", i, got, st["status"])
			}
			for _, k := range []string{"owes_above", "owed_below", "margin"} {
				same(period+" "+k, got[k].(string), st[k].(string))
				want[period+"/"+k] = st[k].(string)
			}
			kids, _ := got["children"].([]any)
			stKids, _ := st["children"].([]any)
			if len(kids) != len(stKids) {
				t.Fatalf("%s children: %v, statement %v", period, kids, stKids)
			}
			for j := range kids {
				k, s := kids[j].(map[string]any), stKids[j].(map[string]any)
				if k["account_id"] != s["account_id"] || k["name"] != s["name"] {
					t.Errorf("%s child %d: %v, statement %v", period, j, k, s)
				}
				same(period+" child", k["owes"].(string), s["owes"].(string))
				want[period+"/owed_by/"+s["name"].(string)] = s["owes"].(string)
			}
			for _, l := range st["lines"].([]any) {
				line := l.(map[string]any)
				for kind, key := range map[string]string{"storage": "storage_gb_months", "traffic": "traffic_gb"} {
					if line["kind"] == kind {
						same(period+" "+kind, got[key].(string), line["quantity"].(string))
						want[period+"/"+kind] = line["quantity"].(string)
					}
				}
			}
		}
		// March: C owes B 16.98 with 2 GB-months stored and 5 GB served by
		// its usage camera (the statement's figures, checked by the
		// statements tests; here only that the months show them).
		mar := months[1].(map[string]any)
		if mar["owed_below"] != "16.9800" || mar["storage_gb_months"] != "2.0000" || mar["traffic_gb"] != "5.0000" {
			t.Errorf("March: %v", mar)
		}

		cb := newClient(t, e)
		cb.signIn(m.B.Email, m.B.Password)
		p := cb.get("/accounts/" + bid + "/statistics/months.csv?months=4")
		rows, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
		if err != nil || p.Status != http.StatusOK || len(rows) < 2 {
			t.Fatalf("CSV: %d %v %s", p.Status, err, p.Body)
		}
		if strings.Join(rows[0], ",") != "period,status,series,account_id,name,value,unit" {
			t.Errorf("CSV header %v", rows[0])
		}
		for _, row := range rows[1:] {
			key := row[0] + "/" + row[2]
			if row[2] == "owed_by" {
				key += "/" + row[4]
			}
			if w, ok := want[key]; ok {
				same("CSV "+key, row[5], w)
				unit := map[bool]string{true: "EUR", false: map[string]string{"storage": "GB-months", "traffic": "GB"}[row[2]]}[row[2] != "storage" && row[2] != "traffic"]
				if row[6] != unit || len(strings.SplitAfter(row[5], ".")[1]) != 4 {
					t.Errorf("CSV row %v: want unit %s and four decimals", row, unit)
				}
				delete(want, key)
			}
		}
		if len(want) > 0 {
			t.Errorf("CSV lacks %v", want)
		}
		if p := cb.get("/accounts/" + bid + "/statistics/months.csv?months=30"); p.Status != http.StatusBadRequest {
			t.Errorf("CSV months=30: %d", p.Status)
		}

		p = cb.get("/accounts/" + bid + "/statistics")
		if p.Status != http.StatusOK {
			t.Fatalf("statistics tab: %d", p.Status)
		}
		for _, id := range []string{"margin-months", "child-months-" + itoa(m.C.ID), "storage-months", "traffic-months"} {
			fig := regexp.MustCompile(`(?s)<figure class="chart series" id="` + id + `">.*?</figure>`).FindString(p.Body)
			marks := strings.Count(fig, `class="day"`) + strings.Count(fig, `class="dot"`)
			if marks != 12 || !strings.Contains(fig, `href="/accounts/`+bid+`/statistics/months.csv?months=12"`) {
				t.Errorf("chart %s: %d bars/dots, want 12 and the CSV link: %.400s", id, marks, fig)
			}
		}
		if !strings.Contains(p.Body, "Owed by Corner Bakery per month (EUR)") || !strings.Contains(p.Body, "<title>2026-03: EUR 16.98</title>") {
			t.Errorf("the child chart lacks its title or March's figure")
		}
		if pc := newClient(t, e); true {
			pc.signIn(m.C.Email, m.C.Password)
			if p := pc.get("/accounts/" + bid + "/statistics/months.csv"); p.Status == http.StatusOK {
				t.Errorf("C downloads B's months: %d", p.Status)
			}
		}
	})
}

// TestStatisticsDaysCSV: the daily traffic and storage charts link to a CSV
// of the period shown whose rows equal the API's daily series; a malformed
// date is 400.
func TestStatisticsDaysCSV(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		m := seedMoneyTree(t, e)
		bid := itoa(m.B.ID)
		cb := newClient(t, e)
		cb.signIn(m.B.Email, m.B.Password)
		p := cb.get("/accounts/" + bid + "/statistics?from=2026-03-01&to=2026-03-31")
		link := `href="/accounts/` + bid + `/statistics/days.csv?from=2026-03-01&amp;to=2026-03-31"`
		for _, id := range []string{"traffic-chart", "storage-chart"} {
			fig := regexp.MustCompile(`(?s)<figure class="chart series" id="` + id + `">.*?</figure>`).FindString(p.Body)
			if !strings.Contains(fig, link) {
				t.Errorf("%s lacks the CSV link: %.300s", id, fig)
			}
		}
		api := e.Must(200, "GET", "/api/v1/accounts/"+bid+"/statistics?from=2026-03-01&to=2026-04-01", m.B.Token, nil)
		daily := api.JSON["daily"].([]any)
		p = cb.get("/accounts/" + bid + "/statistics/days.csv?from=2026-03-01&to=2026-03-31")
		rows, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
		if err != nil || p.Status != http.StatusOK || len(rows) != 32 || len(daily) != 31 {
			t.Fatalf("days CSV: %d %v %d rows, API %d days", p.Status, err, len(rows), len(daily))
		}
		if strings.Join(rows[0], ",") != "day,traffic_bytes,storage_bytes" {
			t.Errorf("header %v", rows[0])
		}
		var traffic int64
		for i, d := range daily {
			d := d.(map[string]any)
			want := []string{d["day"].(string), strconv.FormatInt(int64(d["traffic_bytes"].(float64)), 10), strconv.FormatInt(int64(d["storage_bytes"].(float64)), 10)}
			if strings.Join(rows[i+1], ",") != strings.Join(want, ",") {
				t.Errorf("row %d: %v, want %v", i+1, rows[i+1], want)
			}
			traffic += int64(d["traffic_bytes"].(float64))
		}
		if traffic != 27_400_000_000 { // the tab's "25.52 GB" (GiB) traffic in period
			t.Errorf("March traffic %d", traffic)
		}
		if p := cb.get("/accounts/" + bid + "/statistics/days.csv?from=2026-3-1"); p.Status != http.StatusBadRequest {
			t.Errorf("a malformed from: %d", p.Status)
		}
	})
}

// TestStatisticsCountsCSV: the counts bar chart links to a CSV with one row
// per bar, the same values the bars show.
func TestStatisticsCountsCSV(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		m := seedMoneyTree(t, e)
		bid := itoa(m.B.ID)
		cb := newClient(t, e)
		cb.signIn(m.B.Email, m.B.Password)
		p := cb.get("/accounts/" + bid + "/statistics")
		fig := regexp.MustCompile(`(?s)<figure class="chart counts">.*?</figure>`).FindString(p.Body)
		bars := regexp.MustCompile(`<title>([^<:]+): (\d+)</title>`).FindAllStringSubmatch(fig, -1)
		if !strings.Contains(fig, `href="/accounts/`+bid+`/statistics/counts.csv"`) || len(bars) < 3 {
			t.Fatalf("counts chart: %d bars, link? %.400s", len(bars), fig)
		}
		p = cb.get("/accounts/" + bid + "/statistics/counts.csv")
		rows, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
		if err != nil || p.Status != http.StatusOK || len(rows) != len(bars)+1 || strings.Join(rows[0], ",") != "figure,count" {
			t.Fatalf("counts CSV: %d %v %v", p.Status, err, rows)
		}
		for i, b := range bars {
			if rows[i+1][0] != b[1] || rows[i+1][1] != b[2] {
				t.Errorf("row %d %v, bar %v", i+1, rows[i+1], b[1:])
			}
		}
		if rows[4][0] != "Cameras" || rows[4][1] != "4" {
			t.Errorf("B's cameras row: %v", rows[4])
		}
	})
}
