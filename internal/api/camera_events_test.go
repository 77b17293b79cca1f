package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/events"
)

// TestCameraEventsAPI (both databases): events opened and closed by the
// app are listed per camera with null end while open, published on the bus
// after commit (once per open/close, not for a repeated report); rights
// playback or view_live (a guard with only view_live still sees them, with
// neither it is 403), other tenants 404, bad times 400 naming the field.
func TestCameraEventsAPI(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		w := newRightsWorld(t, pg)
		e, app := w.e, w.e.Main.App
		ctx := context.Background()
		bus, stop := app.Events.Subscribe(16)
		defer stop()

		t0 := app.Now().Add(-time.Hour).Truncate(time.Second)
		m, err := app.OpenCameraEvent(ctx, w.c1, camera.EventMotion, t0, "tns1:VideoSource/MotionAlarm")
		if err != nil {
			t.Fatal(err)
		}
		if again, err := app.OpenCameraEvent(ctx, w.c1, camera.EventMotion, t0.Add(time.Second), ""); err != nil || again.ID != m.ID {
			t.Fatalf("repeat: %+v %v", again, err)
		}
		if _, ok, err := app.CloseCameraEvent(ctx, w.c1, camera.EventMotion, t0.Add(8*time.Second)); !ok || err != nil {
			t.Fatalf("close: %v %v", ok, err)
		}
		off, err := app.OpenCameraEvent(ctx, w.c1, camera.EventOffline, t0.Add(30*time.Second), "unreachable")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.OpenCameraEvent(ctx, w.c1, "tamper", t0, ""); err == nil {
			t.Fatal("unknown type accepted")
		}
		want := []events.Event{
			{Kind: events.CameraEventOpened, CameraID: w.c1, CameraEventID: m.ID, CameraEventType: "motion", AccountID: w.C.ID},
			{Kind: events.CameraEventClosed, CameraID: w.c1, CameraEventID: m.ID, CameraEventType: "motion", AccountID: w.C.ID},
			{Kind: events.CameraEventOpened, CameraID: w.c1, CameraEventID: off.ID, CameraEventType: "offline", AccountID: w.C.ID},
		}
		for i, wnt := range want {
			select {
			case got := <-bus:
				got.Path = ""
				if got != wnt {
					t.Fatalf("bus event %d: %+v, want %+v", i, got, wnt)
				}
			case <-time.After(2 * time.Second):
				t.Fatalf("bus event %d missing", i)
			}
		}
		select {
		case extra := <-bus:
			t.Fatalf("unexpected bus event %+v", extra)
		case <-time.After(100 * time.Millisecond):
		}

		r := e.Must(200, "GET", camPath(w.c1, "/events"), w.A.Token, nil)
		var list []map[string]any
		decodeJSON(t, r, &list)
		if len(list) != 2 || list[0]["type"] != "motion" || list[0]["end"] == nil || list[1]["type"] != "offline" || list[1]["end"] != nil {
			t.Fatalf("events: %s", r.Body)
		}
		if s, _ := time.Parse(time.RFC3339, list[0]["start"].(string)); !s.Equal(t0) {
			t.Fatalf("start %v, want %v", list[0]["start"], t0)
		}
		// A window after the motion holds only the open offline event.
		from := t0.Add(20 * time.Second).UnixMilli()
		r = e.Must(200, "GET", camPath(w.c1, "/events?from="+itoa(from)), w.guard, nil)
		decodeJSON(t, r, &list)
		if len(list) != 1 || int64(list[0]["id"].(float64)) != off.ID {
			t.Fatalf("window: %s", r.Body)
		}
		wantFields(t, e.Do("GET", camPath(w.c1, "/events?from=yesterday"), w.A.Token, nil), "from")
		wantFields(t, e.Do("GET", camPath(w.c1, "/events?from=2000&to=1000"), w.A.Token, nil), "to")
		wantErr(t, e.Do("GET", camPath(w.c1, "/events"), w.B.Token, nil), 404, "not_found")
		wantErr(t, e.Do("GET", camPath(w.c2, "/events"), w.guard, nil), 403, "right_missing")

		// view_live alone is enough; with neither right the answer is 403.
		roles := "/api/v1/accounts/" + itoa(w.C.ID) + "/roles"
		user := func(name string, rights ...string) string {
			role := e.Must(201, "POST", roles, w.C.Token, map[string]any{"name": name, "portal": "video",
				"rights": rights, "all_cameras": false, "camera_ids": []int64{w.c1}}).ID()
			return addUser(t, e, w.C, w.C.Token, role, name)
		}
		e.Must(200, "GET", camPath(w.c1, "/events"), user("live-only", "view_live"), nil)
		wantErr(t, e.Do("GET", camPath(w.c1, "/events"), user("clips-only", "save_clip"), nil), 403, "right_missing")
	})
}

func decodeJSON(t *testing.T, r apitest.Response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}
