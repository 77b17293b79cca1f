package server

import (
	"context"
	"net/http"
)

// registerFeatures adds the handlers of features beyond the API core (the
// portals, playback). Each feature adds one line here.
func (m *Main) registerFeatures(mux *http.ServeMux) {}

// startFeatures starts background parts of features (the recorder, retention).
func (m *Main) startFeatures(ctx context.Context) error { return nil }
