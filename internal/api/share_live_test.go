package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/live/whepclient"
)

// TestShareLive: a stranger watches a live share over WebRTC (WHEP at
// /s/{token}/whep) and LL-HLS (/s/{token}/live/…) without signing in; the
// bytes are metered as the camera's traffic; revoking the link ends the open
// WebRTC session within 2 s and HLS answers 410.
func TestShareLive(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		l := newLiveEnv(t, pg)
		e, C := l.e, l.C
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sh := e.Must(201, "POST", "/api/v1/shares", C.Token, map[string]any{"kind": "live", "camera_id": l.cam, "expires_in_hours": 2})
		url := sh.JSON["url"].(string)
		base := e.URL + url[strings.Index(url, "/s/"):]
		v, err := whepclient.Connect(ctx, base+"/whep", whepclient.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		waitUntil(t, 15*time.Second, "frames over the shared WHEP", func() bool { return v.Stats().Frames > 10 })
		hls, n := hlsReader(t, base+"/live/index.m3u8")
		waitUntil(t, 15*time.Second, "frames over the shared LL-HLS", func() bool { return n.Load() > 10 })
		hls.Close()
		e.Main.FlushLiveTraffic()
		today := time.Now().UTC().Format(time.DateOnly)
		if got, _ := e.Main.Store.R().CameraTraffic(ctx, l.cam, today, today); got == 0 {
			t.Fatal("share viewers' bytes not metered")
		}
		// A clip share's media routes refuse a live link and vice versa.
		if r := e.Do("GET", url[strings.Index(url, "/s/"):]+"/video", "", nil); r.Status != 404 {
			t.Fatalf("live link serves a clip: %d", r.Status)
		}

		revoked := time.Now()
		e.Must(200, "DELETE", "/api/v1/shares/"+itoa(sh.ID()), C.Token, nil)
		waitUntil(t, 2*time.Second, "the shared session to end", func() bool { return e.Main.LiveSessions() == 0 })
		t.Logf("shared WebRTC session ended %s after revocation", time.Since(revoked).Round(time.Millisecond))
		if r := e.Do("GET", url[strings.Index(url, "/s/"):]+"/live/index.m3u8", "", nil); r.Status != 410 {
			t.Fatalf("HLS after revocation: %d %s", r.Status, r.Body)
		}
		if _, err := whepclient.Connect(ctx, base+"/whep", whepclient.Options{}); err == nil {
			t.Fatal("a revoked link opened a WebRTC session")
		}
	})
}
