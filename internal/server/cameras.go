package server

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/netpolicy"
	"github.com/vigilo/vigilo/internal/recording"
)

// startCameras loads the camera credentials key (created at first start)
// and, when this process records (VIGILO_RECORD), starts the recording
// service: crash recovery, then the reconcile loop and retention.
func (m *Main) startCameras(ctx context.Context) error {
	secrets, err := camera.LoadOrCreateKey(m.Config.DataDir)
	if err != nil {
		return fmt.Errorf("camera credentials key: %w", err)
	}
	m.App.Cameras.Secrets = secrets
	// The camera-address policy (SSRF): strict unless VIGILO_CAMERA_ALLOW.
	m.App.Cameras.Addresses = netpolicy.New(m.Config.CameraAllow)
	if !m.Config.Record {
		return nil
	}
	rcfg := recording.Config{
		Dir:             filepath.Join(m.Config.DataDir, "recordings"),
		SegmentLength:   m.Config.SegmentLength,
		LiveLinger:      m.Config.LiveLinger,
		EventPostBuffer: m.Config.EventPostBuffer,
	}
	if err := m.startUploads(ctx, &rcfg); err != nil { // server/s3.go
		return fmt.Errorf("start S3 uploads: %w", err)
	}
	if leases := m.startLeases(); leases != nil { // server/cluster.go
		rcfg.Gate = leases
		// Leases are renewed and placement re-judged every TTL/5, on the
		// desired set read at each reconcile (every 5 s and on events).
		rcfg.GateEvery = m.Config.Cluster.LeaseTTL / 5
	}
	rec, err := recording.New(ctx, m.App, rcfg)
	if err != nil {
		return fmt.Errorf("start recording: %w", err)
	}
	m.recording = rec
	m.App.Cameras.Recording = rec
	m.OnClose(func() {
		if err := rec.Close(); err != nil {
			m.Log.Warn("stop recording", "err", err)
		}
	})
	return nil
}

func joinPrefixes(ps []netip.Prefix) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, ", ")
}

// Recording is the recording service of this process, nil when it does
// not record (VIGILO_RECORD=false).
func (m *Main) Recording() *recording.Service { return m.recording }
