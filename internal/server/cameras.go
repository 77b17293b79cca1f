package server

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/netpolicy"
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
	rec, err := m.App.StartRecording(ctx, app.RecordingConfig{
		Dir:           filepath.Join(m.Config.DataDir, "recordings"),
		SegmentLength: m.Config.SegmentLength,
		LiveLinger:    m.Config.LiveLinger,
	})
	if err != nil {
		return fmt.Errorf("start recording: %w", err)
	}
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
