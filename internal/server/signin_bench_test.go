package server_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// BenchmarkSignInDuringStorm: how long a legitimate user's sign-in takes
// while `storm` clients (distinct forwarded addresses, unknown e-mails, so
// no throttle stops them and every attempt costs a hash) keep failing to
// sign in, at the production argon2id cost. Reports p50/p99 of the user's
// sign-ins and how many of them were told 503 busy.
//
//	go test ./internal/server -run '^$' -bench SignInDuringStorm -benchtime 100x
func BenchmarkSignInDuringStorm(b *testing.B) {
	for _, storm := range []int{0, 16, 64, 256} {
		b.Run(fmt.Sprintf("storm=%d", storm), func(b *testing.B) { benchSignInStorm(b, storm) })
	}
}

func benchSignInStorm(b *testing.B, storm int) {
	e := apitest.Boot(b, apitest.Options{Quiet: true, Env: map[string]string{"VIGILO_TRUSTED_PROXIES": "127.0.0.1/32"}})
	productionArgon2(b)
	user := e.CreateAccount(e.Root, 1, "customer", "Legit") // hashed at the production cost
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var stormN, storm503 atomic.Int64
	for i := range storm {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				st, _, _ := login(b, e, fmt.Sprintf("10.%d.%d.%d", i/250, i%250, n%250+1), fmt.Sprintf("storm-%d-%d@example.com", i, n), "guess-123456")
				stormN.Add(1)
				if st == 503 {
					storm503.Add(1)
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond) // let the storm fill the queue
	lat := make([]time.Duration, 0, b.N)
	busy := 0
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		st, code, _ := login(b, e, "192.0.2.200", user.Email, user.Password)
		lat = append(lat, time.Since(t0))
		switch st {
		case 200:
		case 503:
			busy++
		default:
			b.Fatalf("legitimate sign-in: %d %s", st, code)
		}
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(busy)*100/float64(b.N), "busy-%")
	if n := stormN.Load(); n > 0 {
		b.ReportMetric(float64(storm503.Load())*100/float64(n), "storm-busy-%")
	}
}
