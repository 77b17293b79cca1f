package api

import (
	"net/http"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/tunnel"
)

// agentRoutes are the P&P agent's side of the API (docs/CAMERAS.md): no
// user signs in here; the agent proves the claim code once, then its device
// credential.
func agentRoutes() []Route {
	return []Route{
		{Method: "POST", Path: strings.TrimPrefix(tunnel.ClaimPath, Prefix), Tag: "agent", Public: true,
			Summary: "A P&P agent proves the claim code registered with its device id and receives its device credential " +
				"(once per registration: 409 already_claimed afterwards). Unknown device ids and wrong codes answer the same " +
				"401 claim_refused; 429 too_many_attempts + Retry-After after repeated failures (per device id and per client)",
			Request: claimRequest{}, Response: claimResponse{}, Handler: h((*Server).agentClaim)},
		{Method: "GET", Path: strings.TrimPrefix(tunnel.ConnectPath, Prefix), Tag: "agent", Public: true,
			Summary: "A claimed P&P agent's WebSocket (Authorization: Bearer <device credential>, " + tunnel.HeaderDevice +
				"): the tunnel the server reaches the camera through. 401 invalid_credential once the camera was deleted " +
				"or registered again",
			Handler: h((*Server).agentConnect)},
	}
}

type claimRequest struct {
	DeviceID  string `json:"device_id"`
	ClaimCode string `json:"claim_code"`
}

type claimResponse struct {
	Credential string `json:"credential"`
}

func (s *Server) agentClaim(w http.ResponseWriter, r *http.Request) error {
	var in claimRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	cred, err := s.App.ClaimDevice(r.Context(), in.DeviceID, in.ClaimCode)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, claimResponse{Credential: cred})
	return nil
}

func (s *Server) agentConnect(w http.ResponseWriter, r *http.Request) error {
	if s.Agents == nil {
		return errs.Conflictf("pnp_unavailable", "this server does not run the P&P tunnel")
	}
	cred, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c, err := s.App.AuthenticateAgent(r.Context(), r.Header.Get(tunnel.HeaderDevice), cred)
	if err != nil {
		return err
	}
	return s.Agents.Serve(w, r, c.ID)
}
