package app

import (
	"context"
	"time"
)

// DefaultMailFloor is the least time a forgot-password or resend request
// takes. A known address costs a write transaction and a queued mail, an
// unknown one a single read; padding both to the same floor keeps response
// times from telling them apart.
const DefaultMailFloor = 250 * time.Millisecond

// limitMail runs fn, the mail-sending part of a forgot/resend request, under
// the per-address and per-client mail limits, and answers no sooner than
// MailFloor after it began. The limits count requests, not mails, so they
// apply alike to addresses that exist and addresses that do not.
func (a *App) limitMail(ctx context.Context, email string, fn func() error) error {
	t := a.Throttles
	addrKey, client := "email:"+email, clientKey(ctx)
	if wait, _ := t.MailAddress.Take(addrKey); wait > 0 {
		return errTooMany(wait, "requests for this address")
	}
	if wait, _ := t.MailClient.Take(client); wait > 0 {
		t.MailAddress.Undo(addrKey)
		return errTooMany(wait, "requests from your address")
	}
	began := time.Now()
	err := fn()
	spent := time.Since(began)
	if spent > a.MailFloor {
		a.Log.Warn("mail request took longer than its floor; its timing may tell known addresses apart",
			"spent", spent, "floor", a.MailFloor)
		return err
	}
	select {
	case <-time.After(a.MailFloor - spent):
	case <-ctx.Done():
	}
	return err
}
