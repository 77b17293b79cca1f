package api_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// rightsWorld is camTree with two cameras of A assigned to C (c1, c2), one
// camera of B left unassigned (cB), and a Guard of C whose role has
// view_live and playback on c1 only.
type rightsWorld struct {
	camTree
	c1, c2, cB int64
	guardRole  int64
	guard      string
}

func newRightsWorld(t *testing.T, pg bool) rightsWorld {
	t.Helper()
	w := rightsWorld{camTree: newCamTree(t, apitest.Options{Postgres: pg})}
	e := w.e
	add := func(tok, name string, body map[string]any) int64 {
		body["type"], body["name"], body["rtsp_url"] = "generic", name, "rtsp://cam:secret@10.0.0.1/"+name
		return e.Must(201, "POST", "/api/v1/cameras", tok, body).ID()
	}
	w.c1 = add(w.A.Token, "c1", map[string]any{"customer_id": w.C.ID, "plan_id": w.P})
	w.c2 = add(w.A.Token, "c2", map[string]any{"customer_id": w.C.ID, "plan_id": w.P})
	w.cB = add(w.B.Token, "cB", map[string]any{})
	roles := "/api/v1/accounts/" + itoa(w.C.ID) + "/roles"
	w.guardRole = e.Must(201, "POST", roles, w.C.Token, map[string]any{"name": "Gate guard", "portal": "video",
		"rights": []string{"view_live", "playback"}, "all_cameras": false, "camera_ids": []int64{w.c1}}).ID()
	w.guard = addUser(t, e, w.C, w.C.Token, w.guardRole, "gate-guard")
	return w
}

// addUser adds a confirmed user with a role and signs it in.
func addUser(t *testing.T, e *apitest.Env, acct apitest.Account, tok string, role int64, name string) string {
	t.Helper()
	email := fmt.Sprintf("%s-%d@vigilo.test", name, time.Now().UnixNano())
	e.Must(201, "POST", "/api/v1/accounts/"+itoa(acct.ID)+"/users", tok, map[string]any{"email": email, "name": name,
		"password": "password-123", "send_confirmation": false, "role_id": role})
	return e.Login(email, "password-123")
}

func listedIDs(r apitest.Response) []int64 {
	var ids []int64
	for _, it := range r.Items() {
		ids = append(ids, int64(it["id"].(float64)))
	}
	slices.Sort(ids)
	return ids
}

// TestCameraRightsAPI walks the decision through the API: the Guard lists
// and reads only its camera, without the integrator's internals; a camera
// of its customer outside its role is 403 right_missing naming the right,
// another tenant's is 404; then the module and disable refusals.
func TestCameraRightsAPI(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		w := newRightsWorld(t, pg)
		e, g := w.e, w.guard

		r := e.Must(200, "GET", "/api/v1/cameras", g, nil)
		if ids := listedIDs(r); !slices.Equal(ids, []int64{w.c1}) {
			t.Fatalf("guard lists %v, want [%d]", ids, w.c1)
		}
		for _, k := range []string{"rtsp_url", "username", "integrator_id"} {
			if _, leak := r.Items()[0][k]; leak {
				t.Fatalf("guard sees %s: %s", k, r.Body)
			}
		}
		e.Must(200, "GET", camPath(w.c1), g, nil)
		wantErr(t, e.Do("GET", camPath(w.c2), g, nil), 404, "not_found")
		wantErr(t, e.Do("GET", camPath(w.cB), g, nil), 404, "not_found")
		// The customer's admin sees both of its cameras, still without the
		// integrator's connection details; the integrator sees them.
		r = e.Must(200, "GET", "/api/v1/cameras", w.C.Token, nil)
		if ids := listedIDs(r); len(ids) != 2 {
			t.Fatalf("customer admin lists %v", ids)
		}
		if _, leak := r.Items()[0]["rtsp_url"]; leak {
			t.Fatalf("customer admin sees the RTSP address: %s", r.Body)
		}
		if r := e.Must(200, "GET", camPath(w.c1), w.A.Token, nil); r.JSON["rtsp_url"] != "rtsp://10.0.0.1/c1" {
			t.Fatalf("integrator loses the RTSP address: %s", r.Body)
		}

		// Playback right through recordings and playback.
		e.Must(200, "GET", camPath(w.c1, "/recordings"), g, nil)
		r = e.Do("GET", camPath(w.c2, "/recordings"), g, nil)
		wantErr(t, r, 403, "right_missing")
		if r.Fields()["right"] != "playback" {
			t.Fatalf("right_missing does not name playback: %s", r.Body)
		}
		wantErr(t, e.Do("GET", camPath(w.cB, "/recordings"), g, nil), 404, "not_found")
		wantErr(t, e.Do("GET", camPath(w.c1, "/playback?start=0&duration=5"), g, nil), 404, "no_recording")
		wantErr(t, e.Do("GET", camPath(w.c2, "/playback?start=0&duration=5"), g, nil), 403, "right_missing")
		// The built-in Viewer watches live only.
		roles := e.Must(200, "GET", "/api/v1/accounts/"+itoa(w.C.ID)+"/roles", w.C.Token, nil)
		var viewerRole int64
		for _, it := range roles.Items() {
			if it["name"] == "Viewer" {
				viewerRole = int64(it["id"].(float64))
			}
		}
		viewer := addUser(t, e, w.C, w.C.Token, viewerRole, "viewer")
		if ids := listedIDs(e.Must(200, "GET", "/api/v1/cameras", viewer, nil)); len(ids) != 2 {
			t.Fatalf("viewer (all cameras) lists %v", ids)
		}
		wantErr(t, e.Do("GET", camPath(w.c1, "/recordings"), viewer, nil), 403, "right_missing")
		// Guards still cannot manage.
		wantErr(t, e.Do("PATCH", camPath(w.c1), g, map[string]any{"name": "x"}), 403, "forbidden")
		// PTZ: the right first (this Guard has none), then the input, then
		// 409 until a connector can drive it.
		r = e.Do("POST", camPath(w.c1, "/ptz"), g, map[string]any{"action": "stop"})
		if wantErr(t, r, 403, "right_missing"); r.Fields()["right"] != "ptz" {
			t.Fatalf("ptz right not named: %s", r.Body)
		}
		wantErr(t, e.Do("POST", camPath(w.cB, "/ptz"), w.C.Token, map[string]any{"action": "stop"}), 404, "not_found")
		wantFields(t, e.Do("POST", camPath(w.c1, "/ptz"), w.C.Token, map[string]any{"action": "spin"}), "action")
		wantFields(t, e.Do("POST", camPath(w.c1, "/ptz"), w.C.Token, map[string]any{"action": "move", "pan": 2}), "pan")
		wantFields(t, e.Do("POST", camPath(w.c1, "/ptz"), w.C.Token, map[string]any{"action": "goto_preset"}), "preset")
		wantErr(t, e.Do("POST", camPath(w.c1, "/ptz"), w.C.Token, map[string]any{"action": "move", "pan": 0.5}), 409, "ptz_unsupported")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(w.C.ID)+"/modules", w.A.Token, map[string]any{"live_view": false})
		wantErr(t, e.Do("POST", camPath(w.c1, "/ptz"), w.C.Token, map[string]any{"action": "stop"}), 403, "module_disabled")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(w.C.ID)+"/modules", w.A.Token, map[string]any{"live_view": true})

		// The module switched off for the customer by its integrator.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(w.C.ID)+"/modules", w.A.Token, map[string]any{"playback": false})
		wantErr(t, e.Do("GET", camPath(w.c1, "/recordings"), g, nil), 403, "module_disabled")
		wantErr(t, e.Do("GET", camPath(w.c1, "/recordings"), w.A.Token, nil), 403, "module_disabled")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(w.C.ID)+"/modules", w.A.Token, map[string]any{"playback": true})
		// The customer disabled: its camera's video stops for those above too.
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(w.C.ID)+"/disable", w.A.Token, nil)
		wantErr(t, e.Do("GET", camPath(w.c1, "/recordings"), w.A.Token, nil), 403, "account_disabled")
		wantErr(t, e.Do("GET", camPath(w.c1, "/recordings"), g, nil), 403, "account_disabled")
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(w.C.ID)+"/enable", w.A.Token, nil)
		e.Must(200, "GET", camPath(w.c1, "/recordings"), g, nil)
	})
}

// TestRoleCameraIDs: camera_ids must be cameras of the role's account;
// another tenant's and unknown ids are refused naming the field, and
// nothing is written.
func TestRoleCameraIDs(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		w := newRightsWorld(t, pg)
		e := w.e
		roles := "/api/v1/accounts/" + itoa(w.C.ID) + "/roles"
		before := len(e.Must(200, "GET", roles, w.C.Token, nil).Items())
		for _, ids := range [][]int64{{w.c1, w.cB}, {987654}, {w.c2, -1}} {
			wantFields(t, e.Do("POST", roles, w.C.Token, map[string]any{"name": fmt.Sprint("r", ids), "portal": "video",
				"rights": []string{"view_live"}, "all_cameras": false, "camera_ids": ids}), "camera_ids")
		}
		// The integrator's unassigned camera is not its customer's either.
		wantFields(t, e.Do("POST", roles, w.A.Token, map[string]any{"name": "bad", "portal": "video",
			"rights": []string{"view_live"}, "camera_ids": []int64{w.cB}}), "camera_ids")
		if n := len(e.Must(200, "GET", roles, w.C.Token, nil).Items()); n != before {
			t.Fatalf("a refused role was written: %d roles, had %d", n, before)
		}
		r := e.Must(201, "POST", roles, w.A.Token, map[string]any{"name": "both", "portal": "video",
			"rights": []string{"view_live"}, "all_cameras": false, "camera_ids": []int64{w.c2, w.c1, w.c2}})
		if ids := r.JSON["camera_ids"].([]any); len(ids) != 2 {
			t.Fatalf("camera_ids not deduplicated: %s", r.Body)
		}
	})
}
