package server_test

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/identity"
)

// productionArgon2 switches the process to the real password cost for one
// test (apitest lowers it to keep tree-building tests fast).
func productionArgon2(t testing.TB) {
	saved := identity.DefaultArgon2
	identity.DefaultArgon2 = identity.Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}
	t.Cleanup(func() { identity.DefaultArgon2 = saved })
}

// rss is the process's resident memory in bytes (Linux /proc).
func rss(t testing.TB) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// TestSignInStormMemory: 256 concurrent failed sign-ins at the production
// argon2id cost (19 MiB each, 4.8 GB if they all ran at once) keep the
// process within a few hundred MB, because every hash waits for one of a few
// slots; requests that cannot get one in time are told 503 + Retry-After.
// Peak resident memory is sampled every 5 ms during the storm.
func TestSignInStormMemory(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		e := bootProxied(t, pg, nil)
		productionArgon2(t)
		if err := identity.BurnPasswordTime(""); err != nil { // the dummy at the new cost
			t.Fatal(err)
		}
		base := rss(t)
		peak := base
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					peak = max(peak, rss(t))
				}
			}
		}()
		hashesBefore := identity.HashCount()
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 256 {
			wg.Go(func() {
				<-start
				st, code, retry := login(t, e, fmt.Sprintf("10.%d.%d.1", i/250, i%250), fmt.Sprintf("storm-%d@example.com", i), "guess-123456")
				if st == 503 && (code != "busy" || retry == "") {
					t.Errorf("503 without its code or Retry-After: %s %q", code, retry)
				}
				mu.Lock()
				statuses[st]++
				mu.Unlock()
			})
		}
		close(start)
		wg.Wait()
		close(stop)
		<-sampled
		hashed := identity.HashCount() - hashesBefore
		t.Logf("256 concurrent failed sign-ins (%d hash slots): %v; %d hashes; RSS %d MiB → peak %d MiB (+%d MiB)",
			identity.HashConcurrency(), statuses, hashed, base>>20, peak>>20, (peak-base)>>20)
		if statuses[401]+statuses[503] != 256 {
			t.Fatalf("answers: %v", statuses)
		}
		if statuses[401] == 0 || hashed != int64(statuses[401]) {
			t.Fatalf("%d answered 401 after %d hashes", statuses[401], hashed)
		}
		if grew := peak - base; grew > 300<<20 || peak > 500<<20 {
			t.Fatalf("resident memory grew by %d MiB to %d MiB during the storm", grew>>20, peak>>20)
		}
		// The storm over, the server answers at once.
		if st, code, _ := login(t, e, "192.0.2.99", apitest.AdminEmail, apitest.AdminPassword); st != 200 {
			t.Fatalf("sign-in after the storm: %d %s", st, code)
		}
	})
}
