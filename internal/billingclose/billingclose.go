// Package billingclose is the scheduled close of billing periods: a while
// after each calendar month ends (UTC), it closes that month's statements
// (app.Close), so that every account finds last month's statement closed
// without the operator doing anything. Closing is idempotent, so several
// nodes running the job, or an operator closing by hand first, do no harm.
// Once a day it also prunes usage detail older than 400 days in closed
// months (app.PruneUsage).
package billingclose

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
)

// Poll is how often the job looks at the clock in production; the close is
// due at most this late after its time.
const Poll = time.Minute

// Config sets the job up.
type Config struct {
	// After is how long after a month's end its close runs (late usage
	// from recorders still lands in the month meanwhile).
	After time.Duration
	// Poll overrides the package Poll (tests).
	Poll time.Duration
}

// Job closes the previous month when it is due.
type Job struct {
	a      *app.App
	cfg    Config
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	pruned string // the UTC day usage detail was last pruned
}

// New starts the job. It checks at once, so a server started after the
// due time (or down at it) closes the previous month on start.
func New(a *app.App, cfg Config, log *slog.Logger) *Job {
	if cfg.Poll <= 0 {
		cfg.Poll = Poll
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &Job{a: a, cfg: cfg, log: log, cancel: cancel, done: make(chan struct{})}
	go j.run(ctx)
	return j
}

// Close stops the job; a close in progress is one transaction and is
// either written whole or not at all.
func (j *Job) Close() error {
	j.cancel()
	<-j.done
	return nil
}

func (j *Job) run(ctx context.Context) {
	defer close(j.done)
	t := time.NewTicker(j.cfg.Poll)
	defer t.Stop()
	for {
		if err := j.tick(ctx); err != nil && ctx.Err() == nil {
			j.log.Error("scheduled billing close", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick closes the previous month once the app's clock is After past its
// end, unless it is already closed, then prunes old usage detail once a
// day (app.PruneUsage).
func (j *Job) tick(ctx context.Context) error {
	now := j.a.Now()
	if err := j.closeDue(ctx, now); err != nil {
		return err
	}
	if today := now.UTC().Format(time.DateOnly); today != j.pruned {
		if _, err := j.a.PruneUsage(ctx); err != nil {
			return err
		}
		j.pruned = today
	}
	return nil
}

func (j *Job) closeDue(ctx context.Context, now time.Time) error {
	prev := billing.MonthOf(now).Prev()
	if now.Before(prev.End().Add(j.cfg.After)) {
		return nil
	}
	closed, err := j.a.MonthClosed(ctx, prev)
	if err != nil || closed {
		return err
	}
	_, err = j.a.Close(ctx, prev)
	return err
}
