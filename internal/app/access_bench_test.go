package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/testenv"
)

// The account-tree benchmarks run on a tree of VIGILO_BENCH_ACCOUNTS
// accounts (default 100 000) five levels below the root: four levels of
// integrators with equal fan-out, and customers under the fourth level.
//
//	VIGILO_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	  go test ./internal/app -run '^$' -bench 'AccessDecision|CustomersPage' -benchtime 2000x
//
// The SQLite tree is cached in $TMPDIR across runs (building it is most of
// the set-up); PostgreSQL gets a fresh database each run.

func benchAccounts(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("VIGILO_BENCH_ACCOUNTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 100 {
			b.Fatalf("VIGILO_BENCH_ACCOUNTS=%q: want a number ≥ 100", s)
		}
		n = v
	}
	return n
}

// benchTree is the seeded tree and the two users the benchmarks act as.
type benchTree struct {
	st        *store.Store
	app       *app.App
	rootToken string // the operator's owner
	deepToken string // the owner of a fourth-level integrator
	deepChild int64  // a customer of that integrator
	customers int    // customers in the whole tree
}

// genTree lays out n accounts below root id 1, breadth first, so that ids,
// paths and depths are known without asking the database.
func genTree(n int) (accts []tenancy.Account, customers int) {
	fan := max(2, int(math.Pow(float64(n)/10, 0.25)))
	rng := rand.New(rand.NewPCG(42, 42))
	now := time.Now()
	words := []string{"Alpha", "Bravo", "Castle", "Delta", "Echo", "Falcon", "Granite", "Harbor", "Iris", "Juniper", "Kilo", "Lumen"}
	accts = append(accts, tenancy.Account{ID: 1, Path: "/1/", Type: tenancy.Integrator, Name: "Operator", CreatedAt: now})
	level := []tenancy.Account{accts[0]}
	next := int64(2)
	add := func(parent tenancy.Account, typ tenancy.Type) tenancy.Account {
		a := tenancy.Account{ID: next, ParentID: parent.ID, Path: tenancy.ChildPath(parent.Path, next), Depth: parent.Depth + 1,
			Type: typ, Name: fmt.Sprintf("%s %s %06d", words[rng.IntN(len(words))], typ, rng.IntN(1_000_000)),
			Contact:      tenancy.Contact{Email: fmt.Sprintf("owner%d@bench.test", next), Company: words[rng.IntN(len(words))] + " Ltd"},
			StoragePrice: money.MustParse("0.0300"), TrafficPrice: money.MustParse("0.0100"), CreatedAt: now}
		next++
		accts = append(accts, a)
		return a
	}
	for depth := 1; depth <= 4; depth++ {
		var below []tenancy.Account
		for _, p := range level {
			for range fan {
				below = append(below, add(p, tenancy.Integrator))
			}
		}
		level = below
	}
	for i := 0; len(accts) < n+1; i++ {
		add(level[i%len(level)], tenancy.Customer)
		customers++
	}
	return accts, customers
}

func openBenchTree(b *testing.B, pg bool) *benchTree {
	b.Helper()
	ctx := context.Background()
	n := benchAccounts(b)
	accts, customers := genTree(n)
	var st *store.Store
	var err error
	if pg {
		st, err = store.Open(ctx, testenv.PostgresDSN(b), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		seedBenchTree(b, st, accts)
	} else {
		file := filepath.Join(os.TempDir(), fmt.Sprintf("vigilo-bench-accounts-%d-v2.db", n))
		if _, err := os.Stat(file); err != nil {
			tmp := file + ".building"
			os.Remove(tmp)
			if st, err = store.Open(ctx, "sqlite://"+tmp, ""); err != nil {
				b.Fatal(err)
			}
			seedBenchTree(b, st, accts)
			st.Close()
			if err := os.Rename(tmp, file); err != nil {
				b.Fatal(err)
			}
		}
		if st, err = store.Open(ctx, "sqlite://"+file, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { st.Close() })
	if _, total, err := st.R().ListAccounts(ctx, store.AccountFilter{Scope: "/1/"}); err != nil || total != n+1 {
		b.Fatalf("tree has %d accounts, want %d (delete the cached file?): %v", total, n+1, err)
	}
	a := app.New(st, events.NewBus(), slog.New(slog.NewTextHandler(io.Discard, nil)), app.Config{})
	tr := &benchTree{st: st, app: a, customers: customers}
	// The deep actor: the fourth-level integrator of the last customer.
	last := accts[len(accts)-1]
	tr.deepChild = last.ID
	tr.rootToken = benchSession(b, st, 1)
	tr.deepToken = benchSession(b, st, last.ParentID)
	return tr
}

func seedBenchTree(b *testing.B, st *store.Store, accts []tenancy.Account) {
	t0 := time.Now()
	if err := st.InTx(context.Background(), func(q store.Q) error { return q.BulkInsertAccounts(context.Background(), accts) }); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: inserted %d accounts in %v", st.Dialect(), len(accts), time.Since(t0))
}

// benchSession adds a confirmed owner to the account and opens a session.
func benchSession(b *testing.B, st *store.Store, accountID int64) string {
	ctx := context.Background()
	now := time.Now()
	u := identity.User{AccountID: accountID, Email: fmt.Sprintf("bench-%d-%d@bench.test", accountID, now.UnixNano()), Owner: true,
		Status: identity.UserActive, EmailConfirmedAt: &now}
	if err := st.W().InsertUser(ctx, &u); err != nil {
		b.Fatal(err)
	}
	plain, hash := identity.NewToken()
	if _, err := st.W().InsertToken(ctx, u.ID, identity.PurposeSession, hash, "", now.Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	return plain
}

// reportPercentiles adds p50 and p99 of the per-operation times.
func reportPercentiles(b *testing.B, d []time.Duration, unit time.Duration, name string) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	at := func(p float64) float64 { return float64(d[min(len(d)-1, int(float64(len(d))*p))]) / float64(unit) }
	b.ReportMetric(at(0.50), "p50-"+name)
	b.ReportMetric(at(0.99), "p99-"+name)
}

func benchDBs(b *testing.B, fn func(b *testing.B, tr *benchTree)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
			if os.Getenv(testenv.PostgresEnv) == "" {
				continue
			}
		}
		tr := openBenchTree(b, pg)
		b.Run(name, func(b *testing.B) { fn(b, tr) })
	}
}

// BenchmarkAccessDecision is what every API request pays before its own
// work: resolve the token to an actor (session, user, account, the status of
// every account on the path), load the target account and decide (R10).
func BenchmarkAccessDecision(b *testing.B) {
	benchDBs(b, func(b *testing.B, tr *benchTree) {
		ctx := context.Background()
		times := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			actor, err := tr.app.Authenticate(ctx, tr.deepToken)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tr.app.Account(ctx, actor, tr.deepChild); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		reportPercentiles(b, times, time.Microsecond, "µs")
	})
}

// BenchmarkCustomersPage is the largest customers list there is — every
// customer of the operator's tree — one page of 50 sorted by name, with the
// total count, as GET /api/v1/accounts?type=customer&sort=name answers it.
func BenchmarkCustomersPage(b *testing.B) {
	benchDBs(b, func(b *testing.B, tr *benchTree) {
		ctx := context.Background()
		actor, err := tr.app.Authenticate(ctx, tr.rootToken)
		if err != nil {
			b.Fatal(err)
		}
		// The same page straight from the store, as every cache miss (and
		// every request after a write) pays it.
		filter := store.AccountFilter{Scope: actor.AccountPath, ExcludeID: actor.AccountID, Type: tenancy.Customer, Sort: "name",
			Page: store.Page{Page: 1, PerPage: 50}}
		if tr.st.Dialect() == "postgres" {
			b.Logf("plan of the page: %s", tr.st.R().ExplainAccountPage(ctx, filter))
		}
		times := make([]time.Duration, 0, b.N)
		uncached := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			list, total, _, err := tr.app.ListAccounts(ctx, actor, app.AccountListInput{Type: "customer", Sort: "name", Page: store.Page{Page: 1, PerPage: 50}})
			if err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
			if len(list) != 50 || total != tr.customers {
				b.Fatalf("page of %d, total %d, want 50 of %d", len(list), total, tr.customers)
			}
			t0 = time.Now()
			list, total, err = tr.st.R().ListAccounts(ctx, filter)
			uncached = append(uncached, time.Since(t0))
			if err != nil || len(list) != 50 || total != tr.customers {
				b.Fatalf("store page of %d, total %d, want 50 of %d: %v", len(list), total, tr.customers, err)
			}
		}
		reportPercentiles(b, times, time.Millisecond, "ms")
		reportPercentiles(b, uncached, time.Millisecond, "store-ms")
	})
}
