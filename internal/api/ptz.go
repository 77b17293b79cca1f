package api

import (
	"net/http"

	"github.com/vigilo/vigilo/internal/camera"
)

func ptzRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/cameras/{id}/ptz", Tag: "cameras",
			Summary: `Pan/tilt/zoom (right ptz, module live_view): {action:"move",pan,tilt,zoom in [-1,1]} | {action:"stop"} | ` +
				`{action:"goto_preset",preset} → 204; 409 ptz_unsupported where the camera has none`,
			Request: ptzRequest{}, Handler: h((*Server).ptz)},
	}
}

type ptzRequest struct {
	Action string  `json:"action"`
	Pan    float64 `json:"pan,omitempty"`
	Tilt   float64 `json:"tilt,omitempty"`
	Zoom   float64 `json:"zoom,omitempty"`
	Preset string  `json:"preset,omitempty"`
}

func (s *Server) ptz(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ptzRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	err = s.App.PTZ(r.Context(), actor(r), id, camera.PTZCommand{Action: in.Action, Pan: in.Pan, Tilt: in.Tilt, Zoom: in.Zoom, Preset: in.Preset})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
