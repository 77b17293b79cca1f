package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TestRecordingEventsAgreeWithShouldRecord runs random changes that affect
// recording (cloud_recording switches, disables, enables, deletions) while a
// subscriber, like the recorder, recomputes DesiredRecordings on every event
// it receives. After each change the set computed on its event must equal
// camera.ShouldRecord evaluated on the test's own model: every change that
// matters publishes an event, and only after it is visible.
func TestRecordingEventsAgreeWithShouldRecord(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		w := newPropWorld(t, pg, 11, 60)
		e, ctx, a, st, root, m, rng := w.e, w.ctx, w.a, w.st, w.root, w.m, w.rng

		type seen struct {
			ev  events.Event
			ids []int64
			err error
		}
		evs, stop := a.Events.Subscribe(256)
		defer stop()
		results := make(chan seen, 256)
		go func() {
			for ev := range evs {
				d, err := st.R().DesiredRecordings(ctx)
				ids := make([]int64, len(d))
				for i, c := range d {
					ids[i] = c.CameraID
				}
				results <- seen{ev, ids, err}
			}
		}()
		await := func(step int, kind events.Kind, id int64, n int) []int64 {
			t.Helper()
			var last seen
			for i := range n {
				select {
				case last = <-results:
				case <-time.After(5 * time.Second):
					t.Fatalf("step %d: %d of %d %s events for account %d", step, i, n, kind, id)
				}
				if last.err != nil {
					t.Fatal(last.err)
				}
				if last.ev.Kind != kind || last.ev.AccountID != id || !strings.HasSuffix(last.ev.Path, "/"+itoa(id)+"/") {
					t.Fatalf("step %d: event %+v, want %s for account %d", step, last.ev, kind, id)
				}
			}
			return last.ids
		}
		pick := func() int64 { return m.ids[1+rng.IntN(len(m.ids)-1)] }
		for step := 0; step < 40; step++ {
			var got []int64
			switch op := rng.IntN(10); {
			case op < 4:
				x := pick()
				on := rng.IntN(2) == 0
				if p, _ := m.effective(m.accts[x].parent, "cloud_recording"); on && !p {
					on = false // switching on below an ancestor's off is refused (tested elsewhere)
				}
				if m.switchAt(x, "cloud_recording") == on {
					continue // no change, no event
				}
				if _, err := a.SetModules(ctx, root, x, map[string]bool{"cloud_recording": on}); err != nil {
					t.Fatal(err)
				}
				m.accts[x].sw["cloud_recording"] = on
				got = await(step, events.ModulesChanged, x, 1)
			case op < 7:
				x := pick()
				if m.accts[x].disabled {
					if _, err := a.EnableAccount(ctx, root, x); err != nil {
						t.Fatal(err)
					}
					m.accts[x].disabled = false
					got = await(step, events.AccountEnabled, x, 1)
				} else {
					if _, err := a.DisableAccount(ctx, root, x); err != nil {
						t.Fatal(err)
					}
					m.accts[x].disabled = true
					got = await(step, events.AccountDisabled, x, 1)
				}
			default: // delete a customer; cameras registered above it survive unassigned
				var leaves []int64
				for _, id := range m.ids[1:] {
					if m.accts[id].typ == tenancy.Customer {
						leaves = append(leaves, id)
					}
				}
				if len(leaves) < 5 {
					continue
				}
				x := leaves[rng.IntN(len(leaves))]
				res, err := a.DeleteAccount(ctx, root, x, app.DeleteAccountInput{ConfirmName: mustName(t, e, x)})
				if err != nil {
					t.Fatal(err)
				}
				unassigned := 0
				for _, c := range m.cams {
					if c.customer == x {
						c.customer = 0
						unassigned++
					}
				}
				if len(res.Unassigned) != unassigned {
					t.Fatalf("step %d: %d cameras unassigned, model %d", step, len(res.Unassigned), unassigned)
				}
				delete(m.accts, x)
				m.ids = slices.DeleteFunc(m.ids, func(id int64) bool { return id == x })
				got = await(step, events.AccountDeleted, x, 1+unassigned)
			}
			if want := m.desired(); !slices.Equal(got, want) {
				t.Fatalf("step %d: subscriber sees %d desired cameras, ShouldRecord on the model %d", step, len(got), len(want))
			}
		}
		select {
		case s := <-results:
			t.Fatalf("unexpected event %+v", s.ev)
		case <-time.After(100 * time.Millisecond):
		}
	})
}

func mustName(t *testing.T, e *apitest.Env, id int64) string {
	t.Helper()
	acct, err := e.Main.Store.R().Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return acct.Name
}
