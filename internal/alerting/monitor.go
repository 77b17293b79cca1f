// Package alerting is the camera health monitor: it samples the recorder's
// view of every camera that should be recording, keeps each camera's
// online/offline state and its transitions in the database, and, once an
// outage has lasted the debounce, queues exactly one offline alert (mail
// to the registering integrator's owner and notification contacts, and the
// webhooks subscribed to it) and later one recovery notice. State lives in
// the database, so a restart neither forgets an outage nor repeats its
// alert; mail and webhooks go through their outboxes in the same
// transaction as the state change.
package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/health"
	"github.com/vigilo/vigilo/internal/mail"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/webhook"
)

// StatusFunc reports the recorder's state of a camera and whether the
// recorder is asked to record it (app.Recording.Status).
type StatusFunc func(cameraID int64) (media.CameraStatus, bool)

// Config configures a Monitor.
type Config struct {
	Store  *store.Store
	Status StatusFunc
	Log    *slog.Logger
	// OfflineAfter is the default debounce (VIGILO_OFFLINE_AFTER); accounts
	// may override it for their subtree.
	OfflineAfter time.Duration
	// Every is the sampling interval (default 5 s).
	Every time.Duration
	// TouchEvery spaces the writes of an online camera's last-seen time
	// (default one minute), so a large fleet costs few writes.
	TouchEvery time.Duration
	BaseURL    string
	Product    string
	// MailBrand is the brand of alert mail about a camera of the account at
	// path (nil: the plain Product and BaseURL). Read through q.
	MailBrand func(ctx context.Context, q store.Q, path string) (product, base string, look mail.Look, err error)
	// MailKick and HookKick wake the mail and webhook workers after alerts
	// were queued.
	MailKick func()
	HookKick func()
	// Events receives camera.event.opened/closed for the online and offline
	// spans, after commit (nil: none published).
	Events *events.Bus
	Now    func() time.Time
}

// Monitor runs until Close.
type Monitor struct {
	cfg    Config
	log    *slog.Logger
	mu     sync.Mutex
	states map[int64]health.State
	saved  map[int64]time.Time // last-seen time last written per camera
	cancel context.CancelFunc
	done   chan struct{}
}

// New loads the saved states and starts sampling.
func New(cfg Config) (*Monitor, error) {
	if cfg.Every <= 0 {
		cfg.Every = 5 * time.Second
	}
	if cfg.OfflineAfter <= 0 {
		cfg.OfflineAfter = health.DefaultOfflineAfter
	}
	if cfg.TouchEvery <= 0 {
		cfg.TouchEvery = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MailKick == nil {
		cfg.MailKick = func() {}
	}
	if cfg.HookKick == nil {
		cfg.HookKick = func() {}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	states, err := cfg.Store.R().HealthStates(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("load camera health: %w", err)
	}
	m := &Monitor{cfg: cfg, log: cfg.Log.With("part", "health"), states: states, saved: map[int64]time.Time{},
		cancel: cancel, done: make(chan struct{})}
	for id, s := range states {
		m.saved[id] = s.LastSeen
	}
	go m.run(ctx)
	return m, nil
}

// Close stops sampling.
func (m *Monitor) Close() error {
	m.cancel()
	<-m.done
	return nil
}

func (m *Monitor) run(ctx context.Context) {
	defer close(m.done)
	t := time.NewTicker(m.cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := m.Sample(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("camera health", "err", err)
		}
	}
}

// Sample takes one look at every camera that should be recording.
func (m *Monitor) Sample(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.cfg.Store.R()
	want, err := r.DesiredRecordings(ctx)
	if err != nil {
		return err
	}
	overrides, err := r.OfflineAfterOverrides(ctx)
	if err != nil {
		return err
	}
	now := m.cfg.Now()
	wanted := make(map[int64]bool, len(want))
	var touch []health.State
	mailed, hooked := false, false
	for _, d := range want {
		wanted[d.CameraID] = true
		ms, desired := m.cfg.Status(d.CameraID)
		if !desired || (!ms.Online && ms.Reason == "") {
			// Not (yet) the recorder's, or still making its first
			// connection: nothing is known, so nothing changes. This is
			// also what keeps a restart from reading as an outage.
			continue
		}
		prev, known := m.states[d.CameraID]
		next, changed, alert := health.Step(prev, known, health.Sample{Online: ms.Online, Reason: ms.Reason,
			BitrateKbps: ms.BitrateKbps}, now, offlineAfter(d.CustomerPath, overrides, m.cfg.OfflineAfter))
		next.CameraID = d.CameraID
		if !changed && alert == health.NoAlert {
			m.states[d.CameraID] = next
			if next.Online && now.Sub(m.saved[d.CameraID]) >= m.cfg.TouchEvery {
				touch = append(touch, next)
			}
			continue
		}
		var sent sentKinds
		var pub []events.Event
		err := m.cfg.Store.InTx(ctx, func(q store.Q) error {
			sent, pub = sentKinds{}, nil
			if err := q.SaveHealth(ctx, next); err != nil {
				return err
			}
			if changed {
				var err error
				if pub, err = spanChange(ctx, q, d, next, now); err != nil {
					return err
				}
			}
			if alert != health.NoAlert {
				return m.announce(ctx, q, d.CameraID, prev, next, alert, now, &sent)
			}
			return nil
		})
		if err != nil {
			m.log.Error("record camera health", "camera", d.CameraID, "err", err)
			continue // the state stays as it was; the next sample tries again
		}
		m.states[d.CameraID], m.saved[d.CameraID] = next, next.LastSeen
		mailed, hooked = mailed || sent.mail, hooked || sent.hook
		m.publish(pub)
		if changed {
			m.log.Info("camera health changed", "camera", d.CameraID, "online", next.Online, "reason", next.Reason)
		}
	}
	if len(touch) > 0 {
		err := m.cfg.Store.InTx(ctx, func(q store.Q) error {
			for _, s := range touch {
				if err := q.SaveHealth(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			m.log.Warn("write last-seen times", "err", err)
		} else {
			for _, s := range touch {
				m.saved[s.CameraID] = s.LastSeen
			}
		}
	}
	// Cameras that left the recorded set (switched off, unassigned,
	// deleted) are no longer watched: their state goes, their history
	// stays for uptime.
	var gone []int64
	for id := range m.states {
		if !wanted[id] {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		err := m.cfg.Store.InTx(ctx, func(q store.Q) error {
			// Its open online/offline span ends: from now on nothing is
			// known about it.
			for _, id := range gone {
				for _, typ := range []string{camera.EventOnline, camera.EventOffline} {
					if _, _, err := q.CloseCameraEvent(ctx, id, typ, now); err != nil {
						return err
					}
				}
			}
			return q.DeleteHealth(ctx, gone)
		})
		if err != nil {
			m.log.Warn("forget camera health", "err", err)
		} else {
			for _, id := range gone {
				delete(m.states, id)
				delete(m.saved, id)
			}
		}
	}
	if mailed {
		m.cfg.MailKick()
	}
	if hooked {
		m.cfg.HookKick()
	}
	return nil
}

// spanChange ends the camera's current online or offline span and starts
// the other (camera events), returning what to publish after commit.
func spanChange(ctx context.Context, q store.Q, d camera.DesiredCamera, next health.State, now time.Time) ([]events.Event, error) {
	closeT, openT := camera.EventOnline, camera.EventOffline
	if next.Online {
		closeT, openT = camera.EventOffline, camera.EventOnline
	}
	var out []events.Event
	ev := func(k events.Kind, e camera.Event) events.Event {
		return events.Event{Kind: k, AccountID: d.CustomerID, Path: d.CustomerPath, CameraID: d.CameraID,
			CameraEventID: e.ID, CameraEventType: e.Type}
	}
	closed, ok, err := q.CloseCameraEvent(ctx, d.CameraID, closeT, now)
	if err != nil {
		return nil, err
	}
	if ok {
		out = append(out, ev(events.CameraEventClosed, closed))
	}
	opened, isNew, err := q.OpenCameraEvent(ctx, camera.Event{CameraID: d.CameraID, Type: openT, Start: now, Detail: next.Reason})
	if err != nil {
		return nil, err
	}
	if isNew {
		out = append(out, ev(events.CameraEventOpened, opened))
	}
	return out, nil
}

func (m *Monitor) publish(evs []events.Event) {
	if m.cfg.Events == nil {
		return
	}
	for _, e := range evs {
		m.cfg.Events.Publish(e)
	}
}

// offlineAfter is the debounce of the nearest account on path with its own,
// else the default.
func offlineAfter(path string, overrides map[int64]time.Duration, def time.Duration) time.Duration {
	if len(overrides) == 0 {
		return def
	}
	ids := tenancy.PathIDs(path)
	for i := len(ids) - 1; i >= 0; i-- {
		if d, ok := overrides[ids[i]]; ok {
			return d
		}
	}
	return def
}

type sentKinds struct{ mail, hook bool }

// announce queues the mail and webhook deliveries of one alert.
func (m *Monitor) announce(ctx context.Context, q store.Q, cameraID int64, prev, next health.State, alert health.Alert,
	now time.Time, sent *sentKinds) error {
	c, err := q.Camera(ctx, cameraID)
	if err != nil {
		return err
	}
	customer := ""
	// The mail shows the brand of the customer's subtree, or of the
	// integrator's while the camera is unassigned.
	brandAt := c.IntegratorID
	if c.CustomerID != 0 {
		if acct, err := q.Account(ctx, c.CustomerID); err == nil {
			customer = acct.Name
			brandAt = acct.ID
		}
	}
	product, base, look := m.cfg.Product, m.cfg.BaseURL, mail.Look{}
	if m.cfg.MailBrand != nil {
		if acct, err := q.Account(ctx, brandAt); err == nil {
			if product, base, look, err = m.cfg.MailBrand(ctx, q, acct.Path); err != nil {
				return err
			}
		}
	}
	link := m.cfg.BaseURL + "/cameras/" + strconv.FormatInt(c.ID, 10)
	data := mail.CameraAlertData{Product: product, Camera: c.Name, Customer: customer, Link: base + "/cameras/" + strconv.FormatInt(c.ID, 10), Look: look}
	event := webhook.CameraOffline
	payload := webhook.Payload{At: now.UTC(), Camera: &webhook.PayloadCamera{ID: c.ID, Name: c.Name, URL: link}}
	if alert == health.OfflineAlert {
		data.Since = next.Since.UTC().Format("2006-01-02 15:04:05 UTC")
		data.Reason = media.ReasonText(next.Reason)
		payload.Reason = next.Reason
	} else {
		event = webhook.CameraOnline
		data.Duration = roundDuration(now.Sub(prev.Since))
		payload.Duration = data.Duration
	}
	payload.Event = event
	// One id per outage and kind: a receiver can de-duplicate retries.
	payload.ID = fmt.Sprintf("%s-%d-%d", event, c.ID, prev.Since.UnixMilli())
	if alert == health.OfflineAlert {
		payload.ID = fmt.Sprintf("%s-%d-%d", event, c.ID, next.Since.UnixMilli())
	}
	for _, to := range m.recipients(ctx, q, c) {
		msg := mail.CameraOffline(to, data)
		if alert == health.RecoveryAlert {
			msg = mail.CameraOnline(to, data)
		}
		if _, err := q.EnqueueMail(ctx, msg); err != nil {
			return err
		}
		sent.mail = true
	}
	hooks, err := q.WebhooksOn(ctx, c.IntegratorPath, c.CustomerPath)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if !h.Wants(event) {
			continue
		}
		p := payload
		p.Account = h.AccountID
		body, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if _, err := q.EnqueueDelivery(ctx, h.ID, event, body, now); err != nil {
			return err
		}
		sent.hook = true
	}
	m.log.Info("camera alert queued", "camera", c.ID, "event", event)
	return nil
}

// recipients are the owner and notification contacts of the integrator
// that registered the camera, each once.
func (m *Monitor) recipients(ctx context.Context, q store.Q, c camera.Camera) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if u, err := q.AccountOwner(ctx, c.IntegratorID); err == nil {
		add(u.Email)
	} else {
		m.log.Warn("integrator owner for an alert", "camera", c.ID, "err", err)
	}
	if set, err := q.AlertSettingsOn(ctx, c.IntegratorPath); err == nil {
		for _, s := range set[c.IntegratorID].Contacts {
			add(s)
		}
	}
	return out
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= time.Minute:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Second).String()
}
