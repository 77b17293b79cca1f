package web_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/onvif/onviftest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestVideoPTZInBrowser: the video portal's pan/tilt/zoom controls move the
// ONVIF device. A quick tap on "Pan right" reaches the device as
// ContinuousMove then Stop, in that order (a Stop overtaken by its move
// would leave the camera turning); holding "Zoom in" moves until released;
// a preset goes by name, and an unknown one is shown, naming the field.
// (The device is our fake: no third-party ONVIF device with PTZ installs
// from the registries CI reaches; docs/CAMERAS.md.)
func TestVideoPTZInBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	w := newVideoWorld(t, apitest.Options{Env: map[string]string{"VIGILO_ONVIF_RETRY": "2s"}})
	dev := onviftest.StartT(t, &onviftest.Device{Username: "admin", Password: "pw", StreamURI: w.sim.URL(1)})
	e := w.e
	cam := e.Must(201, "POST", "/api/v1/cameras", w.A.Token, map[string]any{"type": "onvif", "name": "Yard PTZ",
		"onvif": map[string]any{"address": dev.URL, "username": "admin", "password": "pw"}, "customer_id": w.C.ID, "plan_id": w.P}).ID()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := e.Must(200, "GET", "/api/v1/cameras/"+itoa(cam), w.A.Token, nil)
		if on, _ := r.JSON["onvif"].(map[string]any); on != nil && on["ptz"] == true {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ONVIF camera without PTZ after 15 s: %s", r.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}

	b := &browser{t: t, ctx: ctx, base: e.Main.Config.BaseURL}
	b.signIn(w.C.Email, w.C.Password)
	b.do(chromedp.Navigate(b.base+"/video/cameras/"+itoa(cam)), chromedp.WaitVisible(chromedp.CSS("#ptz")))
	waitCalls := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			calls := dev.PTZCalls()
			if len(calls) >= n {
				return calls
			}
			if time.Now().After(deadline) {
				t.Fatalf("the device got %q, want %d PTZ calls", calls, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	b.click(`#ptz [aria-label="Pan right"]`)
	calls := waitCalls(2)
	if !strings.HasPrefix(calls[0], `ContinuousMove x="0.500" y="0.000"`) || !strings.HasPrefix(calls[1], "Stop") {
		t.Fatalf("a tap on Pan right reached the device as %q", calls)
	}
	testenv.Screenshot(t, ctx, "video-ptz")

	// Hold Zoom in: it moves, and stops only on release.
	b.do(chromedp.ScrollIntoView(chromedp.CSS(`#ptz [aria-label="Zoom in"]`)))
	xy := strings.Split(b.eval(`(function(){var r=document.querySelector('#ptz [aria-label="Zoom in"]').getBoundingClientRect();`+
		`return (r.left+r.width/2)+","+(r.top+r.height/2)})()`), ",")
	px, errX := strconv.ParseFloat(xy[0], 64)
	py, errY := strconv.ParseFloat(xy[len(xy)-1], 64)
	if errX != nil || errY != nil {
		t.Fatalf("Zoom in button at %q", xy)
	}
	b.do(chromedp.MouseEvent("mousePressed", px, py, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	calls = waitCalls(3)
	time.Sleep(500 * time.Millisecond)
	if n := len(dev.PTZCalls()); n != 3 || !strings.HasPrefix(calls[2], `ContinuousMove x="0.000" y="0.000" x="0.500"`) {
		t.Fatalf("holding Zoom in: %q", dev.PTZCalls())
	}
	b.do(chromedp.MouseEvent("mouseReleased", px, py, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if calls = waitCalls(4); !strings.HasPrefix(calls[3], "Stop") {
		t.Fatalf("releasing Zoom in: %q", calls)
	}

	// Presets by name.
	b.do(chromedp.SendKeys(chromedp.CSS("#ptz-preset-name"), "Yard\r"))
	if calls = waitCalls(5); !strings.HasPrefix(calls[4], "GotoPreset") || !strings.Contains(calls[4], "p2") {
		t.Fatalf("preset Yard: %q", calls)
	}
	b.eval(`document.getElementById("ptz-preset-name").value = ""`)
	b.do(chromedp.SendKeys(chromedp.CSS("#ptz-preset-name"), "Roof\r"))
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(b.text("#ptz-status"), "preset") {
		if time.Now().After(deadline) {
			t.Fatalf("an unknown preset shows %q", b.text("#ptz-status"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(dev.PTZCalls()); n != 5 {
		t.Fatalf("an unknown preset reached the device: %q", dev.PTZCalls())
	}
}
