package server

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/live"
	"github.com/vigilo/vigilo/internal/media"
)

// startLive starts live video: on the recorder's stream hub when this
// process records (so a recorded camera is pulled once for everyone), on a
// hub of its own otherwise. The traffic meter writes viewers' bytes to the
// cameras' traffic usage.
func (m *Main) startLive(_ context.Context) error {
	var hub *media.Recorder
	if m.recording != nil {
		hub = m.recording.Hub()
	} else {
		hub = media.New(media.Config{RecordingsDir: filepath.Join(m.Config.DataDir, "recordings"),
			Logger: m.Log.With("part", "live-hub"), LiveLinger: m.Config.LiveLinger,
			Dial: m.App.DialCamera}) // the camera-address policy or the P&P tunnel, as for recording
		m.OnClose(hub.Stop)
	}
	ice, err := live.ParseICEServers(m.Config.ICEServers)
	if err != nil {
		return fmt.Errorf("VIGILO_ICE_SERVERS: %w", err)
	}
	svc, err := live.New(live.Config{
		UDPPort:    m.Config.WebRTCUDPPort,
		Hosts:      m.Config.WebRTCHosts,
		ICEServers: ice,
		Source: func(ctx context.Context, key int64) (string, error) {
			if key < 0 { // live.SubStreamKey
				return m.App.LiveSubSourceURL(ctx, -key)
			}
			return m.App.LiveSourceURL(ctx, key)
		},
		Logger: m.Log.With("part", "live"),
	}, hub)
	if err != nil {
		return err
	}
	meter := live.NewMeter(func(ctx context.Context, cameraID int64, at time.Time, n int64) error {
		err := m.Store.W().AddTraffic(ctx, cameraID, at, n)
		if err != nil {
			// A camera deleted while viewers watched has nowhere to bill
			// its last bytes (its usage went with it): drop them rather
			// than retry them for ever.
			if _, cerr := m.Store.R().Camera(ctx, cameraID); errs.KindOf(cerr) == errs.NotFound {
				m.Log.Info("live traffic of a deleted camera dropped", "camera", cameraID, "bytes", n)
				return nil
			}
		}
		return err
	}, 0, m.Log)
	m.live, m.traffic = svc, meter
	// Closed in reverse order: sessions end, then the last bytes are metered.
	m.OnClose(func() { _ = meter.Close() })
	m.OnClose(func() { _ = svc.Close() })
	return nil
}

// FlushLiveTraffic writes the live bytes counted so far (tests).
func (m *Main) FlushLiveTraffic() {
	if m.traffic != nil {
		m.traffic.Flush()
	}
}

// LiveTrafficPending is the number of live bytes counted and not yet
// written (tests).
func (m *Main) LiveTrafficPending() int64 {
	if m.traffic == nil {
		return 0
	}
	return m.traffic.Pending()
}

// LiveSessions is the number of open WebRTC sessions.
func (m *Main) LiveSessions() int {
	if m.live == nil {
		return 0
	}
	return m.live.Sessions()
}
