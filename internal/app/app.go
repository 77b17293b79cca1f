// Package app holds Vigilo's use cases: each public method is one thing an
// actor can do (create an account, sign in, confirm an e-mail). It applies the
// domain rules of tenancy/identity, runs them in one store transaction,
// writes the audit log, queues mail and publishes events. It speaks neither
// HTTP nor SQL; the api and web packages are thin layers over it.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/netpolicy"
	"github.com/vigilo/vigilo/internal/store"
)

// Config is what the use cases need to know about the deployment.
type Config struct {
	BaseURL string // for links in mail, e.g. https://vms.example.com
	Product string // brand name in mail and pages
	// SessionIdle and SessionMax end sign-in sessions after that long without
	// use / after that long at all (zero: the defaults in app/sessions.go).
	SessionIdle time.Duration
	SessionMax  time.Duration
	// Currency is the tree's billing currency (empty: DefaultCurrency).
	Currency money.Currency
	// AuthCacheTTL bounds the life of an authentication cache entry
	// (authcache.go): zero means DefaultAuthCacheTTL, negative disables it.
	AuthCacheTTL time.Duration
	// NodeTTL is how long a cluster node may be silent and still count as
	// alive (VIGILO_LEASE_TTL; zero: 5 s).
	NodeTTL time.Duration
	// StatisticsRefresh is the least time between two statistics passes
	// (VIGILO_STATISTICS_REFRESH, statistics_pass.go); zero: no pass runs
	// and the statistics tab computes the running month on every view.
	StatisticsRefresh time.Duration
}

// App is the set of use cases over one store.
type App struct {
	Store  *store.Store
	Events *events.Bus
	Log    *slog.Logger
	Config Config
	// MailKick wakes the mail worker after a request queued mail.
	MailKick func()
	// Now is the clock (tests move it).
	Now func() time.Time
	// Cameras holds the camera feature's keys and recorder (app/cameras.go).
	Cameras CameraDeps
	// Observe receives operational measurements (Prometheus in production).
	Observe Observer
	// Throttles limit failed sign-ins and mails (throttles.go).
	Throttles Throttles
	// MailFloor is the least time a forgot/resend request takes, so known
	// and unknown addresses answer alike (mail_limits.go).
	MailFloor time.Duration
	// Alerts holds the alert settings of the deployment (alerts.go).
	Alerts AlertDeps
	// ClipKick wakes the clip job after a clip was asked for (nil: none runs
	// in this process; pending clips wait for one).
	ClipKick func()
	// SSO talks to accounts' OpenID Connect providers (nil: no SSO sign-in).
	SSO SSOProvider
	// Remote reads segments from the object store when they are not on
	// this machine's disk (nil: video is on local disk only; docs/S3.md).
	Remote media.Remote
	// DeleteObject removes an object from the bucket (a deleted clip's);
	// nil without S3.
	DeleteObject func(ctx context.Context, key string) error

	// Brands holds the branding feature's parts (branding.go).
	Brands BrandDeps

	authCache authCache
	brands    brandCache

	// parentSeen spaces out the audit of parents' video use
	// (parent_access.go).
	parentSeen parentAccesses
}

// Observer is told about work done, for metrics. The app layer reports; it
// does not know which metrics system listens.
type Observer interface {
	SegmentIndexed(bytes int64)
	PlaybackServed(bytes int64)
	CamerasRecording(n int)
}

type noObserver struct{}

func (noObserver) SegmentIndexed(int64) {}
func (noObserver) PlaybackServed(int64) {}
func (noObserver) CamerasRecording(int) {}

// New builds an App.
func New(s *store.Store, bus *events.Bus, log *slog.Logger, cfg Config) *App {
	if cfg.Product == "" {
		cfg.Product = "Vigilo"
	}
	a := &App{Store: s, Events: bus, Log: log, Config: cfg, MailKick: func() {}, Now: time.Now, Observe: noObserver{},
		MailFloor: DefaultMailFloor}
	a.SetThrottles(DefaultThrottles)
	a.Cameras.Addresses = netpolicy.New(nil)
	a.Alerts.Webhooks = netpolicy.New(nil)
	return a
}

// tx runs fn in one transaction and, after it commits, publishes the events
// fn collected and wakes the mail worker. Events never precede the commit, so
// a subscriber never reacts to a change that was rolled back.
func (a *App) tx(ctx context.Context, fn func(q store.Q, out *outbox) error) error {
	var o outbox
	if err := a.Store.InTx(ctx, func(q store.Q) error {
		o = outbox{}
		return fn(q, &o)
	}); err != nil {
		return err
	}
	for _, e := range o.events {
		if BrandEvent(e.Kind) { // before anyone hears of it: read-your-writes
			a.InvalidateBrands()
		}
		a.Events.Publish(e)
	}
	if o.mail {
		a.MailKick()
	}
	return nil
}

// outbox collects what a transaction wants done after it commits.
type outbox struct {
	events []events.Event
	mail   bool
}

func (o *outbox) publish(e events.Event) { o.events = append(o.events, e) }
