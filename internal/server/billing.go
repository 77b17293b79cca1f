package server

import "github.com/vigilo/vigilo/internal/billingclose"

// startBillingClose starts the scheduled close of billing periods
// (internal/billingclose) unless VIGILO_BILLING_CLOSE_AFTER is 0.
func (m *Main) startBillingClose() {
	if m.Config.BillingCloseAfter <= 0 {
		return
	}
	j := billingclose.New(m.App, billingclose.Config{After: m.Config.BillingCloseAfter}, m.Log)
	m.OnClose(func() { _ = j.Close() })
}
