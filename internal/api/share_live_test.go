package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/live/whepclient"
	"github.com/vigilo/vigilo/internal/testenv"
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

// TestShareLiveBrowser opens a live share in a fresh Chromium profile (no
// sign-in): the page's player (/static/player.js) plays the camera — the
// video's time advances at the camera's size — and after revocation the
// page answers that the link was revoked.
func TestShareLiveBrowser(t *testing.T) {
	l := newLiveEnv(t, false)
	e, C := l.e, l.C
	sh := e.Must(201, "POST", "/api/v1/shares", C.Token, map[string]any{"kind": "live", "camera_id": l.cam, "expires_in_hours": 1})
	url := sh.JSON["url"].(string)
	page := e.URL + url[strings.Index(url, "/s/"):]
	ctx := testenv.Browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("video#player"))); err != nil {
		t.Fatal(err)
	}
	js := `(function(){var v=document.querySelector("video#player");return {t:v.currentTime,w:v.videoWidth,mode:v.getAttribute("data-mode")||""}})()`
	var state map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for {
		var err error
		if state, err = chromedp.Run(ctx, chromedp.Evaluate[map[string]any](js)); err != nil {
			t.Fatal(err)
		}
		if tm, _ := state["t"].(float64); tm > 1 && state["w"] == float64(640) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("shared live video did not play: %+v", state)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("shared live video plays in a fresh profile: %v", state)
	testenv.Screenshot(t, ctx, "share-live")

	e.Must(200, "DELETE", "/api/v1/shares/"+itoa(sh.ID()), C.Token, nil)
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "revoked") {
		t.Fatalf("revoked link's page: %q", text)
	}
}
