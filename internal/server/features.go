package server

import (
	"context"
	"net/http"

	"github.com/vigilo/vigilo/internal/oidc"
	"github.com/vigilo/vigilo/internal/sharepage"
	"github.com/vigilo/vigilo/internal/web"
)

// registerFeatures adds the handlers of features beyond the API core (the
// portals, playback). Each feature adds one line here.
func (m *Main) registerFeatures(mux *http.ServeMux) {
	web.New(m.App, m.Log).Register(mux)                                                          // the admin portal: internal/web
	(&sharepage.Handler{App: m.App, Log: m.Log, Live: m.live, Traffic: m.traffic}).Register(mux) // public share links: internal/sharepage
}

// startFeatures starts background parts of features (the recorder, retention).
func (m *Main) startFeatures(ctx context.Context) error {
	m.startBranding()                           // server/branding.go
	m.startAgents()                             // server/agents.go
	if err := m.startObjects(ctx); err != nil { // server/s3.go
		return err
	}
	if err := m.startCameras(ctx); err != nil { // server/cameras.go
		return err
	}
	if err := m.startAlerts(); err != nil { // server/alerts.go
		return err
	}
	// OpenID Connect sign-in: issuers are tenants' choice, so their
	// connections obey the same outbound policy as cameras (SSRF).
	m.App.SSO = oidc.New(m.App.Cameras.Addresses.DialContext)
	if err := m.startClips(); err != nil { // server/clips.go
		return err
	}
	if err := m.startLive(ctx); err != nil { // server/live.go
		return err
	}
	m.startBillingClose() // server/billing.go
	m.startStatsRoll()
	m.startONVIF() // server/onvif.go
	return nil
}
