package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/testenv"
)

// moneyTree is root → A → B → C (a customer) with fixed, copied-fixed and
// usage cameras under C, storage snapshots and traffic in March 2026 (the
// tree of the API's money test), and Other, an integrator beside A.
type moneyTree struct {
	A, B, C, Other apitest.Account
}

func seedMoneyTree(t *testing.T, e *apitest.Env) moneyTree {
	t.Helper()
	ctx := context.Background()
	planID := func(name string) int64 {
		for _, it := range e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items() {
			if it["name"] == name {
				return int64(it["id"].(float64))
			}
		}
		t.Fatalf("no plan %q", name)
		return 0
	}
	pID, uID := planID("Cloud 7 days"), planID("Pay as you go")
	p, u := itoa(pID), itoa(uID)
	var m moneyTree
	m.A = e.CreateAccount(e.Root, 1, "integrator", "Alpha Video") // storage 0.03, traffic 0.01
	m.B = e.CreateAccount(m.A.Token, m.A.ID, "integrator", "Beta Security")
	m.C = e.CreateAccount(m.B.Token, m.B.ID, "customer", "Corner Bakery")
	m.Other = e.CreateAccount(e.Root, 1, "integrator", "Other Net")
	e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(m.B.ID), m.A.Token, map[string]any{"storage_price": "0.05", "traffic_price": "0.02"})
	e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(m.C.ID), m.B.Token, map[string]any{"storage_price": "0.10", "traffic_price": "0.05"})
	// Fixed plan P: A pays 3, B pays 4, C pays 5 per camera-month; A's copy
	// of P for B at 4.50, sold to C at 6; the usage plan down the chain.
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(m.A.ID)+"/plans/"+p, e.Root, map[string]any{"cost": "3", "end_user_price": "4"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(m.B.ID)+"/plans/"+p, m.A.Token, map[string]any{"cost": "4", "end_user_price": "5"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(m.C.ID)+"/plans/"+p, m.B.Token, map[string]any{"cost": "5"})
	cp := e.Must(201, "POST", "/api/v1/plans/"+p+"/copies", m.A.Token,
		map[string]any{"name": "A special", "cost": "4.50", "account_ids": []int64{m.B.ID}})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(m.C.ID)+"/plans/"+itoa(cp.ID()), m.B.Token, map[string]any{"cost": "6"})
	for _, who := range []struct {
		id    int64
		token string
	}{{m.A.ID, e.Root}, {m.B.ID, m.A.Token}, {m.C.ID, m.B.Token}} {
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(who.id)+"/plans/"+u, who.token, map[string]any{"cost": "0"})
	}
	w := e.Main.Store.W()
	ids, err := w.SeedCameras(ctx, []store.SeedCamera{
		{IntegratorID: m.B.ID, CustomerID: m.C.ID, PlanID: pID, Name: "fixed-1", Enabled: true},
		{IntegratorID: m.B.ID, CustomerID: m.C.ID, PlanID: pID, Name: "fixed-2", Enabled: true},
		{IntegratorID: m.B.ID, CustomerID: m.C.ID, PlanID: cp.ID(), Name: "copy", Enabled: true},
		{IntegratorID: m.B.ID, CustomerID: m.C.ID, PlanID: uID, Name: "usage", Enabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	fixed1, fixed2, usage := ids[0], ids[1], ids[3]
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	// 10, 20, 30 GB stored on three March days = 2 GB-months.
	for d, gb := range map[string]int64{"2026-03-01": 10, "2026-03-02": 20, "2026-03-03": 30, "2026-03-04": 30, "2026-04-01": 90} {
		if d == "2026-03-04" {
			gb = 0 // emptied: keeps the sum at 60 GB-days
		}
		if err := w.SetStorageUsage(ctx, usage, day(d), gb*1e9); err != nil {
			t.Fatal(err)
		}
	}
	// What the usage camera holds now: the "Storage used" figure.
	if err := w.SeedSegment(ctx, usage, time.Now().Add(-time.Hour), 3<<30, "seg/usage-1.mp4"); err != nil {
		t.Fatal(err)
	}
	// 5 GB served for the usage camera in March, 1 GB for a fixed one.
	for _, tr := range []struct {
		cam   int64
		at    string
		bytes int64
	}{{usage, "2026-03-02", 3e9}, {usage, "2026-03-03", 2e9}, {fixed1, "2026-03-02", 1e9}, {usage, "2026-04-01", 7e9}} {
		if err := w.AddTraffic(ctx, tr.cam, day(tr.at).Add(13*time.Hour), tr.bytes); err != nil {
			t.Fatal(err)
		}
	}
	// A fixed camera's storage and playback fill the charts over the month;
	// fixed plans bill per camera, so these move no money.
	for d := 5; d <= 31; d++ {
		at := time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC)
		if err := w.SetStorageUsage(ctx, fixed2, at, int64(d)*8e8); err != nil {
			t.Fatal(err)
		}
		if err := w.AddTraffic(ctx, fixed2, at, int64(d%7+1)*2e8); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

var moneyRE = regexp.MustCompile(`data-money="([a-z-]+)"(?: title="([^"]+)")?>([^<]+)<`)

// moneyFigures reads the money on a page by its key: on the statistics tab
// the exact figure (the ledger's ten-thousandths, each amount's title), on
// a statement what is shown (it is rounded line by line).
func moneyFigures(body string) map[string]string {
	out := map[string]string{}
	for _, m := range moneyRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[3]
		if m[2] != "" {
			out[m[1]] = m[2]
		}
	}
	return out
}

// moneyShown reads the amounts as shown: in the currency, to its minor unit.
func moneyShown(body string) map[string]string {
	out := map[string]string{}
	for _, m := range moneyRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[3]
	}
	return out
}

// TestStatisticsTab: the statistics tab and the dashboard show the money
// the app computes for the period, to the ten-thousandth, with the
// breakdown per child, both charts and the counts; a bad period is a field
// error next to its field; an account of another subtree does not exist.
func TestStatisticsTab(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		m := seedMoneyTree(t, e)
		ctx := context.Background()
		march := "?from=2026-03-01&to=2026-03-31" // inclusive: 31 days
		bid, cid := itoa(m.B.ID), itoa(m.C.ID)

		cb := newClient(t, e)
		cb.signIn(m.B.Email, m.B.Password)
		p := cb.get("/accounts/" + bid + "/statistics" + march)
		if p.Status != http.StatusOK {
			t.Fatalf("B's statistics: %d %.300s", p.Status, p.Body)
		}
		// The same figures from the app, and the hand-computed ones: B pays
		// A 12.50 × 31/30 for fixed cameras, 2 GB-months at 0.05, 5 GB at
		// 0.02; C pays B 16.5333 + 0.20 + 0.25.
		actor, err := e.Main.App.Authenticate(ctx, m.B.Token)
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.Main.App.Statistics(ctx, actor, m.B.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		got := moneyFigures(p.Body)
		for k, v := range map[string][2]string{
			"owes-above": {s.Money.OwesAbove.Total.String(), "13.1167"},
			"fixed":      {s.Money.OwesAbove.Fixed.String(), "12.9167"},
			"storage":    {s.Money.OwesAbove.Storage.String(), "0.1000"},
			"traffic":    {s.Money.OwesAbove.Traffic.String(), "0.1000"},
			"owed-below": {s.Money.OwedBelow.String(), "16.9833"},
			"margin":     {s.Money.Margin.String(), "3.8666"},
		} {
			if got[k] != v[0] || got[k] != v[1] {
				t.Errorf("B's %s shown %q, app %q, want %s", k, got[k], v[0], v[1])
			}
		}
		// Shown in euros to the cent, the exact figure beside it.
		shown := moneyShown(p.Body)
		for k, v := range map[string]string{"owes-above": "EUR 13.12", "fixed": "EUR 12.92", "storage": "EUR 0.10", "owed-below": "EUR 16.98", "margin": "EUR 3.87"} {
			if shown[k] != v {
				t.Errorf("B's %s shown as %q, want %q", k, shown[k], v)
			}
		}
		row := regexp.MustCompile(`<a href="/accounts/` + cid + `">Corner Bakery</a>.*?data-child-total title="([^"]+)">([^<]+)<`).FindStringSubmatch(p.Body)
		if row == nil || row[1] != "16.9833" || row[2] != "EUR 16.98" {
			t.Errorf("B's breakdown row for C: %v", row)
		}
		for _, want := range []string{`id="traffic-chart"`, `id="storage-chart"`, `<title>2026-03-02: 3.73 GB</title>`,
			`<title>2026-03-03: 27.94 GB</title>`, `Traffic per day, 2026-03-01 to 2026-03-31: total 25.52 GB`,
			`value="2026-03-01"`, `value="2026-03-31"`, `31 days`, `<span class="num">25.52 GB</span><span class="lbl">Traffic in period</span>`,
			`<span class="num">3.00 GB</span><span class="lbl">Storage used</span>`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("B's statistics lack %s", want)
			}
		}
		if strings.Contains(p.Body, "join these figures") {
			t.Error("the placeholder note is still shown")
		}

		// A, seen by the operator: a positive margin; the operator's own
		// dashboard has nothing above it.
		root := newClient(t, e)
		root.signIn(apitest.AdminEmail, apitest.AdminPassword)
		got = moneyFigures(root.get("/accounts/" + itoa(m.A.ID) + march).Body)
		if got["owes-above"] != "9.4100" || got["owed-below"] != "13.1167" || got["margin"] != "3.7067" {
			t.Errorf("A's money seen by the operator: %v", got)
		}
		p = root.get("/" + march)
		got = moneyFigures(p.Body)
		if _, ok := got["owes-above"]; ok || got["owed-below"] != "9.4100" || got["margin"] != "9.4100" {
			t.Errorf("operator's dashboard money: %v", got)
		}
		if !regexp.MustCompile(`<a href="/accounts/` + itoa(m.Other.ID) + `">Other Net</a>.*?data-child-total title="0.0000">EUR 0.00<`).MatchString(p.Body) {
			t.Error("the operator's breakdown lacks Other Net at 0")
		}

		// The customer sees what it pays, and neither owed below nor margin.
		cc := newClient(t, e)
		cc.signIn(m.C.Email, m.C.Password)
		p = cc.get("/" + march)
		got = moneyFigures(p.Body)
		if got["owes-above"] != "16.9833" || got["fixed"] != "16.5333" || got["margin"] != "" || got["owed-below"] != "" {
			t.Errorf("customer's dashboard money: %d %v", p.Status, got)
		}
		p = cb.get("/accounts/" + cid + march)
		if got := moneyFigures(p.Body); got["owes-above"] != "16.9833" {
			t.Errorf("C seen by B: %v", got)
		}

		// Bad periods: the error is next to the field; the counts stay.
		for q, field := range map[string]string{
			"?from=2026-03-10&to=2026-03-01": "to", "?from=2026-13-01": "from", "?to=yesterday": "to",
			"?from=2025-01-01&to=2026-03-01": "to",
		} {
			p := cb.get("/accounts/" + bid + "/statistics" + q)
			if p.Status != http.StatusBadRequest || fieldError(p.Body, field) == "" {
				t.Errorf("period %s: %d, error on %s = %q", q, p.Status, field, fieldError(p.Body, field))
			}
			if !strings.Contains(p.Body, `<span class="lbl">Customers</span>`) || strings.Contains(p.Body, "data-money") {
				t.Errorf("period %s: counts missing or money shown", q)
			}
		}
		if p := cb.get("/?from=2026-03-10&to=2026-03-01"); p.Status != http.StatusBadRequest || !strings.Contains(fieldError(p.Body, "to"), "after") {
			t.Errorf("dashboard with a bad period: %d %q", p.Status, fieldError(p.Body, "to"))
		}

		// Another subtree's account, and one above, do not exist for B.
		for _, id := range []int64{m.Other.ID, m.A.ID} {
			if p := cb.get("/accounts/" + itoa(id) + "/statistics" + march); p.Status != http.StatusNotFound || strings.Contains(p.Body, "data-money") {
				t.Errorf("B on account %d's statistics: %d", id, p.Status)
			}
		}

		// Other Net sells a camera-month for 1 that costs it 3: its margin
		// is negative and marked as a warning.
		pid := ""
		for _, it := range e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items() {
			if it["name"] == "Cloud 7 days" {
				pid = itoa(int64(it["id"].(float64)))
			}
		}
		shop := e.CreateAccount(m.Other.Token, m.Other.ID, "customer", "Other Shop")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(m.Other.ID)+"/plans/"+pid, e.Root, map[string]any{"cost": "3", "end_user_price": "1"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(shop.ID)+"/plans/"+pid, m.Other.Token, map[string]any{"cost": "1"})
		planID, _ := strconv.ParseInt(pid, 10, 64)
		if _, err := e.Main.Store.W().SeedCameras(ctx, []store.SeedCamera{{IntegratorID: m.Other.ID, CustomerID: shop.ID, PlanID: planID, Name: "cheap", Enabled: true}}); err != nil {
			t.Fatal(err)
		}
		p = root.get("/accounts/" + itoa(m.Other.ID) + "/statistics?from=2026-04-01&to=2026-04-30")
		if got := moneyFigures(p.Body); got["owes-above"] != "3.0000" || got["owed-below"] != "1.0000" || got["margin"] != "-2.0000" ||
			!strings.Contains(p.Body, `<div class="warn"><span class="num" data-money="margin" title="-2.0000">EUR -2.00<`) {
			t.Errorf("Other Net's negative margin: %v", got)
		}
	})
}

// TestStatisticsInBrowser opens an integrator's statistics tab with money
// and both charts in Chromium, checks that every label of the count chart
// lies inside the chart, and leaves a screenshot for docs/SCREENSHOTS.md.
func TestStatisticsInBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	e := apitest.Boot(t, apitest.Options{Quiet: true})
	m := seedMoneyTree(t, e)
	b := &browser{t: t, ctx: ctx, base: e.Main.Config.BaseURL}
	b.signIn(m.B.Email, m.B.Password)
	b.do(chromedp.Navigate(b.base+"/accounts/"+itoa(m.B.ID)+"/statistics?from=2026-03-01&to=2026-03-31"),
		chromedp.WaitVisible(chromedp.CSS("#storage-chart svg")))
	if got := b.text("[data-money=margin]"); got != "EUR 3.87" {
		t.Fatalf("margin shown %q", got)
	}
	// Each label's box within its SVG's (the first one used to be cut).
	out := b.eval(`Array.from(document.querySelectorAll(".stats svg text")).filter(t => {
		const b = t.getBoundingClientRect(), v = t.ownerSVGElement.getBoundingClientRect();
		return b.left < v.left - 0.5 || b.right > v.right + 0.5 || b.top < v.top - 0.5 || b.bottom > v.bottom + 0.5;
	}).map(t => t.textContent).join("|")`)
	if out != "" {
		t.Errorf("labels outside their chart: %s", out)
	}
	testenv.Screenshot(t, ctx, "24-statistics-money")
}
