package billingclose_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/billingclose"
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
