package app

import (
	"context"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// verifyPassword is sign-in's gate: it throttles failed attempts per
// account (the e-mail, known or not) and per client address, spends one
// bounded argon2id hash whether or not the address exists, and audits the
// outcome. Only a right password returns a user; what the account's state
// says about it (unconfirmed, disabled) comes after, so it leaks nothing to
// someone guessing passwords.
func (a *App) verifyPassword(ctx context.Context, email, password string) (identity.User, error) {
	t := a.Throttles
	acctKey, client := "email:"+email, clientKey(ctx)
	wait, acctLock := t.LoginAccount.Take(acctKey)
	if wait > 0 {
		a.Log.Info("sign-in refused: account locked", "email", email, "remote", remoteOf(ctx), "retry_after", wait)
		return identity.User{}, errTooMany(wait, "failed sign-ins for this account")
	}
	wait, clientLock := t.LoginClient.Take(client)
	if wait > 0 {
		t.LoginAccount.Undo(acctKey)
		a.Log.Info("sign-in refused: client locked", "email", email, "remote", remoteOf(ctx), "retry_after", wait)
		return identity.User{}, errTooMany(wait, "failed sign-ins from your address")
	}
	lane := identity.LaneAnyone
	if t.KnownClients.Has(client) {
		lane = identity.LaneKnown
	}
	u, ok, err := a.passwordMatches(ctx, lane, email, password)
	if err != nil { // busy or broken: the attempt did not happen
		t.LoginAccount.Undo(acctKey)
		t.LoginClient.Undo(client)
		return identity.User{}, err
	}
	if ok {
		t.LoginAccount.Reset(acctKey)
		t.LoginClient.Undo(client)
		t.KnownClients.Take(client)
		return u, nil
	}
	t.KnownClients.Reset(client)
	a.Log.Info("sign-in failed", "email", email, "remote", remoteOf(ctx))
	if acctLock > 0 || clientLock > 0 {
		a.Log.Warn("sign-in locked out", "email", email, "remote", remoteOf(ctx), "account_lock", acctLock, "client_lock", clientLock)
	}
	if err := a.auditSignInFailure(ctx, u, email, acctLock, clientLock); err != nil {
		return identity.User{}, err
	}
	return identity.User{}, errBadCredentials
}

// passwordMatches spends exactly one hash, waiting in lane: against the
// user's, or against a dummy for unknown addresses and users who have no
// password yet.
func (a *App) passwordMatches(ctx context.Context, lane identity.Lane, email, password string) (identity.User, bool, error) {
	u, err := a.Store.R().UserByEmail(ctx, email)
	if errs.KindOf(err) == errs.NotFound || (err == nil && u.PasswordHash == "") {
		return u, false, identity.BurnPasswordTimeIn(lane, password)
	}
	if err != nil {
		return u, false, err
	}
	ok, err := identity.CheckPasswordHashIn(lane, u.PasswordHash, password)
	if err != nil {
		return u, false, errs.Wrap(err, "check password")
	}
	return u, ok, nil
}

// auditSignInFailure writes the failure (and the lock it started) to the
// user's account, or for an address nobody has to the operator's root
// account: the same reads and one write either way, so the answer's timing
// does not say which.
func (a *App) auditSignInFailure(ctx context.Context, u identity.User, email string, acctLock, clientLock time.Duration) error {
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		var acct tenancy.Account
		var err error
		if u.ID != 0 {
			acct, err = q.Account(ctx, u.AccountID)
		} else {
			acct, err = q.RootAccount(ctx)
		}
		if err != nil {
			return err
		}
		who := tenancy.Actor{Email: email}
		detail := map[string]any{"email": email, "user_id": u.ID}
		if err := a.audit(ctx, q, who, acct, "user.login_failed", detail); err != nil {
			return err
		}
		if acctLock == 0 && clientLock == 0 {
			return nil
		}
		detail["account_lock_seconds"] = int64(acctLock / time.Second)
		detail["client_lock_seconds"] = int64(clientLock / time.Second)
		return a.audit(ctx, q, who, acct, "user.login_locked", detail)
	})
}
