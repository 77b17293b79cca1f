package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The period and money half of the statistics block (R7). The form's "to"
// is the last day shown (inclusive), which is how people read a range;
// the app's periods end exclusively, so one day is added on the way in.

type periodForm struct {
	Action         string
	From, To       string // as typed, or the period shown
	FromErr, ToErr string
	Quick          []quickLink
	Text           string // "1 Nov 2026 – 30 Nov 2026 · 30 days"
}

type quickLink struct {
	Label, Href string
	Current     bool
}

// readPeriod parses the form's dates; a missing one is the zero time (the
// app's default), a malformed one a field error.
func readPeriod(v url.Values) (from, to time.Time, err error) {
	f := errs.Fields{}
	parse := func(name string) time.Time {
		s := v.Get(name)
		if s == "" {
			return time.Time{}
		}
		t, perr := time.Parse(time.DateOnly, s)
		if perr != nil {
			f.Add(name, "must be a date (YYYY-MM-DD)")
			return time.Time{}
		}
		return t
	}
	from, to = parse("from"), parse("to")
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	return from, to, f.Err()
}

// newPeriodForm fills the form from the request and the period computed
// (nil when the request was refused).
func newPeriodForm(action string, in url.Values, p *billing.Period, err error, now time.Time) periodForm {
	f := periodForm{Action: action, From: in.Get("from"), To: in.Get("to")}
	if p != nil {
		f.From, f.To = p.FromDay(), lastDay(*p)
		f.Text = p.From.Format("2 Jan 2006") + " – " + p.To.AddDate(0, 0, -1).Format("2 Jan 2006") + " · " + plural(p.Days, "day")
	}
	if e, ok := errs.As(err); ok {
		f.FromErr, f.ToErr = e.Fields["from"], e.Fields["to"]
	}
	n := now.UTC()
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	month := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, q := range []struct {
		label    string
		from, to time.Time // to inclusive
	}{
		{"This month", month, month.AddDate(0, 1, -1)},
		{"Last month", month.AddDate(0, -1, 0), month.AddDate(0, 0, -1)},
		{"Last 30 days", today.AddDate(0, 0, -29), today},
	} {
		fd, td := q.from.Format(time.DateOnly), q.to.Format(time.DateOnly)
		f.Quick = append(f.Quick, quickLink{Label: q.label, Href: action + "?from=" + fd + "&to=" + td,
			Current: p != nil && f.From == fd && f.To == td})
	}
	return f
}

func lastDay(p billing.Period) string { return p.To.AddDate(0, 0, -1).Format(time.DateOnly) }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// moneyView is the statement as the page shows it.
type moneyView struct {
	Cur       money.Currency // amounts show in it, rounded to its minor unit; the exact figure is their title
	ShowAbove bool           // the operator pays nobody
	ShowBelow bool           // integrators are owed by their children; customers have none
	Above     billing.Charges
	OwedBelow money.Amount
	Margin    money.Amount
	Negative  bool
	// AsOf is when the figures were read: the running month's come from
	// the last statistics pass (app.Statistics).
	AsOf       time.Time
	Children   []childMoney
	ChildTotal billing.Charges // Σ of the breakdown's columns in Cur
	// OtherCurrencies tells that some children (the operator's top-level
	// accounts with a currency of their own) are left out of the totals,
	// which never add two currencies.
	OtherCurrencies bool
}

type childMoney struct {
	Name, Link string
	Cur        money.Currency
	billing.Charges
}

// newMoneyView lays out s in cur; childCur names the children billing in
// another currency (the operator's only).
func newMoneyView(acct tenancy.Account, s billing.Statement, cur money.Currency, childCur map[int64]money.Currency) *moneyView {
	m := &moneyView{Cur: cur, ShowAbove: !acct.IsRoot(), ShowBelow: acct.Type == tenancy.Integrator, Above: s.OwesAbove,
		OwedBelow: s.OwedBelow, Margin: s.Margin, Negative: s.Margin < 0}
	for _, c := range s.Children {
		cc := cur
		if x, ok := childCur[c.AccountID]; ok && x != "" {
			cc = x
		}
		m.Children = append(m.Children, childMoney{Name: c.Name, Link: "/accounts/" + itoa64(c.AccountID), Cur: cc, Charges: c.Charges})
		if cc != cur {
			m.OtherCurrencies = true
			m.OwedBelow -= c.Total
			m.Margin -= c.Total
			continue
		}
		t := &m.ChildTotal
		t.FixedCameras += c.FixedCameras
		t.Fixed += c.Fixed
		t.Storage += c.Storage
		t.Traffic += c.Traffic
		t.Total += c.Total
	}
	return m
}

// seriesChart is a daily series drawn as inline SVG from geometry computed
// here: bars for traffic, a line with a marker per day for storage. Every
// bar and marker carries its day and value in a <title>; the whole chart
// has a one-sentence summary for screen readers.
type seriesChart struct {
	ID            string
	Title         string
	Line          bool
	Width, Height int
	Left, Top     int // plot origin
	PlotW, PlotH  int
	AxisY         int // y of the x axis
	Right         int // x of the plot's right edge
	MidX, MidY    int // centres of the axis titles
	Points        string
	Bars          []seriesBar
	YTicks        []tick
	XTicks        []tick
	YTitle        string
	XTitle        string
	Summary       string
	CSV           string // the figures as CSV, linked under the chart
}

type seriesBar struct {
	X, Y, W, H float64
	CX, CY     float64
	Title      string
}

type tick struct {
	Pos   float64
	Label string
}

func newSeriesChart(id, title string, line bool, days []store.DayBytes) seriesChart {
	pts := make([]seriesPoint, len(days))
	for i, d := range days {
		pts[i] = seriesPoint{Key: d.Day, Value: d.Bytes}
	}
	yTitle := "Served"
	if line {
		yTitle = "Stored"
	}
	return newSeries(seriesSpec{ID: id, Title: title, Line: line, XTitle: "Day (UTC)", YTitle: yTitle, Format: bytesText, Short: shortDay}, pts)
}

// seriesPoint is one bar or dot: its key (a day or a month) and value.
type seriesPoint struct {
	Key   string
	Value int64
}

// seriesSpec says how a series chart reads: Format shows a value (bytes,
// money units), Short shows a key on the x axis.
type seriesSpec struct {
	ID, Title      string
	Line           bool
	XTitle, YTitle string
	Format         func(int64) string
	Short          func(string) string
}

// newSeries draws pts. Negative values (a month with a negative margin)
// are drawn at zero height; their titles and the CSV keep the real value.
func newSeries(sp seriesSpec, days []seriesPoint) seriesChart {
	id, title, line := sp.ID, sp.Title, sp.Line
	const width, height, left, right, top, bottom = 520, 240, 70, 14, 12, 52
	c := seriesChart{ID: id, Title: title, Line: line, Width: width, Height: height, Left: left, Top: top,
		PlotW: width - left - right, PlotH: height - top - bottom, AxisY: height - bottom, XTitle: sp.XTitle, YTitle: sp.YTitle}
	c.Right, c.MidX, c.MidY = left+c.PlotW, left+c.PlotW/2, top+c.PlotH/2
	n := len(days)
	if n == 0 {
		c.Summary = title + ": no days"
		return c
	}
	var max, total int64
	peak := 0
	for i, d := range days {
		total += d.Value
		if d.Value > max {
			max, peak = d.Value, i
		}
	}
	scale := float64(max)
	if scale == 0 {
		scale = 1
	}
	slot := float64(c.PlotW) / float64(n)
	bw := slot * 0.7
	if bw < 1 {
		bw = 1
	}
	for i, d := range days {
		h := float64(max0(d.Value)) / scale * float64(c.PlotH)
		if d.Value > 0 && h < 1 {
			h = 1
		}
		x := float64(left) + float64(i)*slot
		b := seriesBar{X: round1(x + (slot-bw)/2), W: round1(bw), H: round1(h), Y: round1(float64(c.AxisY) - h),
			CX: round1(x + slot/2), CY: round1(float64(c.AxisY) - h), Title: d.Key + ": " + sp.Format(d.Value)}
		c.Bars = append(c.Bars, b)
		if i > 0 {
			c.Points += " "
		}
		c.Points += ftoa(b.CX) + "," + ftoa(b.CY)
	}
	fracs := []float64{0, 0.5, 1}
	if max == 0 {
		fracs = fracs[:1] // three "0 B" say nothing more than one
	}
	for _, f := range fracs {
		c.YTicks = append(c.YTicks, tick{Pos: round1(float64(c.AxisY) - f*float64(c.PlotH)), Label: sp.Format(int64(f * float64(max)))})
	}
	// About six day labels whatever the length, always the first and last.
	step := (n + 5) / 6
	for i := 0; i < n-1; i += step {
		if i != 0 && n-1-i < (step+1)/2 {
			break // too close to the last label
		}
		c.XTicks = append(c.XTicks, tick{Pos: c.Bars[i].CX, Label: sp.Short(days[i].Key)})
	}
	c.XTicks = append(c.XTicks, tick{Pos: c.Bars[n-1].CX, Label: sp.Short(days[n-1].Key)})
	c.Summary = title + ", " + days[0].Key + " to " + days[n-1].Key + ": "
	if line {
		c.Summary += "latest " + sp.Format(days[n-1].Value) + ", highest " + sp.Format(max) + " on " + days[peak].Key
	} else {
		c.Summary += "total " + sp.Format(total) + ", highest " + sp.Format(max) + " on " + days[peak].Key
	}
	return c
}

func max0(v int64) int64 {
	if v < 0 {
		return 0
	}
	return v
}

// shortDay shows "2026-11-03" as "3 Nov".
func shortDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.Format("2 Jan")
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// fillStats adds the period's figures to v from the app's statistics.
func fillStats(v *statsView, s app.Statistics) {
	v.Money = newMoneyView(v.Account, s.Money, s.Currency, s.ChildCurrency)
	v.Money.Negative = v.Money.Margin < 0
	v.Money.AsOf = s.AsOf
	v.TrafficChart = newSeriesChart("traffic-chart", "Traffic per day", false, s.Traffic)
	v.StorageChart = newSeriesChart("storage-chart", "Storage per day", true, s.Storage)
	v.TrafficChart.CSV = daysCSVLink(v.Account.ID, s.Period)
	v.StorageChart.CSV = v.TrafficChart.CSV
}
