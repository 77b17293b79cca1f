package web

import (
	"net/http"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// statsView is the statistics block shared by the dashboard (one's own
// account) and the first tab of an account's properties (R7).
type statsView struct {
	Account tenancy.Account
	Numbers []stat
	Chart   barChart
	// The period's figures; nil when the period asked for was refused.
	Period       periodForm
	TrafficBytes int64
	Money        *moneyView
	TrafficChart seriesChart
	StorageChart seriesChart
	Months       *monthsView // the statistics tab only
}

type stat struct {
	Label string
	Value int
	Text  string // shown instead of Value (sizes); such stats stay out of the chart
	Link  string
}

// barChart is a small inline SVG drawn by the template from precomputed
// geometry: no chart library, no script, readable without colour (every bar
// carries its number).
type barChart struct {
	Width, Height int
	AxisY         int
	Bars          []bar
	Summary       string
	CSV           string // the bars as CSV, linked under the chart
}

type bar struct {
	Label      string
	Lines      []labelLine // the label, wrapped to fit its slot
	Value      int
	X, Y, W, H int
	ValueY     int
	CenterX    int
}

type labelLine struct {
	Text string
	Y    int
}

// Label text is 12px; an average character of the system fonts is about
// 6.5px wide; TestStatisticsInBrowser checks that every label fits.
const labelCharPx10 = 65 // tenths of a pixel

// wrapLabel breaks a label that does not fit width into two lines, after a
// hyphen or at a space, and shortens with an ellipsis what still does not
// fit: the first label used to be cut at the chart's left edge.
func wrapLabel(s string, width int) []string {
	max := width * 10 / labelCharPx10
	if max < 3 {
		max = 3
	}
	if len([]rune(s)) <= max {
		return []string{s}
	}
	cut := -1
	for i, r := range s {
		if (r == '-' || r == ' ') && i > 0 {
			if cut < 0 || absInt(len(s)/2-i) < absInt(len(s)/2-cut) {
				cut = i
			}
		}
	}
	var lines []string
	if cut < 0 {
		lines = []string{s}
	} else if s[cut] == '-' {
		lines = []string{s[:cut+1], s[cut+1:]}
	} else {
		lines = []string{s[:cut], s[cut+1:]}
	}
	for i, l := range lines {
		if r := []rune(l); len(r) > max {
			lines[i] = string(r[:max-1]) + "…"
		}
	}
	return lines
}

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func newBarChart(stats []stat) barChart {
	const width, height, top, bottom = 480, 190, 22, 38
	c := barChart{Width: width, Height: height, AxisY: height - bottom}
	max := 1
	var counts []stat
	for _, s := range stats {
		if s.Text == "" {
			counts = append(counts, s)
		}
	}
	stats = counts
	for _, s := range stats {
		if s.Value > max {
			max = s.Value
		}
	}
	n := len(stats)
	if n == 0 {
		return c
	}
	slot := width / n
	bw := slot * 3 / 5
	plot := height - top - bottom
	for i, s := range stats {
		h := s.Value * plot / max
		if s.Value > 0 && h < 2 {
			h = 2
		}
		x := i*slot + (slot-bw)/2
		y := top + plot - h
		b := bar{Label: s.Label, Value: s.Value, X: x, Y: y, W: bw, H: h, CenterX: x + bw/2, ValueY: y - 6}
		for j, l := range wrapLabel(s.Label, slot-4) {
			b.Lines = append(b.Lines, labelLine{Text: l, Y: height - bottom + 16 + 14*j})
		}
		c.Bars = append(c.Bars, b)
		if c.Summary != "" {
			c.Summary += ", "
		}
		c.Summary += s.Label + " " + itoa(s.Value)
	}
	return c
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// stats builds the statistics block of acct for the period asked in the
// query. A malformed or refused period is returned as periodErr (field
// errors shown next to the fields) with the counts still filled in.
func (p *Portal) stats(r *http.Request, q *req, acct tenancy.Account, action string) (v statsView, periodErr error, err error) {
	ctx := r.Context()
	v = statsView{Account: acct}
	var c app.PortalCounts
	var cams cameraCounts
	var period *billing.Period
	from, to, periodErr := readPeriod(r.URL.Query())
	if periodErr == nil {
		s, err := p.App.Statistics(ctx, q.Actor, acct.ID, from, to)
		if e, ok := errs.As(err); ok && e.Kind == errs.Invalid && len(e.Fields) > 0 {
			periodErr = err
		} else if err != nil {
			return v, nil, err
		} else {
			c, period = s.PortalCounts, &s.Period
			cams = cameraCounts{Total: s.Cameras.Total, Online: s.Cameras.Online, Recording: s.Cameras.Recording, StorageBytes: s.Cameras.StorageBytes}
			fillStats(&v, s)
			v.TrafficBytes = s.TrafficBytes
		}
	}
	if periodErr != nil {
		if c, err = p.App.PortalCounts(ctx, q.Actor, acct.ID); err != nil {
			return v, nil, err
		}
		if cams, _, err = p.cameraCounts(ctx, q, acct); err != nil {
			return v, nil, err
		}
	}
	v.Period = newPeriodForm(action, r.URL.Query(), period, periodErr, p.App.Now())
	if acct.Type == tenancy.Integrator {
		base := "/accounts?parent=" + itoa64(acct.ID)
		v.Numbers = append(v.Numbers,
			stat{Label: "Sub-integrators", Value: c.Integrators, Link: base + "&type=integrator"},
			stat{Label: "Customers", Value: c.Customers, Link: base + "&type=customer"})
	}
	v.Numbers = append(v.Numbers, stat{Label: "Users", Value: c.Users, Link: "/accounts/" + itoa64(acct.ID) + "/users"})
	camLink := "/accounts/" + itoa64(acct.ID) + "/cameras"
	v.Numbers = append(v.Numbers, stat{Label: "Cameras", Value: cams.Total, Link: camLink}, stat{Label: "Online", Value: cams.Online},
		stat{Label: "Recording", Value: cams.Recording}, stat{Label: "Storage used", Text: bytesText(cams.StorageBytes)})
	if period != nil {
		v.Numbers = append(v.Numbers, stat{Label: "Traffic in period", Text: bytesText(v.TrafficBytes)})
	}
	v.Chart = newBarChart(v.Numbers)
	v.Chart.CSV = "/accounts/" + itoa64(acct.ID) + "/statistics/counts.csv"
	return v, periodErr, nil
}

type cameraCounts struct {
	Total, Online, Recording int
	StorageBytes             int64
}

func (p *Portal) dashboard(w http.ResponseWriter, r *http.Request, q *req) error {
	v, periodErr, err := p.stats(r, q, q.Account, "/")
	if err != nil {
		return err
	}
	status := http.StatusOK
	if periodErr != nil {
		status = http.StatusBadRequest
	}
	p.render(w, r, q, status, "dashboard", "Dashboard", "dashboard", v)
	return nil
}
