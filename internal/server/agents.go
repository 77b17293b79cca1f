package server

import (
	"context"
	"io"
	"time"

	"github.com/vigilo/vigilo/internal/tunnel"
)

// startAgents starts the P&P tunnel: agents connect to the API port
// (api/agent.go) and the recorder and the live hub dial P&P cameras through
// it (app.DialCamera). It closes after the recorder, which may still hold
// streams through it.
func (m *Main) startAgents() {
	t := tunnel.New(tunnel.Config{
		Logger:  m.Log.With("part", "tunnel"),
		Changed: m.agentChanged,
		Seen:    m.App.AgentSeen,
		Backfill: func(ctx context.Context, cameraID int64, start time.Time, r io.Reader) (string, error) {
			if m.recording == nil {
				return tunnel.BackfillNotRecording, nil // another node records
			}
			return m.recording.Backfill(ctx, cameraID, start, r)
		},
	})
	m.App.Cameras.Agents = t
	m.agents = t
	m.OnClose(func() { _ = t.Close() })
}

// agentChanged makes the recorder pick a P&P camera up at once when its
// agent connects, and let it go when the agent leaves.
func (m *Main) agentChanged(cameraID int64) {
	rec := m.recording
	if rec == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rec.Reconcile(ctx); err != nil {
		m.Log.Warn("reconcile after an agent change", "camera", cameraID, "err", err)
	}
}

// AgentsConnected is the number of P&P agents connected now (tests).
func (m *Main) AgentsConnected() int {
	if m.agents == nil {
		return 0
	}
	return m.agents.Connected()
}
