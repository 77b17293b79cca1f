package api

import (
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Customer privacy: the customer's own administrators withhold video from
// the accounts above it and grant time-limited access (docs/SECURITY.md).
func privacyRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/privacy", Tag: "accounts",
			Summary:  "A customer's privacy: whether its video is withheld from the accounts above it, and its access grants (parents see grants to themselves and below)",
			Response: PrivacyJSON{}, Handler: h((*Server).getPrivacy)},
		{Method: "PUT", Path: "/accounts/{id}/privacy", Tag: "accounts",
			Summary: `Withhold the customer's live and recorded video from every account above it, or stop withholding it: {"enabled":true}. The customer's own administrators only (403 privacy_own_account for parents); parents keep configuration and billing, and get 403 video_withheld for video`,
			Request: privacyRequest{}, Response: PrivacyJSON{}, Handler: h((*Server).setPrivacy)},
		{Method: "GET", Path: "/accounts/{id}/privacy/grants", Tag: "accounts", Summary: "The customer's privacy grants, newest first",
			Response: List[PrivacyGrantJSON]{}, Handler: h((*Server).listPrivacyGrants)},
		{Method: "POST", Path: "/accounts/{id}/privacy/grants", Tag: "accounts",
			Summary: "Let one account above the customer (its parent when grantee_account_id is left out) use its video for 1 to 720 hours; share links stay withheld. Customer's own administrators only",
			Request: privacyGrantRequest{}, Response: PrivacyGrantJSON{}, Handler: h((*Server).createPrivacyGrant)},
		{Method: "DELETE", Path: "/accounts/{id}/privacy/grants/{grant_id}", Tag: "accounts",
			Summary:  "Revoke a grant at once: the grantee's live sessions end within 2 s",
			Response: okResponse{}, Handler: h((*Server).revokePrivacyGrant)},
	}
}

// PrivacyJSON is a customer's privacy.
type PrivacyJSON struct {
	AccountID int64              `json:"account_id"`
	Enabled   bool               `json:"enabled"`
	Grants    []PrivacyGrantJSON `json:"grants"`
}

// PrivacyGrantJSON is one access grant.
type PrivacyGrantJSON struct {
	ID               int64      `json:"id"`
	AccountID        int64      `json:"account_id"`
	GranteeAccountID int64      `json:"grantee_account_id"`
	GranteeName      string     `json:"grantee_name"`
	Note             string     `json:"note"`
	CreatedBy        string     `json:"created_by"`
	CreatedAt        time.Time  `json:"created_at"`
	ExpiresAt        time.Time  `json:"expires_at"`
	RevokedAt        *time.Time `json:"revoked_at"`
	RevokedBy        string     `json:"revoked_by,omitempty"`
	Active           bool       `json:"active"`
}

type privacyRequest struct {
	Enabled *bool `json:"enabled"`
}

type privacyGrantRequest struct {
	GranteeAccountID int64  `json:"grantee_account_id"`
	Hours            int    `json:"hours"`
	Note             string `json:"note"`
}

func grantJSON(g tenancy.PrivacyGrant, now time.Time) PrivacyGrantJSON {
	return PrivacyGrantJSON{ID: g.ID, AccountID: g.AccountID, GranteeAccountID: g.GranteeID, GranteeName: g.GranteeName,
		Note: g.Note, CreatedBy: g.CreatedBy, CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt, RevokedAt: g.RevokedAt,
		RevokedBy: g.RevokedBy, Active: g.ActiveAt(now)}
}

func (s *Server) privacyJSON(p app.Privacy) PrivacyJSON {
	out := PrivacyJSON{AccountID: p.AccountID, Enabled: p.Enabled, Grants: make([]PrivacyGrantJSON, len(p.Grants))}
	now := s.App.Now()
	for i, g := range p.Grants {
		out.Grants[i] = grantJSON(g, now)
	}
	return out
}

func (s *Server) getPrivacy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.App.Privacy(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s.privacyJSON(p))
	return nil
}

func (s *Server) setPrivacy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in privacyRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Enabled == nil {
		return errs.Field("enabled", "must be true or false")
	}
	p, err := s.App.SetPrivacy(r.Context(), actor(r), id, *in.Enabled)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s.privacyJSON(p))
	return nil
}

func (s *Server) listPrivacyGrants(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.App.Privacy(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	items := s.privacyJSON(p).Grants
	httpx.WriteJSON(w, http.StatusOK, list(items, pageAll(len(items)), len(items)))
	return nil
}

func (s *Server) createPrivacyGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in privacyGrantRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	g, err := s.App.CreatePrivacyGrant(r.Context(), actor(r), id,
		tenancy.NewPrivacyGrant{GranteeID: in.GranteeAccountID, Hours: in.Hours, Note: in.Note})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, grantJSON(g, s.App.Now()))
	return nil
}

func (s *Server) revokePrivacyGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	gid, err := pathID(r, "grant_id")
	if err != nil {
		return err
	}
	if err := s.App.RevokePrivacyGrant(r.Context(), actor(r), id, gid); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, okResponse{OK: true})
	return nil
}
