package server

import "github.com/vigilo/vigilo/internal/onvifconn"

// startONVIF starts the ONVIF connector (internal/onvifconn): onboarding of
// ONVIF cameras, their motion events and PTZ. It needs the camera key and
// the camera-address policy, so it starts after startCameras.
func (m *Main) startONVIF() {
	c := onvifconn.New(m.App, onvifconn.Config{Retry: m.Config.ONVIFRetry, Reresolve: m.Config.ONVIFRetry})
	m.OnClose(func() { _ = c.Close() })
}
