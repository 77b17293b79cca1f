package money

import (
	"math"
	"testing"
)

// Checked arithmetic reports overflow instead of wrapping (a wrapped sum
// turns a debt into a credit).
func TestCheckedArithmetic(t *testing.T) {
	maxA, minA := Amount(math.MaxInt64), Amount(math.MinInt64)
	for _, c := range []struct {
		got  func() (Amount, bool)
		want Amount
		ok   bool
	}{
		{func() (Amount, bool) { return Amount(5).Add(7) }, 12, true},
		{func() (Amount, bool) { return maxA.Add(1) }, 0, false},
		{func() (Amount, bool) { return minA.Add(-1) }, 0, false},
		{func() (Amount, bool) { return maxA.Add(minA) }, -1, true},
		{func() (Amount, bool) { return Amount(3).Sub(10) }, -7, true},
		{func() (Amount, bool) { return Amount(0).Sub(minA) }, 0, false},
		{func() (Amount, bool) { return minA.Sub(1) }, 0, false},
		{func() (Amount, bool) { return Amount(10000).Times(7) }, 70000, true},
		{func() (Amount, bool) { return (maxA / 2).Times(3) }, 0, false},
		{func() (Amount, bool) { return Amount(-1).Times(math.MinInt64) }, 0, false},
		{func() (Amount, bool) { return minA.Times(-1) }, 0, false},
		{func() (Amount, bool) { return Amount(0).Times(math.MaxInt64) }, 0, true},
	} {
		got, ok := c.got()
		if got != c.want || ok != c.ok {
			t.Errorf("got %d %v, want %d %v", got, ok, c.want, c.ok)
		}
	}
}
