package sharepage

import (
	"context"
	"net/http"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/live"
)

// registerLive adds the media of live shares: WHEP and LL-HLS served by the
// live service's functions, authorized by the share (decided again as the
// sharer before anything is served and every second while it plays).
func (h *Handler) registerLive(mux *http.ServeMux) {
	mux.HandleFunc("POST /s/{token}/whep", h.whep)
	mux.HandleFunc("DELETE /s/{token}/whep/{session}", h.whepDelete)
	mux.HandleFunc("GET /s/{token}/live/{file}", h.hls)
}

// liveShare resolves a live share and builds its viewer check; it answers
// the refusal itself and reports false.
func (h *Handler) liveShare(w http.ResponseWriter, r *http.Request) (int64, live.Check, bool) {
	token := r.PathValue("token")
	open := func(ctx context.Context) (int64, error) {
		sh, err := h.App.OpenShare(ctx, token, false)
		if err != nil {
			return 0, err
		}
		if sh.Share.Kind != camera.ShareLive {
			return 0, errs.NotFoundf("this link shares a clip, not a live camera")
		}
		if !sh.Camera.Enabled { // privacy: as app.LiveAccess
			return 0, errs.Conflictf("camera_off", "the camera is switched off")
		}
		return sh.Share.CameraID, nil
	}
	cam, err := open(r.Context())
	if err == nil && h.Live == nil {
		err = errs.Conflictf("live_unavailable", "live video is not served by this server")
	}
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return 0, live.Check{}, false
	}
	return cam, live.Check{
		Key:     "share:" + identity.HashToken(token),
		Recheck: func(ctx context.Context) error { _, err := open(ctx); return err },
		Meter: func(n int64) {
			if h.Traffic != nil {
				h.Traffic.Add(cam, n)
			}
		},
	}, true
}

func (h *Handler) whep(w http.ResponseWriter, r *http.Request) {
	cam, check, ok := h.liveShare(w, r)
	if !ok {
		return
	}
	base := "/s/" + r.PathValue("token") + "/whep/"
	h.Live.ServeWHEP(w, r, cam, check, func(sid string) string { return base + sid })
}

func (h *Handler) whepDelete(w http.ResponseWriter, r *http.Request) {
	cam, _, ok := h.liveShare(w, r)
	if !ok {
		return
	}
	h.Live.DeleteWHEP(w, r, cam, r.PathValue("session"))
}

func (h *Handler) hls(w http.ResponseWriter, r *http.Request) {
	cam, check, ok := h.liveShare(w, r)
	if !ok {
		return
	}
	h.Live.ServeHLS(w, r, cam, check)
}
