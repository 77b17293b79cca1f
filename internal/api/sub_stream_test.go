package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/live"
	"github.com/vigilo/vigilo/internal/live/whepclient"
)

// TestLiveSubStream: a generic camera's sub_rtsp_url is validated like
// rtsp_url (syntax, credentials, the camera-address policy), shown to its
// integrator, and pulled apart from the main stream when a grid tile asks
// for ?stream=sub; a camera without one serves its main stream to such a
// tile, without a second pull.
func TestLiveSubStream(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		sim := startSimcam(t)
		ct := newCamTree(t, apitest.Options{Postgres: pg, Env: map[string]string{
			"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s", "VIGILO_WEBRTC_HOSTS": "127.0.0.1", "VIGILO_LIVE_LINGER": "1s"}})
		e, A := ct.e, ct.A
		reg := func(sub string) map[string]any {
			return map[string]any{"type": "generic", "name": "Sub", "rtsp_url": sim.URL(1), "sub_rtsp_url": sub,
				"username": "cam", "password": "pw"}
		}
		for _, bad := range []string{"http://127.0.0.1/x", "rtsp://other:pw@" + sim.Addr() + "/cam/2", "rtsp://169.254.169.254/x"} {
			if r := e.Do("POST", "/api/v1/cameras", A.Token, reg(bad)); r.Status != 400 || r.Fields()["sub_rtsp_url"] == nil {
				t.Fatalf("sub_rtsp_url %q: %d %s", bad, r.Status, r.Body)
			}
		}
		cam := e.Must(201, "POST", "/api/v1/cameras", A.Token, reg("rtsp://cam:pw@"+sim.Addr()+"/cam/2")).ID()
		if got := e.Must(200, "GET", camPath(cam), A.Token, nil).JSON["sub_rtsp_url"]; got != sim.URL(2) {
			t.Fatalf("sub_rtsp_url shown as %v, want %s without credentials", got, sim.URL(2))
		}
		if r := e.Do("PATCH", camPath(cam), A.Token, map[string]any{"sub_rtsp_url": "rtsp://169.254.169.254/x"}); r.Status != 400 || r.Fields()["sub_rtsp_url"] == nil {
			t.Fatalf("patch to a refused address: %d %s", r.Status, r.Body)
		}
		e.Must(200, "PATCH", camPath(cam), A.Token, map[string]any{"customer_id": ct.C.ID, "plan_id": ct.P})
		plain := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Plain",
			"rtsp_url": sim.URL(3), "customer_id": ct.C.ID, "plan_id": ct.P}).ID()
		hub := e.Main.Recording().Hub()
		waitUntil(t, 15*time.Second, "both recording", func() bool {
			a, _ := e.Main.Recording().Status(cam)
			b, _ := e.Main.Recording().Status(plain)
			return a.Recording && b.Recording
		})

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if r := e.Do("POST", camPath(cam, "/whep?stream=tiny"), ct.C.Token, nil); r.Status != 400 || r.Fields()["stream"] == nil {
			t.Fatalf("unknown stream: %d %s", r.Status, r.Body)
		}
		for _, id := range []int64{cam, plain} {
			c, err := whepclient.Connect(ctx, e.URL+camPath(id, "/whep?stream=sub"), whepclient.Options{Header: bearer(ct.C.Token)})
			if err != nil {
				t.Fatal(err)
			}
			waitUntil(t, 10*time.Second, "sub-stream frames", func() bool { return c.Stats().Frames > 5 })
			// Read while this viewer is still connected: a pull nobody
			// watches is released after VIGILO_LIVE_LINGER (1 s here), which
			// a loaded machine can spend on the next camera's connect.
			pulled := hub.Pulled()
			if id == cam && !slices.Contains(pulled, live.SubStreamKey(cam)) {
				t.Fatalf("pulled %v while watching camera %d's sub stream: want its sub stream pulled", pulled, cam)
			}
			if id == plain && slices.Contains(pulled, live.SubStreamKey(plain)) {
				t.Fatalf("pulled %v: camera %d has no sub stream, so only its main stream serves ?stream=sub", pulled, plain)
			}
			_ = c.Delete(ctx)
		}
	})
}
