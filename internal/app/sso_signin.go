package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Sign-in through an account's OpenID Connect provider:
//
//	BeginSSO (address → its domain's configuration → state, nonce, PKCE
//	verifier stored; the browser goes to the provider)
//	FinishSSO (callback: state checked against the browser's cookie and
//	spent, code exchanged, ID token verified, e-mail verified and covered,
//	user found in the configuration's subtree or created there)
//	SSOSecondStep (a user with TOTP on still gives the code: SSO replaces
//	the password, not Vigilo's second factor)
//
// Every attempt counts against the client address like a failed password
// until it ends in a session, so the flow is throttled like password
// sign-in; outcomes are audited as user.login / user.login_failed with
// "method":"oidc".

// SSOProvider is the relying party that talks to providers (internal/oidc).
type SSOProvider interface {
	AuthURL(ctx context.Context, ep identity.SSOEndpoint, state, nonce, verifier, hint string) (string, error)
	Exchange(ctx context.Context, ep identity.SSOEndpoint, code, verifier, nonce string) (identity.SSOIdentity, error)
}

// SSOCallbackPath is where providers send the browser back; administrators
// register BaseURL + this path as the client's redirect URI.
const SSOCallbackPath = "/auth/oidc/callback"

// ssoLoginTTL bounds the time spent at the provider (and on the code step).
const ssoLoginTTL = 10 * time.Minute

var (
	errSSOUnavailable = errs.Field("email", "single sign-on is not set up for this address's domain; sign in with your password")
	errSSOFailed      = errs.Unauthorizedf("sso_failed", "single sign-on did not succeed; start again, or sign in with your password")
	errSSOProvider    = errs.Later(errs.Unavailable, "sso_provider_unreachable", time.Minute, "the sign-in provider did not answer; try again later")
)

// SSOStart is where to send the browser, and the state to remember in it.
type SSOStart struct {
	URL   string
	State string
}

// SSOAvailable tells the sign-in page whether an address's domain signs in
// through a provider (it says nothing about users).
func (a *App) SSOAvailable(ctx context.Context, email string) bool {
	if a.SSO == nil {
		return false
	}
	r := a.Store.R()
	c, err := r.SSOConfigByDomain(ctx, identity.EmailDomain(tenancy.NormalizeEmail(email)))
	if err != nil || !c.Enabled {
		return false
	}
	ok, err := a.ssoHostAdmits(ctx, r, c)
	return err == nil && ok
}

// ssoHostAdmits: through a verified custom domain, only a configuration
// of an account in that domain's subtree signs in (its users are found or
// created in its own subtree, so they lie in the domain's too).
func (a *App) ssoHostAdmits(ctx context.Context, r store.Q, c identity.SSOConfig) (bool, error) {
	acct, err := r.Account(ctx, c.AccountID)
	if err != nil {
		return false, err
	}
	return a.hostAdmits(ctx, acct.Path)
}

// BeginSSO starts a sign-in for an address whose domain has a provider.
func (a *App) BeginSSO(ctx context.Context, email, next string) (SSOStart, error) {
	email = tenancy.NormalizeEmail(email)
	f := errs.Fields{}
	tenancy.CheckEmail(f, "email", email)
	if err := f.Err(); err != nil {
		return SSOStart{}, err
	}
	if a.SSO == nil {
		return SSOStart{}, errSSOUnavailable
	}
	r := a.Store.R()
	c, err := r.SSOConfigByDomain(ctx, identity.EmailDomain(email))
	if errs.KindOf(err) == errs.NotFound || (err == nil && !c.Enabled) {
		return SSOStart{}, errSSOUnavailable
	}
	if err != nil {
		return SSOStart{}, err
	}
	acct, err := r.Account(ctx, c.AccountID)
	if err != nil {
		return SSOStart{}, err
	}
	// Another integrator's domain refuses as if the address had no
	// provider: the domain says nothing about who else exists.
	if ok, err := a.hostAdmits(ctx, acct.Path); err != nil || !ok {
		return SSOStart{}, firstErr(err, errSSOUnavailable)
	}
	if ok, err := r.ChainActive(ctx, acct.Ancestors()); err != nil || !ok {
		return SSOStart{}, firstErr(err, chainUsable(false))
	}
	client := clientKey(ctx)
	if wait, _ := a.Throttles.LoginClient.Take(client); wait > 0 {
		return SSOStart{}, errTooMany(wait, "sign-in attempts from your address")
	}
	ep, err := a.ssoEndpoint(c)
	if err != nil {
		a.Throttles.LoginClient.Undo(client)
		return SSOStart{}, err
	}
	l := store.SSOLogin{AccountID: c.AccountID, Nonce: randomToken(), Verifier: randomToken(), Next: next,
		ExpiresAt: a.Now().Add(ssoLoginTTL)}
	state := randomToken()
	l.StateHash = identity.HashToken(state)
	u, err := a.SSO.AuthURL(ctx, ep, state, l.Nonce, l.Verifier, email)
	if err != nil {
		a.Throttles.LoginClient.Undo(client)
		a.Log.Warn("sso: provider discovery failed", "account_id", c.AccountID, "issuer", c.Issuer, "err", err)
		return SSOStart{}, errSSOProvider
	}
	if err := a.Store.W().InsertSSOLogin(ctx, l); err != nil {
		return SSOStart{}, err
	}
	return SSOStart{URL: u, State: state}, nil
}

func (a *App) ssoEndpoint(c identity.SSOConfig) (identity.SSOEndpoint, error) {
	if a.Cameras.Secrets == nil {
		return identity.SSOEndpoint{}, errSSOUnavailable
	}
	secret, err := a.Cameras.Secrets.OpenFor(ssoSecretPurpose, c.ClientSecret)
	if err != nil {
		return identity.SSOEndpoint{}, errs.Wrap(err, "open sso client secret")
	}
	return identity.SSOEndpoint{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: secret,
		RedirectURL: strings.TrimRight(a.Config.BaseURL, "/") + SSOCallbackPath}, nil
}

// SSOCallback is what the provider sent back to the browser.
type SSOCallback struct {
	State       string // the callback's state parameter
	CookieState string // the state this browser was given at BeginSSO
	Code        string
	Error       string // the provider's error parameter (the person declined, …)
}

// SSOResult ends a sign-in: a session, or (with otp_required) the code
// step still due; Next is where the person was going.
type SSOResult struct {
	Session Session
	Next    string
}

// FinishSSO verifies the provider's answer and signs the person in.
func (a *App) FinishSSO(ctx context.Context, cb SSOCallback) (SSOResult, error) {
	l, err := a.liveSSOLogin(ctx, cb.State, cb.CookieState)
	if err != nil {
		return SSOResult{}, err
	}
	res := SSOResult{Next: l.Next}
	if l.UserID != 0 { // the callback already ran for this state
		return res, a.ssoFailed(ctx, l, "", "state_reused", errSSOFailed)
	}
	r := a.Store.R()
	c, err := r.SSOConfig(ctx, l.AccountID)
	if err != nil || !c.Enabled {
		return res, a.ssoFailed(ctx, l, "", "configuration_removed", errSSOFailed)
	}
	// The callback may come through another host than the start did:
	// judged again before anyone is found or created.
	if ok, err := a.ssoHostAdmits(ctx, r, c); err != nil || !ok {
		return res, firstErr(err, a.ssoFailed(ctx, l, "", "other_domain", errSSOFailed))
	}
	if cb.Error != "" || cb.Code == "" {
		return res, a.ssoFailed(ctx, l, "", "provider_error:"+clipString(cb.Error, 40), errSSOFailed)
	}
	ep, err := a.ssoEndpoint(c)
	if err != nil {
		return res, err
	}
	id, err := a.SSO.Exchange(ctx, ep, cb.Code, l.Verifier, l.Nonce)
	if err != nil {
		a.Log.Info("sso: exchange or ID token refused", "account_id", c.AccountID, "err", err, "remote", remoteOf(ctx))
		return res, a.ssoFailed(ctx, l, "", "id_token_refused", errSSOFailed)
	}
	email := tenancy.NormalizeEmail(id.Email)
	switch {
	case !id.EmailVerified:
		return res, a.ssoFailed(ctx, l, email, "email_not_verified", errSSOFailed)
	case !c.Covers(email):
		return res, a.ssoFailed(ctx, l, email, "domain_not_covered", errSSOFailed)
	}
	u, acct, err := a.ssoUser(ctx, c, email, id.Name)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return res, a.ssoFailed(ctx, l, email, "user_elsewhere", errSSOFailed)
		}
		return res, err
	}
	if err := a.usable(ctx, r, u, acct); err != nil {
		return res, a.ssoFailed(ctx, l, email, errs.CodeOf(err), err)
	}
	st, err := r.UserTOTP(ctx, u.ID)
	if err != nil {
		return res, err
	}
	if st.EnabledAt != nil {
		// The code step: the state now names the user, and only the code
		// (SSOSecondStep) ends it.
		if ok, err := a.Store.W().ClaimSSOLogin(ctx, l.StateHash, u.ID); err != nil || !ok {
			return res, firstErr(err, errSSOFailed)
		}
		return res, errOTPRequired
	}
	if ok, err := a.Store.W().ClaimSSOLogin(ctx, l.StateHash, 0); err != nil || !ok {
		return res, firstErr(err, errSSOFailed)
	}
	res.Session, err = a.ssoSession(ctx, u, acct)
	return res, err
}

// SSOSecondStep takes the TOTP code of a user whom the provider vouched for.
// Wrong codes are throttled per user as in password sign-in (secondFactor).
func (a *App) SSOSecondStep(ctx context.Context, state, cookieState, otp string) (SSOResult, error) {
	l, err := a.liveSSOLogin(ctx, state, cookieState)
	if err != nil {
		return SSOResult{}, err
	}
	res := SSOResult{Next: l.Next}
	if l.UserID == 0 {
		return res, errSSOFailed
	}
	r := a.Store.R()
	u, err := r.User(ctx, l.UserID)
	if err != nil {
		return res, errSSOFailed
	}
	acct, err := r.Account(ctx, u.AccountID)
	if err != nil {
		return res, err
	}
	if err := a.usable(ctx, r, u, acct); err != nil {
		return res, err
	}
	if err := a.secondFactor(WithOTP(ctx, otp), u); err != nil {
		return res, err
	}
	if ok, err := a.Store.W().DeleteSSOLogin(ctx, l.StateHash); err != nil || !ok {
		return res, firstErr(err, errSSOFailed)
	}
	res.Session, err = a.ssoSession(ctx, u, acct)
	return res, err
}

// liveSSOLogin finds the sign-in in flight that the callback's state names,
// and checks that this browser started it: a callback link sent to someone
// else (login CSRF) carries a state their browser was never given.
func (a *App) liveSSOLogin(ctx context.Context, state, cookieState string) (store.SSOLogin, error) {
	if state == "" || state != cookieState {
		return store.SSOLogin{}, errSSOFailed
	}
	l, err := a.Store.R().SSOLoginByState(ctx, identity.HashToken(state))
	if errs.KindOf(err) == errs.NotFound {
		return l, errSSOFailed
	}
	if err != nil {
		return l, err
	}
	if a.Now().After(l.ExpiresAt) {
		return l, errSSOFailed
	}
	return l, nil
}

func (a *App) ssoSession(ctx context.Context, u identity.User, acct tenancy.Account) (Session, error) {
	s, err := a.openSession(ctx, u, acct, map[string]any{"user_id": u.ID, "method": "oidc"})
	if err == nil {
		a.Throttles.LoginClient.Undo(clientKey(ctx)) // the attempt that BeginSSO counted
		a.Throttles.KnownClients.Take(clientKey(ctx))
	}
	return s, err
}

// ssoUser finds the user the provider vouched for in the configuration's
// subtree, or creates one in the configuration's own account with its
// default role (just-in-time). An address that belongs to a user outside
// the subtree is NotFound: a provider vouches only for its own tenants.
func (a *App) ssoUser(ctx context.Context, c identity.SSOConfig, email, name string) (identity.User, tenancy.Account, error) {
	var u identity.User
	var acct tenancy.Account
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		owner, err := q.Account(ctx, c.AccountID)
		if err != nil {
			return err
		}
		u, err = q.UserByEmail(ctx, email)
		if err == nil {
			if acct, err = q.Account(ctx, u.AccountID); err != nil {
				return err
			}
			if !strings.HasPrefix(acct.Path, owner.Path) {
				return errs.NotFoundf("user")
			}
			if u.EmailConfirmedAt == nil { // the provider proved the address
				now := a.Now().UTC()
				u.EmailConfirmedAt = &now
				return q.UpdateUser(ctx, &u)
			}
			return nil
		}
		if errs.KindOf(err) != errs.NotFound {
			return err
		}
		acct = owner
		role := c.DefaultRoleID
		if _, err := q.Role(ctx, role); role == 0 || err != nil {
			return errs.Conflictf("sso_no_role", "the sign-in configuration has no default role; ask an administrator")
		}
		now := a.Now().UTC()
		u = identity.User{AccountID: owner.ID, Email: email, Name: ssoName(name, email), RoleID: role,
			Status: identity.UserActive, EmailConfirmedAt: &now}
		if err := q.InsertUser(ctx, &u); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.UserChanged, AccountID: owner.ID, Path: owner.Path})
		return a.securityEvent(ctx, q, tenancy.Actor{UserID: u.ID, Email: u.Email, AccountID: owner.ID}, owner, "user.created",
			map[string]any{"user_id": u.ID, "email": u.Email, "role_id": role, "method": "oidc"})
	})
	return u, acct, err
}

// ssoName is the provider's name for the person when it is a valid name,
// else the address's local part.
func ssoName(name, email string) string {
	f := errs.Fields{}
	name = strings.TrimSpace(name)
	tenancy.CheckName(f, "name", name, 100, true)
	if len(f) == 0 {
		return name
	}
	local, _, _ := strings.Cut(email, "@")
	return clipString(local, 100)
}

// ssoFailed audits a failed SSO sign-in (the attempt stays counted against
// the client), forgets its state and answers cause.
func (a *App) ssoFailed(ctx context.Context, l store.SSOLogin, email, reason string, cause error) error {
	a.Log.Info("sign-in failed", "method", "oidc", "email", email, "reason", reason, "remote", remoteOf(ctx))
	if _, err := a.Store.W().DeleteSSOLogin(ctx, l.StateHash); err != nil {
		return err
	}
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := q.Account(ctx, l.AccountID)
		if err != nil {
			return err
		}
		return a.audit(ctx, q, tenancy.Actor{Email: email}, acct, "user.login_failed",
			map[string]any{"email": email, "method": "oidc", "reason": reason})
	})
	return firstErr(err, cause)
}

// firstErr is the first error that is not nil.
func firstErr(list ...error) error {
	for _, e := range list {
		if e != nil {
			return e
		}
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
