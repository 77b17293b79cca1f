package health

import (
	"math"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
)

func TestStepAnnouncesEachOutageOnce(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	after := 5 * time.Minute
	st, changed, a := Step(State{}, false, Sample{Online: true}, t0, after)
	if !changed || a != NoAlert || !st.Online {
		t.Fatalf("first sample: %+v %v %v", st, changed, a)
	}
	// Goes dark: a transition, no alert yet.
	st, changed, a = Step(st, true, Sample{Online: false, Reason: "closed"}, t0.Add(time.Minute), after)
	if !changed || a != NoAlert || st.Online || st.Reason != "closed" {
		t.Fatalf("offline: %+v %v %v", st, changed, a)
	}
	// Still dark before the debounce: nothing.
	st, _, a = Step(st, true, Sample{Reason: "connection_refused"}, t0.Add(5*time.Minute), after)
	if a != NoAlert {
		t.Fatal("alert before the debounce")
	}
	// At the debounce: exactly one alert, then none.
	st, changed, a = Step(st, true, Sample{Reason: "connection_refused"}, t0.Add(6*time.Minute), after)
	if changed || a != OfflineAlert || !st.Alerted {
		t.Fatalf("debounce: %+v %v %v", st, changed, a)
	}
	for i := 7; i < 20; i++ {
		if st, _, a = Step(st, true, Sample{Reason: "connection_refused"}, t0.Add(time.Duration(i)*time.Minute), after); a != NoAlert {
			t.Fatalf("second alert at minute %d", i)
		}
	}
	// Back: one recovery.
	st, changed, a = Step(st, true, Sample{Online: true}, t0.Add(20*time.Minute), after)
	if !changed || a != RecoveryAlert || st.Alerted || st.Reason != "" {
		t.Fatalf("recovery: %+v %v %v", st, changed, a)
	}
	// A blip shorter than the debounce sends neither alert nor recovery.
	st, _, _ = Step(st, true, Sample{Reason: "timeout"}, t0.Add(21*time.Minute), after)
	st, changed, a = Step(st, true, Sample{Online: true}, t0.Add(22*time.Minute), after)
	if !changed || a != NoAlert {
		t.Fatalf("blip: %v %v", changed, a)
	}
	if !st.LastSeen.Equal(t0.Add(22 * time.Minute)) {
		t.Fatalf("last seen %v", st.LastSeen)
	}
}

func TestUptime(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
	end := func(n float64) *time.Time { e := h(n); return &e }
	evs := []camera.Event{
		{Type: camera.EventOnline, Start: h(-10), End: end(6)},
		{Type: camera.EventOffline, Start: h(6), End: end(12)},
		{Type: camera.EventMotion, Start: h(7), End: end(8)}, // not health
		{Type: camera.EventOnline, Start: h(12)},             // still online
	}
	r, ok := Uptime(evs, h(0), h(24))
	if !ok || math.Abs(r-0.75) > 1e-9 {
		t.Fatalf("uptime %v %v, want 0.75", r, ok)
	}
	// Watched only from hour 12: the unknown half counts for nothing.
	r, ok = Uptime([]camera.Event{{Type: camera.EventOnline, Start: h(12), End: end(18)}, {Type: camera.EventOffline, Start: h(18)}}, h(0), h(24))
	if !ok || math.Abs(r-0.5) > 1e-9 {
		t.Fatalf("uptime %v %v, want 0.5", r, ok)
	}
	if _, ok := Uptime(nil, h(0), h(24)); ok {
		t.Fatal("uptime known without events")
	}
	if _, ok := Uptime([]camera.Event{{Type: camera.EventOnline, Start: h(30)}}, h(0), h(24)); ok {
		t.Fatal("uptime known from an event after the window")
	}
	if n := Outages(evs, h(0), h(24)); n != 1 {
		t.Fatalf("outages %d", n)
	}
}
