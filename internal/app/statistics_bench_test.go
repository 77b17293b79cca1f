package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// BenchmarkStatistics computes the statistics tab of an integrator with
// 10 000 accounts and 100 000 cameras below it (one storage snapshot per
// camera), and of the operator above it.
//
//	VIGILO_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	  go test ./internal/app -run '^$' -bench BenchmarkStatistics -benchtime 20x
func BenchmarkStatistics(b *testing.B) {
	forBigTree(b, func(name string, e *apitest.Env, root tenancy.Actor, big tenancy.Account, _ int) {
		ctx := context.Background()
		a := e.Main.App
		t0 := time.Now()
		if err := a.SnapshotStorage(ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: storage snapshot of 101 000 cameras: %v", name, time.Since(t0))
		// A recorder reports 10 000 of the integrator's cameras online, 8 000
		// of them recording: the tab must show exactly those.
		cams, err := e.Main.Store.R().SubtreeCameras(ctx, big.Path)
		if err != nil {
			b.Fatal(err)
		}
		live := make([]store.CameraLive, 10_000)
		for i := range live {
			live[i] = store.CameraLive{CameraID: cams[i*7].ID, Online: true, Recording: i < 8_000}
		}
		t0 = time.Now()
		if err := e.Main.Store.InTx(ctx, func(q store.Q) error { return q.SetCamerasLive(ctx, "bench", live) }); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: 10 000 cameras reported online in one transaction: %v", name, time.Since(t0))
		for _, acct := range []struct {
			what string
			id   int64
		}{{"integrator", big.ID}, {"operator", root.AccountID}} {
			b.Run(name+"/"+acct.what, func(b *testing.B) {
				times := make([]time.Duration, 0, b.N)
				for range b.N {
					t0 := time.Now()
					s, err := a.Statistics(ctx, root, acct.id, time.Time{}, time.Time{})
					times = append(times, time.Since(t0))
					if err != nil || s.Cameras.Total < 100_000 || s.Money.OwesAbove.FixedCameras < 100_000 && acct.what == "integrator" ||
						s.Cameras.Online != 10_000 || s.Cameras.Recording != 8_000 {
						b.Fatalf("%+v %v", s.Cameras, err)
					}
				}
				reportPercentiles(b, times, time.Millisecond, "ms")
			})
		}
	})
}
