package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// BenchmarkAPIThroughput: requests per second of authenticated
// GET /api/v1/me and GET /api/v1/accounts?per_page=50 (a full page of 50
// customers) against a bare net/http handler that encodes a JSON object of
// the same shape, all on 127.0.0.1, with the same client (keep-alive,
// VIGILO_BENCH_CONC concurrent requests, default 8) in the same process,
// interleaved: each of b.N rounds measures bare, /me and /accounts for
// VIGILO_BENCH_SECONDS (default 2) each, so the shared machine's load
// falls on all three alike. Reports each rate and the two ratios
// (me-%-of-bare, accounts-%-of-bare).
//
//	go test ./internal/server -run '^$' -bench APIThroughput -benchtime 3x
func BenchmarkAPIThroughput(b *testing.B) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		b.Run(name, func(b *testing.B) {
			if pg && os.Getenv(testenv.PostgresEnv) == "" {
				b.Skip(testenv.PostgresEnv + " not set")
			}
			benchThroughput(b, pg)
		})
	}
}

// bareMe is what the bare handler encodes: the shape of GET /api/v1/me.
type bareMe struct {
	User struct {
		ID          int64     `json:"id"`
		AccountID   int64     `json:"account_id"`
		Email       string    `json:"email"`
		Name        string    `json:"name"`
		Owner       bool      `json:"owner"`
		Status      string    `json:"status"`
		CreatedAt   time.Time `json:"created_at"`
		LastLoginAt time.Time `json:"last_login_at"`
	} `json:"user"`
	Account struct {
		ID        int64     `json:"id"`
		ParentID  int64     `json:"parent_id"`
		Type      string    `json:"type"`
		Name      string    `json:"name"`
		Email     string    `json:"email"`
		Status    string    `json:"status"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"account"`
}

func benchThroughput(b *testing.B, pg bool) {
	e := apitest.Boot(b, apitest.Options{Quiet: true, Postgres: pg})
	for i := range 60 {
		e.Must(201, "POST", "/api/v1/accounts", e.Root, map[string]any{"type": "customer", "parent_id": 1,
			"name": fmt.Sprintf("Shop %02d", i), "email": fmt.Sprintf("shop%02d@bench.test", i)})
	}
	var me bareMe
	me.User.ID, me.User.Email, me.User.Name, me.User.Owner, me.User.Status = 1, apitest.AdminEmail, "Operator", true, "active"
	me.Account.ID, me.Account.Type, me.Account.Name, me.Account.Status = 1, "integrator", "Operator", "active"
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(me)
	}))
	defer bare.Close()

	conc := envInt("VIGILO_BENCH_CONC", 8)
	dur := time.Duration(envInt("VIGILO_BENCH_SECONDS", 2)) * time.Second
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	measure := func(url, token string) float64 {
		var n atomic.Int64
		var failed atomic.Value
		deadline := time.Now().Add(dur)
		var wg sync.WaitGroup
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					req, _ := http.NewRequest("GET", url, nil)
					if token != "" {
						req.Header.Set("Authorization", "Bearer "+token)
					}
					resp, err := client.Do(req)
					if err != nil {
						failed.Store(err.Error())
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						failed.Store(url + ": " + resp.Status)
						return
					}
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		if f := failed.Load(); f != nil {
			b.Fatal(f)
		}
		return float64(n.Load()) / dur.Seconds()
	}
	// Warm both servers (connections, statement caches) before measuring.
	measure(bare.URL, "")
	measure(e.URL+"/api/v1/me", e.Root)
	var sumBare, sumMe, sumAccts float64
	b.ResetTimer()
	for range b.N {
		sumBare += measure(bare.URL, "")
		sumMe += measure(e.URL+"/api/v1/me", e.Root)
		sumAccts += measure(e.URL+"/api/v1/accounts?per_page=50", e.Root)
	}
	n := float64(b.N)
	b.ReportMetric(sumBare/n, "bare-req/s")
	b.ReportMetric(sumMe/n, "me-req/s")
	b.ReportMetric(sumAccts/n, "accounts-req/s")
	b.ReportMetric(100*sumMe/sumBare, "me-%-of-bare")
	b.ReportMetric(100*sumAccts/sumBare, "accounts-%-of-bare")
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}
