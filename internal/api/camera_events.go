package api

import (
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/httpx"
)

func cameraEventRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/cameras/{id}/events", Tag: "cameras",
			Summary: "Motion and camera-health events (motion, offline, online) overlapping from–to, oldest first; end is null while an event lasts " +
				"(right playback or view_live; at most 31 days, at most 5000 events: the newest)",
			Query: []Param{{"from", "string", "RFC 3339 time or unix milliseconds; default 24 hours before to"},
				{"to", "string", "RFC 3339 time or unix milliseconds; default now"}},
			Response: []CameraEventJSON{}, Handler: h((*Server).cameraEvents)},
	}
}

// CameraEventJSON is one camera event (DESIGN §3b).
type CameraEventJSON struct {
	ID    int64      `json:"id"`
	Type  string     `json:"type"`
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end"`
}

func (s *Server) cameraEvents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	from, to, err := s.queryRange(r)
	if err != nil {
		return err
	}
	list, err := s.App.CameraEvents(r.Context(), actor(r), id, from, to)
	if err != nil {
		return err
	}
	out := make([]CameraEventJSON, len(list))
	for i, e := range list {
		out[i] = CameraEventJSON{ID: e.ID, Type: e.Type, Start: e.Start, End: e.End}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
