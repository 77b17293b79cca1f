package cluster

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/fleet"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/testenv"
)

// BenchmarkLeaseTick times one recorder's steady-state reconcile tick of
// its lease keeper (what runs every TTL/5 on every recorder) with
// BENCH_LEASE_CAMERAS cameras (default 10 000) placed over
// BENCH_LEASE_RECORDERS recorders (default 20) that all heartbeat and
// hold their shares: renewal, the reads that tell it whether anything
// changed, and placement. On SQLite, and on PostgreSQL when
// VIGILO_TEST_POSTGRES is set (docs/SCALING.md, docs/BENCHMARKS.md).
func BenchmarkLeaseTick(b *testing.B) {
	cams, recs := envInt("BENCH_LEASE_CAMERAS", 10000), envInt("BENCH_LEASE_RECORDERS", 20)
	b.Run(fmt.Sprintf("sqlite/cameras=%d/recorders=%d", cams, recs), func(b *testing.B) {
		benchLeaseTick(b, "", cams, recs)
	})
	b.Run(fmt.Sprintf("postgres/cameras=%d/recorders=%d", cams, recs), func(b *testing.B) {
		benchLeaseTick(b, testenv.PostgresDSN(b), cams, recs)
	})
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchLeaseTick(b *testing.B, dsn string, nCams, nRecs int) {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	root := tenancy.Account{Type: tenancy.Integrator, Name: "Root", Status: tenancy.Active, StoragePrice: money.MustParse("0"),
		TrafficPrice: money.MustParse("0")}
	if err := st.InTx(ctx, func(q store.Q) error { return q.InsertAccount(ctx, &root, "") }); err != nil {
		b.Fatal(err)
	}
	seeds := make([]store.SeedCamera, nCams)
	for i := range seeds {
		seeds[i] = store.SeedCamera{IntegratorID: root.ID, Name: "cam", Enabled: true}
	}
	cams, err := st.W().SeedCameras(ctx, seeds)
	if err != nil {
		b.Fatal(err)
	}
	// A fixed clock: every recorder stays alive however long the
	// benchmark runs, so each tick is a steady one (nothing moves).
	const ttl = 5 * time.Second
	clk := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	keepers := make([]*Leases, nRecs)
	for i := range keepers {
		id := fmt.Sprintf("rec-%02d", i)
		n := fleet.Node{ID: id, Instance: id, Roles: []string{fleet.RoleRecorder}, Capacity: 100, StartedAt: clk.t, LastSeen: clk.t}
		if ok, err := st.W().Heartbeat(ctx, n, ttl); !ok || err != nil {
			b.Fatalf("heartbeat %s: %v %v", id, ok, err)
		}
		keepers[i] = NewLeases(st.W(), id, ttl, log)
		keepers[i].now = clk.now
	}
	// Each keeper takes its share, one lease at a time; a tick cut short by
	// its deadline on a loaded machine goes on at the next.
	held := 0
	for _, k := range keepers {
		var got map[int64]int64
		for try := 0; ; try++ {
			if got, err = k.Admit(ctx, cams); err == nil {
				break
			} else if try == 20 {
				b.Fatal(err)
			}
		}
		held += len(got)
	}
	if held != nCams {
		b.Fatalf("the recorders hold %d leases of %d cameras", held, nCams)
	}
	k := keepers[0]
	mine, _ := k.Admit(ctx, cams)
	b.ReportMetric(float64(len(mine)), "cameras_held")
	b.ResetTimer()
	for b.Loop() {
		got, err := k.Admit(ctx, cams)
		if err != nil || len(got) != len(mine) {
			b.Fatalf("tick: %d cameras, %v", len(got), err)
		}
	}
}
