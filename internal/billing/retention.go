package billing

import "time"

// UsageRetentionDays is how long per-camera usage detail (the daily storage
// snapshots, the daily traffic) is kept: long enough for a year's charts and
// for late corrections, after which a closed month's statement holds what
// was billed.
const UsageRetentionDays = 400

// DayRange is [From, To) in whole UTC days.
type DayRange struct{ From, To time.Time }

// PruneRanges are the days whose usage detail may go at now: days older
// than UsageRetentionDays, and only in closed months (an open month's
// statement still needs them, however old).
func PruneRanges(closed []Month, now time.Time) []DayRange {
	n := now.UTC()
	cutoff := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -UsageRetentionDays)
	var out []DayRange
	for _, m := range closed {
		if !m.Start().Before(cutoff) {
			continue
		}
		r := DayRange{From: m.Start(), To: m.End()}
		if r.To.After(cutoff) {
			r.To = cutoff
		}
		out = append(out, r)
	}
	return out
}
