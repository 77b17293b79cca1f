package billing

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
)

func TestNewPeriod(t *testing.T) {
	now := time.Date(2024, 2, 17, 15, 4, 5, 0, time.UTC)
	p, err := NewPeriod(time.Time{}, time.Time{}, now)
	if err != nil || p.FromDay() != "2024-02-01" || p.ToDay() != "2024-03-01" || p.Days != 29 || len(p.DayList()) != 29 {
		t.Fatalf("default: %+v %v", p, err)
	}
	// December's default end is next year's January.
	p, _ = NewPeriod(time.Date(2025, 12, 5, 0, 0, 0, 0, time.UTC), time.Time{}, now)
	if p.ToDay() != "2026-01-01" || p.Days != 27 {
		t.Fatalf("december: %+v", p)
	}
	// Times round out to whole days, whatever their zone.
	cet := time.FixedZone("CET", 3600)
	p, _ = NewPeriod(time.Date(2026, 3, 2, 0, 30, 0, 0, cet), time.Date(2026, 3, 4, 0, 30, 0, 0, cet), now)
	if p.FromDay() != "2026-03-01" || p.ToDay() != "2026-03-04" || p.Days != 3 {
		t.Fatalf("zone: %+v", p)
	}
	for _, bad := range [][2]time.Time{
		{now, now},
		{now, now.Add(-time.Second)},
		{now, now.AddDate(0, 0, 367)},
	} {
		_, err := NewPeriod(bad[0], bad[1], now)
		var e *errs.Error
		if !errors.As(err, &e) || e.Fields["to"] == "" {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if _, err := NewPeriod(day0, day0.AddDate(0, 0, MaxPeriodDays), now); err != nil {
		t.Errorf("366 days: %v", err)
	}
}

var day0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func TestMulDivExact(t *testing.T) {
	for _, c := range []struct {
		price    string
		num, den int64
		want     string
	}{
		{"0.0300", 60e9, BytesPerGB * DaysPerMonth, "0.0600"},
		{"0.0001", 1, 2, "0.0001"},                        // half rounds up
		{"0.0001", 1, 3, "0.0000"},                        // below half rounds down
		{"0.0300", 1e18, BytesPerGB * 30, "1000000.0000"}, // 300·10^18 units before dividing: past int64
		{"1000000", 9e18, 1e15, "9000000000.0000"},
	} {
		if got := mulDiv(money.MustParse(c.price), c.num, c.den); got != money.MustParse(c.want) {
			t.Errorf("%s × %d / %d = %s, want %s", c.price, c.num, c.den, got, c.want)
		}
	}
}

// TestPricingPlanCopies: a copy made by B of a copy made by A of the
// operator's P prices as itself below B, as A's copy for B and as P for A.
func TestPricingPlanCopies(t *testing.T) {
	plans := map[int64]PlanRef{
		1: {ID: 1, Kind: Fixed, OwnerPath: "/1/"},
		2: {ID: 2, Kind: Fixed, SourcePlanID: 1, OwnerPath: "/1/2/"},
		3: {ID: 3, Kind: Fixed, SourcePlanID: 2, OwnerPath: "/1/2/3/"},
	}
	for path, want := range map[string]int64{"/1/2/3/4/": 3, "/1/2/3/": 2, "/1/2/": 1, "/1/": 0} {
		got, ok := pricingPlan(plans, 3, path)
		if got != want || ok != (want != 0) {
			t.Errorf("%s: %d %v, want %d", path, got, ok, want)
		}
	}
}

// TestStatementTelescopes builds random trees with random offers, prices,
// cameras and usage and checks, at every account, that what it is owed
// below is exactly what its children owe (each child's own statement), and
// that the margins over the whole tree add up to zero.
func TestStatementTelescopes(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		type node struct {
			Payer
			parent int
			kids   []int
		}
		nodes := []node{{Payer: Payer{ID: 1, Name: "root", Path: "/1/", Root: true}, parent: -1}}
		size := 2 + r.IntN(12)
		for i := 1; i < size; i++ {
			par := r.IntN(len(nodes))
			id := int64(i + 1)
			nodes = append(nodes, node{Payer: Payer{ID: id, Name: fmt.Sprint("n", id), Path: fmt.Sprintf("%s%d/", nodes[par].Path, id),
				StoragePrice: money.Amount(r.IntN(2000)), TrafficPrice: money.Amount(r.IntN(2000))}, parent: par})
			nodes[par].kids = append(nodes[par].kids, i)
		}
		plans := map[int64]PlanRef{10: {ID: 10, Kind: Fixed, OwnerPath: "/1/"}, 11: {ID: 11, Kind: Usage, OwnerPath: "/1/"}}
		costs := map[OfferKey]money.Amount{}
		for _, n := range nodes[1:] {
			costs[OfferKey{10, n.ID}] = money.Amount(r.IntN(200000))
		}
		p, _ := NewPeriod(day0, day0.AddDate(0, 0, 1+r.IntN(60)), day0)
		in := StatementInput{Period: p, Plans: plans, Costs: costs}
		for _, n := range nodes {
			if r.IntN(2) == 0 {
				in.Groups = append(in.Groups, WholePeriod(n.Path, 10, 1+r.IntN(9), in.Period))
				in.Usage = append(in.Usage, UsageRow{CustomerPath: n.Path, StorageByteDays: r.Int64N(1e13), TrafficBytes: r.Int64N(1e12)})
			}
		}
		var sum money.Amount
		for _, n := range nodes {
			x := in
			x.Account = n.Payer
			x.Children = nil
			for _, k := range n.kids {
				x.Children = append(x.Children, nodes[k].Payer)
			}
			s := ComputeStatement(x)
			sum += s.Margin
			var below money.Amount
			for _, c := range s.Children {
				y := in
				y.Account = nodes[c.AccountID-1].Payer
				if own := ComputeStatement(y).OwesAbove; own != c.Charges {
					t.Fatalf("seed %d: %s's breakdown of %d %+v != its own %+v", seed, n.Name, c.AccountID, c.Charges, own)
				}
				below += c.Total
			}
			if below != s.OwedBelow || s.Margin != s.OwedBelow-s.OwesAbove.Total {
				t.Fatalf("seed %d: %s: %+v", seed, n.Name, s)
			}
		}
		if sum != 0 {
			t.Fatalf("seed %d: margins add up to %s", seed, sum)
		}
	}
}

// A statement whose sums do not fit int64 says so instead of wrapping
// (app refuses it with amount_overflow).
func TestStatementOverflowIsReported(t *testing.T) {
	day0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p, _ := NewPeriod(day0, day0.AddDate(0, 0, DaysPerMonth), day0) // one month's cost, not pro-rated
	plans := map[int64]PlanRef{10: {ID: 10, Kind: Fixed, OwnerPath: "/1/"}}
	in := StatementInput{Period: p, Plans: plans, Costs: map[OfferKey]money.Amount{{10, 2}: money.Amount(math.MaxInt64 / 2), {10, 3}: money.Amount(math.MaxInt64 / 2)},
		Account:  Payer{ID: 1, Path: "/1/", Root: true},
		Children: []Payer{{ID: 2, Name: "a", Path: "/1/2/"}, {ID: 3, Name: "b", Path: "/1/3/"}},
		Groups:   []CameraGroup{WholePeriod("/1/2/", 10, 1, p), WholePeriod("/1/3/", 10, 1, p)}}
	if s := ComputeStatement(in); s.Overflow {
		t.Fatalf("two halves of the range fit: %+v", s)
	}
	in.Groups[1] = WholePeriod("/1/3/", 10, 3, p)
	if s := ComputeStatement(in); !s.Overflow {
		t.Fatalf("3 × MaxInt64/2 must overflow, got %+v", s)
	}
	in.Groups[1] = WholePeriod("/1/3/", 10, 1, p)
	in.Costs[OfferKey{10, 3}] = money.Amount(math.MaxInt64/2 + 10)
	if s := ComputeStatement(in); !s.Overflow {
		t.Fatalf("the children's sum must overflow, got owed below %s", s.OwedBelow)
	}
}
