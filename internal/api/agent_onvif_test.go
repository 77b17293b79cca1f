package api_test

import (
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/agent"
	"github.com/vigilo/vigilo/internal/agent/wsdtest"
	"github.com/vigilo/vigilo/internal/onvif/onviftest"
)

// TestPnPAgentONVIF: an ONVIF device behind a P&P agent, on an address the
// server's camera-address policy refuses (loopback under the strict
// policy), is onboarded through the agent's tunnel as a reachable ONVIF
// camera would be: online and recording with its manufacturer and model,
// motion events, PTZ. The device names a LAN address in its service
// addresses (ServiceHost) and its stream URI: the server keeps them only
// on the camera's stand-in host and reaches them through the agent.
// WS-Discovery by the agent lists a further device on the camera for the
// integrator. Stopping the agent takes the camera offline; no goroutine is
// left.
func TestPnPAgentONVIF(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ct, _ := strictCamTree(t, pg, map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s",
			"VIGILO_ONVIF_RETRY": "2s"})
		e, A, C := ct.e, ct.A, ct.C
		o := onvifEnv{camTree: ct}
		sim := startSimcam(t)
		dev := onviftest.StartT(t, &onviftest.Device{Username: "admin", Password: "right", StreamURI: sim.URL(1),
			ServiceHost: "192.168.77.10"})
		// The server itself may not reach the device: only the tunnel can.
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "onvif", "name": "Direct",
			"onvif": map[string]any{"address": dev.URL, "username": "admin", "password": "right"}}), "onvif.address")

		cam := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "pnp", "name": "Dome",
			"pnp": map[string]any{"device_id": "onvif-agent", "claim_code": "onvif-code-1"}, "customer_id": C.ID, "plan_id": ct.P}).ID()

		onv, err := agent.ParseONVIF("dome=" + strings.Replace(dev.URL, "http://", "http://admin:right@", 1))
		if err != nil {
			t.Fatal(err)
		}
		// WS-Discovery (unicast probe here; multicast on a real LAN) finds a
		// second device, which the integrator sees listed on the camera.
		wsd := wsdtest.Start(t, wsdtest.Device{Endpoint: "urn:uuid:5e1f", XAddr: "http://192.168.77.11/onvif/device_service",
			Name: "Back Gate", Hardware: "PTZ-200"})
		time.Sleep(300 * time.Millisecond)
		baseline := runtime.NumGoroutine()
		start := time.Now()
		stop := runAgent(t, agent.Config{Server: e.URL, DeviceID: "onvif-agent", ClaimCode: "onvif-code-1",
			Cameras: []agent.Camera{onv}, DiscoverTargets: []string{wsd.Addr()}})
		r, _ := o.waitStatus(t, cam, 15*time.Second, "recording", isRecording)
		t.Logf("ONVIF onboarding behind the agent: recording %v after the agent started", time.Since(start))
		on, _ := r.JSON["onvif"].(map[string]any)
		if on == nil || on["manufacturer"] != "Fakecam" || on["model"] == "" || on["ptz"] != true || on["events"] != true {
			t.Fatalf("device details of the camera behind the agent: %s", r.Body)
		}
		var found []any
		waitUntil(t, 10*time.Second, "discovered device listed", func() bool {
			p, _ := pnpOf(t, e, A.Token, cam)
			found, _ = p["discovered"].([]any)
			return p["agent_connected"] == true && len(found) == 1
		})
		if d := found[0].(map[string]any); d["xaddr"] != "http://192.168.77.11/onvif/device_service" || d["name"] != "Back Gate" ||
			d["hardware"] != "PTZ-200" || d["agent_flag"] != "--onvif back-gate=http://USER:PASSWORD@192.168.77.11/onvif/device_service" {
			t.Fatalf("discovered: %v", d)
		}
		// The admin portal's camera page shows the device and what was found.
		if status, _, body := portalGet(t, e, "/cameras/"+itoa(cam), A.Token); status != 200 || !strings.Contains(body, "Fakecam") ||
			!strings.Contains(body, "--onvif back-gate=http://USER:PASSWORD@192.168.77.11/onvif/device_service") {
			t.Fatalf("admin portal camera page (%d) lacks the device or the discovered one", status)
		}
		// What is stored names only the stand-in host, never the device's.
		stored := e.Main.App.Store.R()
		c, err := stored.Camera(t.Context(), cam)
		if err != nil {
			t.Fatal(err)
		}
		host := "camera-" + itoa(cam) + ".agent.invalid:"
		for _, u := range []string{c.RTSPURL, c.ONVIF.DeviceURL, c.ONVIF.EventsURL, c.ONVIF.PTZURL} {
			if !strings.Contains(u, "://"+host) || strings.Contains(u, "127.0.0.1") || strings.Contains(u, "192.168.77.10") {
				t.Fatalf("stored address %q is not on the stand-in host %s: %+v", u, host, c.ONVIF)
			}
		}
		rec := recEnv{camTree: ct, cam: cam, dir: e.Main.Recording().Dir()}
		segs := rec.waitSegments(t, 1, start, 30*time.Second)
		if codec, w, h, _ := ffprobeFile(t, segs[len(segs)-1].Path); codec != "h264" || w != 640 || h != 360 {
			t.Fatalf("segment from the device behind the agent: %s %dx%d", codec, w, h)
		}

		// Motion on the device reaches the events API within 3 s.
		waitSubscribed(t, dev)
		sent := time.Now()
		dev.Motion(true)
		waitFor(t, 3*time.Second, "motion event through the agent", func() bool {
			list := motionEvents(t, o, cam)
			return len(list) == 1 && list[0]["end"] == nil
		})
		t.Logf("motion behind the agent: device → API in %v", time.Since(sent))
		dev.Motion(false)
		waitFor(t, 3*time.Second, "motion event closed", func() bool {
			list := motionEvents(t, o, cam)
			return len(list) == 1 && list[0]["end"] != nil
		})

		// PTZ reaches the device.
		e.Must(204, "POST", camPath(cam, "/ptz"), C.Token, map[string]any{"action": "move", "pan": 0.25, "tilt": 0.5})
		e.Must(204, "POST", camPath(cam, "/ptz"), C.Token, map[string]any{"action": "stop"})
		if calls := dev.PTZCalls(); len(calls) != 2 || !strings.HasPrefix(calls[0], `ContinuousMove x="0.250" y="0.500"`) ||
			!strings.HasPrefix(calls[1], "Stop") {
			t.Fatalf("PTZ calls at the device: %q", calls)
		}

		// Stopping the agent takes the camera offline; PTZ is refused, not 5xx.
		stop()
		waitUntil(t, 10*time.Second, "camera offline", func() bool {
			_, st := pnpOf(t, e, A.Token, cam)
			return st["online"] == false && st["reason"] == "agent_disconnected"
		})
		if r := e.Do("POST", camPath(cam, "/ptz"), C.Token, map[string]any{"action": "stop"}); r.Status != 409 {
			t.Fatalf("PTZ without the agent: %d %s", r.Status, r.Body)
		}
		e.Must(200, "PATCH", camPath(cam), A.Token, map[string]any{"enabled": false})
		deadline := time.Now().Add(20 * time.Second)
		for runtime.NumGoroutine() > baseline+3 {
			if time.Now().After(deadline) {
				var b strings.Builder
				_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
				t.Fatalf("goroutines %d, baseline %d:\n%s", runtime.NumGoroutine(), baseline, b.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
