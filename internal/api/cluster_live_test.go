package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/live/whepclient"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestClusterLiveThroughAPINode: in a cluster of an api node (which never
// records) and a recorder on one PostgreSQL and NATS, a viewer who only
// reaches the api node watches the camera the recorder holds over WebRTC
// (WHEP offer and session DELETE) and LL-HLS, signed in and through a
// public live share: every session lives on the recorder (one pull of the
// camera), none on the api node, and revoking the share through the api
// node ends the shared session on the recorder.
func TestClusterLiveThroughAPINode(t *testing.T) {
	nats := testenv.NATS(t)
	dsn := testenv.PostgresDSN(t)
	sim := startSimcam(t)
	cluster := map[string]string{"VIGILO_NATS_URL": nats.URL, "VIGILO_LEASE_TTL": "5s"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range cluster {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	ct := newCamTree(t, apitest.Options{DBURL: dsn, Env: with(map[string]string{"VIGILO_NODE_ID": "api-1", "VIGILO_ROLES": "api"})})
	api, C := ct.e, ct.C
	rec := apitest.Boot(t, apitest.Options{DBURL: dsn, Env: with(map[string]string{"VIGILO_NODE_ID": "rec-1",
		"VIGILO_ROLES": "recorder", "VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s", "VIGILO_WEBRTC_HOSTS": "127.0.0.1",
		"VIGILO_LIVE_LINGER": "1s"})})
	cam := api.Must(201, "POST", "/api/v1/cameras", ct.A.Token, map[string]any{"type": "generic", "name": "Gate",
		"rtsp_url": sim.URL(1)}).ID()
	api.Must(200, "PATCH", camPath(cam), ct.A.Token, map[string]any{"customer_id": C.ID, "plan_id": ct.P})
	waitUntil(t, 20*time.Second, "the recorder to record the camera", func() bool {
		st, _ := rec.Main.Recording().Status(cam)
		return st.Recording
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// WHEP signed in, at the api node.
	v, err := whepclient.Connect(ctx, api.URL+camPath(cam, "/whep"), whepclient.Options{Header: bearer(C.Token)})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, "frames over WHEP through the api node", func() bool { return v.Stats().Frames > 10 })
	if !strings.HasPrefix(v.Location, api.URL) && !strings.HasPrefix(v.Location, "/") {
		t.Fatalf("the session's location %q leads away from the api node", v.Location)
	}
	if got, here := rec.Main.LiveSessions(), api.Main.LiveSessions(); got != 1 || here != 0 {
		t.Fatalf("WebRTC sessions: %d on the recorder, %d on the api node; want 1 and 0", got, here)
	}
	if status, by := servedBy(t, api.URL+camPath(cam, "/live/index.m3u8"), C.Token); status != 200 || by != "rec-1" {
		t.Fatalf("LL-HLS playlist at the api node: %d, served by %q", status, by)
	}
	tok := api.Must(201, "POST", camPath(cam, "/stream-token"), C.Token, nil).JSON["token"].(string)
	hls, n := hlsReader(t, api.URL+camPath(cam, "/live/index.m3u8?token="+tok))
	waitUntil(t, 20*time.Second, "frames over LL-HLS through the api node", func() bool { return n.Load() > 10 })
	hls.Close()

	// A public live share, opened at the api node.
	sh := api.Must(201, "POST", "/api/v1/shares", C.Token, map[string]any{"kind": "live", "camera_id": cam, "expires_in_hours": 1})
	url := sh.JSON["url"].(string)
	base := api.URL + url[strings.Index(url, "/s/"):]
	sv, err := whepclient.Connect(ctx, base+"/whep", whepclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sv.Close()
	waitUntil(t, 15*time.Second, "frames over the shared WHEP through the api node", func() bool { return sv.Stats().Frames > 10 })
	if got, here := rec.Main.LiveSessions(), api.Main.LiveSessions(); got != 2 || here != 0 {
		t.Fatalf("with the share: %d sessions on the recorder, %d on the api node; want 2 and 0", got, here)
	}
	shls, sn := hlsReader(t, base+"/live/index.m3u8")
	waitUntil(t, 20*time.Second, "frames over the shared LL-HLS through the api node", func() bool { return sn.Load() > 10 })
	shls.Close()
	if status, by := servedBy(t, base+"/live/index.m3u8", ""); status != 200 || by != "rec-1" {
		t.Fatalf("the shared playlist: %d, served by %q, want rec-1", status, by)
	}
	if r := api.Do("GET", "/s/no-such-token/live/index.m3u8", "", nil); r.Status != 404 {
		t.Fatalf("an unknown share token at the api node: %d %s", r.Status, r.Body)
	}

	// The signed-in viewer leaves (DELETE through the api node); revoking
	// the share at the api node ends the shared session on the recorder.
	if err := v.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "the signed-in session to end on the recorder", func() bool { return rec.Main.LiveSessions() == 1 })
	api.Must(200, "DELETE", "/api/v1/shares/"+itoa(sh.ID()), C.Token, nil)
	waitUntil(t, 5*time.Second, "the shared session to end on the recorder", func() bool { return rec.Main.LiveSessions() == 0 })
	if _, err := whepclient.Connect(ctx, base+"/whep", whepclient.Options{}); err == nil {
		t.Fatal("a revoked link opened a WebRTC session through the api node")
	}
}

// servedBy GETs url and returns the status and the recorder that served it
// (X-Vigilo-Recorder, set by an api node that proxied the request).
func servedBy(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Vigilo-Recorder")
}
