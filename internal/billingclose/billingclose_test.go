package billingclose_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/billingclose"
	"github.com/vigilo/vigilo/internal/store"
)

// TestScheduledClose moves the app's clock over a month's end: the job
// leaves March open until After has passed, then closes it, once.
func TestScheduledClose(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
			a := e.Main.App
			root, err := a.Authenticate(context.Background(), e.Root)
			if err != nil {
				t.Fatal(err)
			}
			e.CreateAccount(e.Root, 1, "integrator", "A")
			var clock atomic.Int64
			set := func(t time.Time) { clock.Store(t.UnixMilli()) }
			set(time.Date(2026, 4, 1, 5, 59, 0, 0, time.UTC))
			a.Now = func() time.Time { return time.UnixMilli(clock.Load()).UTC() }
			j := billingclose.New(a, billingclose.Config{After: 6 * time.Hour, Poll: 5 * time.Millisecond}, a.Log)
			defer j.Close()
			march := billing.Month{Year: 2026, Month: time.March}
			closed := func() bool {
				ok, err := a.MonthClosed(context.Background(), march)
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			time.Sleep(100 * time.Millisecond) // many polls before the due time
			if closed() {
				t.Fatal("March closed before 06:00")
			}
			set(time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC))
			deadline := time.Now().Add(10 * time.Second)
			for !closed() {
				if time.Now().After(deadline) {
					t.Fatal("March not closed 10 s after it was due")
				}
				time.Sleep(10 * time.Millisecond)
			}
			st, err := a.MonthStatement(context.Background(), root, 1, "2026-03")
			if err != nil || !st.Closed || !st.ClosedAt.Equal(time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC)) || len(st.Children) != 1 {
				t.Fatalf("March after the scheduled close: %+v %v", st, err)
			}
			// February was never closed and stays a draft: the job closes
			// only the month just ended.
			if feb, err := a.MonthStatement(context.Background(), root, 1, "2026-02"); err != nil || feb.Closed {
				t.Fatalf("February: %+v %v", feb, err)
			}
		})
	}
}

// TestUsagePrune: the job prunes, once a day, usage detail older than 400
// days whose month is closed — a closed month's statement keeps what it
// billed — and keeps old days of a month still open, and recent days.
func TestUsagePrune(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
			ctx := context.Background()
			a := e.Main.App
			root, err := a.Authenticate(ctx, e.Root)
			if err != nil {
				t.Fatal(err)
			}
			var plan int64
			for _, it := range e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items() {
				if it["name"] == "Pay as you go" {
					plan = int64(it["id"].(float64))
				}
			}
			in := e.CreateAccount(e.Root, 1, "integrator", "A")
			cust := e.CreateAccount(in.Token, in.ID, "customer", "C")
			w := e.Main.Store.W()
			ids, err := w.SeedCameras(ctx, []store.SeedCamera{{IntegratorID: in.ID, CustomerID: cust.ID, PlanID: plan, Name: "cam", Enabled: true}})
			if err != nil {
				t.Fatal(err)
			}
			days := []string{"2024-10-15", "2024-10-31", "2024-12-10", "2025-12-01"}
			for _, d := range days {
				at, _ := time.Parse(time.DateOnly, d)
				if err := w.SetStorageUsage(ctx, ids[0], at, 1e9); err != nil {
					t.Fatal(err)
				}
				if err := w.AddTraffic(ctx, ids[0], at.Add(time.Hour), 1e9); err != nil {
					t.Fatal(err)
				}
			}
			a.Now = func() time.Time { return time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC) }
			if _, err := a.CloseMonth(ctx, root, "2024-10"); err != nil {
				t.Fatal(err)
			}
			before, err := a.MonthStatement(ctx, root, in.ID, "2024-10")
			if err != nil {
				t.Fatal(err)
			}
			j := billingclose.New(a, billingclose.Config{After: time.Hour, Poll: 5 * time.Millisecond}, a.Log)
			defer j.Close()
			deadline := time.Now().Add(10 * time.Second)
			for {
				s, tr, err := e.Main.Store.R().UsageRows(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if s == 2 && tr == 2 {
					break // October 2024 went; December 2024 (open) and December 2025 (young) stay
				}
				if time.Now().After(deadline) {
					t.Fatalf("usage rows after the prune: %d storage, %d traffic; want 2 and 2", s, tr)
				}
				time.Sleep(10 * time.Millisecond)
			}
			after, err := a.MonthStatement(ctx, root, in.ID, "2024-10")
			if err != nil || after.OwedBelow != before.OwedBelow || !after.Closed {
				t.Errorf("October 2024 after the prune: %+v (before %+v) %v", after, before, err)
			}
			// December 2024 is open: its draft still sees its usage.
			dec, err := a.MonthStatement(ctx, root, cust.ID, "2024-12")
			if err != nil || dec.Closed || dec.Lines[1].Quantity.String() == "0.0000" {
				t.Errorf("December 2024 draft: %+v %v", dec, err)
			}
		})
	}
}
