package api_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/agent"
)

// TestPnPAgentCamerasAdded: an installed agent serving one claimed,
// recording camera is restarted with a second camera: the first is still
// the same camera (its device id and credential, no claim again) and goes
// on recording, and the second is claimed under "<id>:<name>". Removing the
// first camera leaves the second's id as it was.
func TestPnPAgentCamerasAdded(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ct, _ := strictCamTree(t, pg, map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "2s"})
		e, A, C := ct.e, ct.A, ct.C
		sim := startSimcam(t)
		register := func(name, device string) int64 {
			return e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "pnp", "name": name,
				"pnp": map[string]any{"device_id": device, "claim_code": "claim-dv-1"}, "customer_id": C.ID, "plan_id": ct.P}).ID()
		}
		lobbyID := register("Lobby", "agent-dv")
		lobby, yard := agent.Camera{Name: "lobby", URL: sim.URL(1)}, agent.Camera{Name: "yard", URL: sim.URL(2)}
		state := t.TempDir()
		cfg := agent.Config{Server: e.URL, DeviceID: "agent-dv", ClaimCode: "claim-dv-1", StateDir: state}
		credentials := func() map[string]string {
			var m map[string]string
			b, err := os.ReadFile(filepath.Join(state, "credentials.json"))
			if err != nil || json.Unmarshal(b, &m) != nil {
				t.Fatalf("credential file: %v %s", err, b)
			}
			return m
		}
		serving := func(cam int64, device string, since time.Time) {
			t.Helper()
			waitUntil(t, 15*time.Second, "camera "+device+" connected", func() bool {
				p, _ := pnpOf(t, e, A.Token, cam)
				return p["agent_connected"] == true && p["claimed"] == true && p["device_id"] == device
			})
			recEnv{camTree: ct, cam: cam, dir: e.Main.Recording().Dir()}.waitSegments(t, 1, since, 30*time.Second)
		}

		cfg.Cameras = []agent.Camera{lobby}
		if ids, err := cfg.DeviceIDs(); err != nil || len(ids) != 1 || ids[0] != "agent-dv" {
			t.Fatalf("one camera's id: %v %v", ids, err)
		}
		start := time.Now()
		stop := runAgent(t, cfg)
		serving(lobbyID, "agent-dv", start)
		stop()
		first := credentials()["agent-dv"]

		// A second camera: the agent says which id to register it under.
		cfg.Cameras = []agent.Camera{lobby, yard}
		ids, err := cfg.DeviceIDs()
		if err != nil || len(ids) != 2 || ids[0] != "agent-dv" || ids[1] != "agent-dv:yard" {
			t.Fatalf("ids with a second camera: %v %v", ids, err)
		}
		yardID := register("Yard", ids[1])
		start = time.Now()
		stop = runAgent(t, cfg)
		serving(lobbyID, "agent-dv", start)
		serving(yardID, "agent-dv:yard", start)
		creds := credentials()
		if creds["agent-dv"] != first || creds["agent-dv:yard"] == "" || len(creds) != 2 {
			t.Fatalf("credentials after adding a camera: the first changed or another was claimed: %v", creds)
		}
		stop()

		// The first camera removed: the second keeps its id and credential.
		cfg.Cameras = []agent.Camera{yard}
		start = time.Now()
		stop = runAgent(t, cfg)
		serving(yardID, "agent-dv:yard", start)
		if p, _ := pnpOf(t, e, A.Token, lobbyID); p["agent_connected"] != false {
			t.Fatalf("the removed camera is still served: %v", p)
		}
		if got := credentials(); got["agent-dv:yard"] != creds["agent-dv:yard"] || len(got) != 2 {
			t.Fatalf("credentials after removing a camera: %v, before %v", got, creds)
		}
		stop()
	})
}
