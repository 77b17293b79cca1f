package billing

import (
	"math/rand/v2"
	"testing"

	"github.com/vigilo/vigilo/internal/money"
)

// TestBuildMonthAddsUp builds random months for a parent and its children:
// the parent's children owe, to the minor unit, what each child's own
// statement says; owed_below is their sum; margin is owed_below −
// owes_above; owes_above is the sum of the lines.
func TestBuildMonthAddsUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2026))
	eur := money.Currency("EUR")
	charges := func() Charges {
		return Charges{FixedCameraDays: money.Amount(rng.Int64N(3e7)), Fixed: money.Amount(rng.Int64N(1e9)),
			StorageGBMonths: money.Amount(rng.Int64N(1e8)), Storage: money.Amount(rng.Int64N(1e8)),
			TrafficGB: money.Amount(rng.Int64N(1e8)), Traffic: money.Amount(rng.Int64N(1e8))}
	}
	for range 500 {
		month := Month{2026, 2}
		parent := Payer{ID: 1, Path: "/1/", Root: rng.IntN(4) == 0}
		st := Statement{OwesAbove: charges()}
		adj := map[int64][]Line{}
		n := rng.IntN(6)
		for i := range n {
			id := int64(10 + i)
			st.Children = append(st.Children, ChildCharges{AccountID: id, Charges: charges()})
			if rng.IntN(2) == 0 {
				adj[id] = Adjust(Counted{StorageByteDays: rng.Int64N(1e14), TrafficBytes: rng.Int64N(1e12),
					StoragePrice: money.Amount(rng.Int64N(1e4)), TrafficPrice: money.Amount(rng.Int64N(1e4))},
					rng.Int64N(1e14), rng.Int64N(1e12), eur)
			}
		}
		m, ok := BuildMonth(MonthInput{Month: month, Currency: eur, Account: parent, Statement: st, Adjustments: adj})
		if !ok {
			t.Fatal("overflow")
		}
		var below money.Amount
		for i, c := range m.Children {
			own, _ := BuildMonth(MonthInput{Month: month, Currency: eur, Account: Payer{ID: c.AccountID},
				Statement: Statement{OwesAbove: st.Children[i].Charges}, Adjustments: adj})
			if own.OwesAbove != c.Owes || c.Owes != c.Owes.Round(2) {
				t.Fatalf("child %d owes %s in its parent's statement, %s in its own", c.AccountID, c.Owes, own.OwesAbove)
			}
			below += c.Owes
		}
		lines, _ := SumLines(m.Lines)
		if m.OwedBelow != below || m.Margin != below-m.OwesAbove || lines != m.OwesAbove || (parent.Root && m.OwesAbove != 0) {
			t.Fatalf("does not add up: %+v", m)
		}
	}
}

func TestParseMonth(t *testing.T) {
	for _, bad := range []string{"", "2026-3", "2026-13", "26-03", "2026-03-01", "1999-12"} {
		if _, err := ParseMonth(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	m, err := ParseMonth("2024-02")
	if err != nil || m.Period().Days != 29 || m.Prev().String() != "2024-01" || m.Next().String() != "2024-03" {
		t.Fatalf("%v %v %+v", m, err, m.Period())
	}
}

// TestBuildMonthPerCurrency: the operator's children in other currencies
// are rounded to their own minor unit, carry their currency, stay out of
// owed_below (which is in the statement's currency) and are totalled per
// currency, the statement's own first.
func TestBuildMonthPerCurrency(t *testing.T) {
	eur, jpy, kwd := money.Currency("EUR"), money.Currency("JPY"), money.Currency("KWD")
	ch := func(id int64, fixed string) ChildCharges {
		return ChildCharges{AccountID: id, Charges: Charges{Fixed: money.MustParse(fixed)}}
	}
	st := Statement{Children: []ChildCharges{ch(2, "10.005"), ch(3, "933.5"), ch(4, "1.2345"), ch(5, "0.004"), ch(6, "100.4")}}
	m, ok := BuildMonth(MonthInput{Month: Month{2026, 2}, Currency: eur, Account: Payer{ID: 1, Path: "/1/", Root: true}, Statement: st,
		ChildCurrency: map[int64]money.Currency{3: jpy, 4: kwd, 6: jpy}})
	if !ok {
		t.Fatal("overflow")
	}
	want := map[int64]string{2: "10.01 EUR", 3: "934 JPY", 4: "1.235 KWD", 5: "0.00 EUR", 6: "100 JPY"}
	for _, c := range m.Children {
		if got := c.Owes.Fixed(c.Currency.Decimals()) + " " + string(c.Currency); got != want[c.AccountID] {
			t.Errorf("child %d owes %s, want %s", c.AccountID, got, want[c.AccountID])
		}
	}
	if m.OwedBelow != money.MustParse("10.01") || m.Margin != m.OwedBelow {
		t.Errorf("owed below %s margin %s, want the euros only", m.OwedBelow, m.Margin)
	}
	totals, ok := m.Totals()
	var got []string
	for _, x := range totals {
		d := x.Currency.Decimals()
		got = append(got, string(x.Currency)+" "+x.OwedBelow.Fixed(d)+" "+x.Margin.Fixed(d))
	}
	if !ok || len(got) != 3 || got[0] != "EUR 10.01 10.01" || got[1] != "JPY 1034 1034" || got[2] != "KWD 1.235 1.235" {
		t.Errorf("totals %v", got)
	}
}
