package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/webhook"
)

const webhookCols = `id, account_id, url, events, secret_enc, created_at`

func scanWebhook(sc interface{ Scan(...any) error }) (webhook.Webhook, error) {
	var w webhook.Webhook
	var evs string
	var at int64
	err := sc.Scan(&w.ID, &w.AccountID, &w.URL, &evs, &w.SecretEnc, &at)
	w.Events, w.CreatedAt = splitList(evs), fromMS(at)
	return w, errs.Wrap(err, "scan webhook")
}

// InsertWebhook stores a new webhook and sets its id.
func (q Q) InsertWebhook(ctx context.Context, w *webhook.Webhook) error {
	id, err := q.insert(ctx, `INSERT INTO webhooks (account_id, url, events, secret_enc, created_at) VALUES (?, ?, ?, ?, ?)`,
		w.AccountID, w.URL, strings.Join(w.Events, ","), w.SecretEnc, ms(w.CreatedAt))
	w.ID = id
	return errs.Wrap(err, "insert webhook")
}

// Webhooks lists an account's own webhooks.
func (q Q) Webhooks(ctx context.Context, accountID int64) ([]webhook.Webhook, error) {
	rows, err := q.query(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, errs.Wrap(err, "list webhooks")
	}
	defer rows.Close()
	out := []webhook.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, errs.Wrap(rows.Err(), "list webhooks")
}

// WebhooksOn lists the webhooks of the accounts on the given paths (a
// camera's integrator and customer paths: every account that sees it).
func (q Q) WebhooksOn(ctx context.Context, paths ...string) ([]webhook.Webhook, error) {
	seen := map[int64]bool{}
	var args []any
	for _, p := range paths {
		for _, id := range tenancy.PathIDs(p) {
			if !seen[id] {
				seen[id] = true
				args = append(args, id)
			}
		}
	}
	if len(args) == 0 {
		return nil, nil
	}
	rows, err := q.query(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE account_id IN (`+placeholders(len(args))+`) ORDER BY id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "webhooks on path")
	}
	defer rows.Close()
	var out []webhook.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, errs.Wrap(rows.Err(), "webhooks on path")
}

// CountWebhooks counts an account's webhooks.
func (q Q) CountWebhooks(ctx context.Context, accountID int64) (int, error) {
	n, err := q.count(ctx, `SELECT count(*) FROM webhooks WHERE account_id = ?`, accountID)
	return n, errs.Wrap(err, "count webhooks")
}

// DeleteWebhook removes one of an account's webhooks with its deliveries.
func (q Q) DeleteWebhook(ctx context.Context, accountID, id int64) error {
	res, err := q.exec(ctx, `DELETE FROM webhooks WHERE id = ? AND account_id = ?`, id, accountID)
	if err != nil {
		return errs.Wrap(err, "delete webhook")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFoundf("webhook %d not found", id)
	}
	return nil
}

// EnqueueDelivery adds an event for a webhook to the outbox, due now. It
// runs in the transaction that decided the event, so nothing decided is
// lost and nothing rolled back is sent.
func (q Q) EnqueueDelivery(ctx context.Context, webhookID int64, event string, body []byte, now time.Time) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO webhook_deliveries (webhook_id, event, body, next_attempt_ms, created_ms) VALUES (?, ?, ?, ?, ?)`,
		webhookID, event, string(body), ms(now), ms(now))
	return id, errs.Wrap(err, "enqueue webhook delivery")
}

const deliveryCols = `d.id, d.webhook_id, d.event, d.body, d.attempts, d.last_status, d.last_error, d.next_attempt_ms, d.delivered_ms, d.created_ms`

func scanDelivery(sc interface{ Scan(...any) error }, extra ...any) (webhook.Delivery, error) {
	var d webhook.Delivery
	var body string
	var next, created int64
	var done sql.NullInt64
	err := sc.Scan(append([]any{&d.ID, &d.WebhookID, &d.Event, &body, &d.Attempts, &d.LastStatus, &d.LastError, &next, &done, &created}, extra...)...)
	d.Body, d.NextAttempt, d.DeliveredAt, d.CreatedAt = []byte(body), fromMS(next), nullMS(done), fromMS(created)
	return d, errs.Wrap(err, "scan delivery")
}

// DueDeliveries returns up to limit undelivered deliveries whose next
// attempt is due, oldest first, with their webhook's URL and secret.
func (q Q) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]webhook.Due, error) {
	rows, err := q.query(ctx, `SELECT `+deliveryCols+`, w.url, w.secret_enc FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.delivered_ms IS NULL AND d.next_attempt_ms <= ? ORDER BY d.next_attempt_ms, d.id LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, errs.Wrap(err, "due deliveries")
	}
	defer rows.Close()
	var out []webhook.Due
	for rows.Next() {
		var due webhook.Due
		d, err := scanDelivery(rows, &due.URL, &due.SecretEnc)
		if err != nil {
			return nil, err
		}
		due.Delivery = d
		out = append(out, due)
	}
	return out, errs.Wrap(rows.Err(), "due deliveries")
}

// MarkDelivered records a successful delivery.
func (q Q) MarkDelivered(ctx context.Context, id int64, status int, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, last_error = '', delivered_ms = ? WHERE id = ?`,
		status, ms(at), id)
	return errs.Wrap(err, "mark delivered")
}

// MarkDeliveryFailed records a failed attempt and when to try again.
func (q Q) MarkDeliveryFailed(ctx context.Context, id int64, status int, reason string, next time.Time) error {
	_, err := q.exec(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_ms = ? WHERE id = ?`,
		status, reason, ms(next), id)
	return errs.Wrap(err, "mark delivery failed")
}

// DeliveryFilter selects an account's delivery log.
type DeliveryFilter struct {
	AccountID int64
	WebhookID int64 // 0: all the account's webhooks
	Page      Page
}

// Deliveries is an account's delivery log, newest first.
func (q Q) Deliveries(ctx context.Context, f DeliveryFilter) ([]webhook.Delivery, int, error) {
	where := "w.account_id = ?"
	args := []any{f.AccountID}
	if f.WebhookID != 0 {
		where += " AND d.webhook_id = ?"
		args = append(args, f.WebhookID)
	}
	from := ` FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE ` + where
	total, err := q.count(ctx, `SELECT count(*)`+from, args...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count deliveries")
	}
	p := f.Page.Clamp()
	rows, err := q.query(ctx, `SELECT `+deliveryCols+from+` ORDER BY d.id DESC LIMIT ? OFFSET ?`, append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list deliveries")
	}
	defer rows.Close()
	out := []webhook.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, errs.Wrap(rows.Err(), "list deliveries")
}

// UnhookedMotion returns up to limit motion camera events not yet handed to
// the webhook outbox, oldest first.
func (q Q) UnhookedMotion(ctx context.Context, limit int) ([]camera.Event, error) {
	return scanCameraEvents(q.query(ctx, `SELECT `+cameraEventCols+` FROM camera_events
		WHERE hooked_at IS NULL AND type = 'motion' ORDER BY id LIMIT ?`, limit))
}

// ErrHookedElsewhere: another process handed some of these motion events
// on first; the caller's transaction must roll back.
var ErrHookedElsewhere = errs.Conflictf("hooked_elsewhere", "motion events already handed to webhooks")

// MarkMotionHooked records that motion events were handed to the outbox. If
// another process marked any of them meanwhile it returns
// ErrHookedElsewhere, so two forwarders never queue one event twice.
func (q Q) MarkMotionHooked(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{ms(at)}
	for _, id := range ids {
		args = append(args, id)
	}
	res, err := q.exec(ctx, `UPDATE camera_events SET hooked_at = ? WHERE hooked_at IS NULL AND id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return errs.Wrap(err, "mark motion hooked")
	}
	if n, err := res.RowsAffected(); err == nil && n != int64(len(ids)) {
		return ErrHookedElsewhere
	}
	return nil
}
