package server

import (
	"context"
	"fmt"
	"time"

	"github.com/vigilo/vigilo/internal/alerting"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/hookworker"
	"github.com/vigilo/vigilo/internal/mail"
	"github.com/vigilo/vigilo/internal/netpolicy"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/webhook"
)

// startAlerts starts the webhook delivery worker (every node drains the
// outbox; a delivery row is posted by whichever takes it) and, beside the
// recorder, the camera health monitor that raises offline alerts
// (docs/ALERTS.md).
func (m *Main) startAlerts() error {
	cfg := m.Config.Alerts
	m.App.Alerts = app.AlertDeps{OfflineAfter: cfg.OfflineAfter, Webhooks: netpolicy.New(cfg.WebhookAllow)}
	secrets := m.App.Cameras.Secrets
	hooks := hookworker.New(hookworker.Config{Store: m.Store, Open: secrets.Open, Policy: m.App.Alerts.Webhooks, Log: m.Log,
		Backoff: func(n int) time.Duration { return webhook.BackoffFrom(cfg.WebhookRetryMin, n) }})
	m.OnClose(func() { _ = hooks.Close() })
	// Motion events (whoever records them) go to "motion" webhooks.
	motion := alerting.NewMotionHooks(alerting.MotionConfig{Store: m.Store, Events: m.App.Events, Log: m.Log,
		BaseURL: m.App.Config.BaseURL, HookKick: hooks.Kick})
	m.OnClose(func() { _ = motion.Close() })
	rec := m.recording
	if rec == nil {
		return nil // health is sampled where cameras are pulled
	}
	mon, err := alerting.New(alerting.Config{Store: m.Store, Status: rec.Status, Log: m.Log, OfflineAfter: cfg.OfflineAfter,
		Every: cfg.HealthEvery, BaseURL: m.App.Config.BaseURL, Product: m.App.Config.Product, MailKick: m.App.MailKick,
		MailBrand: func(ctx context.Context, q store.Q, path string) (string, string, mail.Look, error) {
			b, err := m.App.MailBrandAt(ctx, q, path, app.MailAlert)
			return b.Product, b.Base, b.Look, err
		},
		HookKick: hooks.Kick, Events: m.App.Events})
	if err != nil {
		return fmt.Errorf("start camera health monitor: %w", err)
	}
	m.OnClose(func() { _ = mon.Close() })
	return nil
}
