// Package events carries changes of state that other parts must react to
// (account disabled, module switched, camera assigned…). Publishers call
// Publish after their transaction commits; the recorder and others subscribe.
// Delivery is best-effort by design: subscribers also reconcile on a timer,
// so a missed event delays a reaction but can never leave a wrong state.
package events

import "sync"

// Kind names what changed.
type Kind string

const (
	AccountCreated  Kind = "account.created"
	AccountUpdated  Kind = "account.updated"
	AccountDisabled Kind = "account.disabled"
	AccountEnabled  Kind = "account.enabled"
	AccountDeleted  Kind = "account.deleted"
	ModulesChanged  Kind = "account.modules"
	CameraChanged   Kind = "camera.changed"
	PlanChanged     Kind = "plan.changed"
	UserChanged     Kind = "user.changed"
	// BrandingChanged: an account's brand or custom domain changed; brand
	// caches drop what they hold for its subtree.
	BrandingChanged Kind = "account.branding"
	// CameraEventOpened and CameraEventClosed: a camera event (motion,
	// offline, online) began or ended; CameraID, CameraEventID and
	// CameraEventType say which. Alerts and webhooks subscribe to them.
	CameraEventOpened Kind = "camera.event.opened"
	CameraEventClosed Kind = "camera.event.closed"
)

// Event is one change. Path is the account's path, so a subscriber can tell
// at once which subtree is affected.
type Event struct {
	Kind      Kind   `json:"kind"`
	AccountID int64  `json:"account_id,omitempty"`
	Path      string `json:"path,omitempty"`
	CameraID  int64  `json:"camera_id,omitempty"`
	// CameraEventID and CameraEventType name the camera event of
	// CameraEventOpened/CameraEventClosed.
	CameraEventID   int64  `json:"camera_event_id,omitempty"`
	CameraEventType string `json:"camera_event_type,omitempty"`
}

// Transport carries events to the other nodes of a cluster (NATS JetStream,
// internal/cluster). Send must not block for long: it is called from
// Publish, after the publisher's transaction committed.
type Transport interface {
	Send(Event)
}

// Bus is an in-process fan-out. Slow subscribers never block publishers: a
// full subscriber buffer drops the event (the subscriber's timer catches up).
type Bus struct {
	mu   sync.RWMutex
	subs map[chan Event]struct{}
	// out, when set, also sends every event published here to the other
	// nodes; what they send comes back through Deliver. One code path: a
	// single node simply has no transport.
	out Transport
}

// SetTransport makes Publish also send to other nodes.
func (b *Bus) SetTransport(t Transport) {
	b.mu.Lock()
	b.out = t
	b.mu.Unlock()
}

func NewBus() *Bus { return &Bus{subs: map[chan Event]struct{}{}} }

// Subscribe returns a channel of events and a function to stop.
func (b *Bus) Subscribe(buffer int) (<-chan Event, func()) {
	ch := make(chan Event, buffer)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
		b.mu.Unlock()
	}
}

// Publish delivers e to every subscriber without blocking, and to the other
// nodes when the bus has a transport.
func (b *Bus) Publish(e Event) {
	b.mu.RLock()
	out := b.out
	b.mu.RUnlock()
	if out != nil {
		out.Send(e)
	}
	b.Deliver(e)
}

// Deliver hands e to this process's subscribers only: the transport calls
// it with events that other nodes published.
func (b *Bus) Deliver(e Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
		}
	}
}
