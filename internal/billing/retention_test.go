package billing

import (
	"testing"
	"time"
)

func TestPruneRanges(t *testing.T) {
	closed := []Month{{2024, time.October}, {2024, time.November}, {2025, time.January}, {2025, time.March}}
	// 2026-01-05 − 400 days = 2024-12-01: October and November whole, the
	// rest too young; December 2024 is older but open, so it stays.
	got := PruneRanges(closed, time.Date(2026, 1, 5, 13, 0, 0, 0, time.UTC))
	want := []DayRange{{day("2024-10-01"), day("2024-11-01")}, {day("2024-11-01"), day("2024-12-01")}}
	if len(got) != len(want) {
		t.Fatalf("ranges %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].From.Equal(want[i].From) || !got[i].To.Equal(want[i].To) {
			t.Errorf("range %d: %v, want %v", i, got[i], want[i])
		}
	}
	// A month cut by the cutoff is pruned up to it only.
	got = PruneRanges(closed, time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)) // cutoff 2025-01-16
	if last := got[len(got)-1]; !last.From.Equal(day("2025-01-01")) || !last.To.Equal(day("2025-01-16")) {
		t.Errorf("partial month: %v", got)
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
