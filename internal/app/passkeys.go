package app

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Passkeys (WebAuthn, github.com/go-webauthn/webauthn): password-less
// sign-in with a discoverable credential that the authenticator unlocks
// with user verification (a PIN or biometric). That is two factors in one
// gesture, so a passkey sign-in asks no TOTP code. The "require 2FA" rule
// stays about TOTP: it guards password sign-in, which a user with passkeys
// still has.
//
// The relying party is the deployment's base URL: its host is the RP ID and
// its origin the only one accepted.

// passkeyCeremonyTTL bounds the time between the options and the answer.
const passkeyCeremonyTTL = 5 * time.Minute

var errPasskeyFailed = errs.Unauthorizedf("passkey_failed", "the passkey was not accepted; try again or sign in with your password")

func (a *App) relyingParty() (*webauthn.WebAuthn, error) {
	u, err := url.Parse(a.Config.BaseURL)
	if err != nil || u.Hostname() == "" {
		return nil, errs.Conflictf("passkeys_unavailable", "passkeys need the server's base URL (VIGILO_BASE_URL)")
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: a.Config.Product,
		RPOrigins: []string{u.Scheme + "://" + u.Host}})
	if err != nil {
		return nil, errs.Conflictf("passkeys_unavailable", "passkeys cannot be used with this base URL: %v", err)
	}
	return wa, nil
}

var errPasskeysElsewhere = errs.Conflictf("passkeys_unavailable",
	"passkeys are not offered on this address; sign in with your password")

// PasskeysHere reports whether the request's host can use passkeys. The
// relying party is the operator's host, which a custom domain's pages
// cannot claim (browsers refuse an RP ID that is not a suffix of the
// page's host), so a verified custom domain offers none: its sign-in page
// shows no passkey button and a ceremony started there is refused, which
// keeps every sign-in through it behind the password (or SSO) checks of
// the domain's subtree.
func (a *App) PasskeysHere(ctx context.Context) (bool, error) {
	on, err := a.onCustomDomain(ctx)
	return !on, err
}

// passkeyUser is a user as the WebAuthn library sees it. The user handle
// is the user id (8 bytes): no e-mail or name is stored on authenticators
// beyond what the person sees.
type passkeyUser struct {
	u     identity.User
	keys  []store.Passkey
	creds []webauthn.Credential
}

func userHandle(id int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

func (p *passkeyUser) WebAuthnID() []byte                         { return userHandle(p.u.ID) }
func (p *passkeyUser) WebAuthnName() string                       { return p.u.Email }
func (p *passkeyUser) WebAuthnDisplayName() string                { return firstNonEmpty(p.u.Name, p.u.Email) }
func (p *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

func loadPasskeyUser(ctx context.Context, q store.Q, userID int64) (*passkeyUser, error) {
	u, err := q.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	keys, err := q.UserPasskeys(ctx, userID)
	if err != nil {
		return nil, err
	}
	p := &passkeyUser{u: u, keys: keys}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(k.Credential), &c); err != nil {
			return nil, errs.Wrap(err, "read passkey")
		}
		p.creds = append(p.creds, c)
	}
	return p, nil
}

// PasskeyCeremony is what the browser needs to run navigator.credentials:
// the options (JSON) and the token that names this ceremony on the answer.
type PasskeyCeremony struct {
	Options json.RawMessage
	Token   string
}

func (a *App) saveCeremony(ctx context.Context, userID int64, options any, session *webauthn.SessionData) (PasskeyCeremony, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return PasskeyCeremony{}, errs.Wrap(err, "passkey options")
	}
	sess, err := json.Marshal(session)
	if err != nil {
		return PasskeyCeremony{}, errs.Wrap(err, "passkey session")
	}
	plain, hash := identity.NewToken()
	if err := a.Store.W().InsertPasskeyCeremony(ctx, hash, userID, string(sess), a.Now().Add(passkeyCeremonyTTL)); err != nil {
		return PasskeyCeremony{}, err
	}
	return PasskeyCeremony{Options: opts, Token: plain}, nil
}

func (a *App) spendCeremony(ctx context.Context, token string) (int64, webauthn.SessionData, error) {
	var s webauthn.SessionData
	if token == "" {
		return 0, s, errPasskeyFailed
	}
	userID, raw, err := a.Store.W().SpendPasskeyCeremony(ctx, identity.HashToken(token))
	if errs.KindOf(err) == errs.NotFound {
		return 0, s, errPasskeyFailed
	}
	if err != nil {
		return 0, s, err
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return 0, s, errs.Wrap(err, "passkey session")
	}
	return userID, s, nil
}

// BeginPasskey starts adding a passkey to the actor's own user.
func (a *App) BeginPasskey(ctx context.Context, actor tenancy.Actor) (PasskeyCeremony, error) {
	wa, err := a.relyingParty()
	if err != nil {
		return PasskeyCeremony{}, err
	}
	pu, err := loadPasskeyUser(ctx, a.Store.R(), actor.UserID)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	exclude := make([]protocol.CredentialDescriptor, len(pu.creds))
	for i, c := range pu.creds {
		exclude[i] = c.Descriptor()
	}
	opts, session, err := wa.BeginRegistration(pu,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: protocol.VerificationRequired}),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return PasskeyCeremony{}, errs.Wrap(err, "begin passkey registration")
	}
	return a.saveCeremony(ctx, actor.UserID, opts, session)
}

// FinishPasskey verifies the authenticator's answer and stores the passkey.
func (a *App) FinishPasskey(ctx context.Context, actor tenancy.Actor, token, name, response string) (PasskeyInfo, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Passkey"
	}
	f := errs.Fields{}
	tenancy.CheckName(f, "name", name, 100, true)
	if err := f.Err(); err != nil {
		return PasskeyInfo{}, err
	}
	wa, err := a.relyingParty()
	if err != nil {
		return PasskeyInfo{}, err
	}
	userID, session, err := a.spendCeremony(ctx, token)
	if err != nil {
		return PasskeyInfo{}, err
	}
	if userID != actor.UserID {
		return PasskeyInfo{}, errPasskeyFailed
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(response))
	if err != nil {
		return PasskeyInfo{}, errs.Field("credential", "is not a WebAuthn registration answer")
	}
	pu, err := loadPasskeyUser(ctx, a.Store.R(), actor.UserID)
	if err != nil {
		return PasskeyInfo{}, err
	}
	cred, err := wa.CreateCredential(pu, session, parsed)
	if err != nil {
		a.Log.Info("passkey registration refused", "user_id", actor.UserID, "err", err)
		return PasskeyInfo{}, errPasskeyFailed
	}
	raw, _ := json.Marshal(cred)
	p := store.Passkey{UserID: actor.UserID, CredentialID: base64.RawURLEncoding.EncodeToString(cred.ID), Credential: string(raw), Name: name}
	err = a.tx(ctx, func(q store.Q, _ *outbox) error {
		if err := q.InsertPasskey(ctx, &p); err != nil {
			return err
		}
		return a.ownSecurityEvent(ctx, q, actor, "user.passkey_added", map[string]any{"user_id": actor.UserID, "passkey_id": p.ID, "name": name})
	})
	return PasskeyInfo{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt}, err
}

// PasskeyInfo is one of my passkeys as the Security page lists it.
type PasskeyInfo struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// Passkeys lists the actor's passkeys.
func (a *App) Passkeys(ctx context.Context, actor tenancy.Actor) ([]PasskeyInfo, error) {
	keys, err := a.Store.R().UserPasskeys(ctx, actor.UserID)
	out := make([]PasskeyInfo, len(keys))
	for i, k := range keys {
		out[i] = PasskeyInfo{ID: k.ID, Name: k.Name, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt}
	}
	return out, err
}

// DeletePasskey removes one of the actor's passkeys.
func (a *App) DeletePasskey(ctx context.Context, actor tenancy.Actor, id int64) error {
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		ok, err := q.DeletePasskey(ctx, actor.UserID, id)
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFoundf("passkey")
		}
		return a.ownSecurityEvent(ctx, q, actor, "user.passkey_removed", map[string]any{"user_id": actor.UserID, "passkey_id": id})
	})
}

// BeginPasskeySignIn starts a password-less sign-in: the browser offers
// the passkeys it has for this site. Each start counts against the client
// like a failed sign-in until it ends in a session.
func (a *App) BeginPasskeySignIn(ctx context.Context) (PasskeyCeremony, error) {
	if ok, err := a.PasskeysHere(ctx); err != nil || !ok {
		return PasskeyCeremony{}, firstErr(err, errPasskeysElsewhere)
	}
	wa, err := a.relyingParty()
	if err != nil {
		return PasskeyCeremony{}, err
	}
	client := clientKey(ctx)
	if wait, _ := a.Throttles.LoginClient.Take(client); wait > 0 {
		return PasskeyCeremony{}, errTooMany(wait, "sign-in attempts from your address")
	}
	opts, session, err := wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return PasskeyCeremony{}, errs.Wrap(err, "begin passkey sign-in")
	}
	return a.saveCeremony(ctx, 0, opts, session)
}

// FinishPasskeySignIn verifies the assertion (signature by a stored
// credential, challenge, origin, RP ID, user verification) and signs the
// credential's user in.
func (a *App) FinishPasskeySignIn(ctx context.Context, token, response string) (Session, error) {
	wa, err := a.relyingParty()
	if err != nil {
		return Session{}, err
	}
	userID, session, err := a.spendCeremony(ctx, token)
	if err != nil {
		return Session{}, err
	}
	if userID != 0 {
		return Session{}, errPasskeyFailed
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(response))
	if err != nil {
		return Session{}, errs.Field("credential", "is not a WebAuthn sign-in answer")
	}
	r := a.Store.R()
	var pu *passkeyUser
	cred, err := wa.ValidateDiscoverableLogin(func(_, handle []byte) (webauthn.User, error) {
		if len(handle) != 8 {
			return nil, errPasskeyFailed
		}
		pu, err = loadPasskeyUser(ctx, r, int64(binary.BigEndian.Uint64(handle)))
		return pu, err
	}, session, parsed)
	if err != nil || pu == nil {
		a.Log.Info("sign-in failed", "method", "passkey", "err", err, "remote", remoteOf(ctx))
		return Session{}, errPasskeyFailed
	}
	acct, err := r.Account(ctx, pu.u.AccountID)
	if err != nil {
		return Session{}, err
	}
	if err := a.usable(ctx, r, pu.u, acct); err != nil {
		return Session{}, err
	}
	credID := base64.RawURLEncoding.EncodeToString(cred.ID)
	for _, k := range pu.keys {
		if k.CredentialID == credID {
			raw, _ := json.Marshal(cred)
			if err := a.Store.W().UsePasskey(ctx, k.ID, string(raw), a.Now()); err != nil {
				return Session{}, err
			}
		}
	}
	s, err := a.openSession(ctx, pu.u, acct, map[string]any{"user_id": pu.u.ID, "method": "passkey"})
	if err == nil {
		a.Throttles.LoginClient.Undo(clientKey(ctx))
		a.Throttles.KnownClients.Take(clientKey(ctx))
	}
	return s, err
}
