package api

import (
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
)

func shareRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/shares", Tag: "shares",
			Summary: `Share a camera live (kind "live", camera_id) or a saved clip (kind "clip", clip_id) through a public link ` +
				`for 1 to 720 hours (right share and module sharing); the url carries the token, shown only here`,
			Request: createShareRequest{}, Response: ShareJSON{}, Handler: h((*Server).createShare)},
		{Method: "GET", Path: "/shares", Tag: "shares", Summary: "Share links made in my subtree (Guards and Viewers: their own), newest first",
			Query: pageParams, Response: List[ShareJSON]{}, Handler: h((*Server).listShares)},
		{Method: "DELETE", Path: "/shares/{id}", Tag: "shares", Summary: "Revoke a share link: its page and video answer 410 Gone from now on",
			Response: okResponse{}, Handler: h((*Server).revokeShare)},
	}
}

type createShareRequest struct {
	Kind           string `json:"kind"`
	CameraID       int64  `json:"camera_id,omitempty"`
	ClipID         int64  `json:"clip_id,omitempty"`
	ExpiresInHours int    `json:"expires_in_hours"`
}

// ShareJSON is a share link; url (with the token) only in the answer that
// created it.
type ShareJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	CameraID  int64      `json:"camera_id"`
	ClipID    *int64     `json:"clip_id"`
	URL       string     `json:"url,omitempty"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	Views     int64      `json:"views"`
	CreatedBy int64      `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

func shareJSON(s camera.Share, url string) ShareJSON {
	return ShareJSON{ID: s.ID, Kind: s.Kind, CameraID: s.CameraID, ClipID: optInt(s.ClipID), URL: url, ExpiresAt: s.ExpiresAt,
		RevokedAt: s.RevokedAt, Views: s.Views, CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt}
}

func (s *Server) createShare(w http.ResponseWriter, r *http.Request) error {
	var in createShareRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	sh, url, err := s.App.CreateShare(r.Context(), actor(r), camera.NewShare{Kind: in.Kind, CameraID: in.CameraID,
		ClipID: in.ClipID, ExpiresInHours: in.ExpiresInHours})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, shareJSON(sh, url))
	return nil
}

func (s *Server) listShares(w http.ResponseWriter, r *http.Request) error {
	f := errs.Fields{}
	p := page(r, f)
	if err := f.Err(); err != nil {
		return err
	}
	items, total, p, err := s.App.ListShares(r.Context(), actor(r), p)
	if err != nil {
		return err
	}
	out := make([]ShareJSON, len(items))
	for i, sh := range items {
		out[i] = shareJSON(sh, "")
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}

func (s *Server) revokeShare(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.App.RevokeShare(r.Context(), actor(r), id); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, okResponse{OK: true})
	return nil
}
