package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/health"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/webhook"
)

// TestStoreFleetHealth: the fleet query covers exactly a subtree's cameras
// with their state, recording gaps and oldest recording, and the
// transition query returns the window plus the state it starts in.
func TestStoreFleetHealth(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t, st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Operator", nil)
		a := tr.add(root, tenancy.Integrator, "A", nil)
		c := tr.add(a, tenancy.Customer, "C", nil)
		b := tr.add(root, tenancy.Integrator, "B", nil)
		plan := billing.Plan{OwnerAccountID: root.ID, Name: "p", Kind: billing.Fixed, RetentionDays: 2,
			RecordingMode: billing.Continuous, MaxBitrateKbps: 1000}
		// An events plan records only around events: its holes are no gaps.
		evPlan := billing.Plan{OwnerAccountID: root.ID, Name: "e", Kind: billing.Fixed, RetentionDays: 2, RecordingMode: billing.Events}
		now := time.Now().UTC().Truncate(time.Millisecond)
		var lobby, gate, other, porch camera.Camera
		err := st.InTx(ctx, func(q store.Q) error {
			if err := q.InsertPlan(ctx, &plan); err != nil {
				return err
			}
			if err := q.InsertPlan(ctx, &evPlan); err != nil {
				return err
			}
			for _, x := range []struct {
				c     *camera.Camera
				integ int64
				name  string
			}{{&lobby, a.ID, "Lobby"}, {&gate, a.ID, "Gate"}, {&other, b.ID, "Other"}, {&porch, a.ID, "Porch"}} {
				*x.c = camera.Camera{IntegratorID: x.integ, Type: camera.Generic, Name: x.name, Enabled: true, RTSPURL: "rtsp://h/" + x.name}
				if x.c != &other {
					x.c.CustomerID, x.c.PlanID = c.ID, plan.ID
				}
				if x.c == &porch {
					x.c.PlanID = evPlan.ID
				}
				if err := q.InsertCamera(ctx, x.c); err != nil {
					return err
				}
			}
			// Lobby and Porch: three 2 s segments with one 10 s hole, an hour ago.
			base := now.Add(-time.Hour)
			for i, off := range []time.Duration{0, 2 * time.Second, 14 * time.Second} {
				for _, cam := range []camera.Camera{lobby, porch} {
					s := camera.Segment{CameraID: cam.ID, Start: base.Add(off), End: base.Add(off + 2*time.Second), Bytes: 100,
						Path: fmt.Sprintf("/tmp/%s-%d.mp4", cam.Name, i)}
					if _, err := q.InsertSegment(ctx, &s); err != nil {
						return err
					}
				}
			}
			if err := q.SaveHealth(ctx, health.State{CameraID: lobby.ID, Online: false, Since: now.Add(-time.Minute),
				LastSeen: now.Add(-time.Minute), Reason: "closed", Alerted: true}); err != nil {
				return err
			}
			if err := q.SaveHealth(ctx, health.State{CameraID: gate.ID, Online: true, Since: now.Add(-time.Hour),
				LastSeen: now, BitrateKbps: 1500}); err != nil {
				return err
			}
			// Lobby's spans: online 2 days ago, a 10-minute outage, online
			// again, offline for the last minute. An old span of Gate ends
			// before the window.
			for _, ch := range []struct {
				cam        int64
				typ        string
				start, end time.Duration
			}{{lobby.ID, camera.EventOnline, 48 * time.Hour, 90 * time.Minute}, {lobby.ID, camera.EventOffline, 90 * time.Minute, 80 * time.Minute},
				{lobby.ID, camera.EventOnline, 80 * time.Minute, time.Minute}, {lobby.ID, camera.EventOffline, time.Minute, 0},
				{gate.ID, camera.EventOffline, 30 * 24 * time.Hour, 29 * 24 * time.Hour}} {
				if _, _, err := q.OpenCameraEvent(ctx, camera.Event{CameraID: ch.cam, Type: ch.typ, Start: now.Add(-ch.start)}); err != nil {
					return err
				}
				if ch.end != 0 {
					if _, _, err := q.CloseCameraEvent(ctx, ch.cam, ch.typ, now.Add(-ch.end)); err != nil {
						return err
					}
				}
			}
			// A camera that does not exist is no error and leaves no row.
			return q.SaveHealth(ctx, health.State{CameraID: 999999, Since: now})
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := st.R().FleetHealth(ctx, a.Path, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0].Name != "Gate" || rows[1].Name != "Lobby" || rows[2].Name != "Porch" {
			t.Fatalf("fleet rows %+v", rows)
		}
		if p := rows[2]; p.GapTime != 0 {
			t.Fatalf("an events-plan camera's holes between events count as gaps: %+v", p)
		}
		g, l := rows[0], rows[1]
		if !g.Watched || !g.State.Online || g.State.BitrateKbps != 1500 || g.MaxBitrateKbps != 1000 || g.GapTime != 0 {
			t.Fatalf("gate %+v", g)
		}
		if !l.Watched || l.State.Online || !l.State.Alerted || l.State.Reason != "closed" ||
			l.GapTime != 10*time.Second || l.OldestSegment == nil || l.CustomerName != "C" || l.RetentionDays != 2 {
			t.Fatalf("lobby %+v", l)
		}
		changes, err := st.R().SubtreeHealthEvents(ctx, a.Path, now.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// Every span overlapping the window, the one it starts in too.
		if got := changes[lobby.ID]; len(got) != 4 || !got[0].Start.Equal(now.Add(-48*time.Hour)) || len(changes[gate.ID]) != 0 {
			t.Fatalf("events %+v", changes)
		}
		health.Assess(&l, changes[lobby.ID], now)
		health.Assess(&g, changes[gate.ID], now)
		if !l.Has(health.FlagOffline) || !l.Has(health.FlagGaps) || l.Has(health.FlagOverBitrate) || l.Outages24h != 2 || l.Has(health.FlagFlapping) {
			t.Fatalf("lobby flags %v outages %d", l.Flags, l.Outages24h)
		}
		if !g.Has(health.FlagOverBitrate) || g.Has(health.FlagOffline) {
			t.Fatalf("gate flags %v", g.Flags)
		}
		if r := *l.Uptime24h; r < 0.9 || r > 0.999 {
			t.Fatalf("lobby uptime %v", r)
		}
		// B's subtree sees only its own camera.
		if rows, err := st.R().FleetHealth(ctx, b.Path, now); err != nil || len(rows) != 1 || rows[0].CameraID != other.ID || rows[0].Watched {
			t.Fatalf("B's fleet %+v %v", rows, err)
		}
		if err := st.W().DeleteHealth(ctx, []int64{lobby.ID}); err != nil {
			t.Fatal(err)
		}
		if hs, err := st.R().HealthStates(ctx); err != nil || len(hs) != 1 || !hs[gate.ID].Online {
			t.Fatalf("states after delete %+v %v", hs, err)
		}
	})
}

// TestStoreWebhookOutbox: deliveries are due until delivered, failures
// move the next attempt and are logged, deleting a webhook drops its
// deliveries, and webhooks are found along a camera's paths.
func TestStoreWebhookOutbox(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t, st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Operator", nil)
		a := tr.add(root, tenancy.Integrator, "A", nil)
		c := tr.add(a, tenancy.Customer, "C", nil)
		b := tr.add(root, tenancy.Integrator, "B", nil)
		now := time.Now().UTC().Truncate(time.Millisecond)
		hooks := map[int64]int64{}
		for _, acct := range []tenancy.Account{a, c, b} {
			w := webhookFor(acct.ID, now)
			if err := st.W().InsertWebhook(ctx, &w); err != nil {
				t.Fatal(err)
			}
			hooks[acct.ID] = w.ID
		}
		on, err := st.R().WebhooksOn(ctx, a.Path, c.Path)
		if err != nil || len(on) != 2 || on[0].ID != hooks[a.ID] || on[1].ID != hooks[c.ID] || on[0].Events[1] != "camera.online" {
			t.Fatalf("webhooks on A and C's paths: %+v %v", on, err)
		}
		d1, err := st.W().EnqueueDelivery(ctx, hooks[a.ID], "camera.offline", []byte(`{"n":1}`), now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.W().EnqueueDelivery(ctx, hooks[b.ID], "camera.offline", []byte(`{"n":2}`), now); err != nil {
			t.Fatal(err)
		}
		due, err := st.R().DueDeliveries(ctx, now, 10)
		if err != nil || len(due) != 2 || due[0].ID != d1 || due[0].URL != "https://example.com/h" || string(due[0].Body) != `{"n":1}` {
			t.Fatalf("due %+v %v", due, err)
		}
		if err := st.W().MarkDeliveryFailed(ctx, d1, 503, "the receiver answered 503", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if due, _ := st.R().DueDeliveries(ctx, now.Add(time.Second), 10); len(due) != 1 || due[0].ID == d1 {
			t.Fatalf("a failed delivery is due before its next attempt: %+v", due)
		}
		log, total, err := st.R().Deliveries(ctx, store.DeliveryFilter{AccountID: a.ID})
		if err != nil || total != 1 || log[0].Status() != "retrying" || log[0].LastStatus != 503 || log[0].Attempts != 1 {
			t.Fatalf("A's log %+v %d %v", log, total, err)
		}
		if err := st.W().MarkDelivered(ctx, d1, 200, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if due, _ := st.R().DueDeliveries(ctx, now.Add(time.Hour), 10); len(due) != 1 {
			t.Fatalf("delivered still due: %+v", due)
		}
		if err := st.W().DeleteWebhook(ctx, a.ID, hooks[b.ID]); err == nil {
			t.Fatal("A deleted B's webhook")
		}
		if err := st.W().DeleteWebhook(ctx, b.ID, hooks[b.ID]); err != nil {
			t.Fatal(err)
		}
		if due, _ := st.R().DueDeliveries(ctx, now.Add(time.Hour), 10); len(due) != 0 {
			t.Fatalf("deliveries of a deleted webhook still due: %+v", due)
		}
		// Alert settings: own row, inherited debounce folded by callers.
		d := 90 * time.Second
		if err := st.W().SetAlertSettings(ctx, store.AlertSettings{AccountID: a.ID, OfflineAfter: &d, Contacts: []string{"x@a.test", "y@a.test"}}); err != nil {
			t.Fatal(err)
		}
		set, err := st.R().AlertSettingsOn(ctx, c.Path)
		if err != nil || len(set) != 1 || *set[a.ID].OfflineAfter != d || len(set[a.ID].Contacts) != 2 {
			t.Fatalf("settings on C's path %+v %v", set, err)
		}
	})
}

func webhookFor(accountID int64, now time.Time) webhook.Webhook {
	return webhook.Webhook{AccountID: accountID, URL: "https://example.com/h", Events: []string{"camera.offline", "camera.online"},
		SecretEnc: "sealed", CreatedAt: now}
}
