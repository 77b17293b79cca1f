package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/httpx"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// OTP is the authenticator code (or a recovery code) of a user with
	// two-factor sign-in on; without it such a user gets 401 otp_required.
	OTP string `json:"otp,omitempty"`
}

type loginResponse struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	User      UserJSON    `json:"user"`
	Account   AccountJSON `json:"account"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	sess, err := s.App.Login(app.WithOTP(r.Context(), in.OTP), in.Email, in.Password)
	if err != nil {
		return err
	}
	httpx.SetSessionCookie(w, s.App.Config.BaseURL, sess.Token, sess.ExpiresAt)
	httpx.WriteJSON(w, http.StatusOK, loginResponse{Token: sess.Token, ExpiresAt: sess.ExpiresAt, User: userJSON(sess.User),
		Account: accountJSON(sess.Account, actorFromSession(sess))})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	token, _ := httpx.Token(r)
	if err := s.App.Logout(r.Context(), token); err != nil {
		return err
	}
	httpx.ClearSessionCookie(w, s.App.Config.BaseURL)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type confirmRequest struct {
	Token    string `json:"token"`
	Password string `json:"password,omitempty"`
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) error {
	var in confirmRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.App.Confirm(r.Context(), in.Token, in.Password)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, userJSON(u))
	return nil
}

type emailRequest struct {
	Email string `json:"email"`
}

type okResponse struct {
	OK bool `json:"ok"`
}

func (s *Server) resend(w http.ResponseWriter, r *http.Request) error {
	var in emailRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.App.ResendConfirmation(r.Context(), in.Email); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, okResponse{true})
	return nil
}

func (s *Server) forgot(w http.ResponseWriter, r *http.Request) error {
	var in emailRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.App.RequestPasswordReset(r.Context(), in.Email); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, okResponse{true})
	return nil
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	var in confirmRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.App.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, okResponse{true})
	return nil
}

type setupRequest struct {
	Token    string `json:"token"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	var in setupRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.App.CompleteSetup(r.Context(), in.Token, in.Email, in.Name, in.Password)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, userJSON(u))
	return nil
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.App.ChangePassword(r.Context(), actor(r), in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, okResponse{true})
	return nil
}

type meResponse struct {
	User    UserJSON    `json:"user"`
	Account AccountJSON `json:"account"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	u, acct, err := s.App.Me(r.Context(), a)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, meResponse{User: userJSON(u), Account: accountJSON(acct, a)})
	return nil
}

func rawJSON(s string) any {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	return v
}
