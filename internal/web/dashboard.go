package web

import (
	"context"
	"net/http"

	"github.com/vigilo/vigilo/internal/tenancy"
)

// statsView is the statistics block shared by the dashboard (one's own
// account) and the first tab of an account's properties (R7).
type statsView struct {
	Account tenancy.Account
	Numbers []stat
	Chart   barChart
	Later   string // what is not measured yet
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
	Bars          []bar
	Summary       string
}

type bar struct {
	Label      string
	Value      int
	X, Y, W, H int
	LabelY     int
	ValueY     int
	CenterX    int
}

func newBarChart(stats []stat) barChart {
	const width, height, top, bottom = 480, 180, 22, 28
	c := barChart{Width: width, Height: height}
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
		c.Bars = append(c.Bars, bar{Label: s.Label, Value: s.Value, X: x, Y: y, W: bw, H: h,
			CenterX: x + bw/2, ValueY: y - 6, LabelY: height - 8})
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

func (p *Portal) stats(ctx context.Context, q *req, acct tenancy.Account) (statsView, error) {
	c, err := p.App.PortalCounts(ctx, q.Actor, acct.ID)
	if err != nil {
		return statsView{}, err
	}
	v := statsView{Account: acct}
	if acct.Type == tenancy.Integrator {
		base := "/accounts?parent=" + itoa64(acct.ID)
		v.Numbers = append(v.Numbers,
			stat{Label: "Sub-integrators", Value: c.Integrators, Link: base + "&type=integrator"},
			stat{Label: "Customers", Value: c.Customers, Link: base + "&type=customer"})
	}
	v.Numbers = append(v.Numbers, stat{Label: "Users", Value: c.Users, Link: "/accounts/" + itoa64(acct.ID) + "/users"})
	cams, ok, err := p.cameraCounts(ctx, q, acct)
	if err != nil {
		return v, err
	}
	if ok {
		camLink := "/accounts/" + itoa64(acct.ID) + "/cameras"
		v.Numbers = append(v.Numbers, stat{Label: "Cameras", Value: cams.Total, Link: camLink}, stat{Label: "Online", Value: cams.Online},
			stat{Label: "Recording", Value: cams.Recording}, stat{Label: "Storage used", Text: bytesText(cams.StorageBytes)})
		v.Later = "Traffic and money (owed above, owed below, margin) join these figures with usage billing."
	} else {
		v.Later = "Cameras, storage and traffic statistics appear here once cameras are registered."
	}
	v.Chart = newBarChart(v.Numbers)
	return v, nil
}

type cameraCounts struct {
	Total, Online, Recording int
	StorageBytes             int64
}

func (p *Portal) dashboard(w http.ResponseWriter, r *http.Request, q *req) error {
	v, err := p.stats(r.Context(), q, q.Account)
	if err != nil {
		return err
	}
	p.render(w, r, q, http.StatusOK, "dashboard", "Dashboard", "dashboard", v)
	return nil
}
