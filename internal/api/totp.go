package api

import (
	"net/http"
	"strings"

	"github.com/vigilo/vigilo/internal/httpx"
)

type totpEnrolResponse struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
}

type codeRequest struct {
	Code string `json:"code"`
}

type recoveryResponse struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

type twoFactorJSON struct {
	Require2FA       bool `json:"require_2fa"`
	RequiredByParent bool `json:"required_by_parent"`
}

type twoFactorRequest struct {
	Require2FA bool `json:"require_2fa"`
}

func totpRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/me/totp", Tag: "auth", Summary: "Start two-factor enrolment: a new TOTP secret and its otpauth:// URL (pending until confirmed)",
			Response: totpEnrolResponse{}, Handler: h((*Server).beginTOTP)},
		{Method: "POST", Path: "/me/totp/confirm", Tag: "auth", Summary: "Switch two-factor sign-in on with a code from the app; returns single-use recovery codes, shown once",
			Request: codeRequest{}, Response: recoveryResponse{}, Handler: h((*Server).confirmTOTP)},
		{Method: "POST", Path: "/me/totp/disable", Tag: "auth", Summary: "Switch two-factor sign-in off with a current code or a recovery code",
			Request: codeRequest{}, Handler: h((*Server).disableTOTP)},
		{Method: "GET", Path: "/accounts/{id}/two-factor", Tag: "accounts", Summary: "Whether the account's users and subtree must use two-factor sign-in",
			Response: twoFactorJSON{}, Handler: h((*Server).getTwoFactor)},
		{Method: "PUT", Path: "/accounts/{id}/two-factor", Tag: "accounts", Summary: "Require two-factor sign-in for the account's users and its whole subtree (an account cannot lift a parent's rule)",
			Request: twoFactorRequest{}, Response: twoFactorJSON{}, Handler: h((*Server).putTwoFactor)},
	}
}

// totpOpen lists what a user whose organisation requires 2FA may reach
// before enrolling: themselves, enrolment and their sessions.
func totpOpen(path string) bool {
	p := strings.TrimPrefix(path, Prefix)
	return p == "/me" || strings.HasPrefix(p, "/me/totp") || strings.HasPrefix(p, "/me/sessions")
}

func (s *Server) beginTOTP(w http.ResponseWriter, r *http.Request) error {
	en, err := s.App.BeginTOTP(r.Context(), actor(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, totpEnrolResponse{Secret: en.Secret, OTPAuthURL: en.URL})
	return nil
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var in codeRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	codes, err := s.App.ConfirmTOTP(r.Context(), actor(r), in.Code)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, recoveryResponse{codes})
	return nil
}

func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request) error {
	var in codeRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.App.DisableTOTP(r.Context(), actor(r), in.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getTwoFactor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.App.TwoFactor(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, twoFactorJSON{p.Require2FA, p.FromAbove})
	return nil
}

func (s *Server) putTwoFactor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in twoFactorRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := s.App.SetTwoFactor(r.Context(), actor(r), id, in.Require2FA)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, twoFactorJSON{p.Require2FA, p.FromAbove})
	return nil
}
