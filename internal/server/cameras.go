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
	secrets, err := m.loadKey(ctx)
	if err != nil {
		return err
	}
	m.App.Cameras.Secrets = secrets
	// TOTP secrets stored before they were sealed are sealed now, once.
	if n, err := m.App.SealTOTPSecrets(ctx); err != nil {
		return fmt.Errorf("seal two-factor secrets: %w", err)
	} else if n > 0 {
		m.Log.Info("sealed two-factor secrets stored in clear", "users", n)
	}
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

// keyFingerprintSetting holds, in the shared database, the fingerprint of
// the camera credentials key of the first cluster node that started.
const keyFingerprintSetting = "cluster.secret_key_fingerprint"

// loadKey reads VIGILO_SECRET_KEY_FILE, or the data directory's secret.key
// (created at first start). In a cluster every node must have the same key
// (camera passwords are sealed with it in the shared database): the first
// node records its key's fingerprint there and a node with another key
// refuses to start.
func (m *Main) loadKey(ctx context.Context) (*camera.Secrets, error) {
	var secrets *camera.Secrets
	var err error
	where := filepath.Join(m.Config.DataDir, camera.KeyFile)
	if f := m.Config.SecretKeyFile; f != "" {
		where = f
		if secrets, err = camera.LoadKey(f); err != nil {
			return nil, fmt.Errorf("VIGILO_SECRET_KEY_FILE: %w", err)
		}
	} else if secrets, err = camera.LoadOrCreateKey(m.Config.DataDir); err != nil {
		return nil, fmt.Errorf("camera credentials key: %w", err)
	}
	if !m.Config.Cluster.Enabled() {
		return secrets, nil
	}
	got, err := m.Store.W().ClaimSetting(ctx, keyFingerprintSetting, secrets.Fingerprint())
	if err != nil {
		return nil, fmt.Errorf("camera credentials key: %w", err)
	}
	if got != secrets.Fingerprint() {
		return nil, fmt.Errorf("VIGILO_SECRET_KEY_FILE: this node's camera credentials key (%s, fingerprint %s) is not the cluster's "+
			"(fingerprint %s, recorded by the first node that started): give every node the same key file", where, secrets.Fingerprint(), got)
	}
	return secrets, nil
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
