package app

import (
	"context"
	"strconv"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// A user locked out by the sign-in throttle (wrong passwords, or wrong
// second-factor codes) waits out the lock unless an administrator of the
// user's account or above lifts it. Only the per-account lock is lifted:
// the per-address one guards a client, not a user.

// signInKeys are the user's keys in the per-account sign-in limiter
// (verifyPassword, secondFactor).
func signInKeys(u identity.User) []string {
	return []string{"email:" + tenancy.NormalizeEmail(u.Email), "otp:" + strconv.FormatInt(u.ID, 10)}
}

// SignInLock is how long sign-in stays locked for the user (0: free).
func (a *App) SignInLock(u identity.User) time.Duration {
	var d time.Duration
	for _, k := range signInKeys(u) {
		d = max(d, a.Throttles.LoginAccount.Wait(k))
	}
	return d
}

// UnlockUser lifts a user's sign-in lock and forgets its failed attempts,
// so the right password signs in at once; audited with the lock it lifted.
func (a *App) UnlockUser(ctx context.Context, actor tenancy.Actor, accountID, userID int64) error {
	if err := a.requireUsersRoles(ctx, actor); err != nil {
		return err
	}
	var u identity.User
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		var acct tenancy.Account
		var err error
		if u, acct, err = a.loadUser(ctx, q, actor, userID, tenancy.EditProfile); err != nil {
			return err
		}
		if u.AccountID != accountID {
			return errs.NotFoundf("user %d not found", userID)
		}
		return a.securityEvent(ctx, q, actor, acct, "user.unlocked", map[string]any{
			"user_id": u.ID, "email": u.Email, "lock_seconds": int64((a.SignInLock(u) + time.Second - 1) / time.Second)})
	})
	if err != nil {
		return err
	}
	for _, k := range signInKeys(u) {
		a.Throttles.LoginAccount.Reset(k)
	}
	return nil
}
