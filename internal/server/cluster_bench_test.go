package server_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// BenchmarkClusterAuth measures what joining a cluster costs the access
// decision and what it buys: the latency of an authenticated GET /api/v1/me
// (authentication cache warm) on a single PostgreSQL node, on a cluster
// node, and on a cluster node while another node writes to the auth tables
// 20 times a second (each write makes every node's cache reload); then the
// time from a disable answered by node A to node B's first refusal.
//
//	VIGILO_TEST_POSTGRES=… go test ./internal/server -run '^$' -bench ClusterAuth -benchtime 1x
func BenchmarkClusterAuth(b *testing.B) {
	if os.Getenv(testenv.PostgresEnv) == "" {
		b.Skip(testenv.PostgresEnv + " not set")
	}
	n := testenv.NATS(b)
	single := apitest.Boot(b, apitest.Options{Postgres: true, Quiet: true})
	dsn := testenv.PostgresDSN(b)
	env := map[string]string{"VIGILO_NATS_URL": n.URL, "VIGILO_ROLES": "api"}
	env["VIGILO_NODE_ID"] = "bench-a"
	a := apitest.Boot(b, apitest.Options{DBURL: dsn, Quiet: true, Env: env})
	env = map[string]string{"VIGILO_NATS_URL": n.URL, "VIGILO_ROLES": "api", "VIGILO_NODE_ID": "bench-b"}
	nb := apitest.Boot(b, apitest.Options{DBURL: dsn, Quiet: true, Env: env})
	const rounds = 2000
	latency(b, single, 300) // warm both up: connections, caches, pools
	latency(b, nb, 300)
	for i := 0; i < b.N; i++ {
		p50s, p99s := latency(b, single, rounds)
		p50c, p99c := latency(b, nb, rounds)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() { // another node's auth writes: sessions made and ended
			defer close(done)
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					tok := a.Login(apitest.AdminEmail, apitest.AdminPassword)
					a.Do("POST", "/api/v1/auth/logout", tok, nil)
				}
			}
		}()
		p50w, p99w := latency(b, nb, rounds)
		close(stop)
		<-done
		b.ReportMetric(p50s, "single-p50-µs")
		b.ReportMetric(p99s, "single-p99-µs")
		b.ReportMetric(p50c, "cluster-p50-µs")
		b.ReportMetric(p99c, "cluster-p99-µs")
		b.ReportMetric(p50w, "churn-p50-µs")
		b.ReportMetric(p99w, "churn-p99-µs")

		cust := a.CreateAccount(a.Root, 1, "customer", fmt.Sprintf("Bench %d", i))
		var refusals []time.Duration
		for r := 0; r < 30; r++ {
			nb.Must(200, "GET", "/api/v1/me", cust.Token, nil)
			a.Must(200, "POST", "/api/v1/accounts/"+strconv.FormatInt(cust.ID, 10)+"/disable", a.Root, nil)
			t0 := time.Now()
			for nb.Do("GET", "/api/v1/me", cust.Token, nil).Status != 403 {
				if time.Since(t0) > 2*time.Second {
					b.Fatal("disable on A never refused on B")
				}
			}
			refusals = append(refusals, time.Since(t0))
			a.Must(200, "POST", "/api/v1/accounts/"+strconv.FormatInt(cust.ID, 10)+"/enable", a.Root, nil)
			for nb.Do("GET", "/api/v1/me", cust.Token, nil).Status != 200 {
				time.Sleep(time.Millisecond)
			}
		}
		slices.Sort(refusals)
		b.ReportMetric(float64(refusals[len(refusals)/2].Microseconds())/1000, "refused-p50-ms")
		b.ReportMetric(float64(refusals[len(refusals)-1].Microseconds())/1000, "refused-max-ms")
	}
}

// latency times n sequential GET /api/v1/me of the root owner; p50 and p99
// in microseconds.
func latency(b *testing.B, e *apitest.Env, n int) (p50, p99 float64) {
	b.Helper()
	req, _ := http.NewRequest("GET", e.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+e.Root)
	ds := make([]time.Duration, n)
	for i := range ds {
		t0 := time.Now()
		resp, err := e.HTTP.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("GET /me: %d", resp.StatusCode)
		}
		ds[i] = time.Since(t0)
	}
	slices.Sort(ds)
	return float64(ds[n/2].Nanoseconds()) / 1000, float64(ds[n*99/100].Nanoseconds()) / 1000
}
