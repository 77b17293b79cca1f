package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Second factor: TOTP (RFC 6238, 30 s, 6 digits, SHA-1 as every
// authenticator app reads it) with ten single-use recovery codes.

// RecoveryCodes is how many recovery codes a confirmation hands out.
const RecoveryCodes = 10

var (
	errOTPRequired = errs.Unauthorizedf("otp_required", "enter the 6-digit code from your authenticator app (or a recovery code)")
	errTOTPOn      = errs.Conflictf("totp_enabled", "two-factor sign-in is already on; switch it off first to enrol a new device")
	// ErrTOTPEnrolment is the answer to everything but enrolment while an
	// account above requires 2FA and the user has none yet.
	ErrTOTPEnrolment = errs.Forbiddenf("totp_enrolment_required", "your organisation requires two-factor sign-in: set up an authenticator app first")
)

type otpKey struct{}

// WithOTP attaches the second-factor code a sign-in request carried.
func WithOTP(ctx context.Context, code string) context.Context {
	return context.WithValue(ctx, otpKey{}, strings.TrimSpace(code))
}

// TOTPEnrolment is the secret of a device being enrolled.
type TOTPEnrolment struct {
	Secret string // base32, for typing into the app
	URL    string // otpauth:// URI, for a link or a QR code
}

// BeginTOTP starts enrolment: a new secret, pending until ConfirmTOTP.
func (a *App) BeginTOTP(ctx context.Context, actor tenancy.Actor) (TOTPEnrolment, error) {
	var en TOTPEnrolment
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		st, err := q.UserTOTP(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if st.EnabledAt != nil {
			return errTOTPOn
		}
		key, err := totp.Generate(totp.GenerateOpts{Issuer: a.Config.Product, AccountName: actor.Email})
		if err != nil {
			return errs.Wrap(err, "generate totp secret")
		}
		en = TOTPEnrolment{Secret: key.Secret(), URL: key.URL()}
		sealed, err := a.sealTOTP(key.Secret())
		if err != nil {
			return err
		}
		return q.SetUserTOTP(ctx, actor.UserID, store.TOTPState{Secret: sealed})
	})
	return en, err
}

// ConfirmTOTP switches the second factor on once the app shows a right code,
// and returns the recovery codes (shown once; only hashes are kept).
func (a *App) ConfirmTOTP(ctx context.Context, actor tenancy.Actor, code string) ([]string, error) {
	var codes []string
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		st, err := q.UserTOTP(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if st.EnabledAt != nil {
			return errTOTPOn
		}
		if st.Secret == "" {
			return errs.Field("code", "start with POST /api/v1/me/totp: there is no secret to confirm")
		}
		secret, err := a.openTOTP(st.Secret)
		if err != nil {
			// The server's key changed between enrolment and confirmation:
			// the pending secret is lost, and enrolling again is the way on.
			a.Log.Warn("cannot open a pending TOTP secret", "user_id", actor.UserID, "err", err)
			return errs.Field("code", "the enrolment can no longer be confirmed (the server's key changed); start again with POST /api/v1/me/totp")
		}
		if !a.validTOTP(secret, code) {
			return errs.Field("code", "is not the current code of the authenticator app; check the device's clock")
		}
		now := a.Now().UTC()
		if st.Secret, err = a.sealTOTP(secret); err != nil {
			return err
		}
		if err := q.SetUserTOTP(ctx, actor.UserID, store.TOTPState{Secret: st.Secret, EnabledAt: &now}); err != nil {
			return err
		}
		hashes := make([]string, RecoveryCodes)
		codes = make([]string, RecoveryCodes)
		for i := range codes {
			codes[i] = newRecoveryCode()
			hashes[i] = identity.HashToken(normalizeRecovery(codes[i]))
		}
		if err := q.ReplaceRecoveryCodes(ctx, actor.UserID, hashes); err != nil {
			return err
		}
		return a.ownSecurityEvent(ctx, q, actor, "user.2fa_enabled", map[string]any{"user_id": actor.UserID})
	})
	return codes, err
}

// DisableTOTP switches the second factor off; it takes a current code or a
// recovery code, so a stolen session alone cannot remove it.
func (a *App) DisableTOTP(ctx context.Context, actor tenancy.Actor, code string) error {
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		st, err := q.UserTOTP(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if st.EnabledAt == nil {
			return errs.Conflictf("totp_disabled", "two-factor sign-in is not on")
		}
		ok, err := a.secondFactorOK(ctx, q, actor.UserID, st, code)
		if err != nil {
			return err
		}
		if !ok {
			return errs.Field("code", "is neither the current code nor an unused recovery code")
		}
		if err := q.SetUserTOTP(ctx, actor.UserID, store.TOTPState{}); err != nil {
			return err
		}
		if err := q.ReplaceRecoveryCodes(ctx, actor.UserID, nil); err != nil {
			return err
		}
		return a.ownSecurityEvent(ctx, q, actor, "user.2fa_disabled", map[string]any{"user_id": actor.UserID})
	})
}

// secondFactor is sign-in's last gate, after the password and the account
// checks: a user with TOTP on must bring a right code (the request's, see
// WithOTP) or an unused recovery code. Wrong codes are throttled per user
// like wrong passwords, so the six digits cannot be walked.
func (a *App) secondFactor(ctx context.Context, u identity.User) error {
	st, err := a.Store.R().UserTOTP(ctx, u.ID)
	if err != nil || st.EnabledAt == nil {
		return err
	}
	code, _ := ctx.Value(otpKey{}).(string)
	if code == "" {
		return errOTPRequired
	}
	key := "otp:" + strconv.FormatInt(u.ID, 10)
	if wait, _ := a.Throttles.LoginAccount.Take(key); wait > 0 {
		return errTooMany(wait, "wrong codes for this account")
	}
	var ok bool
	err = a.tx(ctx, func(q store.Q, _ *outbox) error {
		ok, err = a.secondFactorOK(ctx, q, u.ID, st, code)
		return err
	})
	if err != nil {
		a.Throttles.LoginAccount.Undo(key)
		return err
	}
	if !ok {
		a.Log.Info("sign-in failed: wrong second factor", "user_id", u.ID, "remote", remoteOf(ctx))
		return errOTPRequired
	}
	a.Throttles.LoginAccount.Reset(key)
	return nil
}

// secondFactorOK accepts a TOTP code once (its time step is spent, so the
// same code cannot sign in again within its window) or spends a recovery
// code.
func (a *App) secondFactorOK(ctx context.Context, q store.Q, userID int64, st store.TOTPState, code string) (bool, error) {
	secret, err := a.openTOTP(st.Secret)
	if err != nil {
		// A secret the key no longer opens (the key was lost or
		// replaced): no code matches, but recovery codes still let the
		// user in to switch 2FA off and enrol again.
		a.Log.Warn("cannot open a TOTP secret", "user_id", userID, "err", err)
		secret = ""
	}
	if err := a.sealClearTOTP(ctx, q, userID, st.Secret); err != nil {
		return false, err
	}
	if step, ok := a.totpStep(secret, code); ok {
		return q.SpendTOTPStep(ctx, userID, step)
	}
	if r := normalizeRecovery(code); len(r) == 10 {
		return q.UseRecoveryCode(ctx, userID, identity.HashToken(r))
	}
	return false, nil
}

// validTOTP accepts the code of the current 30 s step or its neighbours
// (clocks drift).
func (a *App) validTOTP(secret, code string) bool {
	code = strings.TrimSpace(code)
	if secret == "" || len(code) != 6 {
		return false
	}
	ok, err := totp.ValidateCustom(code, secret, a.Now(), totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return err == nil && ok
}

// totpStep finds which 30 s step (the current one or a neighbour) code
// belongs to.
func (a *App) totpStep(secret, code string) (int64, bool) {
	code = strings.TrimSpace(code)
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	now := a.Now()
	for _, d := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(d) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / 30, true
		}
	}
	return 0, false
}

// newRecoveryCode is 10 base32 characters (50 bits) shown as xxxxx-xxxxx.
func newRecoveryCode() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:10]
	return s[:5] + "-" + s[5:]
}

func normalizeRecovery(s string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
}

// TwoFactorPolicy is an account's "require 2FA" rule: set on it, or on an
// account above it (which it cannot lift).
type TwoFactorPolicy struct {
	Require2FA bool
	FromAbove  bool
}

// TwoFactor reads an account's rule.
func (a *App) TwoFactor(ctx context.Context, actor tenancy.Actor, accountID int64) (TwoFactorPolicy, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read)
	if err != nil {
		return TwoFactorPolicy{}, err
	}
	self, above, err := r.Require2FALevels(ctx, acct.Path)
	return TwoFactorPolicy{Require2FA: self, FromAbove: above}, err
}

// SetTwoFactor switches an account's rule; it covers the account's users and
// its whole subtree, inherited like modules. Only administrators of the
// account or of one above it may do it.
func (a *App) SetTwoFactor(ctx context.Context, actor tenancy.Actor, accountID int64, on bool) (TwoFactorPolicy, error) {
	if !actor.Admin {
		return TwoFactorPolicy{}, errAdminOnly
	}
	var p TwoFactorPolicy
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, accountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if err := q.SetRequire2FA(ctx, acct.ID, on); err != nil {
			return err
		}
		if p.Require2FA, p.FromAbove, err = q.Require2FALevels(ctx, acct.Path); err != nil {
			return err
		}
		return a.securityEvent(ctx, q, actor, acct, "account.2fa_required", map[string]any{"require_2fa": on})
	})
	return p, err
}

// TOTPOn tells whether the actor has two-factor sign-in on.
func (a *App) TOTPOn(ctx context.Context, actor tenancy.Actor) (bool, error) {
	st, err := a.Store.R().UserTOTP(ctx, actor.UserID)
	return st.EnabledAt != nil, err
}
