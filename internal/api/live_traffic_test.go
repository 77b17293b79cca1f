package api_test

import (
	"context"
	"testing"
	"time"
)

// TestLiveTrafficOfDeletedCamera: bytes a viewer was served just before its
// camera was deleted are dropped at the next flush (the camera's usage went
// with it) instead of being kept and retried for ever, while another
// camera's bytes of the same flush are written.
func TestLiveTrafficOfDeletedCamera(t *testing.T) {
	camDBsAtOnce(t, func(t *testing.T, pg bool) {
		l := newLiveEnv(t, pg)
		e, A, C := l.e, l.A, l.C
		other := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Live 2",
			"rtsp_url": l.sim.URL(2)}).ID()
		e.Must(200, "PATCH", camPath(other), A.Token, map[string]any{"customer_id": C.ID, "plan_id": l.P})

		e.Main.FlushLiveTraffic()
		if n := e.Main.LiveTrafficPending(); n != 0 {
			t.Fatalf("%d bytes pending before anyone watched", n)
		}
		for _, cam := range []int64{l.cam, other} {
			tok := e.Must(201, "POST", camPath(cam, "/stream-token"), C.Token, nil).JSON["token"].(string)
			e.Must(200, "GET", camPath(cam, "/live/index.m3u8?token="+tok), "", nil)
		}
		if n := e.Main.LiveTrafficPending(); n == 0 {
			t.Fatal("the playlists served were not counted")
		}
		e.Must(200, "DELETE", camPath(l.cam), A.Token, nil)

		e.Main.FlushLiveTraffic()
		if n := e.Main.LiveTrafficPending(); n != 0 {
			t.Errorf("%d bytes of the deleted camera kept for the next flush", n)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		today := time.Now().UTC().Format(time.DateOnly)
		if n, err := e.Main.Store.R().CameraTraffic(ctx, other, today, today); err != nil || n == 0 {
			t.Errorf("the other camera's live traffic: %d bytes, %v", n, err)
		}
	})
}
