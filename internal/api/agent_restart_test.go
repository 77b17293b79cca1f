package api_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/agent"
	"github.com/vigilo/vigilo/internal/camera"
)

// TestPnPBackfillRestart: the agent's local buffer survives a restart of
// the agent. The uplink is cut, the agent keeps buffering, is stopped and
// started again (same buffer and state directories) while the uplink is
// still down; when it returns, what the first run buffered is back-filled
// too, so the only hole left is the moment the agent was not running.
// After the back-fill and after the agent stops, no goroutine is left.
// Both databases.
func TestPnPBackfillRestart(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ct, _ := strictCamTree(t, pg, map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "4s"})
		e, A, C := ct.e, ct.A, ct.C
		sim := startSimcam(t) // 1 s GOP
		cam := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "pnp", "name": "Barn",
			"pnp": map[string]any{"device_id": "agent-rs", "claim_code": "right-code-rs"}, "customer_id": C.ID, "plan_id": ct.P}).ID()
		up := startUplink(t, strings.TrimPrefix(e.URL, "http://"))
		time.Sleep(300 * time.Millisecond)
		baseline := runtime.NumGoroutine()
		cfg := agent.Config{Server: up.url(), DeviceID: "agent-rs", ClaimCode: "right-code-rs", StateDir: t.TempDir(),
			BufferDir: t.TempDir(), BufferMax: agent.MinBufferMax * 4, Cameras: []agent.Camera{{Name: "barn", URL: sim.URL(1)}}}
		stop := runAgent(t, cfg)
		r := recEnv{camTree: ct, cam: cam, dir: e.Main.Recording().Dir()}
		r.waitSegments(t, 2, time.Now(), 30*time.Second)

		cutAt := time.Now()
		up.cut()
		time.Sleep(15 * time.Second)
		restartAt := time.Now()
		stop() // buffered 15 s the server has not got
		stop = runAgent(t, cfg)
		restarted := time.Now()
		time.Sleep(12 * time.Second)
		up.restore()
		restoredAt := time.Now()
		waitUntil(t, 40*time.Second, "agent back", func() bool { return e.Main.AgentsConnected() == 1 })
		count := func(from, to time.Time) int {
			n := 0
			for _, s := range r.segments(t) {
				if !s.Start.Before(from) && !s.End.After(to) {
					n++
				}
			}
			return n
		}
		waitUntil(t, 60*time.Second, "both runs' buffers back-filled", func() bool {
			return count(cutAt.Add(3*time.Second), restartAt.Add(-2*time.Second)) >= 8 &&
				count(restarted.Add(3*time.Second), restoredAt.Add(-3*time.Second)) >= 5
		})
		time.Sleep(2 * time.Second) // the last answers
		segs := r.segments(t)
		var worst time.Duration
		var at camera.Segment
		for i := 1; i < len(segs); i++ {
			if g := segs[i].Start.Sub(segs[i-1].End); g > worst {
				worst, at = g, segs[i]
			}
		}
		// The agent was down for a moment, and its buffer then needs a
		// keyframe (1 s GOP) to start again.
		down := restarted.Sub(restartAt)
		t.Logf("%d segments; cut %s, restart %s (%v), restored %s; largest gap %v before %s", len(segs),
			cutAt.Format("15:04:05.000"), restartAt.Format("15:04:05.000"), down, restoredAt.Format("15:04:05.000"),
			worst, at.Start.Format("15:04:05.000"))
		if worst > down+3*time.Second {
			t.Fatalf("largest gap %v after back-fill across a restart of %v", worst, down)
		}

		stop()
		e.Must(200, "PATCH", camPath(cam), A.Token, map[string]any{"enabled": false})
		waitUntil(t, 20*time.Second, "goroutines back to the baseline after back-fill and disconnect", func() bool {
			return runtime.NumGoroutine() <= baseline+3
		})
	})
}
