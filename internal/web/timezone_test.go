package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
)

// TestAccountTimeZone: the first sign-in adopts the browser's zone and a
// later one does not overwrite it; the zone is in the account JSON, set
// through the API and the profile form (bad names are 400 naming
// time_zone and change nothing), and the portal shows times in it.
func TestAccountTimeZone(t *testing.T) {
	forBothDBs(t, func(t *testing.T, e *apitest.Env) {
		w := newCamPortal(t, e)
		me := func() string {
			t.Helper()
			acct := e.Must(200, "GET", "/api/v1/me", w.C.Token, nil).JSON["account"].(map[string]any)
			return acct["time_zone"].(string)
		}
		if z := me(); z != "UTC" {
			t.Fatalf("zone before any sign-in: %q", z)
		}
		signIn := func(tz string) *client {
			c := newClient(t, e)
			if p := c.post("/login", "/login", url.Values{"email": {w.C.Email}, "password": {w.C.Password}, "tz": {tz}}); p.Status != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", p.Status)
			}
			return c
		}
		signIn("Not/AZone") // an unknown name is ignored, the sign-in works
		if z := me(); z != "UTC" {
			t.Fatalf("zone after a sign-in with a bad zone: %q", z)
		}
		signIn("Europe/Stockholm")
		if z := me(); z != "Europe/Stockholm" {
			t.Fatalf("zone after the first sign-in: %q", z)
		}
		c := signIn("America/New_York")
		if z := me(); z != "Europe/Stockholm" {
			t.Fatalf("a later sign-in overwrote the zone: %q", z)
		}

		path := "/api/v1/accounts/" + itoa(w.C.ID)
		for _, bad := range []any{"Mars/Olympus", "", "Local", " Europe/Oslo", 7} {
			r := e.Do("PATCH", path, w.C.Token, map[string]any{"time_zone": bad})
			if r.Status != 400 || r.Fields()["time_zone"] == nil {
				t.Fatalf("time_zone %v: %d %s", bad, r.Status, r.Body)
			}
		}
		if z := me(); z != "Europe/Stockholm" {
			t.Fatalf("a refused zone changed it: %q", z)
		}
		if r := e.Must(200, "PATCH", path, w.C.Token, map[string]any{"time_zone": "Asia/Tokyo"}); r.JSON["time_zone"] != "Asia/Tokyo" {
			t.Fatalf("PATCH time_zone: %s", r.Body)
		}

		// The portal shows a recorded span in Tokyo time.
		cam := e.Must(201, "POST", "/api/v1/cameras", w.A.Token, map[string]any{"type": "generic", "name": "Gate", "rtsp_url": "rtsp://10.0.0.7/s"}).ID()
		e.Must(200, "PATCH", "/api/v1/cameras/"+itoa(cam), w.A.Token, map[string]any{"customer_id": w.C.ID, "plan_id": w.P})
		start := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
		s := camera.Segment{CameraID: cam, Start: start, End: start.Add(time.Minute), Bytes: 1 << 20, Path: "seg.mp4", Codec: "h264", Width: 1280, Height: 720}
		if _, err := e.Main.Store.W().InsertSegment(context.Background(), &s); err != nil {
			t.Fatal(err)
		}
		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		want := start.In(tokyo).Format("2006-01-02 15:04:05") + " JST"
		if p := c.get("/cameras/" + itoa(cam)); !strings.Contains(p.Body, want) {
			t.Fatalf("camera page does not show %q: %.2000s", want, p.Body)
		}

		// The profile form sets it too; a bad name is a field error.
		profile := "/accounts/" + itoa(w.C.ID) + "/profile"
		form := url.Values{"name": {"Customer C"}, "time_zone": {"Nowhere/City"}}
		if p := c.post(profile, profile, form); p.Status != http.StatusBadRequest || fieldError(p.Body, "time_zone") == "" {
			t.Fatalf("profile with a bad zone: %d %s", p.Status, fieldError(p.Body, "time_zone"))
		}
		form.Set("time_zone", "Europe/Oslo")
		if p := c.post(profile, profile, form); p.Status != http.StatusSeeOther {
			t.Fatalf("profile: %d", p.Status)
		}
		if z := me(); z != "Europe/Oslo" {
			t.Fatalf("zone after the profile: %q", z)
		}
		if p := c.get(profile); !strings.Contains(p.Body, `value="Europe/Oslo"`) {
			t.Fatalf("profile form does not show the zone")
		}
	})
}
