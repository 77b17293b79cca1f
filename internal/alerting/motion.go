package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/webhook"
)

// MotionConfig configures a MotionHooks.
type MotionConfig struct {
	Store *store.Store
	// Events wakes the forwarder when a camera event opens; the timer
	// (Every, default 5 s) covers events missed on the bus or written by
	// another node.
	Events   *events.Bus
	Every    time.Duration
	Log      *slog.Logger
	BaseURL  string
	HookKick func()
}

// MotionHooks hands every motion camera event (however it was recorded:
// ONVIF events, an agent) to the webhooks subscribed to "motion" of the
// accounts that see the camera. The events table is the queue: an event is
// marked in the same transaction that queues its deliveries, so each is
// sent once, none is lost to a restart or a dropped bus message.
type MotionHooks struct {
	cfg    MotionConfig
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// NewMotionHooks starts the forwarder.
func NewMotionHooks(cfg MotionConfig) *MotionHooks {
	if cfg.Every <= 0 {
		cfg.Every = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.HookKick == nil {
		cfg.HookKick = func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &MotionHooks{cfg: cfg, log: cfg.Log.With("part", "motion-webhooks"), cancel: cancel, done: make(chan struct{})}
	var evs <-chan events.Event
	unsub := func() {}
	if cfg.Events != nil {
		evs, unsub = cfg.Events.Subscribe(64)
	}
	go h.run(ctx, evs, unsub)
	return h
}

// Close stops the forwarder.
func (h *MotionHooks) Close() error {
	h.cancel()
	<-h.done
	return nil
}

func (h *MotionHooks) run(ctx context.Context, evs <-chan events.Event, unsub func()) {
	defer close(h.done)
	defer unsub()
	t := time.NewTicker(h.cfg.Every)
	defer t.Stop()
	for {
		if err := h.Forward(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("forward motion events to webhooks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case e, ok := <-evs:
			if !ok {
				evs = nil
				continue
			}
			if e.Kind != events.CameraEventOpened || e.CameraEventType != camera.EventMotion {
				continue
			}
		}
	}
}

// Forward queues the deliveries of every motion event not yet handed on.
func (h *MotionHooks) Forward(ctx context.Context) error {
	for ctx.Err() == nil {
		queued := false
		n := 0
		err := h.cfg.Store.InTx(ctx, func(q store.Q) error {
			queued, n = false, 0
			list, err := q.UnhookedMotion(ctx, 200)
			if err != nil {
				return err
			}
			n = len(list)
			cams := map[int64]*camera.Camera{}
			ids := make([]int64, 0, len(list))
			for _, e := range list {
				ids = append(ids, e.ID)
				c, seen := cams[e.CameraID]
				if !seen {
					cc, err := q.Camera(ctx, e.CameraID)
					if err != nil {
						return err
					}
					c = &cc
					cams[e.CameraID] = c
				}
				hooks, err := q.WebhooksOn(ctx, c.IntegratorPath, c.CustomerPath)
				if err != nil {
					return err
				}
				for _, hk := range hooks {
					if !hk.Wants(webhook.Motion) {
						continue
					}
					body, err := json.Marshal(webhook.Payload{ID: "motion-" + strconv.FormatInt(e.ID, 10), Event: webhook.Motion,
						At: e.Start.UTC(), Account: hk.AccountID, Detail: e.Detail,
						Camera: &webhook.PayloadCamera{ID: c.ID, Name: c.Name, URL: h.cfg.BaseURL + "/cameras/" + strconv.FormatInt(c.ID, 10)}})
					if err != nil {
						return err
					}
					if _, err := q.EnqueueDelivery(ctx, hk.ID, webhook.Motion, body, time.Now()); err != nil {
						return err
					}
					queued = true
				}
			}
			return q.MarkMotionHooked(ctx, ids, time.Now())
		})
		if errors.Is(err, store.ErrHookedElsewhere) {
			continue // another node took these; look again
		}
		if err != nil {
			return err
		}
		if queued {
			h.cfg.HookKick()
		}
		if n < 200 {
			return nil
		}
	}
	return ctx.Err()
}
