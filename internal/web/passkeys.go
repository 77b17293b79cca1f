package web

import (
	"encoding/json"
	"net/http"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/httpx"
)

// Passkeys (app/passkeys.go): the Security page adds and removes them, the
// sign-in page signs in with one. The browser half is static/app.js: it
// runs navigator.credentials with the options these handlers return and
// posts the answer back as a form field (so the form token rides along).
// Answers are JSON for the script; errors are the API's error JSON.

type passkeyStart struct {
	Token   string          `json:"token"`
	Options json.RawMessage `json:"options"`
}

func (p *Portal) passkeyJSON(w http.ResponseWriter, r *http.Request, c app.PasskeyCeremony, err error) error {
	if err != nil {
		httpx.WriteError(w, r, p.Log, err)
		return nil
	}
	httpx.WriteJSON(w, http.StatusOK, passkeyStart{Token: c.Token, Options: c.Options})
	return nil
}

func (p *Portal) passkeyBegin(w http.ResponseWriter, r *http.Request, q *req) error {
	c, err := p.App.BeginPasskey(r.Context(), q.Actor)
	return p.passkeyJSON(w, r, c, err)
}

func (p *Portal) passkeyFinish(w http.ResponseWriter, r *http.Request, q *req) error {
	_, err := p.App.FinishPasskey(r.Context(), q.Actor, r.PostFormValue("token"), r.PostFormValue("name"), r.PostFormValue("credential"))
	if err != nil {
		httpx.WriteError(w, r, p.Log, err)
		return nil
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"next": "/security"})
	return nil
}

func (p *Portal) passkeySignInBegin(w http.ResponseWriter, r *http.Request, _ *req) error {
	c, err := p.App.BeginPasskeySignIn(r.Context())
	return p.passkeyJSON(w, r, c, err)
}

func (p *Portal) passkeySignInFinish(w http.ResponseWriter, r *http.Request, _ *req) error {
	sess, err := p.App.FinishPasskeySignIn(r.Context(), r.PostFormValue("token"), r.PostFormValue("credential"))
	if err != nil {
		httpx.WriteError(w, r, p.Log, err)
		return nil
	}
	httpx.SetSessionCookie(w, p.App.Config.BaseURL, sess.Token, sess.ExpiresAt)
	p.adoptBrowserZone(r, sess.Token)
	next := safeNext(r.PostFormValue("next"))
	if sess.User.MustChangePassword {
		next = "/password"
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"next": next})
	return nil
}
