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
// camera), and of the operator above it: "live" computes the running month
// on the view (statistics passes off, as before them), "stored" is the tab as
// users get it with passes on, after one: the statistics and the month's
// draft statement, both read from the stored draft.
//
//	VIGILO_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	  go test ./internal/app -run '^$' -bench BenchmarkStatistics -benchtime 20x
func BenchmarkStatistics(b *testing.B) {
	forBigTree(b, func(name string, e *apitest.Env, root tenancy.Actor, big tenancy.Account, _ int) {
		ctx := context.Background()
		a := e.Main.App
		prepareStatisticsBench(b, name, e, big)
		pass, err := a.RefreshStatistics(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: first statistics pass, %d accounts: %v", name, pass.Accounts, time.Since(pass.AsOf))
		for _, acct := range []struct {
			what string
			id   int64
		}{{"integrator", big.ID}, {"operator", root.AccountID}} {
			for _, how := range []string{"live", "stored"} {
				b.Run(name+"/"+acct.what+"/"+how, func(b *testing.B) {
					a.Config.StatisticsRefresh = map[string]time.Duration{"live": 0, "stored": time.Minute}[how]
					defer func() { a.Config.StatisticsRefresh = 0 }()
					times := make([]time.Duration, 0, b.N)
					for range b.N {
						t0 := time.Now()
						s, err := a.Statistics(ctx, root, acct.id, time.Time{}, time.Time{})
						if err == nil {
							_, err = a.MonthStatement(ctx, root, acct.id, "")
						}
						times = append(times, time.Since(t0))
						if err != nil || s.Cameras.Total < 100_000 || s.Money.OwesAbove.FixedCameras < 100_000 && acct.what == "integrator" ||
							s.Cameras.Online != 10_000 || s.Cameras.Recording != 8_000 || how == "stored" && !s.AsOf.Equal(pass.AsOf) {
							b.Fatalf("%+v as of %v: %v", s.Cameras, s.AsOf, err)
						}
					}
					reportPercentiles(b, times, time.Millisecond, "ms")
				})
			}
		}
	})
}

// BenchmarkStatisticsPass is one statistics pass over the tree of
// BenchmarkStatistics (10 004 accounts, 101 000 cameras): the time and
// memory the background job spends to refresh every account's running
// month.
//
//	VIGILO_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	  go test ./internal/app -run '^$' -bench BenchmarkStatisticsPass -benchtime 3x -benchmem
func BenchmarkStatisticsPass(b *testing.B) {
	forBigTree(b, func(name string, e *apitest.Env, _ tenancy.Actor, big tenancy.Account, _ int) {
		prepareStatisticsBench(b, name, e, big)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				p, err := e.Main.App.RefreshStatistics(context.Background())
				if err != nil || p.Accounts < 10_000 {
					b.Fatalf("%+v %v", p, err)
				}
			}
		})
	})
}

// prepareStatisticsBench stores a storage snapshot of every camera and has
// a recorder report 10 000 of the integrator's cameras online, 8 000 of them
// recording: the tab must show exactly those.
func prepareStatisticsBench(b *testing.B, name string, e *apitest.Env, big tenancy.Account) {
	ctx := context.Background()
	t0 := time.Now()
	if err := e.Main.App.SnapshotStorage(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: storage snapshot of 101 000 cameras: %v", name, time.Since(t0))
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
}
