package config

import (
	"flag"
	"fmt"
	"net/netip"
	"time"
)

// Alerts are the camera health and webhook settings (docs/ALERTS.md).
type Alerts struct {
	// OfflineAfter is how long a camera stays offline before its alert
	// goes out (VIGILO_OFFLINE_AFTER); accounts may override it.
	OfflineAfter time.Duration
	// HealthEvery is how often the monitor samples cameras
	// (VIGILO_HEALTH_INTERVAL).
	HealthEvery time.Duration
	// WebhookAllow lists CIDRs webhook URLs may use although the default
	// refuses them (VIGILO_WEBHOOK_ALLOW).
	WebhookAllow []netip.Prefix
	// WebhookRetryMin is the first retry delay of a failed delivery; it
	// doubles up to an hour (VIGILO_WEBHOOK_RETRY_MIN).
	WebhookRetryMin time.Duration
}

// alertFlags reads the alert settings; the returned function parses what
// needs the flags parsed first.
func (c *Config) alertFlags(fs *flag.FlagSet, env func(k, def string) string) (func() error, error) {
	dur := func(name, def string, least time.Duration) (time.Duration, error) {
		d, err := time.ParseDuration(env(name, def))
		if err != nil || d < least {
			return 0, fmt.Errorf("%s: want a duration of at least %s, e.g. %s", name, least, def)
		}
		return d, nil
	}
	var err error
	if c.Alerts.OfflineAfter, err = dur("VIGILO_OFFLINE_AFTER", "5m", time.Second); err != nil {
		return nil, err
	}
	if c.Alerts.HealthEvery, err = dur("VIGILO_HEALTH_INTERVAL", "5s", 100*time.Millisecond); err != nil {
		return nil, err
	}
	if c.Alerts.WebhookRetryMin, err = dur("VIGILO_WEBHOOK_RETRY_MIN", "5s", 100*time.Millisecond); err != nil {
		return nil, err
	}
	fs.DurationVar(&c.Alerts.OfflineAfter, "offline-after", c.Alerts.OfflineAfter, "a camera offline this long raises its alert (VIGILO_OFFLINE_AFTER)")
	fs.DurationVar(&c.Alerts.HealthEvery, "health-interval", c.Alerts.HealthEvery, "how often camera health is sampled (VIGILO_HEALTH_INTERVAL)")
	fs.DurationVar(&c.Alerts.WebhookRetryMin, "webhook-retry-min", c.Alerts.WebhookRetryMin, "first retry delay of a failed webhook delivery, doubling to 1h (VIGILO_WEBHOOK_RETRY_MIN)")
	allow := fs.String("webhook-allow", env("VIGILO_WEBHOOK_ALLOW", ""), "CIDRs webhook URLs may use although the default refuses them: loopback, private… (VIGILO_WEBHOOK_ALLOW)")
	return func() error {
		var err error
		c.Alerts.WebhookAllow, err = ParseCIDRs("VIGILO_WEBHOOK_ALLOW", *allow)
		return err
	}, nil
}
