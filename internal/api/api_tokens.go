package api

import (
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
)

type createTokenRequest struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expires_in_days"`
}

// APITokenJSON describes a token; Token (the secret) is only in the answer
// to its creation.
type APITokenJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Token     string    `json:"token,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// LastUsedAt and Address say when and from where the token was last
	// used (to the minute); absent in the answer to its creation.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Address    string     `json:"address,omitempty"`
}

func apiTokenJSON(t store.APIToken) APITokenJSON {
	return APITokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
}

func tokenRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/me/tokens", Tag: "auth", Summary: "List my API tokens (secrets are never shown again)",
			Response: List[APITokenJSON]{}, Handler: h((*Server).listTokens)},
		{Method: "POST", Path: "/me/tokens", Tag: "auth", AdminOnly: true, Summary: "Create an API token for scripts (needs the api_access module); the token is shown once",
			Request: createTokenRequest{}, Response: APITokenJSON{}, Handler: h((*Server).createToken)},
		{Method: "DELETE", Path: "/me/tokens/{id}", Tag: "auth", Summary: "Revoke one of my API tokens",
			Handler: h((*Server).deleteToken)},
	}
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.App.MySessions(r.Context(), actor(r), identity.PurposeAPI)
	if err != nil {
		return err
	}
	out := make([]APITokenJSON, len(ts))
	for i, t := range ts {
		used := t.LastUsedAt
		out[i] = APITokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, LastUsedAt: &used, Address: t.Address}
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, pageAll(len(out)), len(out)))
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in createTokenRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	plain, t, err := s.App.CreateAPIToken(r.Context(), actor(r), in.Name, in.ExpiresInDays)
	if err != nil {
		return err
	}
	j := apiTokenJSON(t)
	j.Token = plain
	httpx.WriteJSON(w, http.StatusCreated, j)
	return nil
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.App.RevokeAPIToken(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
