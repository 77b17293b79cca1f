package api_test

import (
	"context"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestEditAndRetirePlan: the operator edits its plan's name, price,
// retention and bitrate (bad input names every field and changes nothing),
// an integrator that only uses the plan may not, and retiring it keeps the
// camera already on it recording while refusing every new use: a camera,
// an offer to a new account, a copy. Putting it back in service lifts that.
func TestEditAndRetirePlan(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *apitest.Env) {
		plan := idOf(planByName(t, e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items(), "Cloud 7 days"))
		path := "/api/v1/plans/" + itoa(plan)
		a := e.CreateAccount(e.Root, 1, "integrator", "A")
		sub := e.CreateAccount(a.Token, a.ID, "integrator", "Sub")
		c := e.CreateAccount(a.Token, a.ID, "customer", "C")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+itoa(plan), e.Root, map[string]any{"cost": "4"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+itoa(plan), a.Token, map[string]any{"cost": "6"})
		cam := e.Must(201, "POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Gate",
			"rtsp_url": "rtsp://10.0.0.1/s", "customer_id": c.ID, "plan_id": plan}).ID()

		before := e.Must(200, "GET", path, e.Root, nil).Body
		bad := e.Do("PATCH", path, e.Root, map[string]any{"name": " ", "retention_days": 0, "max_bitrate_kbps": -1, "price": "-1"})
		wantStatusFields(t, bad, 400, "name", "retention_days", "max_bitrate_kbps", "price")
		if got := e.Must(200, "GET", path, e.Root, nil).Body; string(got) != string(before) {
			t.Fatalf("a refused edit changed the plan:\n%s\n%s", before, got)
		}
		wantStatusFields(t, e.Do("PATCH", path, a.Token, map[string]any{"retention_days": 3, "retired": true}), 403, "retention_days", "retired")

		ed := e.Must(200, "PATCH", path, e.Root, map[string]any{"name": "Cloud 14", "price": "6.5", "retention_days": 14, "max_bitrate_kbps": 2000})
		if ed.JSON["name"] != "Cloud 14" || ed.JSON["end_user_price"] != "6.5000" || ed.JSON["retention_days"] != float64(14) ||
			ed.JSON["max_bitrate_kbps"] != float64(2000) || ed.JSON["retired"] != false {
			t.Fatalf("edited plan: %s", ed.Body)
		}
		if d := desired(t, e, cam); d == nil || d.RetentionDays != 14 || d.MaxBitrateKbps != 2000 {
			t.Fatalf("the recorder does not see the new retention and bitrate: %+v", d)
		}

		if r := e.Must(200, "PATCH", path, e.Root, map[string]any{"retired": true}); r.JSON["retired"] != true {
			t.Fatalf("retire: %s", r.Body)
		}
		// The camera on it keeps recording (and stays editable), flagged.
		if desired(t, e, cam) == nil {
			t.Fatal("retiring a plan stopped the camera already on it")
		}
		e.Must(200, "PATCH", "/api/v1/cameras/"+itoa(cam), a.Token, map[string]any{"name": "Gate 1"})
		if mine := planByName(t, e.Must(200, "GET", "/api/v1/plans", a.Token, nil).Items(), "Cloud 7 days"); mine["retired"] != true { // A named its offer when it got it
			t.Fatalf("A's view of the retired plan: %v", mine)
		}
		// Every new use is refused, by field.
		wantStatusFields(t, e.Do("POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Door",
			"rtsp_url": "rtsp://10.0.0.2/s", "customer_id": c.ID, "plan_id": plan}), 400, "plan_id")
		wantStatusFields(t, e.Do("POST", "/api/v1/accounts", a.Token, map[string]any{"type": "customer", "parent_id": a.ID, "name": "D",
			"email": "d-retire@vigilo.test", "plans": []map[string]any{{"plan_id": plan, "selected": true, "visible": true}}}), 400, "plans[0].plan_id")
		wantStatusFields(t, e.Do("PUT", "/api/v1/accounts/"+itoa(sub.ID)+"/plans/"+itoa(plan), a.Token, map[string]any{"cost": "5"}), 400, "plan_id")
		wantStatusFields(t, e.Do("POST", path+"/copies", a.Token, map[string]any{"cost": "5", "account_ids": []int64{sub.ID}}), 400, "plan_id")
		// The existing offer may still be repriced.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+itoa(plan), a.Token, map[string]any{"cost": "7"})

		e.Must(200, "PATCH", path, e.Root, map[string]any{"retired": false})
		e.Must(201, "POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Door",
			"rtsp_url": "rtsp://10.0.0.2/s", "customer_id": c.ID, "plan_id": plan})
	})
}

// TestRetiringRetiresCopies: an integrator's copy of a plan retires with its
// source and comes back with it; a copy its owner retired on its own stays
// retired, and cannot come back while its source is retired.
func TestRetiringRetiresCopies(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *apitest.Env) {
		plans := e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()
		p7, p30 := idOf(planByName(t, plans, "Cloud 7 days")), idOf(planByName(t, plans, "Cloud 30 days"))
		a := e.CreateAccount(e.Root, 1, "integrator", "A")
		sub := e.CreateAccount(a.Token, a.ID, "integrator", "Sub")
		copyOf := func(plan int64, name string) int64 {
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+itoa(plan), e.Root, map[string]any{"cost": "4"})
			return e.Must(201, "POST", "/api/v1/plans/"+itoa(plan)+"/copies", a.Token, map[string]any{"name": name, "cost": "5", "account_ids": []int64{sub.ID}}).ID()
		}
		c7, c30 := copyOf(p7, "A 7"), copyOf(p30, "A 30")
		retired := func(id int64) any {
			return e.Must(200, "GET", "/api/v1/plans/"+itoa(id), a.Token, nil).JSON["retired"]
		}
		e.Must(200, "PATCH", "/api/v1/plans/"+itoa(c30), a.Token, map[string]any{"retired": true}) // on its own
		e.Must(200, "PATCH", "/api/v1/plans/"+itoa(p7), e.Root, map[string]any{"retired": true})
		e.Must(200, "PATCH", "/api/v1/plans/"+itoa(p30), e.Root, map[string]any{"retired": true})
		if retired(c7) != true || retired(c30) != true {
			t.Fatalf("copies after their sources retired: %v %v", retired(c7), retired(c30))
		}
		wantStatusFields(t, e.Do("PATCH", "/api/v1/plans/"+itoa(c7), a.Token, map[string]any{"retired": false}), 400, "retired")
		e.Must(200, "PATCH", "/api/v1/plans/"+itoa(p7), e.Root, map[string]any{"retired": false})
		e.Must(200, "PATCH", "/api/v1/plans/"+itoa(p30), e.Root, map[string]any{"retired": false})
		if retired(c7) != false || retired(c30) != true {
			t.Fatalf("copies after their sources came back: %v (with it) %v (retired on its own)", retired(c7), retired(c30))
		}
	})
}

// desired is the recorder's wanted state of camera id, or nil when it
// should not record.
func desired(t *testing.T, e *apitest.Env, id int64) *struct{ RetentionDays, MaxBitrateKbps int } {
	t.Helper()
	all, err := e.Main.Store.R().DesiredRecordings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if d.CameraID == id {
			return &struct{ RetentionDays, MaxBitrateKbps int }{d.RetentionDays, d.MaxBitrateKbps}
		}
	}
	return nil
}

// wantStatusFields checks a refusal's status and that it names fields.
func wantStatusFields(t *testing.T, r apitest.Response, status int, fields ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	got := r.Fields()
	for _, f := range fields {
		if _, ok := got[f]; !ok {
			t.Fatalf("field %q not reported: %s", f, r.Body)
		}
	}
}

// TestCopyRecordsLikeItsSource: a copy is billed at its source's cost all the
// way up, so its owner cannot give it a longer retention or a higher bitrate
// (400 naming the field, nothing written); the source's owner changing them
// changes every copy's with it.
func TestCopyRecordsLikeItsSource(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *apitest.Env) {
		plans := e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()
		p7 := idOf(planByName(t, plans, "Cloud 7 days"))
		a := e.CreateAccount(e.Root, 1, "integrator", "A")
		sub := e.CreateAccount(a.Token, a.ID, "integrator", "Sub")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+itoa(p7), e.Root, map[string]any{"cost": "4"})
		c7 := e.Must(201, "POST", "/api/v1/plans/"+itoa(p7)+"/copies", a.Token, map[string]any{"name": "A 7", "cost": "5", "account_ids": []int64{sub.ID}}).ID()
		plan := func(id int64) map[string]any { return e.Must(200, "GET", "/api/v1/plans/"+itoa(id), a.Token, nil).JSON }
		before := plan(c7)
		wantStatusFields(t, e.Do("PATCH", "/api/v1/plans/"+itoa(c7), a.Token, map[string]any{"retention_days": 3650}), 400, "retention_days")
		wantStatusFields(t, e.Do("PATCH", "/api/v1/plans/"+itoa(c7), a.Token, map[string]any{"max_bitrate_kbps": 1000000, "name": "A 7 big"}), 400, "max_bitrate_kbps")
		if after := plan(c7); after["retention_days"] != before["retention_days"] || after["max_bitrate_kbps"] != before["max_bitrate_kbps"] || after["name"] != before["name"] {
			t.Fatalf("a refused edit wrote something: %v → %v", before, after)
		}
		e.Must(200, "PATCH", "/api/v1/plans/"+itoa(c7), a.Token, map[string]any{"name": "A seven"}) // its own name is its owner's
		e.Must(200, "PATCH", "/api/v1/plans/"+itoa(p7), e.Root, map[string]any{"retention_days": 14, "max_bitrate_kbps": 4000})
		if got := plan(c7); got["retention_days"] != float64(14) || got["max_bitrate_kbps"] != float64(4000) || got["name"] != "A seven" {
			t.Fatalf("the copy after its source changed: %v", got)
		}
	})
}
