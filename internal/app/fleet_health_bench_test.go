package app_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/health"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/testenv"
)

// BenchmarkFleetHealth reads the fleet health report of an integrator with
// VIGILO_BENCH_CAMERAS cameras (default 1 000) over 100 customers, each
// camera with a day of one-minute segments with one minute missing, a
// health state, and two outages as camera events; plus as many cameras in
// another subtree that the report must leave out.
//
//	VIGILO_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	  go test ./internal/app -run '^$' -bench BenchmarkFleetHealth -benchtime 5x
func BenchmarkFleetHealth(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("VIGILO_BENCH_CAMERAS")); err == nil && v > 0 {
		n = v
	}
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		if pg && os.Getenv(testenv.PostgresEnv) == "" {
			continue
		}
		e := apitest.Boot(b, apitest.Options{Postgres: pg, Quiet: true})
		ctx := context.Background()
		root, err := e.Main.App.Authenticate(ctx, e.Root)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		big := seedFleet(b, ctx, e.Main.Store, root, n)
		b.Logf("%s: seeded %d cameras × 1 439 segments (and %d elsewhere) in %v", name, n, n, time.Since(t0).Round(time.Second))
		b.Run(fmt.Sprintf("%s/%d-cameras", name, n), func(b *testing.B) {
			for range b.N {
				res, err := e.Main.App.AccountFleetHealth(ctx, root, big.ID, app.FleetFilter{Flag: health.FlagGaps})
				if err != nil || res.Total != n || res.Counts[health.FlagOffline] != n/10 || res.Items[0].GapTime != time.Minute {
					b.Fatalf("%d rows, counts %v, %v", res.Total, res.Counts, err)
				}
			}
		})
	}
}

func seedFleet(b *testing.B, ctx context.Context, st *store.Store, root tenancy.Actor, n int) tenancy.Account {
	rootAcct, err := st.R().Account(ctx, root.AccountID)
	if err != nil {
		b.Fatal(err)
	}
	var big tenancy.Account
	now := time.Now()
	err = st.InTx(ctx, func(q store.Q) error {
		mk := func(parent tenancy.Account, typ tenancy.Type, name string) (tenancy.Account, error) {
			a := tenancy.Account{ParentID: parent.ID, Depth: parent.Depth + 1, Type: typ, Name: name, Status: tenancy.Active}
			return a, q.InsertAccount(ctx, &a, parent.Path)
		}
		plan, err := q.SeedPlan(ctx, root.AccountID, "30 days", 30, 4000)
		if err != nil {
			return err
		}
		for tree := range 2 {
			integ, err := mk(rootAcct, tenancy.Integrator, fmt.Sprintf("Fleet %d", tree))
			if err != nil {
				return err
			}
			if tree == 0 {
				big = integ
			}
			var custs []tenancy.Account
			for i := range 100 {
				c, err := mk(integ, tenancy.Customer, fmt.Sprintf("Cust %d-%d", tree, i))
				if err != nil {
					return err
				}
				custs = append(custs, c)
			}
			cams := make([]store.SeedCamera, n)
			for i := range cams {
				c := custs[i%len(custs)]
				cams[i] = store.SeedCamera{IntegratorID: integ.ID, CustomerID: c.ID, PlanID: plan, Name: fmt.Sprintf("cam %d", i),
					RTSPURL: "rtsp://10.0.0.1/x", Enabled: true}
			}
			ids, err := q.SeedCameras(ctx, cams)
			if err != nil {
				return err
			}
			for i, id := range ids {
				if tree == 1 {
					continue // the other subtree: cameras the report must leave out
				}
				segs := make([]camera.Segment, 0, 1440)
				for m := range 1440 {
					if m == 700 {
						continue // one minute missing
					}
					s := now.Add(-time.Duration(1440-m) * time.Minute)
					segs = append(segs, camera.Segment{CameraID: id, Start: s, End: s.Add(time.Minute), Bytes: 1 << 20,
						Path: fmt.Sprintf("/bench/%d/%d.mp4", id, m)})
				}
				if err := q.SeedSegments(ctx, segs); err != nil {
					return err
				}
				online := i%10 != 0
				if err := q.SaveHealth(ctx, health.State{CameraID: id, Online: online, Since: now.Add(-time.Hour), LastSeen: now,
					BitrateKbps: 2000}); err != nil {
					return err
				}
				for k, typ := range []string{camera.EventOnline, camera.EventOffline, camera.EventOnline, camera.EventOffline} {
					if _, _, err := q.OpenCameraEvent(ctx, camera.Event{CameraID: id, Type: typ, Start: now.Add(-time.Duration(20-5*k) * time.Hour)}); err != nil {
						return err
					}
					if k < 3 || online {
						if _, _, err := q.CloseCameraEvent(ctx, id, typ, now.Add(-time.Duration(15-5*k)*time.Hour)); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return big
}
