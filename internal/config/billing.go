package config

import (
	"flag"
	"fmt"
	"time"

	"github.com/vigilo/vigilo/internal/money"
)

// billingFlags reads the billing settings (docs/BILLING.md): the tree's
// currency, and how long after a month ends the scheduled close runs. The
// delay lets usage reported late by recorders reach the month it belongs
// to before the month is frozen.
func (c *Config) billingFlags(fs *flag.FlagSet, env func(k, def string) string) (finish func() error, err error) {
	after, err := time.ParseDuration(env("VIGILO_BILLING_CLOSE_AFTER", "6h"))
	if err != nil || after < 0 || after > 27*24*time.Hour {
		return nil, fmt.Errorf("VIGILO_BILLING_CLOSE_AFTER: want a duration between 0 and 648h, e.g. 6h")
	}
	fs.DurationVar(&c.BillingCloseAfter, "billing-close-after", after,
		"close the previous month's statements this long after the month ends, UTC; 0 disables the scheduled close (VIGILO_BILLING_CLOSE_AFTER)")
	refresh, err := time.ParseDuration(env("VIGILO_STATISTICS_REFRESH", "1m"))
	if err != nil || refresh < 0 {
		return nil, fmt.Errorf("VIGILO_STATISTICS_REFRESH: want a duration of 0 or more, e.g. 1m")
	}
	fs.DurationVar(&c.StatisticsRefresh, "statistics-refresh", refresh,
		"least time between two passes that store every account's running month for the statistics tab (each waits at least 20 times the last pass); 0 computes the tab on every view (VIGILO_STATISTICS_REFRESH)")
	cur := fs.String("currency", env("VIGILO_CURRENCY", "EUR"), "ISO 4217 currency of the operator and of every tree whose top-level account chose none (VIGILO_CURRENCY)")
	return func() error {
		v, err := money.ParseCurrency(*cur)
		if err != nil {
			return fmt.Errorf("VIGILO_CURRENCY: %q %v", *cur, err)
		}
		c.Currency = v
		return nil
	}, nil
}
