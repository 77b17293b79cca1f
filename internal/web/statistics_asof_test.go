package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/store"
)

// TestStatisticsAsOf: with statistics passes on, the running month's tab
// and its daily CSV show the last pass's figures, and the tab says when they
// were read, to the minute in the account's zone (the API gives the time);
// traffic written since shows after the next pass.
func TestStatisticsAsOf(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			// One pass at start, then none for an hour: the test runs the
			// passes itself.
			e := apitest.Boot(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_STATISTICS_REFRESH": "1h"}})
			ctx := context.Background()
			a := e.Main.App
			in := e.CreateAccount(e.Root, 1, "integrator", "Integrator A")
			e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(in.ID), in.Token, map[string]any{"time_zone": "Asia/Tokyo"})
			c := newClient(t, e)
			c.signIn(in.Email, in.Password)
			tab := "/accounts/" + itoa(in.ID) + "/statistics"
			csv := tab + "/days.csv"

			first, err := a.RefreshStatistics(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cams, err := e.Main.Store.W().SeedCameras(ctx, []store.SeedCamera{{IntegratorID: in.ID, Name: "cam", Enabled: true}})
			if err != nil {
				t.Fatal(err)
			}
			now := a.Now()
			today := now.UTC().Format(time.DateOnly)
			if err := e.Main.Store.W().AddTraffic(ctx, cams[0], now, 12345); err != nil {
				t.Fatal(err)
			}
			tokyo, _ := time.LoadLocation("Asia/Tokyo")
			shows := func(asOf time.Time, traffic string) {
				t.Helper()
				p := c.get(tab)
				want := `as of ` + asOf.In(tokyo).Format("15:04") + ` JST</span>`
				if p.Status != http.StatusOK || !strings.Contains(p.Body, want) ||
					!strings.Contains(p.Body, `data-as-of="`+asOf.UTC().Format(time.RFC3339)+`"`) {
					t.Fatalf("the tab does not say %q (%d): %.3000s", want, p.Status, p.Body)
				}
				if d := c.get(csv); !strings.Contains(d.Body, "\n"+today+","+traffic+",") {
					t.Fatalf("the daily CSV lacks %s,%s: %s", today, traffic, d.Body)
				}
			}
			shows(first.AsOf, "0")
			next, err := a.RefreshStatistics(ctx)
			if err != nil {
				t.Fatal(err)
			}
			shows(next.AsOf, "12345")
			// The API says the same.
			js := e.Must(200, "GET", "/api/v1/accounts/"+itoa(in.ID)+"/statistics", in.Token, nil).JSON
			if at, err := time.Parse(time.RFC3339Nano, js["as_of"].(string)); err != nil || !at.Equal(next.AsOf) || js["traffic_bytes"].(float64) != 12345 {
				t.Fatalf("API as_of %v (%v), traffic %v; the pass ran at %v", js["as_of"], err, js["traffic_bytes"], next.AsOf)
			}
			// A range asked for is read now.
			if d := c.get(csv + "?from=" + today + "&to=" + today); !strings.Contains(d.Body, "\n"+today+",12345,") {
				t.Fatalf("the range's CSV: %s", d.Body)
			}
		})
	}
}
