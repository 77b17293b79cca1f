package money

import (
	"encoding/json"
	"math"
	"testing"
)

func TestParseAndString(t *testing.T) {
	ok := map[string]string{
		"0": "0.0000", "12": "12.0000", "0.03": "0.0300", ".5": "0.5000", "-1.25": "-1.2500",
		"1.50000": "1.5000", "+7.0001": "7.0001", " 3.1 ": "3.1000",
	}
	for in, want := range ok {
		a, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if a.String() != want {
			t.Errorf("Parse(%q) = %s, want %s", in, a, want)
		}
	}
	bad := map[string]error{
		"": ErrFormat, "abc": ErrFormat, "1e3": ErrFormat, "1.": ErrFormat, "1,5": ErrFormat,
		"0.00001": ErrPrecision, "99999999999999999999": ErrRange, "-": ErrFormat, ".": ErrFormat,
	}
	for in, want := range bad {
		if _, err := Parse(in); err != want {
			t.Errorf("Parse(%q) err = %v, want %v", in, err, want)
		}
	}
}

func TestJSONRoundTripAndNumbers(t *testing.T) {
	var v struct{ P Amount }
	if err := json.Unmarshal([]byte(`{"P":0.1}`), &v); err != nil || v.P.String() != "0.1000" {
		t.Fatalf("number: %v %v", v.P, err)
	}
	if err := json.Unmarshal([]byte(`{"P":"2.5"}`), &v); err != nil || v.P != 25000 {
		t.Fatalf("string: %v %v", v.P, err)
	}
	if err := json.Unmarshal([]byte(`{"P":1e2}`), &v); err == nil {
		t.Fatal("exponent accepted")
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"P":"2.5000"}` {
		t.Fatalf("marshal: %s", b)
	}
}

func TestSumIsExact(t *testing.T) {
	// 0.0001 summed 100000 times is exactly 10 — floats get this wrong.
	var s Amount
	p := MustParse("0.0001")
	for i := 0; i < 100000; i++ {
		s += p
	}
	if s.String() != "10.0000" {
		t.Fatalf("sum = %s", s)
	}
}

func TestMulRatio(t *testing.T) {
	// 0.0300 per GB × 1.5 GB = 0.0450
	if got := MustParse("0.03").MulRatio(3, 2); got.String() != "0.0450" {
		t.Fatalf("got %s", got)
	}
	// rounding half away from zero
	if got := Amount(1).MulRatio(1, 2); got != 1 {
		t.Fatalf("half: %d", got)
	}
	if got := Amount(-1).MulRatio(1, 2); got != -1 {
		t.Fatalf("neg half: %d", got)
	}
}

// Where the product overflows int64 the result is still exact: 1e12 units ×
// 5e9 / 1e10 = 5e11 units.
func TestMulRatioOverflowIsExact(t *testing.T) {
	a := Amount(1_000_000_000_000)
	if got := a.MulRatio(5_000_000_000, 10_000_000_000); got != 500_000_000_000 {
		t.Fatalf("got %d", got)
	}
	// 3 × (2^62) / 2 overflows the product; half-away rounding of an odd result.
	b := Amount(1 << 62)
	if got := b.MulRatio(3, 4); got != Amount(3<<60) {
		t.Fatalf("got %d", got)
	}
	if got := Amount(-(1 << 62)).MulRatio(3, 8); got != Amount(-(3 << 59)) {
		t.Fatalf("negative: %d", got)
	}
}

// TestAmountText: the text of amounts around every digit boundary, signs
// and the extremes, and its JSON as a quoted string that reads back.
func TestAmountText(t *testing.T) {
	for _, c := range []struct {
		a    Amount
		want string
	}{{0, "0.0000"}, {1, "0.0001"}, {-1, "-0.0001"}, {300, "0.0300"}, {10000, "1.0000"}, {-123456789, "-12345.6789"},
		{Amount(math.MaxInt64), "922337203685477.5807"}, {Amount(math.MinInt64), "-922337203685477.5808"}} {
		if got := c.a.String(); got != c.want {
			t.Errorf("%d: %q, want %q", int64(c.a), got, c.want)
		}
		b, err := json.Marshal(struct{ P Amount }{c.a})
		if err != nil || string(b) != `{"P":"`+c.want+`"}` {
			t.Errorf("%d: JSON %s %v", int64(c.a), b, err)
		}
		if c.a == math.MaxInt64 || c.a == math.MinInt64 {
			continue // beyond what input may hold
		}
		var back struct{ P Amount }
		if err := json.Unmarshal(b, &back); err != nil || back.P != c.a {
			t.Errorf("%d: read back %d %v", int64(c.a), int64(back.P), err)
		}
	}
}

func TestTrimmed(t *testing.T) {
	for in, want := range map[string]string{"20": "20", "7.7": "7.7", "0.0300": "0.03", "-1.5": "-1.5", "0": "0", "100.0001": "100.0001"} {
		if got := MustParse(in).Trimmed(); got != want {
			t.Errorf("%s.Trimmed() = %q, want %q", in, got, want)
		}
	}
}
