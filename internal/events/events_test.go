package events

import "testing"

type sent []Event

func (s *sent) Send(e Event) { *s = append(*s, e) }

// A published event goes to local subscribers and once to the transport; an
// event delivered from another node goes to local subscribers only (it must
// not echo back out).
func TestBusTransport(t *testing.T) {
	b := NewBus()
	ch, stop := b.Subscribe(4)
	defer stop()
	var out sent
	b.SetTransport(&out)
	b.Publish(Event{Kind: AccountDisabled, AccountID: 7})
	b.Deliver(Event{Kind: CameraChanged, CameraID: 3})
	if len(out) != 1 || out[0].Kind != AccountDisabled {
		t.Fatalf("sent to other nodes: %+v", out)
	}
	if e := <-ch; e.Kind != AccountDisabled || e.AccountID != 7 {
		t.Fatalf("first local event %+v", e)
	}
	if e := <-ch; e.Kind != CameraChanged || e.CameraID != 3 {
		t.Fatalf("second local event %+v", e)
	}
	b.SetTransport(nil)
	b.Publish(Event{Kind: PlanChanged})
	if len(out) != 1 {
		t.Fatal("sent after the transport was removed")
	}
}
