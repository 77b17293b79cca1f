package app_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/testenv"
)

// BenchmarkDisable disables an integrator with 10 000 accounts and 100 000
// cameras below it (plus 1 000 cameras elsewhere that keep recording) and
// measures the time to commit, and the time after the commit until
// DesiredRecordings no longer lists any camera below it.
//
//	VIGILO_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	  go test ./internal/app -run '^$' -bench BenchmarkDisable -benchtime 5x
func BenchmarkDisable(b *testing.B) {
	forBigTree(b, func(name string, e *apitest.Env, root tenancy.Actor, big tenancy.Account, outside int) {
		ctx := context.Background()
		a, st := e.Main.App, e.Main.Store
		t0 := time.Now()
		full, err := st.R().DesiredRecordings(ctx)
		if err != nil || len(full) != 100_000+outside {
			b.Fatalf("desired before: %d cameras, %v", len(full), err)
		}
		b.Logf("%s: DesiredRecordings with all %d cameras desired: %v", name, len(full), time.Since(t0))

		// For the recorder's timer: the whole set when everything records.
		b.Run(name+"/full-set", func(b *testing.B) {
			for range b.N {
				if d, err := st.R().DesiredRecordings(ctx); err != nil || len(d) != 100_000+outside {
					b.Fatalf("desired: %d cameras, %v", len(d), err)
				}
			}
		})
		b.Run(name, func(b *testing.B) {
			var commit, reflect time.Duration
			for range b.N {
				t0 := time.Now()
				if _, err := a.DisableAccount(ctx, root, big.ID); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				d, err := st.R().DesiredRecordings(ctx)
				if err != nil || len(d) != outside {
					b.Fatalf("desired after disable: %d cameras, want %d: %v", len(d), outside, err)
				}
				commit += t1.Sub(t0)
				reflect += time.Since(t1)
				b.StopTimer()
				if _, err := a.EnableAccount(ctx, root, big.ID); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(commit.Microseconds())/1000/float64(b.N), "commit-ms/op")
			b.ReportMetric(float64(reflect.Microseconds())/1000/float64(b.N), "desired-ms/op")
		})
	})
}

// seedBigTree makes root → Big (integrator) → 100 integrators → 99
// customers each (10 000 accounts below Big) with 100 000 cameras on a
// recording plan, and root → Other → one customer with 1 000 cameras.
// forBigTree boots Vigilo on each database (PostgreSQL when configured),
// seeds the big tree of seedBigTree and hands it to fn.
func forBigTree(b *testing.B, fn func(name string, e *apitest.Env, root tenancy.Actor, big tenancy.Account, outside int)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
			if os.Getenv(testenv.PostgresEnv) == "" {
				continue
			}
		}
		e := apitest.Boot(b, apitest.Options{Postgres: pg, Quiet: true})
		ctx := context.Background()
		root, err := e.Main.App.Authenticate(ctx, e.Root)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		big, outside := seedBigTree(b, ctx, e.Main.App, e.Main.Store, root)
		b.Logf("%s: seeded 10 000 accounts and %d cameras in %v", name, 100_000+outside, time.Since(t0))
		fn(name, e, root, big, outside)
	}
}

// bigTreePlan is the plan seedBigTree put every camera on (benchmarks that
// price it offer it to the tree).
var bigTreePlan int64

func seedBigTree(b *testing.B, ctx context.Context, a *app.App, st *store.Store, root tenancy.Actor) (tenancy.Account, int) {
	mk := func(q store.Q, parent tenancy.Account, typ tenancy.Type, name string) tenancy.Account {
		acct := tenancy.Account{ParentID: parent.ID, Depth: parent.Depth + 1, Type: typ, Name: name, Status: tenancy.Active}
		if err := q.InsertAccount(ctx, &acct, parent.Path); err != nil {
			b.Fatal(err)
		}
		return acct
	}
	rootAcct, err := st.R().Account(ctx, root.AccountID)
	if err != nil {
		b.Fatal(err)
	}
	var big, other, otherCust tenancy.Account
	var customers []tenancy.Account
	err = st.InTx(ctx, func(q store.Q) error {
		big = mk(q, rootAcct, tenancy.Integrator, "Big")
		for i := range 100 {
			sub := mk(q, big, tenancy.Integrator, fmt.Sprintf("Sub %d", i))
			for j := range 99 {
				customers = append(customers, mk(q, sub, tenancy.Customer, fmt.Sprintf("Cust %d-%d", i, j)))
			}
		}
		other = mk(q, rootAcct, tenancy.Integrator, "Other")
		otherCust = mk(q, other, tenancy.Customer, "Other customer")
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	plan, err := st.W().SeedPlan(ctx, root.AccountID, "30 days", 30, 4000)
	if err != nil {
		b.Fatal(err)
	}
	bigTreePlan = plan
	const outside = 1_000
	cams := make([]store.SeedCamera, 0, 100_000+outside)
	for i := range 100_000 {
		c := customers[i%len(customers)]
		cams = append(cams, store.SeedCamera{IntegratorID: c.ParentID, CustomerID: c.ID, PlanID: plan, Name: fmt.Sprintf("cam %d", i),
			RTSPURL: fmt.Sprintf("rtsp://10.1.%d.%d/stream", i/250, i%250), Enabled: true})
	}
	for i := range outside {
		cams = append(cams, store.SeedCamera{IntegratorID: other.ID, CustomerID: otherCust.ID, PlanID: plan, Name: fmt.Sprintf("other %d", i),
			RTSPURL: fmt.Sprintf("rtsp://10.2.%d.%d/stream", i/250, i%250), Enabled: true})
	}
	err = st.InTx(ctx, func(q store.Q) error {
		_, err := q.SeedCameras(ctx, cams)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return big, outside
}
