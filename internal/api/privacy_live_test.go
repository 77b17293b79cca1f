package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/live/whepclient"
)

// TestLiveEndsOnPrivacy: the integrator above customer C watches C's camera
// live (WebRTC); C switching its privacy on ends the session within 2 s and
// refuses HLS with video_withheld; a grant lets the integrator in again,
// and its revocation — and, with another grant, its expiry — end the
// session within 2 s too (both databases).
func TestLiveEndsOnPrivacy(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		l := newLiveEnv(t, pg)
		e, A, C := l.e, l.A, l.C
		privacy := fmt.Sprintf("/api/v1/accounts/%d/privacy", C.ID)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// watch opens a session as the integrator and waits for frames.
		watch := func() *whepclient.Conn {
			t.Helper()
			v, err := whepclient.Connect(ctx, l.whep(l.cam), whepclient.Options{Header: bearer(A.Token)})
			if err != nil {
				t.Fatal(err)
			}
			waitUntil(t, 15*time.Second, "frames", func() bool { return v.Stats().Frames > 10 })
			return v
		}
		// ended checks that cut ends the open session within 2 s.
		ended := func(what string, v *whepclient.Conn, cut func()) {
			t.Helper()
			at := time.Now()
			cut()
			waitUntil(t, 2*time.Second, "the server to end the session after "+what, func() bool { return e.Main.LiveSessions() == 0 })
			time.Sleep(time.Second)
			if last := v.Stats().LastPacket; last.Sub(at) > 2*time.Second {
				t.Errorf("%s: video still flowing %s after it", what, last.Sub(at))
			}
			v.Close()
			if _, err := whepclient.Connect(ctx, l.whep(l.cam), whepclient.Options{Header: bearer(A.Token)}); err == nil {
				t.Errorf("%s: a new session opened", what)
			}
		}

		v := watch()
		tok := e.Must(201, "POST", camPath(l.cam, "/stream-token"), A.Token, nil).JSON["token"].(string)
		hlsURL := camPath(l.cam, "/live/index.m3u8?token="+tok)
		ended("privacy on", v, func() { e.Must(200, "PUT", privacy, C.Token, map[string]any{"enabled": true}) })
		if r := e.Do("GET", hlsURL, "", nil); r.Status != 403 || r.Code() != "video_withheld" {
			t.Errorf("HLS after privacy on: %d %s", r.Status, r.Body)
		}

		g := e.Must(201, "POST", privacy+"/grants", C.Token, map[string]any{"hours": 1}).ID()
		v = watch()
		ended("the grant revoked", v, func() { e.Must(200, "DELETE", fmt.Sprintf("%s/grants/%d", privacy, g), C.Token, nil) })

		e.Must(201, "POST", privacy+"/grants", C.Token, map[string]any{"hours": 1})
		v = watch()
		defer func() { e.Main.App.Now = time.Now }()
		ended("the grant expired", v, func() { e.Main.App.Now = func() time.Time { return time.Now().Add(61 * time.Minute) } })
	})
}
