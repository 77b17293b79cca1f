package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/health"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// FleetFilter selects rows of the fleet health page.
type FleetFilter struct {
	Flag string // one of health.Flags, "" for every camera
	Q    string // part of the camera's or customer's name
	Page store.Page
}

// FleetHealth is the page: the rows of the filter and, for the whole
// subtree, how many cameras carry each flag.
type FleetHealth struct {
	Items  []health.FleetCamera
	Total  int // rows matching the filter
	Counts map[string]int
	Page   store.Page
}

// AccountFleetHealth is the health of every camera registered or assigned
// in an account's subtree (an integrator's whole fleet): two queries
// whatever the size of the subtree, flags computed by health.Assess.
func (a *App) AccountFleetHealth(ctx context.Context, actor tenancy.Actor, accountID int64, f FleetFilter) (FleetHealth, error) {
	if err := requireCameraAdmin(actor); err != nil {
		return FleetHealth{}, err
	}
	if f.Flag != "" && !slices.Contains(health.Flags, f.Flag) {
		return FleetHealth{}, errs.Field("flag", "must be one of "+strings.Join(health.Flags, ", "))
	}
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, accountID, tenancy.Read)
	if err != nil {
		return FleetHealth{}, err
	}
	now := a.Now()
	rows, err := r.FleetHealth(ctx, acct.Path, now)
	if err != nil {
		return FleetHealth{}, err
	}
	evs, err := r.SubtreeHealthEvents(ctx, acct.Path, now.Add(-7*24*time.Hour))
	if err != nil {
		return FleetHealth{}, err
	}
	out := FleetHealth{Counts: map[string]int{}, Page: f.Page.Clamp()}
	q := strings.ToLower(strings.TrimSpace(f.Q))
	var match []health.FleetCamera
	for i := range rows {
		c := &rows[i]
		health.Assess(c, evs[c.CameraID], now)
		for _, fl := range c.Flags {
			out.Counts[fl]++
		}
		if f.Flag != "" && !c.Has(f.Flag) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(c.Name), q) && !strings.Contains(strings.ToLower(c.CustomerName), q) {
			continue
		}
		match = append(match, *c)
	}
	// Cameras with problems first, then by name (the store's order).
	slices.SortStableFunc(match, func(x, y health.FleetCamera) int { return len(y.Flags) - len(x.Flags) })
	out.Total = len(match)
	lo := min((out.Page.Page-1)*out.Page.PerPage, len(match))
	hi := min(lo+out.Page.PerPage, len(match))
	out.Items = match[lo:hi]
	if out.Items == nil {
		out.Items = []health.FleetCamera{}
	}
	return out, nil
}
