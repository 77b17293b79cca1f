package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// BenchmarkStatistics computes the statistics tab of an integrator with
// 10 000 accounts and 100 000 cameras below it (one storage snapshot per
// camera), and of the operator above it.
//
//	VIGILO_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	  go test ./internal/app -run '^$' -bench BenchmarkStatistics -benchtime 3x
func BenchmarkStatistics(b *testing.B) {
	forBigTree(b, func(name string, e *apitest.Env, root tenancy.Actor, big tenancy.Account, _ int) {
		ctx := context.Background()
		a := e.Main.App
		t0 := time.Now()
		if err := a.SnapshotStorage(ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: storage snapshot of 101 000 cameras: %v", name, time.Since(t0))
		for _, acct := range []struct {
			what string
			id   int64
		}{{"integrator", big.ID}, {"operator", root.AccountID}} {
			b.Run(name+"/"+acct.what, func(b *testing.B) {
				for range b.N {
					s, err := a.Statistics(ctx, root, acct.id, time.Time{}, time.Time{})
					if err != nil || s.Cameras.Total < 100_000 || s.Money.OwesAbove.FixedCameras < 100_000 && acct.what == "integrator" {
						b.Fatalf("%+v %v", s.Cameras, err)
					}
				}
			})
		}
	})
}
