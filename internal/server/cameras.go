package server

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/camera"
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
	if !m.Config.Record {
		return nil
	}
	rec, err := m.App.StartRecording(ctx, app.RecordingConfig{
		Dir:           filepath.Join(m.Config.DataDir, "recordings"),
		SegmentLength: m.Config.SegmentLength,
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
