package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
)

// The Security page: two-factor sign-in (enrol, confirm, recovery codes,
// switch off) and my sessions (sign one out, or all others). Every signed-in
// user has it, video roles included; while the organisation requires 2FA
// and the user has none, it is the only page open (see authed).

type securityData struct {
	TOTPOn    bool
	Enrolment *app.TOTPEnrolment // right after "Set up": the secret to type in
	OTPAuth   template.URL       // its otpauth:// link (html/template refuses the scheme otherwise)
	Recovery  []string           // right after confirming: shown once
	Required  bool               // the organisation requires 2FA and it is off
	Sessions  []app.SessionInfo
	APITokens []app.SessionInfo
	Passkeys  []app.PasskeyInfo
}

func (p *Portal) securityData(r *http.Request, q *req) (*securityData, error) {
	ctx := r.Context()
	d := &securityData{Required: q.Actor.NeedsTOTP}
	on, err := p.App.TOTPOn(ctx, q.Actor)
	if err != nil {
		return nil, err
	}
	d.TOTPOn = on
	if d.Sessions, err = p.App.MySessions(ctx, q.Actor, identity.PurposeSession); err != nil {
		return nil, err
	}
	if d.APITokens, err = p.App.MySessions(ctx, q.Actor, identity.PurposeAPI); err != nil {
		return nil, err
	}
	if d.Passkeys, err = p.App.Passkeys(ctx, q.Actor); err != nil {
		return nil, err
	}
	return d, nil
}

func (p *Portal) securityPage(w http.ResponseWriter, r *http.Request, q *req) error {
	d, err := p.securityData(r, q)
	if err != nil {
		return err
	}
	p.renderForm(w, r, q, "security", "Security", "", d, url.Values{}, nil)
	return nil
}

func (p *Portal) securitySubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	var err error
	var enrol *app.TOTPEnrolment
	var recovery []string
	switch r.PathValue("action") {
	case "totp-begin":
		var en app.TOTPEnrolment
		if en, err = p.App.BeginTOTP(ctx, q.Actor); err == nil {
			enrol = &en
		}
	case "totp-confirm":
		recovery, err = p.App.ConfirmTOTP(ctx, q.Actor, r.PostFormValue("code"))
		if err == nil {
			q.Actor.NeedsTOTP = false
		} else if en, ok := p.pendingEnrolment(r); ok {
			enrol = &en // keep showing the secret while the code is retried
		}
	case "totp-disable":
		if err = p.App.DisableTOTP(ctx, q.Actor, r.PostFormValue("code")); err == nil {
			return p.redirect(w, r, "/security", "Two-factor sign-in is off.")
		}
	case "revoke":
		id, perr := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
		if perr != nil {
			return errNotFound
		}
		if err = p.App.RevokeMySession(ctx, q.Actor, id); err == nil {
			return p.redirect(w, r, "/security", "That session is signed out.")
		}
	case "passkey-remove":
		id, perr := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
		if perr != nil {
			return errNotFound
		}
		if err = p.App.DeletePasskey(ctx, q.Actor, id); err == nil {
			return p.redirect(w, r, "/security", "The passkey is removed.")
		}
	case "revoke-others":
		if _, err = p.App.RevokeOtherSessions(ctx, q.Actor); err == nil {
			return p.redirect(w, r, "/security", "Every other session and API token is signed out.")
		}
	default:
		return errNotFound
	}
	if err != nil && errs.KindOf(err) != errs.Invalid && errs.KindOf(err) != errs.Conflict {
		return err
	}
	d, derr := p.securityData(r, q)
	if derr != nil {
		return derr
	}
	d.Enrolment, d.Recovery = enrol, recovery
	if enrol != nil && strings.HasPrefix(enrol.URL, "otpauth://totp/") {
		d.OTPAuth = template.URL(enrol.URL) // built by the otp library, or checked so
	}
	p.renderForm(w, r, q, "security", "Security", "", d, url.Values{}, err)
	return nil
}

// pendingEnrolment rebuilds the enrolment shown before a mistyped code
// from the form (the secret is the user's own, pending in the database).
func (p *Portal) pendingEnrolment(r *http.Request) (app.TOTPEnrolment, bool) {
	s, u := r.PostFormValue("secret"), r.PostFormValue("otpauth_url")
	return app.TOTPEnrolment{Secret: s, URL: u}, s != ""
}
