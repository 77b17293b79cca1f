package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The account page's sign-in tabs: "2FA" (require two-factor sign-in for
// the account and everything under it) and "SSO" (its OpenID Connect
// provider). Both are the account's administrators' and its parents'.

type accountSignIn struct {
	TwoFactor   app.TwoFactorPolicy
	SSO         app.SSOSettings
	Roles       []identity.Role
	RedirectURI string
}

func (p *Portal) accountSignIn(r *http.Request, q *req, acct tenancy.Account) (*accountSignIn, error) {
	ctx := r.Context()
	d := &accountSignIn{RedirectURI: strings.TrimRight(p.App.Config.BaseURL, "/") + app.SSOCallbackPath}
	var err error
	if d.TwoFactor, err = p.App.TwoFactor(ctx, q.Actor, acct.ID); err != nil {
		return nil, err
	}
	if d.SSO, err = p.App.SSOSettings(ctx, q.Actor, acct.ID); err != nil {
		return nil, err
	}
	if d.Roles, err = p.App.ListRoles(ctx, q.Actor, acct.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// ssoForm is the SSO tab's form as stored (the secret is never shown).
func ssoForm(s app.SSOSettings) url.Values {
	if !s.Own {
		return url.Values{"enabled": {"1"}}
	}
	c := s.Config
	v := url.Values{"issuer": {c.Issuer}, "client_id": {c.ClientID}, "domains": {strings.Join(c.Domains, ", ")},
		"default_role_id": {strconv.FormatInt(c.DefaultRoleID, 10)}}
	if c.Enabled {
		v.Set("enabled", "1")
	}
	return v
}

func (p *Portal) twoFactorSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	on := lastValue(r.PostForm, "require_2fa") == "1"
	if _, err := p.App.SetTwoFactor(r.Context(), q.Actor, acct.ID, on); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return p.showAccount(w, r, q, acct.ID, "two-factor", "customers", url.Values{}, err)
	}
	msg := "Two-factor sign-in is no longer required by " + acct.Name + "."
	if on {
		msg = "Two-factor sign-in is now required for " + acct.Name + "'s users and everything under it."
	}
	return p.redirect(w, r, "/accounts/"+itoa64(acct.ID)+"/two-factor", msg)
}

func (p *Portal) ssoSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	f := r.PostForm
	if f.Get("action") == "remove" {
		if err := p.App.DeleteSSO(r.Context(), q.Actor, acct.ID); err != nil {
			return err
		}
		return p.redirect(w, r, "/accounts/"+itoa64(acct.ID)+"/sso", "Single sign-on is removed from "+acct.Name+".")
	}
	c := identity.SSOConfig{Issuer: f.Get("issuer"), ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
		Domains: strings.FieldsFunc(f.Get("domains"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }),
		Enabled: lastValue(f, "enabled") == "1"}
	if v := f.Get("default_role_id"); v != "" {
		if c.DefaultRoleID, err = strconv.ParseInt(v, 10, 64); err != nil {
			c.DefaultRoleID = -1 // Validate names the field
		}
	}
	if _, err := p.App.SetSSO(r.Context(), q.Actor, acct.ID, c); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		form := url.Values{}
		for k, v := range f {
			if k != "client_secret" && k != "csrf" {
				form[k] = v
			}
		}
		return p.showAccount(w, r, q, acct.ID, "sso", "customers", form, err)
	}
	return p.redirect(w, r, "/accounts/"+itoa64(acct.ID)+"/sso", "Single sign-on is saved for "+acct.Name+".")
}
