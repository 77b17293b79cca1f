package mail

import (
	"context"
	"log/slog"
	"time"
)

// Outbox is the queue the worker drains (implemented by the store).
type Outbox interface {
	DueMail(ctx context.Context, now time.Time, limit int) ([]Queued, error)
	MarkMailSent(ctx context.Context, id int64, at time.Time) error
	MarkMailFailed(ctx context.Context, id int64, next time.Time, reason string) error
}

// Worker delivers queued mail. Kick wakes it at once after a request queued
// something; a ticker covers retries and anything queued by another process.
type Worker struct {
	Outbox   Outbox
	Sender   Sender
	Log      *slog.Logger
	Interval time.Duration
	// OnResult observes each attempt (metrics).
	OnResult func(ok bool)
	kick     chan struct{}
}

// NewWorker builds a worker polling every interval.
func NewWorker(o Outbox, s Sender, log *slog.Logger, interval time.Duration) *Worker {
	return &Worker{Outbox: o, Sender: s, Log: log, Interval: interval, kick: make(chan struct{}, 1)}
}

// Kick asks for a delivery round now; it never blocks.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Backoff is the wait after the n-th failed attempt: 5s doubling to at most
// an hour, so a long SMTP outage costs few attempts and loses nothing.
func Backoff(attempts int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	if d > time.Hour {
		d = time.Hour
	}
	return d
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		w.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.kick:
		}
	}
}

func (w *Worker) round(ctx context.Context) {
	for ctx.Err() == nil {
		due, err := w.Outbox.DueMail(ctx, time.Now(), 20)
		if err != nil {
			w.Log.Error("read mail outbox", "err", err)
			return
		}
		if len(due) == 0 {
			return
		}
		for _, m := range due {
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := w.Sender.Send(sctx, m.Message)
			cancel()
			if err != nil {
				next := time.Now().Add(Backoff(m.Attempts + 1))
				w.Log.Warn("mail delivery failed; will retry", "id", m.ID, "to", m.To, "attempt", m.Attempts+1, "retry_at", next, "err", err)
				if e := w.Outbox.MarkMailFailed(ctx, m.ID, next, err.Error()); e != nil {
					w.Log.Error("record mail failure", "err", e)
				}
				w.observe(false)
				continue
			}
			if e := w.Outbox.MarkMailSent(ctx, m.ID, time.Now()); e != nil {
				w.Log.Error("record mail sent", "err", e)
			}
			w.observe(true)
		}
	}
}

func (w *Worker) observe(ok bool) {
	if w.OnResult != nil {
		w.OnResult(ok)
	}
}
