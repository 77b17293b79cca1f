package api_test

import (
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestONVIFMockup, end to end on both databases, against the onvif npm
// package's device mockup (a device we did not write, with the event and
// PTZ services go2rtc lacks; it checks no credentials):
//   - registered by address and credentials, its identity (manufacturer,
//     model) is shown, and since its stream address is on 192.168.68.111,
//     which this server's camera-address policy refuses (only 127.0.0.1 is
//     let through, so nothing is ever sent there), the camera is offline
//     with the named reason address_refused — never a 5xx;
//   - its motion events are collected all the same (a camera whose stream
//     is refused or down still reports motion): one is in
//     GET /cameras/{id}/events within 3 s of the subscription;
//   - the pull loop does not hammer a device that answers PullMessages at
//     once (this one always does): over 4 s it asks at most 2 a second;
//   - POST /cameras/{id}/ptz moves, stops and goes to one of its presets,
//     each command seen arriving in the mockup's own log; an unknown
//     preset is a 4xx naming the field.
func TestONVIFMockup(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		m := testenv.StartONVIFMockup(t)
		ct := newCamTree(t, apitest.Options{Postgres: pg, Env: map[string]string{
			"VIGILO_CAMERA_ALLOW": "127.0.0.1/32", "VIGILO_ONVIF_RETRY": "2s"}})
		o := onvifEnv{camTree: ct}
		e := o.e

		cam := o.register(t, "Mockup PTZ", m.Addr, "admin", "Mockup-pw1", true)
		r, _ := o.waitStatus(t, cam, 15*time.Second, "address_refused", reasonIs("address_refused"))
		on, _ := r.JSON["onvif"].(map[string]any)
		if on["manufacturer"] != "Mockup Manufacturer" || on["model"] != "Mockup Model" || on["firmware"] != "Mockup_15_14_13" ||
			on["main_profile"] != "main" || on["ptz"] != true || on["events"] != true {
			t.Fatalf("device details: %s\nmockup: %s", r.Body, m.Log())
		}
		if u, _ := r.JSON["rtsp_url"].(string); u != "" {
			t.Fatalf("a refused stream address was kept: %s", r.Body)
		}

		if m.WaitReceived("CreatePullPointSubscription", 1, 15*time.Second) < 1 {
			t.Fatalf("no pull-point subscription\nmockup: %s", m.Log())
		}
		subscribed := time.Now()
		for {
			list := motionEvents(t, o, cam)
			if len(list) > 0 {
				// The mockup never reports the motion over.
				if list[0]["end"] != nil {
					t.Fatalf("motion event ended: %v", list)
				}
				break
			}
			if time.Since(subscribed) > 3*time.Second {
				t.Fatalf("no motion event 3 s after the subscription\nmockup: %s", m.Log())
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("motion: subscription → API in %v", time.Since(subscribed))

		before := m.Received("PullMessages")
		time.Sleep(4 * time.Second)
		pulls := m.WaitReceived("PullMessages", before+1, time.Second) - before
		if pulls < 2 || pulls > 10 {
			t.Fatalf("%d PullMessages in 4 s from a device that answers at once: want 2 to 10", pulls)
		}
		t.Logf("%d PullMessages in 4 s", pulls)

		e.Must(204, "POST", camPath(cam, "/ptz"), ct.A.Token, map[string]any{"action": "move", "pan": 0.5, "tilt": -0.5})
		e.Must(204, "POST", camPath(cam, "/ptz"), ct.A.Token, map[string]any{"action": "stop"})
		e.Must(204, "POST", camPath(cam, "/ptz"), ct.C.Token, map[string]any{"action": "goto_preset", "preset": "P002"})
		wantFields(t, e.Do("POST", camPath(cam, "/ptz"), ct.A.Token, map[string]any{"action": "goto_preset", "preset": "Roof"}), "preset")
		for cmd, want := range map[string]int{"ContinuousMove": 1, "Stop": 1, "GotoPreset": 1} {
			if n := m.WaitReceived(cmd, want, 2*time.Second); n != want {
				t.Fatalf("the mockup received %s %d times, want %d\nmockup: %s", cmd, n, want, m.Log())
			}
		}
	})
}
