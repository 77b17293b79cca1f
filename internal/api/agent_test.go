package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"

	"github.com/vigilo/vigilo/internal/agent"
	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/live/whepclient"
	"github.com/vigilo/vigilo/internal/tunnel"
)

// runAgent runs a P&P agent in this process until the returned stop.
func runAgent(t *testing.T, cfg agent.Config) (stop func()) {
	t.Helper()
	cfg.Version = "test-1.2.3"
	cfg.HeartbeatEvery = 500 * time.Millisecond
	cfg.MinBackoff, cfg.MaxBackoff = 200*time.Millisecond, time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- agent.Run(ctx, cfg) }()
	var once bool
	stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("agent: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("agent did not stop within 15 s")
		}
	}
	t.Cleanup(stop)
	return stop
}

func pnpOf(t *testing.T, e *apitest.Env, tok string, id int64) (pnp, status map[string]any) {
	t.Helper()
	j := e.Must(200, "GET", camPath(id), tok, nil).JSON
	p, _ := j["pnp"].(map[string]any)
	return p, j["status"].(map[string]any)
}

// TestPnPAgent: a camera the server may not dial (loopback under the strict
// camera-address policy) is recorded and watched live through its agent's
// outbound tunnel; a wrong claim code never connects and is throttled;
// stopping the agent takes the camera offline (agent_disconnected); the
// stored credential reconnects without the claim code, deleting the camera
// revokes it, and registering the camera anew lets the agent claim again;
// malformed tunnels are refused; no goroutine is left behind.
func TestPnPAgent(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ct, _ := strictCamTree(t, pg, map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s",
			"VIGILO_WEBRTC_HOSTS": "127.0.0.1", "VIGILO_LIVE_LINGER": "1s"})
		e, A, C := ct.e, ct.A, ct.C
		sim := startSimcam(t)
		// The server itself may not reach the camera: only the tunnel can.
		wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Direct",
			"rtsp_url": sim.URL(1)}), "rtsp_url")

		cam := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "pnp", "name": "Lobby",
			"pnp": map[string]any{"device_id": "agent-1", "claim_code": "right-code-1"}, "customer_id": C.ID, "plan_id": ct.P}).ID()
		other := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "pnp", "name": "Yard",
			"pnp": map[string]any{"device_id": "agent-2", "claim_code": "right-code-2"}, "customer_id": C.ID, "plan_id": ct.P}).ID()
		p, st := pnpOf(t, e, A.Token, cam)
		if p["device_id"] != "agent-1" || p["claimed"] != false || p["agent_connected"] != false ||
			st["state"] != "pending" || st["reason"] != "agent_unclaimed" {
			t.Fatalf("before any agent: pnp %v status %v", p, st)
		}
		time.Sleep(300 * time.Millisecond)
		baseline := runtime.NumGoroutine()

		// Bad input on the agent's routes: 4xx with a reason, never 5xx.
		claim := func(dev, code string) apitest.Response {
			return e.Do("POST", "/api/v1/agent/claim", "", map[string]any{"device_id": dev, "claim_code": code})
		}
		wantFields(t, claim("x", "123"), "device_id", "claim_code")
		if r := claim("no-such-device", "whatever-code"); r.Status != 401 || r.Code() != "claim_refused" {
			t.Fatalf("unknown device: %d %s", r.Status, r.Body)
		}
		for _, hdr := range []http.Header{{}, {"Authorization": {"Bearer nope"}, tunnel.HeaderDevice: {"agent-1"}},
			{"Authorization": {"Bearer nope"}, tunnel.HeaderDevice: {"x"}}} {
			req, _ := http.NewRequest("GET", e.URL+tunnel.ConnectPath, nil)
			for k, v := range hdr {
				req.Header[k] = v
			}
			resp, err := e.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 && resp.StatusCode != 401 {
				t.Fatalf("connect with %v: %d %s", hdr, resp.StatusCode, b)
			}
		}

		// A wrong claim code never connects; its attempts are throttled.
		stopWrong := runAgent(t, agent.Config{Server: e.URL, DeviceID: "agent-2", ClaimCode: "wrong-code",
			Cameras: []agent.Camera{{Name: "yard", URL: sim.URL(2)}}})
		time.Sleep(2500 * time.Millisecond)
		if n := e.Main.AgentsConnected(); n != 0 {
			t.Fatalf("%d agents connected with a wrong claim code", n)
		}
		stopWrong()
		var status int
		var retry string
		for range 8 {
			resp, err := e.HTTP.Post(e.URL+tunnel.ClaimPath, "application/json",
				strings.NewReader(`{"device_id":"agent-2","claim_code":"wrong-code"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if status, retry = resp.StatusCode, resp.Header.Get("Retry-After"); status == 429 {
				break
			}
		}
		if status != 429 || retry == "" {
			t.Fatalf("wrong claim codes not throttled: %d, Retry-After %q", status, retry)
		}
		if p, _ := pnpOf(t, e, A.Token, other); p["claimed"] != false {
			t.Fatalf("claimed with a wrong code: %v", p)
		}

		// The right code: claimed, connected, recording through the tunnel.
		state := t.TempDir()
		cfg := agent.Config{Server: e.URL, DeviceID: "agent-1", ClaimCode: "right-code-1", StateDir: state,
			Cameras: []agent.Camera{{Name: "lobby", URL: strings.Replace(sim.URL(1), "rtsp://", "rtsp://cam:cam-pw@", 1)}}}
		stop := runAgent(t, cfg)
		waitUntil(t, 15*time.Second, "agent connected", func() bool {
			p, _ := pnpOf(t, e, A.Token, cam)
			return p["agent_connected"] == true && p["agent_version"] == "test-1.2.3" && p["claimed"] == true
		})
		since := time.Now()
		r := recEnv{camTree: ct, cam: cam, dir: e.Main.Recording().Dir()}
		segs := r.waitSegments(t, 2, since.Add(-time.Second), 30*time.Second)
		codec, w, h, _ := ffprobeFile(t, segs[len(segs)-1].Path)
		if codec != "h264" || w != 640 || h != 360 {
			t.Fatalf("segment through the tunnel: %s %dx%d", codec, w, h)
		}
		if _, st := pnpOf(t, e, A.Token, cam); st["state"] != "recording" || st["online"] != true {
			t.Fatalf("status while the agent serves: %v", st)
		}
		if r := claim("agent-1", "right-code-1"); r.Status != 409 || r.Code() != "already_claimed" {
			t.Fatalf("second claim: %d %s", r.Status, r.Body)
		}

		// Live view (WebRTC) through the same tunnel.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		v, err := whepclient.Connect(ctx, e.URL+camPath(cam, "/whep"), whepclient.Options{Header: bearer(C.Token)})
		if err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 15*time.Second, "WebRTC frames through the tunnel", func() bool { return v.Stats().Frames >= 25 })
		_ = v.Delete(ctx)

		// Malformed tunnels: a valid credential, then garbage or a bad hello.
		var creds map[string]string
		b, err := os.ReadFile(filepath.Join(state, "credentials.json"))
		if err != nil || json.Unmarshal(b, &creds) != nil || creds["agent-1"] == "" {
			t.Fatalf("credential file: %v %s", err, b)
		}
		badTunnel(t, e.URL, creds["agent-1"], nil)
		badTunnel(t, e.URL, creds["agent-1"], []byte(`{"type":"hello","version":"x","stream":{"scheme":"http","port":0,"path":"/"}}`+"\n"))
		// An ONVIF hello must not also name a stream.
		badTunnel(t, e.URL, creds["agent-1"], []byte(`{"type":"hello","version":"x","stream":{"scheme":"rtsp","port":554,"path":"/"},"onvif":{"port":80,"path":"/onvif/device_service"}}`+"\n"))

		// Stopping the agent takes the camera offline, with the reason.
		stop()
		waitUntil(t, 10*time.Second, "camera offline", func() bool {
			p, st := pnpOf(t, e, A.Token, cam)
			return p["agent_connected"] == false && st["online"] == false && st["reason"] == "agent_disconnected" &&
				p["last_seen_at"] != nil
		})
		if r := e.Do("POST", camPath(cam, "/whep"), C.Token, nil); r.Status >= 500 {
			t.Fatalf("live without agent: %d %s", r.Status, r.Body)
		}

		// The stored credential reconnects (the claim code alone would not).
		stop = runAgent(t, cfg)
		waitUntil(t, 15*time.Second, "agent reconnected", func() bool { return e.Main.AgentsConnected() == 1 })
		// Deleting the camera revokes the credential and drops the link;
		// registered anew, the agent claims it again by itself.
		e.Must(200, "DELETE", camPath(cam), A.Token, nil)
		waitUntil(t, 10*time.Second, "link dropped", func() bool { return e.Main.AgentsConnected() == 0 })
		cam2 := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "pnp", "name": "Lobby again",
			"pnp": map[string]any{"device_id": "agent-1", "claim_code": "right-code-1"}, "customer_id": C.ID, "plan_id": ct.P}).ID()
		waitUntil(t, 20*time.Second, "agent claimed the new registration", func() bool {
			p, _ := pnpOf(t, e, A.Token, cam2)
			return p["agent_connected"] == true
		})
		stop()
		e.Must(200, "PATCH", camPath(cam2), A.Token, map[string]any{"enabled": false})

		waitUntil(t, 20*time.Second, "goroutines back to the baseline", func() bool {
			return runtime.NumGoroutine() <= baseline+3
		})
	})
}

// badTunnel opens the agent WebSocket with a valid credential and sends
// garbage (hello nil) or a hello the server must refuse: the server closes
// the link and no agent counts as connected.
func badTunnel(t *testing.T, base, cred string, hello []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, base+tunnel.ConnectPath, &websocket.DialOptions{HTTPHeader: http.Header{
		"Authorization": {"Bearer " + cred}, tunnel.HeaderDevice: {"agent-1"}}})
	if err != nil {
		t.Fatalf("dial tunnel: %v", err)
	}
	conn := websocket.NetConn(ctx, ws, websocket.MessageBinary)
	defer conn.Close()
	if hello == nil {
		_, _ = conn.Write([]byte("this is not a yamux frame at all, just bytes"))
		// The server ends the link: reads fail well before the deadline.
		buf := make([]byte, 1024)
		for {
			if _, err := conn.Read(buf); err != nil {
				if ctx.Err() != nil {
					t.Fatal("the server kept a malformed tunnel open")
				}
				return
			}
		}
	}
	sess, err := yamux.Server(conn, tunnel.YamuxConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	st, err := sess.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = st.Write(hello)
	select {
	case <-sess.CloseChan():
	case <-ctx.Done():
		t.Fatal("the server kept a tunnel with a bad hello open")
	}
}
