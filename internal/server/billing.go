package server

import (
	"github.com/vigilo/vigilo/internal/billingclose"
	"github.com/vigilo/vigilo/internal/statsroll"
)

// startBillingClose starts the scheduled close of billing periods
// (internal/billingclose) unless VIGILO_BILLING_CLOSE_AFTER is 0.
func (m *Main) startBillingClose() {
	if m.Config.BillingCloseAfter <= 0 {
		return
	}
	j := billingclose.New(m.App, billingclose.Config{After: m.Config.BillingCloseAfter}, m.Log)
	m.OnClose(func() { _ = j.Close() })
}

// startStatsRoll starts the statistics passes (internal/statsroll) unless
// VIGILO_STATISTICS_REFRESH is 0.
func (m *Main) startStatsRoll() {
	if m.Config.StatisticsRefresh <= 0 {
		return
	}
	r := statsroll.New(m.App, statsroll.Config{Least: m.Config.StatisticsRefresh}, m.Log)
	m.OnClose(func() { _ = r.Close() })
}
