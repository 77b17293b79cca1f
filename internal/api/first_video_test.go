package api_test

import "testing"

// TestFirstVideoStartsBilling registers two cameras for customer C on May 1
// (2026): "never" never delivers video, "late" delivers its first segment
// at 15:00 on May 16. On both databases: first_video_at is null until the
// first segment is indexed, then that segment's start, and later (or
// recovered older) segments do not move it; May's month-to-date draft and
// its closed statement bill "late" from May 16 (16 camera-days) and
// "never" not at all, for C and for B above it; June bills "late" in full.
func TestFirstVideoStartsBilling(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) { testFirstVideo(t, pg) })
	}
}

func testFirstVideo(t *testing.T, pg bool) {
	e, at := bootWithClock(t, pg, "2026-04-20T00:00:00Z")
	plans := e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()
	pID := idOf(planByName(t, plans, "Cloud 7 days"))
	b := e.CreateAccount(e.Root, 1, "integrator", "B")
	c := e.CreateAccount(b.Token, b.ID, "customer", "C")
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(b.ID)+"/plans/"+itoa(pID), e.Root, map[string]any{"cost": "3"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+itoa(pID), b.Token, map[string]any{"cost": "6"})

	at("2026-05-01T00:00:00Z")
	register := func(name string) int64 {
		return e.Must(201, "POST", "/api/v1/cameras", b.Token, map[string]any{"type": "generic", "name": name,
			"rtsp_url": "rtsp://10.0.0.1/" + name, "customer_id": c.ID, "plan_id": pID}).ID()
	}
	never, late := register("never"), register("late")
	firstVideo := func(cam int64) any {
		return e.Must(200, "GET", "/api/v1/cameras/"+itoa(cam), b.Token, nil).JSON["first_video_at"]
	}
	for _, cam := range []int64{never, late} {
		if v := firstVideo(cam); v != nil {
			t.Fatalf("camera %d: first_video_at %v before any video", cam, v)
		}
	}
	indexSegment(t, e, late, "2026-05-16T15:00:00Z")
	indexSegment(t, e, late, "2026-05-20T08:00:00Z")
	indexSegment(t, e, late, "2026-05-10T10:00:00Z") // an older segment recovered late
	if v := firstVideo(late); v != "2026-05-16T15:00:00Z" {
		t.Errorf("late: first_video_at %v, want 2026-05-16T15:00:00Z", v)
	}
	if v := firstVideo(never); v != nil {
		t.Errorf("never: first_video_at %v", v)
	}

	// fixed is an account's fixed-plan line for the period ("" when none)
	// and what it owes above.
	fixed := func(id int64, period string) (days, amount, owes string) {
		s := e.Must(200, "GET", "/api/v1/accounts/"+itoa(id)+"/statements?period="+period, e.Root, nil).JSON
		for _, l := range s["lines"].([]any) {
			if l := l.(map[string]any); l["kind"] == "fixed" {
				days, amount = l["quantity"].(string), l["amount"].(string)
			}
		}
		return days, amount, s["owes_above"].(string)
	}
	// A camera-month is 30 days: 16 days at 6 is 3.20 for C, at 3 is 1.60
	// for B.
	check := func(when string) {
		t.Helper()
		for _, w := range []struct {
			id                 int64
			days, amount, owes string
		}{{c.ID, "16.0000", "3.20", "3.20"}, {b.ID, "16.0000", "1.60", "1.60"}} {
			if d, am, o := fixed(w.id, "2026-05"); d != w.days || am != w.amount || o != w.owes {
				t.Errorf("%s: account %d May: %s camera-days, %s, owes %s; want %s, %s, %s", when, w.id, d, am, o, w.days, w.amount, w.owes)
			}
		}
	}
	at("2026-05-25T12:00:00Z")
	check("month to date")
	at("2026-06-01T07:00:00Z")
	e.Must(200, "POST", "/api/v1/billing/close", e.Root, map[string]any{"period": "2026-05"})
	check("closed")
	if d, _, o := fixed(c.ID, "2026-06"); d != "30.0000" || o != "6.00" {
		t.Errorf("C's June draft: %s camera-days, owes %s; want 30.0000, 6.00", d, o)
	}
}
