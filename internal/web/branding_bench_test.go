package web_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// BenchmarkSignInPageBrand: the sign-in page asked through an integrator's
// verified custom domain (its brand looked up by Host, cached per process)
// against the same page on the operator's address with no brand anywhere.
// Reports p50/p99 of the page over real HTTP.
//
//	go test ./internal/web -run '^$' -bench SignInPageBrand -benchtime 2000x
func BenchmarkSignInPageBrand(b *testing.B) {
	e := apitest.Boot(b, apitest.Options{Quiet: true})
	acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
	e.Must(200, "PUT", "/api/v1/accounts/"+fmt.Sprint(acme.ID)+"/branding", acme.Token, map[string]any{"product_name": "Acme Video",
		"primary_color": "#8b0000", "accent_color": "#a10000", "custom_domain": "video.acme.test"})
	e.Must(200, "POST", "/api/v1/accounts/"+fmt.Sprint(acme.ID)+"/branding/verify", e.Root, nil)
	for _, c := range []struct{ name, host string }{{"unbranded", ""}, {"branded", "video.acme.test"}} {
		b.Run(c.name, func(b *testing.B) {
			cl := newClient(b, e)
			cl.host = c.host
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if p := cl.get("/login"); p.Status != 200 {
					b.Fatalf("sign-in page: %d", p.Status)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
