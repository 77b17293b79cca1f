package statsroll_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/statsroll"
	"github.com/vigilo/vigilo/internal/store"
)

// TestPassesFollowChanges boots a server whose passes run every 20 ms (the
// server's own wiring, VIGILO_STATISTICS_REFRESH): a camera and its traffic
// written after boot reach the integrator's statistics tab by a later pass,
// whose time the tab reports (without passes, the draft stored by the view
// before the write would stay).
func TestPassesFollowChanges(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true, Env: map[string]string{"VIGILO_STATISTICS_REFRESH": "20ms"}})
			ctx := context.Background()
			a := e.Main.App
			root, err := a.Authenticate(ctx, e.Root)
			if err != nil {
				t.Fatal(err)
			}
			in := e.CreateAccount(e.Root, root.AccountID, "integrator", "A")
			cust := e.CreateAccount(e.Root, in.ID, "customer", "C")
			// Viewed once before: that view's draft, or a pass's, is stored.
			if s, err := a.Statistics(ctx, root, in.ID, time.Time{}, time.Time{}); err != nil || s.TrafficBytes != 0 {
				t.Fatalf("before: %d bytes, %v", s.TrafficBytes, err)
			}
			wrote := a.Now()
			cams, err := e.Main.Store.W().SeedCameras(ctx, []store.SeedCamera{{IntegratorID: in.ID, CustomerID: cust.ID, Name: "cam", Enabled: true}})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Main.Store.W().AddTraffic(ctx, cams[0], wrote, 12345); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				s, err := a.Statistics(ctx, root, in.ID, time.Time{}, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				if s.TrafficBytes == 12345 {
					if s.AsOf.Before(wrote) {
						t.Fatalf("the traffic shows as of %v, before it was written at %v", s.AsOf, wrote)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("10 s after the write the tab shows %d bytes as of %v", s.TrafficBytes, s.AsOf)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// TestPause: the wait after a pass is 20 times what it took, never less
// than the configured least.
func TestPause(t *testing.T) {
	for _, c := range []struct{ least, took, want time.Duration }{
		{time.Minute, 10 * time.Millisecond, time.Minute},
		{time.Minute, 3 * time.Second, time.Minute},
		{time.Minute, 5 * time.Second, 100 * time.Second},
		{0, time.Second, 20 * time.Second},
	} {
		if got := statsroll.Pause(c.least, c.took); got != c.want {
			t.Errorf("Pause(%v, %v) = %v, want %v", c.least, c.took, got, c.want)
		}
	}
}
