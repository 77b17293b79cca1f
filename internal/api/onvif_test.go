package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/media/simcam"
	"github.com/vigilo/vigilo/internal/onvif/onviftest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// startGo2RTC runs go2rtc (a real ONVIF device we did not write) serving
// one stream "cam": ffmpeg publishing a generated H.264 clip in a loop to
// go2rtc's RTSP server (an exec: source, started when a client asks). Its
// ONVIF service wants HTTP Basic credentials user/pass.
func startGo2RTC(t *testing.T, user, pass string) *testenv.Go2RTCServer {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg")
	testenv.RequireTool(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clip, err := simcam.GenerateClip(ctx, filepath.Join(os.TempDir(), "vigilo-simcam-clips"), recClip)
	if err != nil {
		t.Fatal(err)
	}
	return testenv.StartGo2RTCAuth(t, map[string]string{
		"cam": "exec:" + ffmpeg + " -hide_banner -loglevel error -re -stream_loop -1 -i " + clip + " -c copy -rtsp_transport tcp -f rtsp {output}",
	}, user, pass)
}

type onvifEnv struct {
	camTree
	g *testenv.Go2RTCServer
}

func (o onvifEnv) register(t *testing.T, name, address, user, pass string, assign bool) int64 {
	t.Helper()
	body := map[string]any{"type": "onvif", "name": name, "onvif": map[string]any{"address": address, "username": user, "password": pass}}
	if assign {
		body["customer_id"], body["plan_id"] = o.C.ID, o.P
	}
	r := o.e.Must(201, "POST", "/api/v1/cameras", o.A.Token, body)
	if st := r.JSON["status"].(map[string]any)["state"]; st != "pending" {
		t.Fatalf("new ONVIF camera state %v, want pending: %s", st, r.Body)
	}
	return r.ID()
}

// waitStatus polls the camera until ok(status) or the time is up, and
// returns the camera and how long it took.
func (o onvifEnv) waitStatus(t *testing.T, id int64, within time.Duration, what string, ok func(st map[string]any) bool) (apitest.Response, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		r := o.e.Do("GET", camPath(id), o.A.Token, nil)
		if r.Status != 200 {
			t.Fatalf("GET camera: %d %s", r.Status, r.Body)
		}
		if ok(r.JSON["status"].(map[string]any)) {
			return r, time.Since(start)
		}
		if time.Since(start) > within {
			log := ""
			if o.g != nil {
				log = o.g.Log()
			}
			t.Fatalf("camera %d not %s after %v: %s\ngo2rtc: %s", id, what, within, r.Body, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func isRecording(st map[string]any) bool { return st["recording"] == true }

func reasonIs(reason string) func(map[string]any) bool {
	return func(st map[string]any) bool { return st["reason"] == reason && st["state"] == "offline" }
}

// motionEvents lists the camera's motion events (health events, online
// and offline, are the alerts' business).
func motionEvents(t *testing.T, o onvifEnv, id int64) []map[string]any {
	t.Helper()
	var list, out []map[string]any
	decodeJSON(t, o.e.Must(200, "GET", camPath(id, "/events"), o.A.Token, nil), &list)
	for _, e := range list {
		if e["type"] == "motion" {
			out = append(out, e)
		}
	}
	return out
}

// TestONVIF, end to end on both databases with the real recorder:
//   - go2rtc (real device, behind HTTP Basic authentication): registered by
//     host:port and credentials → online and recording within 15 s, model
//     and firmware in the API and the admin portal, its profiles listed; a
//     wrong password is "unauthorized"; PTZ on it is 409 ptz_unsupported
//     (go2rtc has none);
//   - our fake device (what go2rtc lacks): a wrong WS-Security password is
//     "unauthorized"; HTTP digest works; motion reaches the events API
//     within 3 s and ends; with the events module off no event is kept;
//     PTZ commands reach the device; huge and malformed answers, a stream
//     address on a refused network, a closed port: named reasons, never 5xx;
//     a stream address that stops working is asked again and recording
//     resumes.
func TestONVIF(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		g := startGo2RTC(t, "admin", "Lobby-pw1")
		ct := newCamTree(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_RECORD": "true",
			"VIGILO_SEGMENT_LENGTH": "2s", "VIGILO_ONVIF_RETRY": "2s"}})
		o := onvifEnv{camTree: ct, g: g}
		e := o.e

		// go2rtc: onboarding and recording, timed.
		cam := o.register(t, "Lobby", g.APIAddr, "admin", "Lobby-pw1", true)
		r, took := o.waitStatus(t, cam, 15*time.Second, "recording", isRecording)
		t.Logf("ONVIF onboarding of go2rtc: recording %v after registration", took)
		on := r.JSON["onvif"].(map[string]any)
		if on["model"] != "go2rtc" || on["firmware"] == "" || on["main_profile"] != "cam" || on["ptz"] != false {
			t.Fatalf("device details: %s", r.Body)
		}
		if p := on["profiles"].([]any); len(p) != 1 || p[0].(map[string]any)["encoding"] != "H264" {
			t.Fatalf("profiles: %s", r.Body)
		}
		if u, _ := r.JSON["rtsp_url"].(string); u != "rtsp://"+g.RTSPAddr+"/cam" {
			t.Fatalf("stream address %q, want rtsp://%s/cam", u, g.RTSPAddr)
		}
		if status, _, body := portalGet(t, e, "/cameras/"+itoa(cam), ct.A.Token); status != 200 || !strings.Contains(body, "go2rtc") {
			t.Fatalf("admin portal camera page (%d) does not show the model", status)
		}
		wantErr(t, e.Do("POST", camPath(cam, "/ptz"), ct.A.Token, map[string]any{"action": "stop"}), 409, "ptz_unsupported")

		// A wrong password is named, on the real device (HTTP Basic) and on
		// the fake (WS-Security); nothing records.
		wrong := o.register(t, "Lobby wrong password", g.APIAddr, "admin", "lobby-pw1", true)
		r, _ = o.waitStatus(t, wrong, 10*time.Second, "unauthorized", reasonIs("unauthorized"))
		if st := r.JSON["status"].(map[string]any); st["recording"] == true || (r.JSON["rtsp_url"] != nil && r.JSON["rtsp_url"] != "") {
			t.Fatalf("a camera with a wrong password got a stream: %s", r.Body)
		}
		secure := onviftest.StartT(t, &onviftest.Device{Username: "admin", Password: "right", StreamURI: "rtsp://" + g.RTSPAddr + "/cam"})
		bad := o.register(t, "Wrong password", secure.URL, "admin", "wrong", true)
		o.waitStatus(t, bad, 10*time.Second, "unauthorized", reasonIs("unauthorized"))

		// HTTP digest; motion events; PTZ.
		dig := onviftest.StartT(t, &onviftest.Device{Username: "admin", Password: "right", Auth: onviftest.AuthDigest,
			StreamURI: "rtsp://" + g.RTSPAddr + "/cam", SubStreamURI: "rtsp://" + g.RTSPAddr + "/cam?sub"})
		ptz := o.register(t, "Yard PTZ", dig.URL, "admin", "right", true)
		r, _ = o.waitStatus(t, ptz, 15*time.Second, "recording", isRecording)
		if on := r.JSON["onvif"].(map[string]any); on["manufacturer"] != "Fakecam" || on["ptz"] != true || on["events"] != true {
			t.Fatalf("fake device details: %s", r.Body)
		}
		// The sub profile feeds the grid tiles.
		if u, _ := r.JSON["sub_rtsp_url"].(string); u != "rtsp://"+g.RTSPAddr+"/cam?sub" {
			t.Fatalf("sub stream %q, want the sub profile's address: %s", u, r.Body)
		}
		waitSubscribed(t, dig)
		sent := time.Now()
		dig.Motion(true)
		for {
			list := motionEvents(t, o, ptz)
			if len(list) == 1 && list[0]["type"] == "motion" && list[0]["end"] == nil {
				break
			}
			if time.Since(sent) > 3*time.Second {
				t.Fatalf("motion not in the API 3 s after the device sent it: %v", list)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("motion: device → API in %v", time.Since(sent))
		dig.Motion(false)
		waitFor(t, 3*time.Second, "motion event closed", func() bool {
			list := motionEvents(t, o, ptz)
			return len(list) == 1 && list[0]["end"] != nil
		})
		e.Must(204, "POST", camPath(ptz, "/ptz"), ct.A.Token, map[string]any{"action": "move", "pan": 0.5, "tilt": -0.5})
		e.Must(204, "POST", camPath(ptz, "/ptz"), ct.A.Token, map[string]any{"action": "stop"})
		e.Must(204, "POST", camPath(ptz, "/ptz"), ct.A.Token, map[string]any{"action": "goto_preset", "preset": "Door"})
		wantFields(t, e.Do("POST", camPath(ptz, "/ptz"), ct.A.Token, map[string]any{"action": "goto_preset", "preset": "Roof"}), "preset")
		// The video portal shows PTZ controls for this camera to a user with
		// the ptz right, not to one without it, and never for go2rtc's.
		if _, _, body := portalGet(t, e, "/video/cameras/"+itoa(ptz), ct.C.Token); !strings.Contains(body, `id="ptz"`) {
			t.Fatal("no PTZ controls for the customer's owner on a PTZ camera")
		}
		if _, _, body := portalGet(t, e, "/video/cameras/"+itoa(cam), ct.C.Token); strings.Contains(body, `id="ptz"`) {
			t.Fatal("PTZ controls on a camera without PTZ")
		}
		role := e.Must(201, "POST", "/api/v1/accounts/"+itoa(ct.C.ID)+"/roles", ct.C.Token, map[string]any{"name": "Watcher",
			"portal": "video", "rights": []string{"view_live", "playback"}, "all_cameras": true}).ID()
		watcher := addUser(t, e, ct.C, ct.C.Token, role, "watcher")
		if status, _, body := portalGet(t, e, "/video/cameras/"+itoa(ptz), watcher); status != 200 || strings.Contains(body, `id="ptz"`) {
			t.Fatalf("a user without the ptz right (%d) sees PTZ controls", status)
		}
		wantErr(t, e.Do("POST", camPath(ptz, "/ptz"), watcher, map[string]any{"action": "stop"}), 403, "right_missing")
		calls := dig.PTZCalls()
		if len(calls) != 3 || !strings.HasPrefix(calls[0], `ContinuousMove x="0.500" y="-0.500"`) || !strings.HasPrefix(calls[1], "Stop") || !strings.Contains(calls[2], "p1") {
			t.Fatalf("PTZ calls at the device: %q", calls)
		}

		// The events module is enforced: switched off for the customer, the
		// subscription ends and motion is not kept.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(ct.C.ID)+"/modules", ct.A.Token, map[string]any{"events": false})
		time.Sleep(3 * time.Second)
		dig.Motion(true)
		time.Sleep(3 * time.Second)
		if list := motionEvents(t, o, ptz); len(list) != 1 {
			t.Fatalf("motion kept with the events module off: %v", list)
		}

		// Broken devices: named reasons, never a 5xx.
		huge := onviftest.StartT(t, &onviftest.Device{Huge: 4 << 20})
		malformed := onviftest.StartT(t, &onviftest.Device{Malformed: true})
		refused := onviftest.StartT(t, &onviftest.Device{StreamURI: "rtsp://172.16.5.5/stream"})
		for _, c := range []struct {
			addr, reason string
		}{{huge.URL, "bad_response"}, {malformed.URL, "bad_response"}, {refused.URL, "address_refused"}, {"127.0.0.1:1", "connection_refused"}} {
			id := o.register(t, "Broken "+c.reason, c.addr, "u", "p", false)
			r, _ := o.waitStatus(t, id, 10*time.Second, c.reason, reasonIs(c.reason))
			if r.JSON["rtsp_url"] != nil && r.JSON["rtsp_url"] != "" {
				t.Fatalf("a failed device left a stream address: %s", r.Body)
			}
		}

		// A camera whose stream address stops working (a reboot moved it)
		// is asked again, and records from the new address.
		sim := startSimcam(t)
		moving := onviftest.StartT(t, &onviftest.Device{StreamURI: sim.URL(1)})
		mv := o.register(t, "Moving", moving.URL, "u", "p", true)
		o.waitStatus(t, mv, 15*time.Second, "recording", isRecording)
		moving.SetStreamURI("rtsp://" + g.RTSPAddr + "/cam")
		sim.Stop()
		o.waitStatus(t, mv, 30*time.Second, "recording from the new address", func(st map[string]any) bool {
			r := e.Must(200, "GET", camPath(mv), ct.A.Token, nil)
			return st["recording"] == true && r.JSON["rtsp_url"] == "rtsp://"+g.RTSPAddr+"/cam"
		})
	})
}

func waitSubscribed(t *testing.T, d *onviftest.Device) {
	t.Helper()
	waitFor(t, 10*time.Second, "pull-point subscription", func() bool { n, _ := d.Subscriptions(); return n > 0 })
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
