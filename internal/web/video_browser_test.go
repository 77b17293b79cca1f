package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestVideoPortalInBrowser: a Guard with view_live on camera 1 only lands
// in the video portal and sees camera 1 alone, without controls for rights
// it lacks; the customer's admin opens the video portal from the admin
// portal's menu, sees both cameras in the grid, opens one and
// plays back from one minute ago by keyboard on the timeline (the video's
// time advances), changes the speed, and the pages work at phone width.
func TestVideoPortalInBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	w := newVideoWorld(t, apitest.Options{})
	base := w.e.Main.Config.BaseURL
	b := &browser{t: t, ctx: ctx, base: base}
	recordingSince := time.Now()

	// A Guard whose role may watch camera 1 only lands in the video portal
	// and sees camera 1 and not camera 2, whose page refuses it (403
	// right_missing: the camera is in its account, the right is not).
	role := w.e.Must(201, "POST", "/api/v1/accounts/"+itoa(w.C.ID)+"/roles", w.C.Token, map[string]any{"name": "Gate guard",
		"portal": "video", "rights": []string{"view_live", "playback"}, "all_cameras": false, "camera_ids": []int64{w.cam1}}).ID()
	w.e.Must(201, "POST", "/api/v1/accounts/"+itoa(w.C.ID)+"/users", w.C.Token, map[string]any{"email": "gate@c.test", "name": "Gale Guard",
		"password": "gate-pass-123", "role_id": role, "send_confirmation": false})
	w.e.ConfirmEmail("gate@c.test")
	b.signIn("gate@c.test", "gate-pass-123")
	b.waitPath("/video")
	b.do(chromedp.WaitVisible(chromedp.CSS("#video-grid")))
	if got := b.text("#video-grid"); !strings.Contains(got, "Front gate") || strings.Contains(got, "Loading dock") {
		t.Fatalf("the guard's grid: %q", got)
	}
	if n := b.eval(`document.querySelectorAll(".mainnav a").length`); n != "1" {
		t.Fatalf("the guard's menu has %s entries: %s", n, b.text(".mainnav"))
	}
	testenv.Screenshot(t, ctx, "video-guard-grid")
	b.do(chromedp.Navigate(base + "/video/cameras/" + itoa(w.cam2)))
	if got := b.text(".error-page h1"); got != "Not allowed" || strings.Contains(b.text("main"), "Loading dock") {
		t.Fatalf("the guard on camera 2's page sees %q: %s", got, b.text("main"))
	}
	// Camera 1's page: live and the timeline, but no clip or share control
	// (the role has neither right).
	b.do(chromedp.Navigate(base+"/video/cameras/"+itoa(w.cam1)), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if got := b.eval(`[!!document.getElementById("clipbox"), !!document.getElementById("share-live"), !!document.getElementById("share-dialog")].join()`); got != "false,false,false" {
		t.Fatalf("the guard without save_clip/share sees clip or share controls (clipbox, share-live, share-dialog): %s", got)
	}
	b.signOut()

	// The customer's owner: "Video" is one click away.
	b.signIn(w.C.Email, w.C.Password)
	b.do(chromedp.Click(chromedp.CSS(".mainnav a[href='/video']")))
	b.waitPath("/video")
	b.do(chromedp.WaitVisible(chromedp.CSS("#video-grid")))
	if n := b.eval(`document.querySelectorAll("#video-grid .vtile").length`); n != "2" {
		t.Fatalf("grid shows %s tiles: %s", n, b.text("main"))
	}
	for _, name := range []string{"Front gate", "Loading dock"} {
		if !strings.Contains(b.text("#video-grid"), name) {
			t.Fatalf("grid misses %q: %s", name, b.text("#video-grid"))
		}
	}
	// Tiles are reachable by keyboard: the first Tab stop in the grid is a tile.
	b.do(chromedp.Focus(chromedp.CSS("#layout-16")), chromedp.KeyEvent("\t"))
	if got := b.eval(`document.activeElement.className + " " + document.activeElement.getAttribute("href")`); !strings.Contains(got, "vtile-link") {
		t.Fatalf("Tab from the layout buttons reaches %q", got)
	}
	testenv.Screenshot(t, ctx, "video-grid")

	// The camera page with its timeline, once a minute is recorded.
	w.waitRecorded(t, w.cam1, 65*time.Second, 100*time.Second-time.Since(recordingSince))
	b.do(chromedp.Navigate(base + "/video/cameras/" + itoa(w.cam1)))
	b.do(chromedp.WaitVisible(chromedp.CSS("#timeline .tl-spans span")))
	// Keyboard: End puts the mark at now, ← one minute back, Enter plays.
	b.do(chromedp.Focus(chromedp.CSS("#timeline")), chromedp.KeyEvent(kb.End), chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.Enter))
	asked := time.Now().Add(-time.Minute)
	t0 := b.waitVideoPlays("#playback-video", 15*time.Second)
	at, _ := strconv.ParseInt(b.eval(`document.getElementById("playback-video").getAttribute("data-at")`), 10, 64)
	if d := time.UnixMilli(at).Sub(asked); d < -5*time.Second || d > 10*time.Second {
		t.Fatalf("playing %s, asked for about %s (video time %.1f)", time.UnixMilli(at).Format(time.TimeOnly), asked.Format(time.TimeOnly), t0)
	}
	// The 10-minute view shows the recorded stretch and where it plays.
	b.click(".zoom button[data-zoom='600']")
	if w := b.eval(`parseFloat(document.querySelector("#timeline .tl-spans span").style.width) > 10`); w != "true" {
		t.Fatalf("the 10-minute view does not widen the recorded span: %s", b.eval(`document.querySelector("#timeline .tl-spans span").style.width`))
	}
	testenv.Screenshot(t, ctx, "video-playback")

	// 4× speed applies to the video.
	b.click(".speeds button[data-speed='4']")
	if r := b.eval(`document.getElementById("playback-video").playbackRate`); r != "4" {
		t.Fatalf("playback rate after 4×: %s", r)
	}

	// A stretch longer than one request plays through: with requests of 5 s
	// (instead of an hour) at 8×, playing from a minute ago reaches 15 s
	// later than asked, three requests on, by itself.
	tab := newTabWithScript(t, ctx, `window.vigiloPlaybackChunk = 5;`)
	c := &browser{t: t, ctx: tab, base: base}
	c.do(chromedp.Navigate(base+"/video/cameras/"+itoa(w.cam1)), chromedp.WaitVisible(chromedp.CSS("#timeline .tl-spans span")))
	c.click(".speeds button[data-speed='8']")
	c.do(chromedp.Focus(chromedp.CSS("#timeline")), chromedp.KeyEvent(kb.End), chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.Enter))
	asked = time.Now().Add(-time.Minute)
	c.waitPlayedPast("#playback-video", asked.Add(15*time.Second), 20*time.Second)
	if r := c.eval(`document.getElementById("playback-video").playbackRate`); r != "8" {
		t.Fatalf("the next request lost the speed: %s", r)
	}
	// It got there by later requests of 5 s each (two on at least: a request
	// starts at the keyframe before its start, so the play head reads up to a
	// GOP ahead), not by one long one.
	src, _ := url.Parse(c.eval(`document.getElementById("playback-video").src`))
	if start, _ := strconv.ParseInt(src.Query().Get("start"), 10, 64); src.Query().Get("duration") != "5.000" || start < asked.Add(9*time.Second).UnixMilli() {
		t.Fatalf("the playback now asks for %s: not a later 5 s request", src)
	}

	// Phone width: the grid and the camera page fit without sideways scrolling.
	b.do(chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/video"), chromedp.WaitVisible(chromedp.CSS("#video-grid")))
	if sw := b.eval(`document.documentElement.scrollWidth <= window.innerWidth`); sw != "true" {
		t.Fatalf("the grid scrolls sideways at 390 px: %s > %s", b.eval(`document.documentElement.scrollWidth`), b.eval(`window.innerWidth`))
	}
	testenv.Screenshot(t, ctx, "video-grid-phone")
	b.do(chromedp.Navigate(base+"/video/cameras/"+itoa(w.cam1)), chromedp.WaitVisible(chromedp.CSS("#timeline .tl-spans span")))
	if sw := b.eval(`document.documentElement.scrollWidth <= window.innerWidth`); sw != "true" {
		t.Fatalf("the camera page scrolls sideways at 390 px")
	}
	testenv.Screenshot(t, ctx, "video-camera-phone")

	// Camera events are marks on the timeline: a motion that lasted 10 s,
	// and an outage still open.
	if _, err := w.e.Main.App.OpenCameraEvent(t.Context(), w.cam1, camera.EventMotion, time.Now().Add(-40*time.Second), ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.e.Main.App.CloseCameraEvent(t.Context(), w.cam1, camera.EventMotion, time.Now().Add(-30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.e.Main.App.OpenCameraEvent(t.Context(), w.cam1, camera.EventOffline, time.Now().Add(-5*time.Second), "test"); err != nil {
		t.Fatal(err)
	}
	// (Last: the page's live player would load the machine under the
	// playback checks above.)
	c.do(chromedp.Navigate("about:blank"))
	b.do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/video/cameras/"+itoa(w.cam1)), chromedp.WaitVisible(chromedp.CSS("#timeline .tl-events .ev-offline")))
	b.click(".zoom button[data-zoom='600']")
	if got := b.eval(`(function(){var m=document.querySelector("#timeline .tl-events .ev-motion"); return m ? m.title + "|" + (parseFloat(m.style.width) > 0.5) : "none"})()`); !strings.HasPrefix(got, "Motion: ") || !strings.HasSuffix(got, "|true") {
		t.Fatalf("motion mark on the 10-minute view: %s", got)
	}
	if got := b.eval(`document.querySelector("#timeline .tl-events .ev-offline").title`); !strings.HasSuffix(got, "– now") {
		t.Fatalf("open outage mark: %s", got)
	}
}

// waitVideoPlays waits until the video's currentTime has grown by at least
// a second since it started moving, and returns where it stood first.
func (b *browser) waitVideoPlays(sel string, within time.Duration) float64 {
	b.t.Helper()
	deadline := time.Now().Add(within)
	js := `(function(){var v=document.querySelector(` + strconv.Quote(sel) + `);return v?v.currentTime:-1})()`
	first := -1.0
	for time.Now().Before(deadline) {
		ct, _ := strconv.ParseFloat(b.eval(js), 64)
		if ct > 0 && first < 0 {
			first = ct
		}
		if first >= 0 && ct >= first+1 {
			return first
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.t.Fatalf("%s did not play within %s (currentTime %s, error %s)", sel, within, b.eval(js),
		b.eval(`(function(){var v=document.querySelector(`+strconv.Quote(sel)+`);return v&&v.error?v.error.message:"none"})()`))
	return 0
}

// waitPlayedPast waits until the playback in sel has shown a moment after
// at (its data-at, the recording's time at the play head).
func (b *browser) waitPlayedPast(sel string, at time.Time, within time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(within)
	js := `(function(){var v=document.querySelector(` + strconv.Quote(sel) + `);return v?v.getAttribute("data-at")||"0":"0"})()`
	for {
		ms, _ := strconv.ParseInt(b.eval(js), 10, 64)
		if ms > at.UnixMilli() {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s played to %s, not past %s, within %s (src %s)", sel, time.UnixMilli(ms).Format(time.TimeOnly), at.Format(time.TimeOnly), within,
				b.eval(`document.querySelector(`+strconv.Quote(sel)+`).src`))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
