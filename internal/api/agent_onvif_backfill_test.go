package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/agent"
	"github.com/vigilo/vigilo/internal/onvif/onviftest"
)

// TestPnPBackfillONVIF: an ONVIF device behind a buffering P&P agent is
// recorded locally while the agent's uplink is cut, as an RTSP camera is:
// the agent asks the device for its main stream itself (the device names
// a LAN host the agent cannot reach; the agent keeps to the device's own
// host), and after the uplink returns the cloud timeline has no gap over
// 2 s. Both databases.
func TestPnPBackfillONVIF(t *testing.T) {
	camDBsAtOnce(t, func(t *testing.T, pg bool) {
		ct, _ := strictCamTree(t, pg, map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "4s",
			"VIGILO_ONVIF_RETRY": "2s"})
		e, A, C := ct.e, ct.A, ct.C
		sim := startSimcam(t) // 1 s GOP
		lan := "192.168.77.10"
		dev := onviftest.StartT(t, &onviftest.Device{Username: "admin", Password: "right", ServiceHost: lan,
			StreamURI: strings.Replace(sim.URL(1), "127.0.0.1", lan, 1)})
		cam := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "pnp", "name": "Porch",
			"pnp": map[string]any{"device_id": "agent-obf", "claim_code": "right-code-obf"}, "customer_id": C.ID, "plan_id": ct.P}).ID()
		onv, err := agent.ParseONVIF("porch=" + strings.Replace(dev.URL, "http://", "http://admin:right@", 1))
		if err != nil {
			t.Fatal(err)
		}
		up := startUplink(t, strings.TrimPrefix(e.URL, "http://"))
		runAgent(t, agent.Config{Server: up.url(), DeviceID: "agent-obf", ClaimCode: "right-code-obf", StateDir: t.TempDir(),
			BufferDir: t.TempDir(), BufferMax: agent.MinBufferMax * 4, Cameras: []agent.Camera{onv}})
		r := recEnv{camTree: ct, cam: cam, dir: e.Main.Recording().Dir()}
		r.waitSegments(t, 2, time.Now(), 40*time.Second)

		cutAt, restoredAt := r.outage(t, up, 15*time.Second)
		checkBackfilled(t, r, cutAt, restoredAt)
	})
}
