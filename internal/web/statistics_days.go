package web

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/vigilo/vigilo/internal/billing"
)

// daysCSVLink is the daily charts' CSV for the period shown ("to" inclusive,
// as in the period form).
func daysCSVLink(accountID int64, p billing.Period) string {
	return "/accounts/" + itoa64(accountID) + "/statistics/days.csv?from=" + p.FromDay() + "&to=" + lastDay(p)
}

// statisticsDaysCSV downloads the daily charts' figures for the period of
// the form (from, to inclusive, UTC days): day, traffic_bytes (served that
// day), storage_bytes (the day's snapshot). A bad period is 400 naming it.
func (p *Portal) statisticsDaysCSV(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	from, to, err := readPeriod(r.URL.Query())
	if err != nil {
		return err
	}
	s, err := p.App.Statistics(r.Context(), q.Actor, id, from, to)
	if err != nil {
		return err
	}
	storage := map[string]int64{}
	for _, d := range s.Storage {
		storage[d.Day] = d.Bytes
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="statistics-`+itoa64(id)+"-"+s.Period.FromDay()+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"day", "traffic_bytes", "storage_bytes"})
	for _, d := range s.Traffic {
		_ = cw.Write([]string{d.Day, strconv.FormatInt(d.Bytes, 10), strconv.FormatInt(storage[d.Day], 10)})
	}
	cw.Flush()
	return cw.Error()
}

// statisticsCountsCSV downloads the counts bar chart's figures (accounts,
// users, cameras, online, recording), one row per bar.
func (p *Portal) statisticsCountsCSV(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	acct, err := p.App.Account(r.Context(), q.Actor, id)
	if err != nil {
		return err
	}
	v, _, err := p.stats(r, q, acct, "")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="statistics-`+itoa64(id)+`-counts.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"figure", "count"})
	for _, b := range v.Chart.Bars {
		_ = cw.Write([]string{b.Label, strconv.Itoa(b.Value)})
	}
	cw.Flush()
	return cw.Error()
}
