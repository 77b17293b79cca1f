package alerting

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/testenv"
	"github.com/vigilo/vigilo/internal/webhook"
)

// fakeRecorder stands in for the recorder's status (the input of the
// monitor); the store, the outboxes and the state are real.
type fakeRecorder struct {
	mu sync.Mutex
	st media.CameraStatus
}

func (f *fakeRecorder) set(s media.CameraStatus) { f.mu.Lock(); f.st = s; f.mu.Unlock() }
func (f *fakeRecorder) status(int64) (media.CameraStatus, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st, true
}

// TestMonitorOneAlertPerOutageAcrossRestarts: an outage is announced once
// after the debounce, a restart of the monitor neither forgets it nor
// announces it again, a reconnecting camera is not an outage, and the
// recovery goes out once. Both databases.
func TestMonitorOneAlertPerOutageAcrossRestarts(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			dsn := ""
			if pg {
				dsn = testenv.PostgresDSN(t)
			}
			ctx := context.Background()
			st, err := store.Open(ctx, dsn, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			cam, hookID := seed(t, st)

			rec := &fakeRecorder{}
			clock := time.Now().UTC().Truncate(time.Millisecond)
			now := func() time.Time { return clock }
			start := func() *Monitor {
				m, err := New(Config{Store: st, Status: rec.status, OfflineAfter: 2 * time.Second, Every: time.Hour,
					BaseURL: "https://vms.test", Now: now})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = m.Close() })
				return m
			}
			step := func(m *Monitor, d time.Duration) {
				clock = clock.Add(d)
				if err := m.Sample(ctx); err != nil {
					t.Fatal(err)
				}
			}
			count := func(subject string) int {
				due, err := st.R().DueMail(ctx, clock.Add(time.Hour), 100)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, m := range due {
					if m.Subject == subject {
						n++
					}
				}
				return n
			}
			deliveries := func() []string {
				due, err := st.R().DueDeliveries(ctx, clock.Add(time.Hour), 100)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, d := range due {
					if d.WebhookID != hookID {
						t.Fatalf("delivery to webhook %d", d.WebhookID)
					}
					out = append(out, d.Event)
				}
				return out
			}

			m := start()
			rec.set(media.CameraStatus{Online: true, BitrateKbps: 800})
			step(m, 0)
			rec.set(media.CameraStatus{Reason: media.ReasonClosed})
			step(m, time.Second)
			step(m, time.Second) // 1 s offline: below the debounce
			if n := count("Camera Lobby is offline"); n != 0 {
				t.Fatalf("%d alerts before the debounce", n)
			}
			step(m, 1500*time.Millisecond)
			// Owner and contact, one each; one webhook delivery.
			if n := count("Camera Lobby is offline"); n != 2 {
				t.Fatalf("%d offline mails, want 2 (owner and contact)", n)
			}
			if got := deliveries(); strings.Join(got, ",") != webhook.CameraOffline {
				t.Fatalf("deliveries %v", got)
			}
			// Restart while offline: nothing new.
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			m = start()
			rec.set(media.CameraStatus{}) // the new recorder is still connecting
			step(m, 10*time.Second)
			rec.set(media.CameraStatus{Reason: media.ReasonConnectionRefused})
			step(m, 10*time.Second)
			if n := count("Camera Lobby is offline"); n != 2 || len(deliveries()) != 1 {
				t.Fatalf("a restart repeated the alert: %d mails, %v", n, deliveries())
			}
			rec.set(media.CameraStatus{Online: true})
			step(m, time.Second)
			step(m, time.Second)
			if n := count("Camera Lobby is back online"); n != 2 {
				t.Fatalf("%d recovery mails, want 2", n)
			}
			if got := deliveries(); strings.Join(got, ",") != "camera.offline,camera.online" {
				t.Fatalf("deliveries %v", got)
			}
			// The history is in camera events: online, offline, online (open).
			evs, err := st.R().CameraEventsInRange(ctx, cam, clock.Add(-time.Hour), clock.Add(time.Second), 100)
			if err != nil || len(evs) != 3 || evs[0].Type != camera.EventOnline || evs[1].Type != camera.EventOffline ||
				evs[1].Detail != media.ReasonClosed || evs[1].End == nil || evs[2].Type != camera.EventOnline || evs[2].End != nil {
				t.Fatalf("health events %+v %v", evs, err)
			}
			// A blip shorter than the debounce sends nothing.
			rec.set(media.CameraStatus{Reason: media.ReasonTimeout})
			step(m, time.Second)
			rec.set(media.CameraStatus{Online: true})
			step(m, time.Second)
			if count("Camera Lobby is offline") != 2 || count("Camera Lobby is back online") != 2 || len(deliveries()) != 2 {
				t.Fatal("a blip shorter than the debounce sent an alert")
			}
		})
	}
}

// seed makes operator → integrator A (owner + one contact, a webhook) →
// customer C with camera "Lobby" on a recording plan.
func seed(t *testing.T, st *store.Store) (cameraID, hookID int64) {
	t.Helper()
	ctx := context.Background()
	err := st.InTx(ctx, func(q store.Q) error {
		add := func(parent tenancy.Account, typ tenancy.Type, name string) (tenancy.Account, error) {
			a := tenancy.Account{ParentID: parent.ID, Depth: parent.Depth + 1, Type: typ, Name: name, Status: tenancy.Active,
				StoragePrice: money.MustParse("0.0300"), TrafficPrice: money.MustParse("0.0100")}
			if parent.ID == 0 {
				a.Depth = 0
			}
			return a, q.InsertAccount(ctx, &a, parent.Path)
		}
		root, err := add(tenancy.Account{}, tenancy.Integrator, "Operator")
		if err != nil {
			return err
		}
		a, err := add(root, tenancy.Integrator, "A")
		if err != nil {
			return err
		}
		c, err := add(a, tenancy.Customer, "C")
		if err != nil {
			return err
		}
		if err := q.InsertUser(ctx, &identity.User{AccountID: a.ID, Email: "owner@a.test", Owner: true, Status: identity.UserActive}); err != nil {
			return err
		}
		if err := q.SetAlertSettings(ctx, store.AlertSettings{AccountID: a.ID, Contacts: []string{"noc@a.test"}}); err != nil {
			return err
		}
		p := billing.Plan{OwnerAccountID: root.ID, Name: "p", Kind: billing.Fixed, RetentionDays: 7, RecordingMode: billing.Continuous}
		if err := q.InsertPlan(ctx, &p); err != nil {
			return err
		}
		cam := camera.Camera{IntegratorID: a.ID, CustomerID: c.ID, PlanID: p.ID, Type: camera.Generic, Name: "Lobby", Enabled: true,
			RTSPURL: "rtsp://cam.test/1"}
		if err := q.InsertCamera(ctx, &cam); err != nil {
			return err
		}
		w := webhook.Webhook{AccountID: c.ID, URL: "https://hooks.test/x", Events: []string{webhook.CameraOffline, webhook.CameraOnline},
			SecretEnc: "sealed", CreatedAt: time.Now()}
		if err := q.InsertWebhook(ctx, &w); err != nil {
			return err
		}
		// A webhook of another subtree, and one not subscribed, get nothing.
		b, err := add(root, tenancy.Integrator, "B")
		if err != nil {
			return err
		}
		for _, other := range []webhook.Webhook{{AccountID: b.ID, URL: "https://hooks.test/b", Events: []string{webhook.CameraOffline}},
			{AccountID: a.ID, URL: "https://hooks.test/m", Events: []string{webhook.Motion}}} {
			other.SecretEnc, other.CreatedAt = "sealed", time.Now()
			if err := q.InsertWebhook(ctx, &other); err != nil {
				return err
			}
		}
		cameraID, hookID = cam.ID, w.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cameraID, hookID
}
