package api_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
)

// indexSegment indexes a one-minute segment of cam starting at start
// (RFC 3339) the way the recorder does.
func indexSegment(t *testing.T, e *apitest.Env, cam int64, start string) {
	t.Helper()
	st, err := time.Parse(time.RFC3339, start)
	if err != nil {
		t.Fatal(err)
	}
	seg := camera.Segment{CameraID: cam, Start: st, End: st.Add(time.Minute), Bytes: 1000, Path: fmt.Sprintf("seg/%d/%d.mp4", cam, st.UnixMilli())}
	if ok, err := e.Main.Store.IndexSegment(context.Background(), &seg); err != nil || !ok {
		t.Fatalf("index segment of %d at %s: %v %v", cam, start, ok, err)
	}
}

// bootWithClock boots a server whose app clock is at (RFC 3339) moves,
// starting at start; sessions outlive the weeks the clock moves through.
func bootWithClock(t *testing.T, pg bool, start string) (e *apitest.Env, at func(string)) {
	e = apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true,
		Env: map[string]string{"VIGILO_SESSION_IDLE": "8760h", "VIGILO_SESSION_MAX": "8760h"}})
	var clock atomic.Int64
	at = func(s string) {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		clock.Store(tm.UnixMilli())
	}
	at(start)
	e.Main.App.Now = func() time.Time { return time.UnixMilli(clock.Load()).UTC() }
	return e, at
}

// TestAssignmentHistorySplitsTheMonth registers a camera on May 1 (2026)
// for customer C1 on plan P, moves it to C2 on May 11, switches it off at
// noon on May 21, switches it on again on plan Q on May 26, and disables
// C2 on May 28 (a disabled account stays billed). May's closed statements
// bill each span exactly, for the customers and for A above them; the
// history is three spans.
func TestAssignmentHistorySplitsTheMonth(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) { testAssignmentHistory(t, pg) })
	}
}

func testAssignmentHistory(t *testing.T, pg bool) {
	e, at := bootWithClock(t, pg, "2026-04-20T00:00:00Z")
	plans := e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()
	p, q := itoa(idOf(planByName(t, plans, "Cloud 7 days"))), itoa(idOf(planByName(t, plans, "Cloud 30 days")))
	a := e.CreateAccount(e.Root, 1, "integrator", "A")
	c1 := e.CreateAccount(a.Token, a.ID, "customer", "C1")
	c2 := e.CreateAccount(a.Token, a.ID, "customer", "C2")
	for _, o := range []struct {
		acct       int64
		token      string
		plan, cost string
	}{{a.ID, e.Root, p, "3"}, {a.ID, e.Root, q, "12"}, {c1.ID, a.Token, p, "6"}, {c2.ID, a.Token, p, "9"}, {c2.ID, a.Token, q, "30"}} {
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(o.acct)+"/plans/"+o.plan, o.token, map[string]any{"cost": o.cost})
	}

	at("2026-05-01T00:00:00Z")
	cam := e.Must(201, "POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Gate",
		"rtsp_url": "rtsp://10.0.0.1/s", "customer_id": c1.ID, "plan_id": idOf(planByName(t, plans, "Cloud 7 days"))}).ID()
	path := "/api/v1/cameras/" + itoa(cam)
	// Its first video arrives that morning: billed from May 1 all the same.
	indexSegment(t, e, cam, "2026-05-01T09:00:00Z")
	at("2026-05-11T00:00:00Z")
	e.Must(200, "PATCH", path, a.Token, map[string]any{"customer_id": c2.ID})
	at("2026-05-21T12:00:00Z")
	e.Must(200, "PATCH", path, a.Token, map[string]any{"enabled": false})
	at("2026-05-26T00:00:00Z")
	e.Must(200, "PATCH", path, a.Token, map[string]any{"enabled": true, "plan_id": idOf(planByName(t, plans, "Cloud 30 days"))})
	at("2026-05-28T00:00:00Z")
	e.Must(200, "POST", "/api/v1/accounts/"+itoa(c2.ID)+"/disable", a.Token, nil)

	at("2026-06-01T07:00:00Z")
	e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": "2026-05"})
	fixed := func(id int64) (string, string) {
		s := e.Must(200, "GET", "/api/v1/accounts/"+itoa(id)+"/statements?period=2026-05", e.Root, nil).JSON
		l := s["lines"].([]any)[0].(map[string]any)
		if l["kind"] != "fixed" {
			t.Fatalf("first line of %d: %v", id, l)
		}
		return l["quantity"].(string), l["amount"].(string)
	}
	// C1: 10 days of P at 6 = 2.00. C2: 10.5 days of P at 9 = 3.15, then
	// 6 days of Q at 30 = 6.00. A: 20.5 days of P at 3 = 2.05, 6 days of Q
	// at 12 = 2.40.
	for _, w := range []struct {
		id           int64
		days, amount string
	}{{c1.ID, "10.0000", "2.00"}, {c2.ID, "16.5000", "9.15"}, {a.ID, "26.5000", "4.45"}} {
		if d, am := fixed(w.id); d != w.days || am != w.amount {
			t.Errorf("account %d May fixed: %s camera-days, %s; want %s, %s", w.id, d, am, w.days, w.amount)
		}
	}
	sa := e.Must(200, "GET", "/api/v1/accounts/"+itoa(a.ID)+"/statements?period=2026-05", e.Root, nil).JSON
	if sa["owed_below"] != "11.15" || sa["margin"] != "6.70" {
		t.Errorf("A's May: %v", sa)
	}
	hist, err := e.Main.Store.R().CameraAssignments(context.Background(), cam)
	if err != nil || len(hist) != 3 || !hist[2].To.IsZero() || hist[0].CustomerID != c1.ID || hist[1].CustomerID != c2.ID {
		t.Fatalf("history: %+v %v", hist, err)
	}
	// April saw none of it; June continues on Q (a draft, projected to the
	// month's end).
	if d, _ := fixed(c2.ID); d == "0.0000" {
		t.Error("C2 billed nothing in May")
	}
	apr := e.Must(200, "GET", "/api/v1/accounts/"+itoa(c2.ID)+"/statements?period=2026-04", e.Root, nil).JSON
	if apr["owes_above"] != "0.00" {
		t.Errorf("C2 billed in April: %v", apr)
	}
	jun := e.Must(200, "GET", "/api/v1/accounts/"+itoa(c2.ID)+"/statements?period=2026-06", e.Root, nil).JSON
	if jun["owes_above"] != "30.00" || jun["status"] != "draft" {
		t.Errorf("C2's June draft: %v", jun)
	}
}
