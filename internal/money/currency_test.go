package money

import "testing"

func TestRoundAndFixed(t *testing.T) {
	for _, c := range []struct {
		in     string
		places int
		want   string
	}{
		{"12.3450", 2, "12.35"}, {"12.3449", 2, "12.34"}, {"-12.3450", 2, "-12.35"}, {"-0.0049", 2, "0.00"},
		{"0.0050", 2, "0.01"}, {"7.5", 0, "8"}, {"-7.5", 0, "-8"}, {"1.2346", 4, "1.2346"}, {"2.0005", 3, "2.001"},
	} {
		in := MustParse(c.in)
		if got := in.Fixed(c.places); got != c.want {
			t.Errorf("%s.Fixed(%d) = %q, want %q", c.in, c.places, got, c.want)
		}
	}
	if r := MustParse("3.999").Round(2); r != MustParse("4") {
		t.Errorf("Round kept %s", r)
	}
}

func TestCurrency(t *testing.T) {
	for _, bad := range []string{"", "eur", "EU", "EURO", "E1R", "ABC", "XXX", "XAU", "EUR "} {
		if _, err := ParseCurrency(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, good := range []string{"EUR", "USD", "CHF", "JPY", "KWD", "BRL", "ZAR"} {
		if _, err := ParseCurrency(good); err != nil {
			t.Errorf("%q refused: %v", good, err)
		}
	}
	eur, _ := ParseCurrency("EUR")
	jpy, _ := ParseCurrency("JPY")
	kwd, _ := ParseCurrency("KWD")
	a := MustParse("1234.5678")
	for c, want := range map[Currency]string{eur: "EUR 1234.57", jpy: "JPY 1235", kwd: "KWD 1234.568"} {
		if got := c.Format(a); got != want {
			t.Errorf("%s: %q, want %q", c, got, want)
		}
	}
}
