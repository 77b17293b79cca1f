package api

import (
	"net/http"
	"strings"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
)

// ssoJSON is an account's OpenID Connect sign-in. The client secret is
// never returned, only whether one is stored.
type ssoJSON struct {
	Own             bool     `json:"own"`       // the account has its own configuration
	Inherited       bool     `json:"inherited"` // else: one above covers it (issuer, domains and enabled shown)
	Issuer          string   `json:"issuer,omitempty"`
	ClientID        string   `json:"client_id,omitempty"`
	ClientSecretSet bool     `json:"client_secret_set"`
	Domains         []string `json:"domains"`
	DefaultRoleID   int64    `json:"default_role_id,omitempty"`
	Enabled         bool     `json:"enabled"`
	RedirectURI     string   `json:"redirect_uri"` // register it with the provider
}

type ssoRequest struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"` // omitted: keep the stored one
	// Domains are the e-mail domains the provider vouches for; unique
	// across the platform (409 domain_taken).
	Domains []string `json:"domains"`
	// DefaultRoleID is the role (of this account) of users created at their
	// first sign-in; omitted: the account's Viewer role.
	DefaultRoleID int64 `json:"default_role_id,omitempty"`
	Enabled       *bool `json:"enabled,omitempty"` // default true
}

func ssoRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/sso", Tag: "accounts", Summary: "The account's OpenID Connect sign-in (its own, or whether one above covers it); the client secret is never returned",
			Response: ssoJSON{}, Handler: h((*Server).getSSO)},
		{Method: "PUT", Path: "/accounts/{id}/sso", Tag: "accounts", Summary: "Set the account's OpenID Connect sign-in: issuer, client id/secret, e-mail domains (unique: 409 domain_taken), default role of users created at first sign-in; covers the account's subtree",
			Request: ssoRequest{}, Response: ssoJSON{}, Handler: h((*Server).putSSO)},
		{Method: "DELETE", Path: "/accounts/{id}/sso", Tag: "accounts", Summary: "Remove the account's own OpenID Connect sign-in",
			Handler: h((*Server).deleteSSO)},
	}
}

func (s *Server) ssoJSON(st app.SSOSettings) ssoJSON {
	c := st.Config
	out := ssoJSON{Own: st.Own, Inherited: st.Inherited, Issuer: c.Issuer, Domains: c.Domains, Enabled: c.Enabled,
		RedirectURI: strings.TrimRight(s.App.Config.BaseURL, "/") + app.SSOCallbackPath}
	if out.Domains == nil {
		out.Domains = []string{}
	}
	if st.Own {
		out.ClientID, out.ClientSecretSet, out.DefaultRoleID = c.ClientID, st.SecretSet, c.DefaultRoleID
	}
	return out
}

func (s *Server) getSSO(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.App.SSOSettings(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s.ssoJSON(st))
	return nil
}

func (s *Server) putSSO(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ssoRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	c := identity.SSOConfig{Issuer: in.Issuer, ClientID: in.ClientID, ClientSecret: in.ClientSecret, Domains: in.Domains,
		DefaultRoleID: in.DefaultRoleID, Enabled: in.Enabled == nil || *in.Enabled}
	st, err := s.App.SetSSO(r.Context(), actor(r), id, c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s.ssoJSON(st))
	return nil
}

func (s *Server) deleteSSO(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.App.DeleteSSO(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
