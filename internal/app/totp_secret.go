package app

import (
	"context"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
)

// TOTP secrets are sealed with the server's key like every other stored
// credential: a database dump alone must not let anyone mint a user's
// second-factor codes. Secrets stored in clear before this (or by a
// process that runs without a key) are sealed at start (SealTOTPSecrets)
// and, should one appear later, at its next use.

// totpSecretPurpose binds sealed TOTP secrets to their use.
const totpSecretPurpose = "totp secret"

// sealedPrefix marks a value made by the key's sealer; a base32 secret
// never contains a colon.
const sealedPrefix = "v1:"

// sealTOTP is how a new secret is stored: sealed when the server has a key.
func (a *App) sealTOTP(plain string) (string, error) {
	if a.Cameras.Secrets == nil || plain == "" {
		return plain, nil
	}
	s, err := a.Cameras.Secrets.SealFor(totpSecretPurpose, plain)
	return s, errs.Wrap(err, "seal totp secret")
}

// openTOTP reads a stored secret in either form.
func (a *App) openTOTP(stored string) (string, error) {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored, nil
	}
	if a.Cameras.Secrets == nil {
		return "", errs.New(errs.Internal, "internal", "no key to open two-factor secrets")
	}
	s, err := a.Cameras.Secrets.OpenFor(totpSecretPurpose, stored)
	return s, errs.Wrap(err, "open totp secret")
}

// sealClearTOTP seals one user's secret if it is still stored in clear.
func (a *App) sealClearTOTP(ctx context.Context, q store.Q, userID int64, stored string) error {
	if a.Cameras.Secrets == nil || stored == "" || strings.HasPrefix(stored, sealedPrefix) {
		return nil
	}
	sealed, err := a.sealTOTP(stored)
	if err != nil {
		return err
	}
	return q.ReplaceTOTPSecret(ctx, userID, stored, sealed)
}

// SealTOTPSecrets seals every TOTP secret still stored in clear, in one
// transaction; run at start once the key is loaded. Running it again finds
// nothing to do; on a cluster, nodes starting together each replace only
// what is still clear.
func (a *App) SealTOTPSecrets(ctx context.Context) (int, error) {
	if a.Cameras.Secrets == nil {
		return 0, nil
	}
	var n int
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		clear, err := q.ClearTOTPSecrets(ctx)
		if err != nil {
			return err
		}
		for id, s := range clear {
			if err := a.sealClearTOTP(ctx, q, id, s); err != nil {
				return err
			}
		}
		n = len(clear)
		return nil
	})
	return n, err
}
