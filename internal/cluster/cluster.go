// Package cluster joins one Vigilo process to the others of a cluster
// (docs/CLUSTER.md). Its Link component connects to NATS: the event bus
// gets a JetStream transport, so a change committed on one node (account
// disabled, module switched, camera or plan changed) reaches every node's
// subscribers, and every committed write to the authentication tables is
// announced so that every node's authentication cache drops its entries at
// once.
//
// NATS only makes reactions fast: every node still reconciles on its timer
// and the authentication cache still expires, so a lost message delays a
// reaction but never leaves a wrong state. State itself lives in
// PostgreSQL, so a NATS restart loses none of it.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigilo/vigilo/internal/events"
)

const (
	// eventStream keeps published events for a while, so a node whose NATS
	// connection dropped briefly receives what it missed on reconnect.
	eventStream   = "VIGILO_EVENTS"
	eventSubjects = "vigilo.events.>"
	eventPrefix   = "vigilo.events."
	// authSubject carries "the auth tables changed": core NATS, not
	// JetStream: it must arrive within milliseconds, and a node that missed
	// one (reconnecting) drops its whole cache anyway.
	authSubject = "vigilo.auth"
	// instanceHeader names the process that published an event, so it does
	// not deliver its own events twice.
	instanceHeader = "Vigilo-Instance"
	// sendQueue bounds events waiting for NATS; beyond it they are dropped
	// (the timers reconcile).
	sendQueue = 1024
)

// Config says where NATS is and who this process is.
type Config struct {
	URL    string // VIGILO_NATS_URL
	NodeID string // VIGILO_NODE_ID
	Log    *slog.Logger
	// ConnectTimeout bounds the first connection (default 3 s): an
	// unreachable NATS fails the start.
	ConnectTimeout time.Duration
}

// AuthEpoch is the part of the store the link keeps current: it announces
// local writes to the auth tables and moves the epoch on others'.
type AuthEpoch interface {
	OnAuthWrite(fn func())
	MoveAuthEpoch()
}

// Link is this process's connection to the cluster's NATS.
type Link struct {
	// Instance tells this process apart from an earlier run of the same
	// node (random at every start).
	Instance string

	nc     *nats.Conn
	js     jetstream.JetStream
	bus    *events.Bus
	auth   AuthEpoch
	log    *slog.Logger
	queue  chan events.Event
	cancel context.CancelFunc
	wg     sync.WaitGroup
	cons   jetstream.ConsumeContext
	sub    *nats.Subscription
	closed sync.Once

	// authIn counts other nodes' auth announcements received (metrics).
	authIn atomic.Uint64
}

// Connect joins the cluster's NATS, or fails naming VIGILO_NATS_URL. From
// then on bus events travel to and from the other nodes and auth writes are
// announced both ways.
func Connect(ctx context.Context, cfg Config, bus *events.Bus, auth AuthEpoch) (*Link, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 3 * time.Second
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	l := &Link{Instance: hex.EncodeToString(b[:]), bus: bus, auth: auth, log: cfg.Log.With("part", "cluster"),
		queue: make(chan events.Event, sendQueue)}
	nc, err := nats.Connect(cfg.URL,
		nats.Name("vigilo "+cfg.NodeID),
		nats.Timeout(cfg.ConnectTimeout),
		// After the first connection, never give up: NATS restarts while
		// nodes run (the timers cover the gap).
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.ReconnectHandler(l.reconnected),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				l.log.Warn("NATS connection lost; reconnecting", "err", err)
			}
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("VIGILO_NATS_URL: cannot connect to %s: %w", redacted(cfg.URL), err)
	}
	l.nc = nc
	if err := l.start(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("VIGILO_NATS_URL: %s: %w", redacted(cfg.URL), err)
	}
	return l, nil
}

// redacted is a NATS URL without its password, for messages.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func (l *Link) start(ctx context.Context) error {
	js, err := jetstream.New(l.nc)
	if err != nil {
		return err
	}
	l.js = js
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	stream, err := js.CreateOrUpdateStream(sctx, jetstream.StreamConfig{Name: eventStream, Subjects: []string{eventSubjects},
		MaxAge: 10 * time.Minute, Storage: jetstream.FileStorage, Discard: jetstream.DiscardOld})
	if err != nil {
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			return errors.New("JetStream is not enabled on this server (start nats-server with -js)")
		}
		return fmt.Errorf("create the events stream: %w", err)
	}
	cons, err := stream.OrderedConsumer(sctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return fmt.Errorf("follow the events stream: %w", err)
	}
	if l.cons, err = cons.Consume(l.received); err != nil {
		return fmt.Errorf("follow the events stream: %w", err)
	}
	if l.sub, err = l.nc.Subscribe(authSubject, l.authChanged); err != nil {
		return err
	}
	if err := l.nc.FlushTimeout(5 * time.Second); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(context.Background())
	l.cancel = stop
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.send(runCtx)
	}()
	l.bus.SetTransport(l)
	l.auth.OnAuthWrite(l.announceAuth)
	return nil
}

// Send queues e for the other nodes (events.Transport). It never blocks: a
// full queue drops e, which the other nodes' timers make up for.
func (l *Link) Send(e events.Event) {
	select {
	case l.queue <- e:
	default:
		l.log.Warn("cluster event queue full; event left to the timers", "kind", e.Kind)
	}
}

func (l *Link) send(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-l.queue:
			data, err := json.Marshal(e)
			if err != nil {
				continue
			}
			msg := nats.NewMsg(eventPrefix + string(e.Kind))
			msg.Header.Set(instanceHeader, l.Instance)
			msg.Data = data
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			if _, err := l.js.PublishMsg(pctx, msg); err != nil && ctx.Err() == nil {
				l.log.Warn("publish event to the cluster", "kind", e.Kind, "err", err)
			}
			cancel()
		}
	}
}

// received hands another node's event to this process's subscribers.
func (l *Link) received(m jetstream.Msg) {
	if m.Headers().Get(instanceHeader) == l.Instance {
		return
	}
	var e events.Event
	if err := json.Unmarshal(m.Data(), &e); err != nil {
		l.log.Warn("unreadable cluster event", "subject", m.Subject(), "err", err)
		return
	}
	l.bus.Deliver(e)
}

// announceAuth tells the other nodes that this one committed a write to the
// auth tables. Publish only buffers: the request that wrote is not slowed.
func (l *Link) announceAuth() {
	if err := l.nc.Publish(authSubject, []byte(l.Instance)); err != nil {
		l.log.Warn("announce an auth change", "err", err)
	}
}

func (l *Link) authChanged(m *nats.Msg) {
	if string(m.Data) != l.Instance {
		l.authIn.Add(1)
		l.auth.MoveAuthEpoch()
	}
}

// reconnected drops every cached authentication entry: announcements sent
// while this node was away were lost.
func (l *Link) reconnected(*nats.Conn) {
	l.log.Info("NATS connection back")
	l.auth.MoveAuthEpoch()
}

// AuthAnnouncements is how many auth changes of other nodes arrived.
func (l *Link) AuthAnnouncements() uint64 { return l.authIn.Load() }

// Connected reports whether NATS is reachable now.
func (l *Link) Connected() bool { return l.nc.IsConnected() }

// Close leaves the cluster's NATS; the bus is a single process's again.
func (l *Link) Close() {
	l.closed.Do(func() {
		l.bus.SetTransport(nil)
		l.auth.OnAuthWrite(nil)
		if l.cons != nil {
			l.cons.Stop()
		}
		if l.sub != nil {
			_ = l.sub.Unsubscribe()
		}
		if l.cancel != nil {
			l.cancel()
		}
		l.wg.Wait()
		_ = l.nc.FlushTimeout(time.Second)
		l.nc.Close()
	})
}
