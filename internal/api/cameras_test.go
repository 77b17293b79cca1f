package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/events"
)

func camDBs(t *testing.T, fn func(t *testing.T, pg bool)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { fn(t, pg) })
	}
}

// camDBsAtOnce is camDBs with both databases' runs side by side, for tests
// whose time is spent waiting on the wall clock (an uplink cut for a minute,
// a post-buffer running out) rather than on the CPU: the package is the
// longest of `make test`, and these waits overlap for free.
// Not for a test that counts the process's goroutines (the other half's
// are in the count) or times a window from segment ends.
func camDBsAtOnce(t *testing.T, fn func(t *testing.T, pg bool)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, pg)
		})
	}
}

// camTree is root → A (integrator) → C (customer) and root → B → D, with a
// recording plan P offered down to C, and a plan Q offered to nobody.
type camTree struct {
	e          *apitest.Env
	A, B, C, D apitest.Account
	P, Q       int64
}

func newCamTree(t *testing.T, o apitest.Options) camTree {
	t.Helper()
	e := apitest.Boot(t, o)
	ct := camTree{e: e}
	ct.A = e.CreateAccount(e.Root, 1, "integrator", "Integrator A")
	ct.B = e.CreateAccount(e.Root, 1, "integrator", "Integrator B")
	ct.C = e.CreateAccount(ct.A.Token, ct.A.ID, "customer", "Customer C")
	ct.D = e.CreateAccount(ct.B.Token, ct.B.ID, "customer", "Customer D")
	ct.P = e.Must(201, "POST", "/api/v1/plans", e.Root, map[string]any{"name": "Record 7 days", "kind": "fixed",
		"retention_days": 7, "recording_mode": "continuous", "price": "10.0000"}).ID()
	ct.Q = e.Must(201, "POST", "/api/v1/plans", e.Root, map[string]any{"name": "Not offered", "kind": "fixed",
		"retention_days": 30, "recording_mode": "continuous", "price": "20.0000"}).ID()
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(ct.A.ID)+"/plans/"+itoa(ct.P), e.Root,
		map[string]any{"selected": true, "visible": true, "cost": "5.0000", "end_user_price": "8.0000"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(ct.C.ID)+"/plans/"+itoa(ct.P), ct.A.Token,
		map[string]any{"selected": true, "visible": true, "cost": "8.0000"})
	return ct
}

func camPath(id int64, rest ...string) string {
	return "/api/v1/cameras/" + itoa(id) + strings.Join(rest, "")
}

func wantFields(t *testing.T, r apitest.Response, fields ...string) {
	t.Helper()
	if r.Status != 400 {
		t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
	}
	got := r.Fields()
	for _, f := range fields {
		if _, ok := got[f]; !ok {
			t.Fatalf("field %q not reported: %s", f, r.Body)
		}
	}
}

func TestCameraRegistrationAndValidation(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ct := newCamTree(t, apitest.Options{Postgres: pg})
		e, A := ct.e, ct.A

		// Bad input names its fields and writes nothing.
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "", "rtsp_url": "http://10.0.0.1/x"}),
			"name", "rtsp_url")
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Gate", "rtsp_url": "rtsp:///nohost"}),
			"rtsp_url")
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Gate"}), "rtsp_url")
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "webcam", "name": "Gate"}), "type")
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "onvif", "name": "Hall"}), "onvif")
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "onvif", "name": "Hall",
			"onvif": map[string]any{"address": "http://", "username": ""}}), "onvif.address", "onvif.username")
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "pnp", "name": "Agent",
			"pnp": map[string]any{"device_id": "x", "claim_code": "1"}}), "pnp.device_id", "pnp.claim_code")
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Gate",
			"rtsp_url": "rtsp://10.0.0.1/s", "customer_id": ct.D.ID, "plan_id": ct.P}), "customer_id")
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Gate",
			"rtsp_url": "rtsp://10.0.0.1/s", "customer_id": ct.C.ID, "plan_id": ct.Q}), "plan_id")
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, `{"type":"generic","name":"Gate","rtsp_url":5}`), "rtsp_url")
		if n := e.Must(200, "GET", "/api/v1/cameras", A.Token, nil).JSON["total"].(float64); n != 0 {
			t.Fatalf("refused registrations left %v cameras", n)
		}
		// Customers do not register cameras.
		wantErr(t, e.Do("POST", "/api/v1/cameras", ct.C.Token, map[string]any{"type": "generic", "name": "Mine",
			"rtsp_url": "rtsp://10.0.0.1/s"}), 403, "forbidden")

		// Credentials in the URL are split off, sealed and never shown.
		r := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Gate",
			"rtsp_url": "rtsp://admin:S3cret-pw@10.0.0.1:554/stream1"})
		if strings.Contains(string(r.Body), "S3cret-pw") {
			t.Fatalf("password returned: %s", r.Body)
		}
		if r.JSON["rtsp_url"] != "rtsp://10.0.0.1:554/stream1" || r.JSON["username"] != "admin" || r.JSON["has_password"] != true {
			t.Fatalf("registration answer: %s", r.Body)
		}
		if st := r.JSON["status"].(map[string]any); st["state"] != "idle" || st["last_error"] != "not assigned to a customer" {
			t.Fatalf("status of an unassigned camera: %s", r.Body)
		}
		gate := r.ID()
		ctx := context.Background()
		row, err := e.Main.Store.R().Camera(ctx, gate)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(row.SecretEnc, "v1:") || strings.Contains(row.SecretEnc, "S3cret") || strings.Contains(row.RTSPURL, "S3cret") {
			t.Fatalf("credential stored in clear: %+v", row)
		}
		if pw, err := e.Main.App.Cameras.Secrets.Open(row.SecretEnc); err != nil || pw != "S3cret-pw" {
			t.Fatalf("sealed credential opens to %q, %v", pw, err)
		}
		keyFile := filepath.Join(e.Main.Config.DataDir, camera.KeyFile)
		if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file %s: %v %v", keyFile, fi, err)
		}
		// A separate password wins over the URL's and is never echoed.
		r = e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Yard",
			"rtsp_url": "rtsps://10.0.0.2/live", "username": "viewer", "password": "Other-pw-9"})
		if strings.Contains(string(r.Body), "Other-pw-9") || r.JSON["has_password"] != true {
			t.Fatalf("registration answer: %s", r.Body)
		}

		// ONVIF and P&P are accepted and wait for their connectors.
		r = e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "onvif", "name": "Hall",
			"onvif": map[string]any{"address": "192.168.1.30:8080", "username": "admin", "password": "onvif-pw"}})
		if st := r.JSON["status"].(map[string]any); st["state"] != "pending" || strings.Contains(string(r.Body), "onvif-pw") {
			t.Fatalf("onvif camera: %s", r.Body)
		}
		pnp := map[string]any{"type": "pnp", "name": "Agent", "pnp": map[string]any{"device_id": "VG-0001-ABCD", "claim_code": "7F3K9Q2M"}}
		r = e.Must(201, "POST", "/api/v1/cameras", A.Token, pnp)
		if r.JSON["status"].(map[string]any)["state"] != "pending" || strings.Contains(string(r.Body), "7F3K9Q2M") {
			t.Fatalf("pnp camera: %s", r.Body)
		}
		wantErr(t, e.Do("POST", "/api/v1/cameras", A.Token, pnp), 409, "conflict")
		// Registering P&P cameras needs the pnp_cameras module.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(A.ID)+"/modules", e.Root, map[string]bool{"pnp_cameras": false})
		pnp["pnp"] = map[string]any{"device_id": "VG-0002-ABCD", "claim_code": "7F3K9Q2M"}
		wantErr(t, e.Do("POST", "/api/v1/cameras", A.Token, pnp), 403, "module_disabled")

		// Lists: mine, search, unassigned, paginated.
		r = e.Must(200, "GET", "/api/v1/cameras?per_page=2", A.Token, nil)
		if r.JSON["total"].(float64) != 4 || len(r.Items()) != 2 {
			t.Fatalf("list: %s", r.Body)
		}
		r = e.Must(200, "GET", "/api/v1/cameras?q=gat", A.Token, nil)
		if len(r.Items()) != 1 || int64(r.Items()[0]["id"].(float64)) != gate {
			t.Fatalf("search: %s", r.Body)
		}
		if r := e.Must(200, "GET", "/api/v1/cameras", e.Root, nil); r.JSON["total"].(float64) != 4 {
			t.Fatalf("root sees: %s", r.Body)
		}
		if r := e.Must(200, "GET", "/api/v1/cameras", ct.B.Token, nil); r.JSON["total"].(float64) != 0 {
			t.Fatalf("B sees: %s", r.Body)
		}
		wantFields(t, e.Do("GET", "/api/v1/cameras?unassigned=maybe", A.Token, nil), "unassigned")
	})
}

func TestCameraAssignmentAndIsolation(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ct := newCamTree(t, apitest.Options{Postgres: pg})
		e, A, C := ct.e, ct.A, ct.C
		evs, stop := e.Main.App.Events.Subscribe(64)
		defer stop()
		id := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Gate",
			"rtsp_url": "rtsp://10.0.0.1/s"}).ID()
		waitCameraEvent(t, evs, id)

		// Invalid assignments: field errors, nothing changed.
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"customer_id": ct.D.ID, "plan_id": ct.P}), "customer_id")
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"customer_id": 999999, "plan_id": ct.P}), "customer_id")
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"customer_id": ct.B.ID, "plan_id": ct.P}), "customer_id")
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"customer_id": C.ID, "plan_id": ct.Q}), "plan_id")
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"customer_id": C.ID}), "plan_id")
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"plan_id": ct.P}), "plan_id")
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"customer_id": "seven"}), "customer_id")
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"name": "  "}), "name")
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"rtsp_url": "ftp://x"}), "rtsp_url")
		if r := e.Must(200, "GET", camPath(id), A.Token, nil); r.JSON["customer_id"] != nil || r.JSON["name"] != "Gate" {
			t.Fatalf("refused patches changed the camera: %s", r.Body)
		}

		// Assign to C on plan P.
		r := e.Must(200, "PATCH", camPath(id), A.Token, map[string]any{"customer_id": C.ID, "plan_id": ct.P})
		if int64(r.JSON["customer_id"].(float64)) != C.ID || int64(r.JSON["plan_id"].(float64)) != ct.P {
			t.Fatalf("assign: %s", r.Body)
		}
		waitCameraEvent(t, evs, id)

		// R10: another subtree's ids do not exist.
		for _, tok := range []string{ct.B.Token, ct.D.Token} {
			wantErr(t, e.Do("GET", camPath(id), tok, nil), 404, "not_found")
			wantErr(t, e.Do("PATCH", camPath(id), tok, map[string]any{"enabled": false}), 404, "not_found")
			wantErr(t, e.Do("DELETE", camPath(id), tok, nil), 404, "not_found")
			wantErr(t, e.Do("GET", camPath(id, "/recordings"), tok, nil), 404, "not_found")
			wantErr(t, e.Do("GET", camPath(id, "/playback?start=0&duration=5"), tok, nil), 404, "not_found")
		}
		wantErr(t, e.Do("GET", "/api/v1/cameras?customer_id="+itoa(ct.D.ID), A.Token, nil), 404, "not_found")
		wantErr(t, e.Do("GET", camPath(987654), A.Token, nil), 404, "not_found")

		// The customer sees its camera, not who registered it, and may
		// switch it off and rename it but not move it.
		r = e.Must(200, "GET", camPath(id), C.Token, nil)
		if _, shown := r.JSON["integrator_id"]; shown {
			t.Fatalf("customer sees the integrator: %s", r.Body)
		}
		if r := e.Must(200, "GET", "/api/v1/cameras", C.Token, nil); len(r.Items()) != 1 {
			t.Fatalf("customer list: %s", r.Body)
		}
		wantErr(t, e.Do("PATCH", camPath(id), C.Token, map[string]any{"customer_id": nil}), 403, "forbidden")
		wantErr(t, e.Do("DELETE", camPath(id), C.Token, nil), 403, "forbidden")
		r = e.Must(200, "PATCH", camPath(id), C.Token, map[string]any{"enabled": false, "name": "Front gate"})
		if r.JSON["enabled"] != false || r.JSON["status"].(map[string]any)["state"] != "off" {
			t.Fatalf("privacy switch: %s", r.Body)
		}
		waitCameraEvent(t, evs, id)

		// Lists by customer and unassigned.
		if r := e.Must(200, "GET", "/api/v1/cameras?customer_id="+itoa(C.ID), A.Token, nil); len(r.Items()) != 1 {
			t.Fatalf("by customer: %s", r.Body)
		}
		if r := e.Must(200, "GET", "/api/v1/cameras?unassigned=true", A.Token, nil); len(r.Items()) != 0 {
			t.Fatalf("unassigned: %s", r.Body)
		}
		// Unassign with customer_id null: the plan goes with it.
		r = e.Must(200, "PATCH", camPath(id), A.Token, map[string]any{"customer_id": nil})
		if r.JSON["customer_id"] != nil || r.JSON["plan_id"] != nil {
			t.Fatalf("unassign: %s", r.Body)
		}
		wantErr(t, e.Do("GET", camPath(id), C.Token, nil), 404, "not_found")
		if r := e.Must(200, "GET", "/api/v1/cameras?unassigned=true", A.Token, nil); len(r.Items()) != 1 {
			t.Fatalf("unassigned: %s", r.Body)
		}

		// Every change is audited.
		r = e.Must(200, "GET", "/api/v1/audit?per_page=100", A.Token, nil)
		seen := map[string]int{}
		for _, it := range r.Items() {
			seen[it["action"].(string)]++
		}
		if seen["camera.created"] != 1 || seen["camera.updated"] < 2 {
			t.Fatalf("audit: %v", seen)
		}

		// Playback needs the playback module.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(A.ID)+"/modules", e.Root, map[string]bool{"playback": false})
		wantErr(t, e.Do("GET", camPath(id, "/recordings"), A.Token, nil), 403, "module_disabled")
		wantErr(t, e.Do("GET", camPath(id, "/playback?start=0&duration=5"), A.Token, nil), 403, "module_disabled")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(A.ID)+"/modules", e.Root, map[string]bool{"playback": true})
		if r := e.Must(200, "GET", camPath(id, "/recordings"), A.Token, nil); string(r.Body) != "[]\n" {
			t.Fatalf("recordings of a camera never recorded: %s", r.Body)
		}
		wantFields(t, e.Do("GET", camPath(id, "/playback?start=yesterday&duration=5"), A.Token, nil), "start")
		wantFields(t, e.Do("GET", camPath(id, "/playback?start=0&duration=2h"), A.Token, nil), "duration")
		wantErr(t, e.Do("GET", camPath(id, "/playback?start=0&duration=5"), A.Token, nil), 404, "no_recording")

		// Move: to another customer of A, and to a customer of a
		// sub-integrator of A; the plan must be usable by the new customer.
		C2 := e.CreateAccount(A.Token, A.ID, "customer", "Customer C2")
		A1 := e.CreateAccount(A.Token, A.ID, "integrator", "Sub A1")
		C3 := e.CreateAccount(A1.Token, A1.ID, "customer", "Customer C3")
		e.Must(200, "PATCH", camPath(id), A.Token, map[string]any{"customer_id": C.ID, "plan_id": ct.P})
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"customer_id": C2.ID}), "plan_id")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(C2.ID)+"/plans/"+itoa(ct.P), A.Token,
			map[string]any{"selected": true, "visible": true, "cost": "8.0000"})
		e.Must(200, "PATCH", camPath(id), A.Token, map[string]any{"customer_id": C2.ID})
		wantErr(t, e.Do("GET", camPath(id), C.Token, nil), 404, "not_found")
		e.Must(200, "GET", camPath(id), C2.Token, nil)
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"customer_id": C3.ID}), "plan_id")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(A1.ID)+"/plans/"+itoa(ct.P), A.Token,
			map[string]any{"selected": true, "visible": true, "cost": "6.0000", "end_user_price": "9.0000"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(C3.ID)+"/plans/"+itoa(ct.P), A1.Token,
			map[string]any{"selected": true, "visible": true, "cost": "9.0000"})
		e.Must(200, "PATCH", camPath(id), A.Token, map[string]any{"customer_id": C3.ID})
		// The sub-integrator sees the camera of its customer but did not
		// register it: it may not move it, and does not see who did.
		r = e.Must(200, "GET", camPath(id), A1.Token, nil)
		if _, shown := r.JSON["integrator_id"]; shown {
			t.Fatalf("sub-integrator sees the registering integrator: %s", r.Body)
		}
		wantErr(t, e.Do("PATCH", camPath(id), A1.Token, map[string]any{"customer_id": nil}), 403, "forbidden")
		wantErr(t, e.Do("GET", camPath(id), C2.Token, nil), 404, "not_found")

		// Delete: gone for everyone.
		e.Must(200, "DELETE", camPath(id), A.Token, nil)
		waitCameraEvent(t, evs, id)
		wantErr(t, e.Do("GET", camPath(id), A.Token, nil), 404, "not_found")
		wantErr(t, e.Do("GET", camPath(id), e.Root, nil), 404, "not_found")
	})
}

func waitCameraEvent(t *testing.T, evs <-chan events.Event, id int64) {
	t.Helper()
	deadline := time.After(2 * time.Second)
	for {
		select {
		case e := <-evs:
			if e.Kind == events.CameraChanged && e.CameraID == id {
				return
			}
		case <-deadline:
			t.Fatalf("no camera.changed event for camera %d", id)
		}
	}
}

func wantErr(t *testing.T, r apitest.Response, status int, code string) {
	t.Helper()
	if r.Status != status || r.Code() != code {
		t.Fatalf("got %d %s, want %d %s: %s", r.Status, r.Code(), status, code, r.Body)
	}
}
