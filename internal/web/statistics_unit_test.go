package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/store"
)

func TestWrapLabel(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  string
	}{
		{"Users", 76, "Users"},
		{"Sub-integrators", 76, "Sub-|integrators"},
		{"Traffic in period", 76, "Traffic|in period"},
		{"Supercalifragilistic", 76, "Supercalif…"},
		{"Sub-integrators", 200, "Sub-integrators"},
	} {
		if got := strings.Join(wrapLabel(c.in, c.width), "|"); got != c.want {
			t.Errorf("wrapLabel(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}

func TestSeriesChart(t *testing.T) {
	days := []store.DayBytes{{Day: "2026-03-01", Bytes: 0}, {Day: "2026-03-02", Bytes: 4 << 30}, {Day: "2026-03-03", Bytes: 1 << 30}}
	c := newSeriesChart("x", "Traffic per day", false, days)
	if len(c.Bars) != 3 || c.Bars[0].H != 0 || c.Bars[1].H != float64(c.PlotH) || c.Bars[2].H != float64(c.PlotH)/4 {
		t.Fatalf("bars %+v (plot %d)", c.Bars, c.PlotH)
	}
	for i, b := range c.Bars {
		if b.Y+b.H != float64(c.AxisY) || b.X < float64(c.Left) || b.X+b.W > float64(c.Right) || (i > 0 && b.X <= c.Bars[i-1].X) {
			t.Errorf("bar %d geometry %+v", i, b)
		}
	}
	if c.Bars[1].Title != "2026-03-02: 4.00 GB" || c.Summary != "Traffic per day, 2026-03-01 to 2026-03-03: total 5.00 GB, highest 4.00 GB on 2026-03-02" {
		t.Errorf("title %q, summary %q", c.Bars[1].Title, c.Summary)
	}
	if len(c.XTicks) != 3 || c.XTicks[0].Label != "1 Mar" || c.XTicks[2].Label != "3 Mar" || c.YTicks[2].Label != "4.00 GB" {
		t.Errorf("ticks %+v %+v", c.XTicks, c.YTicks)
	}
	// A year of days keeps about six day labels, the last one included.
	year := make([]store.DayBytes, 366)
	for i := range year {
		year[i] = store.DayBytes{Day: time.Date(2028, 1, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)}
	}
	c = newSeriesChart("y", "Storage per day", true, year)
	if n := len(c.XTicks); n < 5 || n > 8 || c.XTicks[n-1].Label != "31 Dec" || strings.Count(c.Points, ",") != 366 {
		t.Errorf("year: %d ticks %+v", n, c.XTicks)
	}
}

func TestPeriodForm(t *testing.T) {
	if _, _, err := readPeriod(url.Values{"from": {"2026-02-30"}}); err == nil {
		t.Error("30 February accepted")
	}
	from, to, err := readPeriod(url.Values{"from": {"2026-03-01"}, "to": {"2026-03-31"}})
	if err != nil || !from.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("inclusive to: %v %v %v", from, to, err)
	}
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	p, _ := billing.NewPeriod(from, to, now)
	f := newPeriodForm("/", url.Values{}, &p, nil, now)
	want := []string{"/?from=2026-03-01&to=2026-03-31", "/?from=2026-02-01&to=2026-02-28", "/?from=2026-02-14&to=2026-03-15"}
	for i, q := range f.Quick {
		if q.Href != want[i] || q.Current != (i == 0) {
			t.Errorf("quick link %d = %+v, want %s", i, q, want[i])
		}
	}
	if f.From != "2026-03-01" || f.To != "2026-03-31" || f.Text != "1 Mar 2026 – 31 Mar 2026 · 31 days" {
		t.Errorf("form %+v", f)
	}
}
