package money

import (
	"errors"
	"fmt"
	"math"
)

// Currency is an ISO 4217 code. A Vigilo installation bills its whole
// account tree in one currency (VIGILO_CURRENCY); statements round every
// line to the currency's minor unit, while prices and the ledger keep
// ten-thousandths.
type Currency string

// ErrCurrency is returned for text that is not an ISO 4217 code.
var ErrCurrency = errors.New("must be an ISO 4217 currency code like EUR")

// ErrCurrencyUnknown is returned for three letters that name no currency.
var ErrCurrencyUnknown = errors.New("is not an active ISO 4217 currency code")

// minorUnits lists the currencies whose minor unit is not the cent (ISO
// 4217); every other code has two decimals.
var minorUnits = map[Currency]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// ParseCurrency accepts the three upper-case letters of an active ISO 4217
// code (iso4217.go).
func ParseCurrency(s string) (Currency, error) {
	if len(s) != 3 {
		return "", ErrCurrency
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return "", ErrCurrency
		}
	}
	if !Currency(s).Known() {
		return "", ErrCurrencyUnknown
	}
	return Currency(s), nil
}

// Decimals is the number of decimals of the currency's minor unit.
func (c Currency) Decimals() int {
	if d, ok := minorUnits[c]; ok {
		return d
	}
	return 2
}

// Round rounds a to the currency's minor unit, half away from zero.
func (c Currency) Round(a Amount) Amount { return a.Round(c.Decimals()) }

// Format shows a with the currency's decimals and its code: "EUR 12.50".
func (c Currency) Format(a Amount) string { return string(c) + " " + a.Fixed(c.Decimals()) }

// Round rounds to places decimals (0..Scale), half away from zero; the
// result is still an Amount in ten-thousandths.
func (a Amount) Round(places int) Amount {
	if places >= Scale {
		return a
	}
	step := int64(math.Pow10(Scale - max(places, 0)))
	v := int64(a)
	q, r := v/step, v%step
	if 2*abs(r) >= step {
		if v < 0 {
			q--
		} else {
			q++
		}
	}
	if q > math.MaxInt64/step || q < math.MinInt64/step {
		return a // cannot happen for amounts below MaxPrice sums; keep exact rather than wrap
	}
	return Amount(q * step)
}

// Fixed renders a rounded to places decimals (0..Scale): "12.50".
func (a Amount) Fixed(places int) string {
	places = min(max(places, 0), Scale)
	s := a.Round(places).String() // "-12.5000"
	if places == Scale {
		return s
	}
	cut := len(s) - (Scale - places)
	if places == 0 {
		cut-- // the dot goes too
	}
	return s[:cut]
}

// String is the code itself.
func (c Currency) String() string { return string(c) }

var _ fmt.Stringer = Currency("")
