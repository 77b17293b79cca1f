// Package hookworker delivers webhook events from the durable outbox (the
// webhook_deliveries table): each due delivery is posted with its HMAC
// signature; a failure (no answer, or a status outside 2xx) is recorded in
// the delivery log and retried with exponential back-off, so nothing is
// lost while a receiver is down and a restart resumes where it stopped.
// Every connection goes through the webhook-address policy, so a webhook
// cannot make the server call its own or private addresses (SSRF).
package hookworker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/vigilo/vigilo/internal/netpolicy"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/webhook"
)

// Config configures a Worker.
type Config struct {
	Store *store.Store
	// Open unseals a webhook's secret.
	Open func(sealed string) (string, error)
	// Policy checks every address dialled (VIGILO_WEBHOOK_ALLOW).
	Policy *netpolicy.Policy
	Log    *slog.Logger
	// Interval is how often the outbox is polled besides kicks (default 5 s).
	Interval time.Duration
	// Timeout bounds one delivery (default 10 s).
	Timeout time.Duration
	// Backoff is the wait after the n-th failure (default webhook.Backoff).
	Backoff func(attempts int) time.Duration
}

// Worker posts due deliveries until Close.
type Worker struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// New starts the worker; it begins with whatever was due before a restart.
func New(cfg Config) *Worker {
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Backoff == nil {
		cfg.Backoff = webhook.Backoff
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	tr := &http.Transport{
		Proxy:               nil, // the policy must see the receiver's address, not a proxy's
		DialContext:         cfg.Policy.DialContext,
		TLSHandshakeTimeout: cfg.Timeout,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	}
	client := &http.Client{Transport: tr, Timeout: cfg.Timeout,
		// A redirect would be a second, unchecked request to an address of
		// the receiver's choosing; it counts as a failed delivery instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Worker{cfg: cfg, log: cfg.Log.With("part", "webhooks"), client: client, kick: make(chan struct{}, 1),
		cancel: cancel, done: make(chan struct{})}
	go w.run(ctx)
	return w
}

// Kick asks for a delivery round now; it never blocks.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Close stops the worker; a delivery in flight is tried again at the next
// start if its result was not recorded.
func (w *Worker) Close() error {
	w.cancel()
	<-w.done
	w.client.CloseIdleConnections()
	return nil
}

func (w *Worker) run(ctx context.Context) {
	defer close(w.done)
	t := time.NewTicker(w.cfg.Interval)
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
		due, err := w.cfg.Store.R().DueDeliveries(ctx, time.Now(), 50)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Error("read webhook outbox", "err", err)
			}
			return
		}
		if len(due) == 0 {
			return
		}
		for _, d := range due {
			if ctx.Err() != nil {
				return
			}
			w.deliver(ctx, d)
		}
	}
}

// deliver makes one attempt and records its result.
func (w *Worker) deliver(ctx context.Context, d webhook.Due) {
	status, err := w.post(ctx, d)
	if ctx.Err() != nil {
		return // shutting down: the attempt did not count
	}
	st := w.cfg.Store.W()
	if err == nil {
		if e := st.MarkDelivered(ctx, d.ID, status, time.Now()); e != nil {
			w.log.Error("record webhook delivery", "id", d.ID, "err", e)
		}
		return
	}
	next := time.Now().Add(w.cfg.Backoff(d.Attempts + 1))
	w.log.Warn("webhook delivery failed; will retry", "id", d.ID, "webhook", d.WebhookID, "attempt", d.Attempts+1,
		"retry_at", next, "err", err)
	if e := st.MarkDeliveryFailed(ctx, d.ID, status, err.Error(), next); e != nil {
		w.log.Error("record webhook failure", "id", d.ID, "err", e)
	}
}

func (w *Worker) post(ctx context.Context, d webhook.Due) (int, error) {
	secret, err := w.cfg.Open(d.SecretEnc)
	if err != nil {
		return 0, errors.New("the webhook's secret cannot be read with this server's key")
	}
	rctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, fmt.Errorf("bad URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Vigilo-Webhook/1")
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, d.Body))
	req.Header.Set("X-Vigilo-Event", d.Event)
	req.Header.Set("X-Vigilo-Delivery", strconv.FormatInt(d.ID, 10))
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, describe(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// describe names a transport failure without quoting the far end (the log
// is shown in the portal; the receiver's answers are not ours to show).
func describe(err error) error {
	var refused *netpolicy.RefusedError
	var ne net.Error
	switch {
	case errors.As(err, &refused):
		return errors.New("address refused by the webhook-address policy: " + refused.Reason)
	case errors.As(err, &ne) && ne.Timeout():
		return errors.New("no answer in time")
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return errors.New("cannot connect: " + op.Err.Error())
	}
	return errors.New("request failed")
}
