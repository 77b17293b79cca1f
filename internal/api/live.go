package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/live"
)

// liveAuth is how the live routes authenticate: like every route (Bearer or
// the session cookie), or with a stream token in ?token= for players that
// cannot send headers. The routes are Public in the table because they do
// this themselves, on every request and again every second while a viewer
// watches (internal/live).
const liveAuth = " Authenticate with Bearer, the session cookie, or ?token= (a stream token)."

func liveRoutes() []Route {
	tokenParam := []Param{{"token", "string", "a stream token for this camera (POST /cameras/{id}/stream-token)"}}
	return []Route{
		{Method: "POST", Path: "/cameras/{id}/stream-token", Tag: "live",
			Summary:  "A short-lived token for this camera only, for players that cannot send headers: pass it as ?token= on the live URLs",
			Response: streamTokenResponse{}, Handler: h((*Server).createStreamToken)},
		{Method: "POST", Path: "/cameras/{id}/whep", Tag: "live", Public: true,
			Summary: "WebRTC WHEP (RFC 9725): an application/sdp offer (H.264 video, recvonly) → 201 with the application/sdp answer " +
				"and the session's Location; H.265 cameras answer 409 codec_unsupported (use LL-HLS)." + liveAuth,
			Query: tokenParam, Handler: h((*Server).whep)},
		{Method: "DELETE", Path: "/cameras/{id}/whep/{session}", Tag: "live", Public: true,
			Summary: "End a WebRTC session (the Location returned by the offer; the unguessable session id is the credential)",
			Handler: h((*Server).whepDelete)},
		{Method: "GET", Path: "/cameras/{id}/live/index.m3u8", Tag: "live", Public: true,
			Summary: "LL-HLS (fMP4, parts of 200 ms) multivariant playlist; its playlists, init, segments and parts are under /live/." + liveAuth,
			Query:   tokenParam, Handler: h((*Server).hls)},
		{Method: "GET", Path: "/cameras/{id}/live/{file}", Tag: "live", Public: true,
			Summary: "A playlist, init section, segment or part of the LL-HLS stream (named by index.m3u8)." + liveAuth,
			Query:   tokenParam, Handler: h((*Server).hls)},
	}
}

type streamTokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) createStreamToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tok, exp, err := s.App.CreateStreamToken(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, streamTokenResponse{Token: tok, ExpiresAt: exp.UTC()})
	return nil
}

// liveCheck builds the viewer's check from the request's credential.
func (s *Server) liveCheck(r *http.Request, id int64) (live.Check, error) {
	if s.Live == nil {
		return live.Check{}, errs.Conflictf("live_unavailable", "live video is not served by this server")
	}
	var cred app.LiveCredential
	if tok := r.URL.Query().Get("token"); tok != "" {
		cred = app.LiveCredential{Token: tok, Stream: true}
	} else {
		tok, cookie := httpx.Token(r)
		cred = app.LiveCredential{Token: tok, Cookie: cookie}
	}
	remote := httpx.ClientIP(r)
	return live.Check{
		Key: identity.HashToken(cred.Token),
		Recheck: func(ctx context.Context) error {
			_, err := s.App.LiveAccess(app.WithRemote(ctx, remote), cred, id)
			return err
		},
		Meter: func(n int64) {
			if s.Traffic != nil {
				s.Traffic.Add(id, n)
			}
		},
	}, nil
}

// liveRequest reads the camera id and builds the viewer's check. It also
// returns the live service's key of the stream asked for: the camera's id,
// or with ?stream=sub the key of its sub stream when it has one (grid
// tiles; a camera without one serves its main stream, pulled once).
func (s *Server) liveRequest(r *http.Request) (int64, int64, live.Check, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, live.Check{}, err
	}
	check, err := s.liveCheck(r, id)
	if err != nil {
		return 0, 0, check, err
	}
	key := id
	switch r.URL.Query().Get("stream") {
	case "", "main":
	case "sub":
		// Authorized before anything about the camera is looked at.
		if err := check.Recheck(r.Context()); err != nil {
			return 0, 0, check, err
		}
		if s.App.HasSubStream(r.Context(), id) {
			key = live.SubStreamKey(id)
		}
	default:
		return 0, 0, check, errs.Field("stream", `must be "main" or "sub"`)
	}
	return id, key, check, nil
}

func (s *Server) whep(w http.ResponseWriter, r *http.Request) error {
	id, key, check, err := s.liveRequest(r)
	if err != nil {
		return err
	}
	s.Live.ServeWHEP(w, r, key, check, func(sid string) string {
		return fmt.Sprintf("%s/cameras/%d/whep/%s", Prefix, id, sid)
	})
	return nil
}

func (s *Server) whepDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if s.Live == nil {
		return errs.NotFoundf("no such live session")
	}
	s.Live.DeleteWHEP(w, r, id, r.PathValue("session"))
	return nil
}

func (s *Server) hls(w http.ResponseWriter, r *http.Request) error {
	_, key, check, err := s.liveRequest(r)
	if err != nil {
		return err
	}
	s.Live.ServeHLS(w, r, key, check)
	return nil
}
