// Package statsroll runs the statistics passes: every so often it stores
// the running month of every account of the tree (app.RefreshStatistics),
// which the statistics tab then reads instead of recomputing the month
// from every camera below the account on each view. A pass costs about a
// second of database work at 100 000 cameras, so the pause after one is
// Factor times as long as it took, and never shorter than Least: the pass
// takes at most 1/(Factor+1) of a database's time whatever the tree's size,
// and a small tree's figures are at most Least old.
package statsroll

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigilo/vigilo/internal/app"
)

// Factor is how many times its own duration the job waits after a pass.
const Factor = 20

// Config sets the job up.
type Config struct {
	// Least is the least pause between two passes.
	Least time.Duration
	// Retry is the pause after a failed pass (zero: Least).
	Retry time.Duration
}

// Job runs the passes.
type Job struct {
	a      *app.App
	cfg    Config
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// New starts the job; the first pass runs at once, so a server started
// fresh has every account's draft within one pass.
func New(a *app.App, cfg Config, log *slog.Logger) *Job {
	if cfg.Retry <= 0 {
		cfg.Retry = cfg.Least
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &Job{a: a, cfg: cfg, log: log, cancel: cancel, done: make(chan struct{})}
	go j.run(ctx)
	return j
}

// Close stops the job; a pass in progress is abandoned (its writes are one
// transaction, so either all of its drafts land or none).
func (j *Job) Close() error {
	j.cancel()
	<-j.done
	return nil
}

func (j *Job) run(ctx context.Context) {
	defer close(j.done)
	for {
		t0 := time.Now()
		p, err := j.a.RefreshStatistics(ctx)
		took := time.Since(t0)
		wait := Pause(j.cfg.Least, took)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			j.log.Error("statistics pass", "err", err)
			wait = max(j.cfg.Retry, wait)
		} else {
			j.log.Debug("statistics pass", "month", p.Month.String(), "accounts", p.Accounts, "took", took, "next_in", wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Pause is the wait after a pass that took took: Factor times that, at
// least least.
func Pause(least, took time.Duration) time.Duration {
	return max(least, Factor*took)
}
