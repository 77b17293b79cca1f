package web

import (
	"net/http"
	"net/url"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
)

// Sign-in, sign-out, and the pages behind the links in e-mails.

var loginReasons = map[string]string{
	"account_disabled": "This account has been disabled. Its users cannot sign in until it is enabled again.",
	"user_disabled":    "This user has been disabled by an administrator.",
}

type loginData struct {
	Next        string
	Why         string
	Unconfirmed bool
	// OTP is the second step: the password was right and the user has
	// two-factor sign-in on, so the form asks for the code.
	OTP bool
	// SSO: the address's domain signs in through its provider ("Continue
	// with SSO"); SSOCode: the code step of such a sign-in.
	SSO     bool
	SSOCode bool
	// NoPasskeys: a verified custom domain, where passkeys (bound to the
	// operator's host) cannot work.
	NoPasskeys bool
}

// noPasskeysHere hides the passkey button where passkeys cannot work; when
// that cannot be told, the button stays (the ceremony checks again).
func (d *loginData) noPasskeysHere(r *http.Request, p *Portal) {
	ok, err := p.App.PasskeysHere(r.Context())
	d.NoPasskeys = err == nil && !ok
}

func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request, q *req) error {
	email := r.URL.Query().Get("email")
	d := loginData{Next: safeNext(r.URL.Query().Get("next")), Why: loginReasons[r.URL.Query().Get("why")]}
	d.SSO = email != "" && p.App.SSOAvailable(r.Context(), email)
	d.noPasskeysHere(r, p)
	p.renderForm(w, r, q, "login", "Sign in", "", d, url.Values{"email": {email}}, nil)
	return nil
}

func (p *Portal) loginSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	email, pw := r.PostFormValue("email"), r.PostFormValue("password")
	d := loginData{Next: safeNext(r.PostFormValue("next"))}
	d.noPasskeysHere(r, p)
	otp := r.PostFormValue("otp")
	sess, err := p.App.Login(app.WithOTP(r.Context(), otp), email, pw)
	if err != nil {
		form := url.Values{"email": {email}}
		d.SSO = p.App.SSOAvailable(r.Context(), email)
		switch errs.CodeOf(err) {
		case "otp_required":
			// The second step carries the password on to the next post
			// (the page is no-store); a first visit shows no error.
			d.OTP = true
			form.Set("password", pw)
			if otp == "" {
				err = nil
			} else {
				err = errs.Field("otp", "is not the current code nor an unused recovery code")
			}
		case "email_unconfirmed":
			d.Unconfirmed = true
		case "account_disabled", "user_disabled":
			d.Why = loginReasons[errs.CodeOf(err)]
			p.renderForm(w, r, q, "login", "Sign in", "", d, form, errs.Forbiddenf(errs.CodeOf(err), "%s", d.Why))
			return nil
		}
		p.renderForm(w, r, q, "login", "Sign in", "", d, form, err)
		return nil
	}
	httpx.SetSessionCookie(w, p.App.Config.BaseURL, sess.Token, sess.ExpiresAt)
	p.adoptBrowserZone(r, sess.Token)
	next := d.Next
	if sess.User.MustChangePassword {
		next = "/password"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// logout ends the session. It needs the session's own form token (a page
// elsewhere must not be able to sign people out), and works even when the
// session has already ended, e.g. for a disabled account.
func (p *Portal) logout(w http.ResponseWriter, r *http.Request) {
	if c := (&http.Cookie{Value: httpx.SessionFromCookie(r)}); c.Value != "" {
		if !checkSessionCSRF(r, c.Value) {
			p.fail(w, r, &req{}, errCSRF)
			return
		}
		if err := p.App.Logout(r.Context(), c.Value); err != nil {
			p.fail(w, r, &req{}, err)
			return
		}
	}
	httpx.ClearSessionCookie(w, p.App.Config.BaseURL)
	_ = p.redirect(w, r, "/login", "You have signed out.")
}

type tokenData struct {
	Token string
	Done  bool
}

func (p *Portal) confirmPage(w http.ResponseWriter, r *http.Request, q *req) error {
	p.renderForm(w, r, q, "confirm", "Confirm your e-mail", "", tokenData{Token: r.URL.Query().Get("token")}, url.Values{}, nil)
	return nil
}

// confirmSubmit spends the welcome link. The page always asks for a
// password: users created without one must choose it now, and for the others
// an empty field keeps the one they were given.
func (p *Portal) confirmSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	tok, pw := r.PostFormValue("token"), r.PostFormValue("password")
	if pw != "" && pw != r.PostFormValue("password_again") {
		p.renderForm(w, r, q, "confirm", "Confirm your e-mail", "", tokenData{Token: tok}, url.Values{},
			errs.Field("password_again", "does not match the password"))
		return nil
	}
	u, err := p.App.Confirm(r.Context(), tok, pw)
	if err != nil {
		p.renderForm(w, r, q, "confirm", "Confirm your e-mail", "", tokenData{Token: tok}, url.Values{}, err)
		return nil
	}
	return p.redirect(w, r, "/login?"+url.Values{"email": {u.Email}}.Encode(), "Your e-mail address is confirmed. Sign in to continue.")
}

func (p *Portal) resendSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	email := r.PostFormValue("email")
	if err := p.App.ResendConfirmation(r.Context(), email); err != nil {
		p.renderForm(w, r, q, "confirm", "Confirm your e-mail", "", tokenData{}, url.Values{"email": {email}}, err)
		return nil
	}
	return p.redirect(w, r, "/login", "If that address belongs to an account that still needs confirming, a new link is on its way. Earlier links no longer work.")
}

func (p *Portal) forgotPage(w http.ResponseWriter, r *http.Request, q *req) error {
	p.renderForm(w, r, q, "forgot", "Forgotten password", "", nil, url.Values{"email": {r.URL.Query().Get("email")}}, nil)
	return nil
}

func (p *Portal) forgotSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	email := r.PostFormValue("email")
	if err := p.App.RequestPasswordReset(r.Context(), email); err != nil {
		p.renderForm(w, r, q, "forgot", "Forgotten password", "", nil, url.Values{"email": {email}}, err)
		return nil
	}
	return p.redirect(w, r, "/login", "If an account uses that address, a link to choose a new password is on its way. It works for 2 hours.")
}

func (p *Portal) resetPage(w http.ResponseWriter, r *http.Request, q *req) error {
	p.renderForm(w, r, q, "reset", "Choose a new password", "", tokenData{Token: r.URL.Query().Get("token")}, url.Values{}, nil)
	return nil
}

func (p *Portal) resetSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	tok, pw := r.PostFormValue("token"), r.PostFormValue("password")
	var err error
	if pw != r.PostFormValue("password_again") {
		err = errs.Field("password_again", "does not match the password")
	} else {
		err = p.App.ResetPassword(r.Context(), tok, pw)
	}
	if err != nil {
		p.renderForm(w, r, q, "reset", "Choose a new password", "", tokenData{Token: tok}, url.Values{}, err)
		return nil
	}
	return p.redirect(w, r, "/login", "Your password has been changed and every other session signed out. Sign in with the new password.")
}

func (p *Portal) setupPage(w http.ResponseWriter, r *http.Request, q *req) error {
	p.renderForm(w, r, q, "setup", "Set up "+p.App.Config.Product, "", tokenData{Token: r.URL.Query().Get("token")}, url.Values{}, nil)
	return nil
}

func (p *Portal) setupSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	f := r.PostForm
	tok := f.Get("token")
	var err error
	if f.Get("password") != f.Get("password_again") {
		err = errs.Field("password_again", "does not match the password")
	} else {
		_, err = p.App.CompleteSetup(r.Context(), tok, f.Get("email"), f.Get("name"), f.Get("password"))
	}
	if err != nil {
		form := url.Values{"email": {f.Get("email")}, "name": {f.Get("name")}}
		p.renderForm(w, r, q, "setup", "Set up "+p.App.Config.Product, "", tokenData{Token: tok}, form, err)
		return nil
	}
	return p.redirect(w, r, "/login?"+url.Values{"email": {f.Get("email")}}.Encode(), "The operator's administrator is ready. Sign in.")
}

func (p *Portal) passwordPage(w http.ResponseWriter, r *http.Request, q *req) error {
	p.renderForm(w, r, q, "password", "Change password", "", nil, url.Values{}, nil)
	return nil
}

func (p *Portal) passwordSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	f := r.PostForm
	var err error
	if f.Get("new_password") != f.Get("new_password_again") {
		err = errs.Field("new_password_again", "does not match the new password")
	} else {
		err = p.App.ChangePassword(r.Context(), q.Actor, f.Get("current_password"), f.Get("new_password"))
	}
	if err != nil {
		p.renderForm(w, r, q, "password", "Change password", "", nil, url.Values{}, err)
		return nil
	}
	return p.redirect(w, r, "/", "Your password has been changed.")
}
