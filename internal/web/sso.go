package web

import (
	"net/http"
	"net/url"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
)

// Sign-in through an account's OpenID Connect provider (app/sso_signin.go):
// /auth/oidc/start sends the browser to the provider with a state that a
// cookie of this browser also holds; /auth/oidc/callback comes back with it;
// /auth/oidc/otp takes the TOTP code of a user who has one.

// ssoCookie holds the state of this browser's sign-in in flight. SameSite
// Lax: the provider's redirect back is a top-level GET, which carries it.
const ssoCookie = "vigilo_sso"

func (p *Portal) setSSOCookie(w http.ResponseWriter, state string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: state, Path: "/auth/oidc", MaxAge: maxAge, HttpOnly: true,
		Secure: httpx.SecureCookies(p.App.Config.BaseURL), SameSite: http.SameSiteLaxMode})
}

func ssoCookieValue(r *http.Request) string {
	c, err := r.Cookie(ssoCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// ssoDomain answers the sign-in page's script: does this address's domain
// sign in through a provider? (It says nothing about users.)
func (p *Portal) ssoDomain(w http.ResponseWriter, r *http.Request, _ *req) error {
	httpx.WriteJSON(w, http.StatusOK, map[string]bool{"sso": p.App.SSOAvailable(r.Context(), r.URL.Query().Get("email"))})
	return nil
}

func (p *Portal) ssoStart(w http.ResponseWriter, r *http.Request, q *req) error {
	email, next := r.URL.Query().Get("email"), safeNext(r.URL.Query().Get("next"))
	st, err := p.App.BeginSSO(r.Context(), email, next)
	if err != nil {
		d := loginData{Next: next, SSO: false}
		d.noPasskeysHere(r, p)
		p.renderForm(w, r, q, "login", "Sign in", "", d, url.Values{"email": {email}}, err)
		return nil
	}
	p.setSSOCookie(w, st.State, 600)
	http.Redirect(w, r, st.URL, http.StatusSeeOther)
	return nil
}

func (p *Portal) ssoCallback(w http.ResponseWriter, r *http.Request, q *req) error {
	v := r.URL.Query()
	res, err := p.App.FinishSSO(r.Context(), app.SSOCallback{State: v.Get("state"), CookieState: ssoCookieValue(r),
		Code: v.Get("code"), Error: v.Get("error")})
	return p.ssoDone(w, r, q, res, err, false)
}

func (p *Portal) ssoOTPSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	state := ssoCookieValue(r)
	res, err := p.App.SSOSecondStep(r.Context(), state, state, r.PostFormValue("otp"))
	return p.ssoDone(w, r, q, res, err, true)
}

// ssoDone ends both: a session and the way on, the code step, or the
// sign-in page saying why.
func (p *Portal) ssoDone(w http.ResponseWriter, r *http.Request, q *req, res app.SSOResult, err error, codeGiven bool) error {
	if err != nil {
		d := loginData{Next: res.Next}
		d.noPasskeysHere(r, p)
		switch errs.CodeOf(err) {
		case "otp_required":
			d.OTP, d.SSOCode = true, true
			err = nil
			if codeGiven {
				err = errs.Field("otp", "is not the current code nor an unused recovery code")
			}
		case "account_disabled", "user_disabled":
			p.setSSOCookie(w, "", -1)
			d.Why = loginReasons[errs.CodeOf(err)]
			err = errs.Forbiddenf(errs.CodeOf(err), "%s", d.Why)
		default:
			p.setSSOCookie(w, "", -1)
		}
		p.renderForm(w, r, q, "login", "Sign in", "", d, url.Values{}, err)
		return nil
	}
	p.setSSOCookie(w, "", -1)
	httpx.SetSessionCookie(w, p.App.Config.BaseURL, res.Session.Token, res.Session.ExpiresAt)
	p.adoptBrowserZone(r, res.Session.Token)
	next := res.Next
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
