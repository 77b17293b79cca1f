package app

import (
	"context"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/mail"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Session is what a successful sign-in returns.
type Session struct {
	Token     string // shown once; only its hash is stored
	ExpiresAt time.Time
	User      identity.User
	Account   tenancy.Account
}

var errBadCredentials = errs.Unauthorizedf("invalid_credentials", "wrong e-mail or password")

// Login checks credentials and opens a session usable as a Bearer token and as
// the browser cookie.
func (a *App) Login(ctx context.Context, email, password string) (Session, error) {
	email = tenancy.NormalizeEmail(email)
	f := errs.Fields{}
	if email == "" {
		f.Add("email", "is required")
	}
	if password == "" {
		f.Add("password", "is required")
	}
	if err := f.Err(); err != nil {
		return Session{}, err
	}
	u, err := a.verifyPassword(ctx, email, password) // signin.go: throttled, bounded, audited
	if err != nil {
		return Session{}, err
	}
	r := a.Store.R()
	acct, err := r.Account(ctx, u.AccountID)
	if err != nil {
		return Session{}, err
	}
	if err := a.signInHost(ctx, acct); err != nil {
		return Session{}, err
	}
	// The order matters to the user: a wrong password is reported before
	// anything about the account, so the states below leak nothing to guessers.
	if err := a.usable(ctx, r, u, acct); err != nil {
		return Session{}, err
	}
	if err := a.secondFactor(ctx, u); err != nil { // totp.go
		return Session{}, err
	}
	return a.openSession(ctx, u, acct, map[string]any{"user_id": u.ID})
}

// signInHost refuses, with the ordinary wrong-credentials answer, a user
// signing in through an integrator's verified custom domain whose account
// lies outside that integrator's subtree: the domain is that integrator's
// front door, and says nothing about who else exists.
func (a *App) signInHost(ctx context.Context, acct tenancy.Account) error {
	ok, err := a.hostAdmits(ctx, acct.Path)
	if err == nil && !ok {
		err = errBadCredentials
	}
	return err
}

// hostAdmits reports whether the request's Host lets an account at path
// sign in: any host but a verified custom domain does; such a domain only
// for its own account's subtree.
func (a *App) hostAdmits(ctx context.Context, path string) (bool, error) {
	host := clientOf(ctx).Host
	if host == "" {
		return true, nil
	}
	h, err := a.BrandForHost(ctx, host)
	if err != nil {
		return false, err
	}
	return !h.OK || tenancy.InSubtree(h.Path, path), nil
}

// onCustomDomain reports whether the request came through a verified
// custom domain.
func (a *App) onCustomDomain(ctx context.Context) (bool, error) {
	host := clientOf(ctx).Host
	if host == "" {
		return false, nil
	}
	h, err := a.BrandForHost(ctx, host)
	return h.OK, err
}

// openSession is every sign-in's end (password, SSO, passkey): a new
// session, the user's last sign-in, and the user.login audit entry. It
// checks the custom domain again, so that no way of signing in opens a
// session through another integrator's domain.
func (a *App) openSession(ctx context.Context, u identity.User, acct tenancy.Account, detail map[string]any) (Session, error) {
	if err := a.signInHost(ctx, acct); err != nil {
		return Session{}, err
	}
	plain, hash := identity.NewToken()
	s := Session{Token: plain, ExpiresAt: a.Now().Add(a.sessionMax()).UTC(), User: u, Account: acct}
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		if err := a.insertSession(ctx, q, u.ID, hash, s.ExpiresAt); err != nil {
			return err
		}
		now := a.Now()
		u.LastLoginAt = &now
		if err := q.UpdateUser(ctx, &u); err != nil {
			return err
		}
		return a.audit(ctx, q, tenancy.Actor{UserID: u.ID, Email: u.Email, AccountID: acct.ID}, acct, "user.login", detail)
	})
	if err == nil {
		a.Log.Info("sign-in", "user_id", u.ID, "email", u.Email, "remote", remoteOf(ctx))
	}
	s.User = u
	return s, err
}

var errUnconfirmed = errs.Forbiddenf("email_unconfirmed", "confirm your e-mail address first: follow the link in the welcome e-mail, or ask for a new one")

// usable is the per-request gate: user enabled and confirmed, every account
// from the root down to the user's own enabled (R3, R6).
func (a *App) usable(ctx context.Context, q store.Q, u identity.User, acct tenancy.Account) error {
	if err := userUsable(u); err != nil {
		return err
	}
	ok, err := q.ChainActive(ctx, acct.Ancestors())
	if err != nil {
		return err
	}
	return chainUsable(ok)
}

func userUsable(u identity.User) error {
	if !u.Confirmed() {
		return errUnconfirmed
	}
	if u.Status != identity.UserActive {
		return errs.Forbiddenf("user_disabled", "this user has been disabled")
	}
	return nil
}

func chainUsable(active bool) error {
	if !active {
		return errs.Forbiddenf("account_disabled", "this account has been disabled")
	}
	return nil
}

// Authenticate resolves a session or API token into an Actor. It runs on every
// request, so a disabled account or user is refused on the very next request
// (R6): the principal cache (authcache.go) drops everything at any change
// of tokens, users, roles or accounts made by this process.
func (a *App) Authenticate(ctx context.Context, token string) (tenancy.Actor, error) {
	if token == "" {
		return tenancy.Actor{}, errs.Unauthorizedf("unauthenticated", "sign in first")
	}
	p, err := a.principal(ctx, identity.HashToken(token)) // authcache.go
	if errs.KindOf(err) == errs.NotFound {
		return tenancy.Actor{}, errs.Unauthorizedf("unauthenticated", "the session has ended; sign in again")
	}
	if err != nil {
		return tenancy.Actor{}, err
	}
	if a.Now().After(p.ExpiresAt) {
		return tenancy.Actor{}, errs.Unauthorizedf("unauthenticated", "the session has expired; sign in again")
	}
	if err := a.sessionAlive(p); err != nil {
		return tenancy.Actor{}, err
	}
	// The same gate as usable, with the chain's status read by the
	// principal's own query: one query per request instead of two.
	if err := userUsable(p.User); err != nil {
		return tenancy.Actor{}, err
	}
	if err := chainUsable(p.ChainActive); err != nil {
		return tenancy.Actor{}, err
	}
	a.touch(ctx, p)
	actor := actorOf(p.User, p.Account, p.Role)
	actor.SessionID = p.SessionID
	actor.PortalSession = p.Kind == identity.PurposeSession && p.Client == identity.ClientPortal
	actor.NeedsTOTP = p.Require2FA && !p.HasTOTP
	return actor, nil
}

func actorOf(u identity.User, acct tenancy.Account, role identity.Role) tenancy.Actor {
	return tenancy.Actor{
		UserID: u.ID, Email: u.Email, AccountID: acct.ID, AccountPath: acct.Path, AccountType: acct.Type,
		Owner: u.Owner, Admin: u.Owner || role.Portal == identity.AdminPortal,
		Rights: role.Rights, AllCameras: role.AllCameras, CameraIDs: role.CameraIDs,
	}
}

// Logout revokes the session or token, and audits the sign-out of a session
// that was still valid.
func (a *App) Logout(ctx context.Context, token string) error {
	hash := identity.HashToken(token)
	p, err := a.Store.R().PrincipalByToken(ctx, hash)
	if err != nil {
		return a.Store.W().RevokeTokenByHash(ctx, hash)
	}
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		if err := q.RevokeTokenByHash(ctx, hash); err != nil {
			return err
		}
		actor := actorOf(p.User, p.Account, p.Role)
		return a.securityEvent(ctx, q, actor, p.Account, "user.signed_out", map[string]any{"user_id": p.User.ID, "session_id": p.SessionID})
	})
}

// Confirm spends a confirmation token (R3). When the user was created
// without a password, one must be given now.
func (a *App) Confirm(ctx context.Context, token, password string) (identity.User, error) {
	var u identity.User
	// Hash before the transaction: a hash waits for a slot (identity's
	// gate), and nothing may wait while holding the writer.
	var hash string
	if password != "" {
		f := errs.Fields{}
		identity.CheckPassword(f, "password", password)
		if err := f.Err(); err != nil {
			return u, err
		}
		if _, err := a.liveToken(ctx, a.Store.R(), identity.PurposeConfirm, token); err != nil {
			return u, err
		}
		var err error
		if hash, err = identity.HashPassword(password); err != nil {
			return u, errs.Wrap(err, "hash password")
		}
	}
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		t, err := a.spendToken(ctx, q, identity.PurposeConfirm, token)
		if err != nil {
			return err
		}
		u, err = q.User(ctx, t.UserID)
		if err != nil {
			return err
		}
		if u.PasswordHash == "" && hash == "" {
			return errs.Field("password", "is required: choose a password for your first sign-in")
		}
		if hash != "" {
			u.PasswordHash = hash
		}
		now := a.Now().UTC()
		u.EmailConfirmedAt = &now
		if err := q.UpdateUser(ctx, &u); err != nil {
			return err
		}
		acct, err := q.Account(ctx, u.AccountID)
		if err != nil {
			return err
		}
		return a.audit(ctx, q, tenancy.Actor{UserID: u.ID, Email: u.Email, AccountID: acct.ID}, acct, "user.confirmed", map[string]any{"user_id": u.ID})
	})
	return u, err
}

// spendToken validates and uses a single-use token.
func (a *App) spendToken(ctx context.Context, q store.Q, purpose, token string) (store.OneTimeToken, error) {
	t, err := a.liveToken(ctx, q, purpose, token)
	if err != nil {
		return t, err
	}
	ok, err := q.UseToken(ctx, t.ID)
	if err != nil {
		return t, err
	}
	if !ok {
		return t, errBadLink
	}
	return t, nil
}

var errBadLink = errs.Field("token", "this link is invalid or has already been used")

// liveToken finds an unused, unexpired single-use token without spending it.
// Use cases that hash a new password look first, so a made-up token costs
// the server no argon2id hash.
func (a *App) liveToken(ctx context.Context, q store.Q, purpose, token string) (store.OneTimeToken, error) {
	if strings.TrimSpace(token) == "" {
		return store.OneTimeToken{}, errs.Field("token", "is required")
	}
	t, err := q.TokenByHash(ctx, purpose, identity.HashToken(token))
	if errs.KindOf(err) == errs.NotFound {
		return t, errBadLink
	}
	if err != nil {
		return t, err
	}
	if t.UsedAt != nil {
		return t, errBadLink
	}
	if a.Now().After(t.ExpiresAt) {
		return t, errs.Field("token", "this link has expired; ask for a new one")
	}
	return t, nil
}

// ResendConfirmation sends a fresh welcome link and invalidates older ones.
// It answers the same whether or not the address exists, so it cannot be
// used to discover users.
func (a *App) ResendConfirmation(ctx context.Context, email string) error {
	email = tenancy.NormalizeEmail(email)
	f := errs.Fields{}
	tenancy.CheckEmail(f, "email", email)
	if err := f.Err(); err != nil {
		return err
	}
	return a.limitMail(ctx, email, func() error {
		return a.tx(ctx, func(q store.Q, out *outbox) error {
			u, err := q.UserByEmail(ctx, email)
			if errs.KindOf(err) == errs.NotFound {
				return nil
			}
			if err != nil || u.Confirmed() {
				return err
			}
			acct, err := q.Account(ctx, u.AccountID)
			if err != nil {
				return err
			}
			return a.sendWelcome(ctx, q, out, u, acct, "")
		})
	})
}

// sendWelcome replaces any earlier confirmation link and queues the mail.
func (a *App) sendWelcome(ctx context.Context, q store.Q, out *outbox, u identity.User, acct tenancy.Account, inviter string) error {
	if err := q.RevokeTokens(ctx, u.ID, identity.PurposeConfirm); err != nil {
		return err
	}
	plain, hash := identity.NewToken()
	if _, err := q.InsertToken(ctx, u.ID, identity.PurposeConfirm, hash, "", a.Now().Add(identity.ConfirmTTL)); err != nil {
		return err
	}
	mb, err := a.MailBrandAt(ctx, q, acct.Path, MailWelcome)
	if err != nil {
		return err
	}
	if inviter == "" {
		inviter = mb.Product
	}
	msg := mail.Welcome(u.Email, mail.LinkData{Product: mb.Product, Name: u.Name, Account: acct.Name, Inviter: inviter,
		Link: mb.Base + "/confirm?token=" + plain, Expires: "3 days", Look: mb.Look})
	if _, err := q.EnqueueMail(ctx, msg); err != nil {
		return err
	}
	out.mail = true
	return nil
}

// RequestPasswordReset mails a reset link; silent for unknown addresses.
func (a *App) RequestPasswordReset(ctx context.Context, email string) error {
	email = tenancy.NormalizeEmail(email)
	f := errs.Fields{}
	tenancy.CheckEmail(f, "email", email)
	if err := f.Err(); err != nil {
		return err
	}
	return a.limitMail(ctx, email, func() error {
		return a.tx(ctx, func(q store.Q, out *outbox) error {
			u, err := q.UserByEmail(ctx, email)
			if errs.KindOf(err) == errs.NotFound {
				return nil
			}
			if err != nil {
				return err
			}
			if err := a.sendReset(ctx, q, out, u); err != nil {
				return err
			}
			return a.auditUser(ctx, q, u, "user.password_reset_requested", nil)
		})
	})
}

func (a *App) sendReset(ctx context.Context, q store.Q, out *outbox, u identity.User) error {
	if err := q.RevokeTokens(ctx, u.ID, identity.PurposeReset); err != nil {
		return err
	}
	plain, hash := identity.NewToken()
	if _, err := q.InsertToken(ctx, u.ID, identity.PurposeReset, hash, "", a.Now().Add(identity.ResetTTL)); err != nil {
		return err
	}
	acct, err := q.Account(ctx, u.AccountID)
	if err != nil {
		return err
	}
	mb, err := a.MailBrandAt(ctx, q, acct.Path, MailReset)
	if err != nil {
		return err
	}
	msg := mail.Reset(u.Email, mail.LinkData{Product: mb.Product, Name: u.Name, Link: mb.Base + "/reset?token=" + plain, Expires: "2 hours", Look: mb.Look})
	if _, err := q.EnqueueMail(ctx, msg); err != nil {
		return err
	}
	out.mail = true
	return nil
}

// ResetPassword spends a reset token, sets the password and ends every
// session of the user (whoever asked for a reset may fear a stolen one).
// Following the link also proves the address, so it confirms it.
func (a *App) ResetPassword(ctx context.Context, token, password string) error {
	f := errs.Fields{}
	identity.CheckPassword(f, "password", password)
	if err := f.Err(); err != nil {
		return err
	}
	if _, err := a.liveToken(ctx, a.Store.R(), identity.PurposeReset, token); err != nil {
		return err
	}
	hash, err := identity.HashPassword(password) // before the transaction, as in Confirm
	if err != nil {
		return errs.Wrap(err, "hash password")
	}
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		t, err := a.spendToken(ctx, q, identity.PurposeReset, token)
		if err != nil {
			return err
		}
		u, err := q.User(ctx, t.UserID)
		if err != nil {
			return err
		}
		u.PasswordHash = hash
		u.MustChangePassword = false
		if u.EmailConfirmedAt == nil {
			now := a.Now().UTC()
			u.EmailConfirmedAt = &now
		}
		if err := q.UpdateUser(ctx, &u); err != nil {
			return err
		}
		// Whoever asked for a reset may fear a stolen password: every
		// session and API token of the user ends.
		n, err := q.RevokeCredentials(ctx, u.ID, 0)
		if err != nil {
			return err
		}
		return a.auditUser(ctx, q, u, "user.password_reset", map[string]any{"sessions_revoked": n})
	})
}

// ChangePassword changes the actor's own password after checking the old one.
func (a *App) ChangePassword(ctx context.Context, actor tenancy.Actor, current, next string) error {
	f := errs.Fields{}
	identity.CheckPassword(f, "new_password", next)
	if err := f.Err(); err != nil {
		return err
	}
	// Both hashes run before the transaction, as in Confirm; the stored
	// hash is compared again inside it, so a concurrent change is not lost.
	before, err := a.Store.R().User(ctx, actor.UserID)
	if err != nil {
		return err
	}
	ok, err := identity.CheckPasswordHash(before.PasswordHash, current)
	if err != nil && errs.KindOf(err) != errs.Internal {
		return err // busy: try again later
	}
	if !ok {
		return errs.Field("current_password", "is not your current password")
	}
	hash, err := identity.HashPassword(next)
	if err != nil {
		return errs.Wrap(err, "hash password")
	}
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		u, err := q.User(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if u.PasswordHash != before.PasswordHash {
			return errs.Field("current_password", "is not your current password")
		}
		u.PasswordHash = hash
		u.MustChangePassword = false
		if err := q.UpdateUser(ctx, &u); err != nil {
			return err
		}
		// Other sessions and API tokens may be the thief's; this one stays.
		n, err := q.RevokeCredentials(ctx, u.ID, actor.SessionID)
		if err != nil {
			return err
		}
		return a.ownSecurityEvent(ctx, q, actor, "user.password_changed", map[string]any{"user_id": u.ID, "sessions_revoked": n})
	})
}

// auditUser records a security event that the user caused without being
// signed in (a reset link), as that user.
func (a *App) auditUser(ctx context.Context, q store.Q, u identity.User, action string, detail map[string]any) error {
	acct, err := q.Account(ctx, u.AccountID)
	if err != nil {
		return err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["user_id"] = u.ID
	return a.securityEvent(ctx, q, tenancy.Actor{UserID: u.ID, Email: u.Email, AccountID: acct.ID}, acct, action, detail)
}

func (a *App) link(path, token string) string {
	return strings.TrimRight(a.Config.BaseURL, "/") + path + "?token=" + token
}
