package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/health"
	"github.com/vigilo/vigilo/internal/netpolicy"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/webhook"
)

// AlertDeps is what the alert use cases need from the deployment.
type AlertDeps struct {
	// OfflineAfter is the default debounce of offline alerts
	// (VIGILO_OFFLINE_AFTER); accounts may set their own for their subtree.
	OfflineAfter time.Duration
	// Webhooks is the webhook-address policy (VIGILO_WEBHOOK_ALLOW): a
	// webhook URL must not point at loopback or private addresses. New sets
	// the strict default; the delivery worker dials through the same one.
	Webhooks *netpolicy.Policy
}

func (d AlertDeps) offlineAfter() time.Duration {
	if d.OfflineAfter > 0 {
		return d.OfflineAfter
	}
	return health.DefaultOfflineAfter
}

// MaxContacts bounds an account's notification contacts.
const MaxContacts = 20

// AlertSettings is an account's alert settings as its admins see them.
type AlertSettings struct {
	AccountID int64
	// OfflineAfter is the account's own debounce, nil when inherited.
	OfflineAfter *time.Duration
	// Effective is the debounce that applies to the account's cameras, and
	// InheritedFrom the account that set it (0: the server default).
	Effective     time.Duration
	InheritedFrom int64
	// Contacts receive the offline alerts of the cameras this account
	// registered, besides its owner.
	Contacts []string
}

// AlertSettingsInput changes an account's alert settings; nil fields stay.
// ClearOfflineAfter returns to the inherited debounce.
type AlertSettingsInput struct {
	OfflineAfter      *time.Duration
	ClearOfflineAfter bool
	Contacts          *[]string
}

// AccountAlertSettings reads an account's alert settings (its admins and
// those above).
func (a *App) AccountAlertSettings(ctx context.Context, actor tenancy.Actor, accountID int64) (AlertSettings, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.EditProfile)
	if err != nil {
		return AlertSettings{}, err
	}
	return a.alertSettings(ctx, r, acct)
}

func (a *App) alertSettings(ctx context.Context, q store.Q, acct tenancy.Account) (AlertSettings, error) {
	rows, err := q.AlertSettingsOn(ctx, acct.Path)
	if err != nil {
		return AlertSettings{}, err
	}
	own := rows[acct.ID]
	s := AlertSettings{AccountID: acct.ID, OfflineAfter: own.OfflineAfter, Contacts: own.Contacts, Effective: a.Alerts.offlineAfter()}
	if s.Contacts == nil {
		s.Contacts = []string{}
	}
	ids := tenancy.PathIDs(acct.Path)
	for i := len(ids) - 1; i >= 0; i-- {
		if r, ok := rows[ids[i]]; ok && r.OfflineAfter != nil {
			s.Effective, s.InheritedFrom = *r.OfflineAfter, ids[i]
			break
		}
	}
	return s, nil
}

// SetAccountAlertSettings changes an account's contacts and debounce.
func (a *App) SetAccountAlertSettings(ctx context.Context, actor tenancy.Actor, accountID int64, in AlertSettingsInput) (AlertSettings, error) {
	f := errs.Fields{}
	if in.OfflineAfter != nil {
		if d := *in.OfflineAfter; d < health.MinOfflineAfter || d > health.MaxOfflineAfter {
			f.Add("offline_after", fmt.Sprintf("must be between %s and %s", health.MinOfflineAfter, health.MaxOfflineAfter))
		}
	}
	var contacts []string
	if in.Contacts != nil {
		if len(*in.Contacts) > MaxContacts {
			f.Add("contacts", fmt.Sprintf("at most %d addresses", MaxContacts))
		}
		seen := map[string]bool{}
		for i, c := range *in.Contacts {
			field := fmt.Sprintf("contacts[%d]", i)
			if tenancy.CheckEmail(f, field, c); f.Has(field) {
				continue
			}
			if c = tenancy.NormalizeEmail(c); !seen[c] {
				seen[c] = true
				contacts = append(contacts, c)
			}
		}
	}
	if err := f.Err(); err != nil {
		return AlertSettings{}, err
	}
	var out AlertSettings
	err := a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, accountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		cur, err := a.alertSettings(ctx, q, acct)
		if err != nil {
			return err
		}
		row := store.AlertSettings{AccountID: acct.ID, OfflineAfter: cur.OfflineAfter, Contacts: cur.Contacts}
		if in.ClearOfflineAfter {
			row.OfflineAfter = nil
		} else if in.OfflineAfter != nil {
			row.OfflineAfter = in.OfflineAfter
		}
		if in.Contacts != nil {
			row.Contacts = contacts
		}
		if err := q.SetAlertSettings(ctx, row); err != nil {
			return err
		}
		if out, err = a.alertSettings(ctx, q, acct); err != nil {
			return err
		}
		detail := map[string]any{"contacts": row.Contacts}
		if row.OfflineAfter != nil {
			detail["offline_after"] = row.OfflineAfter.String()
		}
		return a.audit(ctx, q, actor, acct, "alerts.updated", detail)
	})
	return out, err
}

// Webhooks lists an account's webhooks (its admins and those above).
func (a *App) Webhooks(ctx context.Context, actor tenancy.Actor, accountID int64) ([]webhook.Webhook, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.EditProfile)
	if err != nil {
		return nil, err
	}
	return r.Webhooks(ctx, acct.ID)
}

// CreateWebhook adds a webhook to an account. Its URL must pass the
// webhook-address policy; its secret is kept sealed and never shown again.
func (a *App) CreateWebhook(ctx context.Context, actor tenancy.Actor, accountID int64, in webhook.Input) (webhook.Webhook, error) {
	if err := in.Validate(); err != nil {
		return webhook.Webhook{}, err
	}
	// Authorize before resolving: a stranger must not learn anything from
	// how long a lookup takes.
	if _, err := a.loadVisible(ctx, a.Store.R(), actor, accountID, tenancy.EditProfile); err != nil {
		return webhook.Webhook{}, err
	}
	if err := a.checkWebhookURL(ctx, in.URL); err != nil {
		return webhook.Webhook{}, err
	}
	if a.Cameras.Secrets == nil {
		return webhook.Webhook{}, errs.New(errs.Internal, "internal", "no key to seal webhook secrets")
	}
	sealed, err := a.Cameras.Secrets.Seal(in.Secret)
	if err != nil {
		return webhook.Webhook{}, err
	}
	w := webhook.Webhook{AccountID: accountID, URL: in.URL, Events: in.Events, SecretEnc: sealed, CreatedAt: a.Now()}
	err = a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, accountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if n, err := q.CountWebhooks(ctx, acct.ID); err != nil {
			return err
		} else if n >= webhook.MaxPerAccount {
			return errs.Conflictf("too_many_webhooks", "an account has at most %d webhooks", webhook.MaxPerAccount)
		}
		if err := q.InsertWebhook(ctx, &w); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, acct, "webhook.created", map[string]any{"id": w.ID, "url": w.URL, "events": w.Events})
	})
	return w, err
}

// checkWebhookURL refuses, naming the field, a URL whose host the
// webhook-address policy would not let the worker dial.
func (a *App) checkWebhookURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errs.Field("url", "is not a URL")
	}
	host := u.Hostname()
	pol := a.Alerts.Webhooks
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = pol.Resolve(ctx, host)
	var refused *netpolicy.RefusedError
	var unresolved *netpolicy.UnresolvedError
	switch {
	case errors.As(err, &refused):
		return errs.Field("url", fmt.Sprintf("is refused: %s is a %s address, which webhooks may not use", refused.Addr, refused.Reason))
	case errors.As(err, &unresolved):
		return errs.Field("url", "names a host that does not resolve: "+host)
	case err != nil:
		return err
	}
	return nil
}

// DeleteWebhook removes a webhook and its pending deliveries.
func (a *App) DeleteWebhook(ctx context.Context, actor tenancy.Actor, accountID, webhookID int64) error {
	return a.tx(ctx, func(q store.Q, _ *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, accountID, tenancy.EditProfile)
		if err != nil {
			return err
		}
		if err := q.DeleteWebhook(ctx, acct.ID, webhookID); err != nil {
			return err
		}
		return a.audit(ctx, q, actor, acct, "webhook.deleted", map[string]any{"id": webhookID})
	})
}

// WebhookDeliveries is an account's delivery log, newest first; webhookID
// 0 covers all its webhooks.
func (a *App) WebhookDeliveries(ctx context.Context, actor tenancy.Actor, accountID, webhookID int64, p store.Page) ([]webhook.Delivery, int, store.Page, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.EditProfile)
	if err != nil {
		return nil, 0, p, err
	}
	p = p.Clamp()
	list, total, err := r.Deliveries(ctx, store.DeliveryFilter{AccountID: acct.ID, WebhookID: webhookID, Page: p})
	return list, total, p, err
}

// ParseOfflineAfter reads a debounce setting ("90s", "5m", "1h").
func ParseOfflineAfter(field, s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, errs.Field(field, `must be a duration such as "90s", "5m" or "1h"`)
	}
	return d, nil
}
