// Package money holds exact decimal amounts. Prices in Vigilo are tiny
// (0.0300 per GB) and summed over many rows, so floats would drift; an Amount
// is a count of ten-thousandths in an int64, which stays exact from the
// database (a BIGINT column) through sums to the page.
package money

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Scale is the number of decimal places every Amount carries.
const Scale = 4

const unit = 10000 // 10^Scale

// Amount is an exact decimal with Scale places.
type Amount int64

// ErrFormat is returned for text that is not a plain decimal number.
var ErrFormat = errors.New("must be a decimal number like 12.50")

// ErrPrecision is returned for more than Scale decimal places.
var ErrPrecision = fmt.Errorf("must have at most %d decimal places", Scale)

// ErrRange is returned for numbers too large to hold.
var ErrRange = errors.New("is too large")

// Parse reads "12", "12.5", "-0.0300". No exponents, no thousands separators.
func Parse(s string) (Amount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrFormat
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && frac == "" || hasDot && frac == "" && intPart == "" {
		return 0, ErrFormat
	}
	if !digits(intPart) || !digits(frac) || (intPart == "" && !hasDot) {
		return 0, ErrFormat
	}
	if hasDot && frac == "" {
		return 0, ErrFormat
	}
	if len(frac) > Scale {
		// Trailing zeros beyond the scale are harmless ("1.50000").
		if strings.Trim(frac[Scale:], "0") != "" {
			return 0, ErrPrecision
		}
		frac = frac[:Scale]
	}
	frac += strings.Repeat("0", Scale-len(frac))
	if intPart == "" {
		intPart = "0"
	}
	ip, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || ip > math.MaxInt64/unit-1 {
		return 0, ErrRange
	}
	fp, _ := strconv.ParseInt(frac, 10, 64)
	v := ip*unit + fp
	if neg {
		v = -v
	}
	return Amount(v), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MustParse is for constants in code and tests.
func MustParse(s string) Amount {
	a, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("money.MustParse(%q): %v", s, err))
	}
	return a
}

// String renders with exactly Scale places: "0.0300".
func (a Amount) String() string {
	b, _ := a.AppendText(make([]byte, 0, 24))
	return string(b)
}

// Trimmed renders without trailing zeros: "20", "7.7", "-0.03" (rates
// and percentages as people write them).
func (a Amount) Trimmed() string {
	s := strings.TrimRight(a.String(), "0")
	return strings.TrimSuffix(s, ".")
}

// AppendText appends the decimal text ("-12.0300") to b. Amounts are
// written in every price list and statement, so without fmt.
func (a Amount) AppendText(b []byte) ([]byte, error) {
	v := uint64(a)
	if a < 0 {
		b = append(b, '-')
		v = -v // two's complement: also right for the smallest int64
	}
	b = strconv.AppendUint(b, v/unit, 10)
	frac := v % unit
	b = append(b, '.', byte('0'+frac/1000), byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
	return b, nil
}

// Units is the raw count of ten-thousandths, for storage.
func (a Amount) Units() int64 { return int64(a) }

// FromUnits is the inverse of Units.
func FromUnits(u int64) Amount { return Amount(u) }

// Add is a + b, and false when the sum overflows (a wrapped sum would turn a
// debt into a credit).
func (a Amount) Add(b Amount) (Amount, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// Sub is a − b, and false when the difference overflows.
func (a Amount) Sub(b Amount) (Amount, bool) {
	if b == math.MinInt64 {
		return 0, false
	}
	return a.Add(-b)
}

// Times is a × n, and false when the product overflows.
func (a Amount) Times(n int64) (Amount, bool) {
	if a == 0 || n == 0 {
		return 0, true
	}
	p := int64(a) * n
	if p/n != int64(a) || (int64(a) == -1 && n == math.MinInt64) || (n == -1 && int64(a) == math.MinInt64) {
		return 0, false
	}
	return Amount(p), true
}

// MulRatio multiplies by num/den rounding half away from zero; used to price
// usage (bytes / bytes-per-GB) without floats. Products that overflow int64
// are computed with math/big, so the result stays exact wherever it fits.
func (a Amount) MulRatio(num, den int64) Amount {
	if den == 0 {
		return 0
	}
	p := int64(a) * num
	if num != 0 && (p/num != int64(a) || (p == math.MinInt64 && num == -1)) {
		return mulRatioBig(a, num, den)
	}
	q, r := p/den, p%den
	if 2*abs(r) >= abs(den) {
		if (p < 0) != (den < 0) {
			q--
		} else {
			q++
		}
	}
	return Amount(q)
}

func mulRatioBig(a Amount, num, den int64) Amount {
	p := new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(num))
	d := big.NewInt(den)
	q, r := new(big.Int).QuoRem(p, d, new(big.Int))
	// Round half away from zero: |2r| >= |den| moves q one step outwards.
	r2 := new(big.Int).Abs(new(big.Int).Lsh(r, 1))
	if r2.Cmp(new(big.Int).Abs(d)) >= 0 {
		if p.Sign()*d.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		if q.Sign() < 0 {
			return Amount(math.MinInt64)
		}
		return Amount(math.MaxInt64)
	}
	return Amount(q.Int64())
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// MarshalText writes a decimal string, the API's money format
// (MarshalText rather than MarshalJSON: encoding/json quotes text itself
// and need not re-scan what a MarshalJSON returned.)
func (a Amount) MarshalText() ([]byte, error) { return a.AppendText(nil) }

// UnmarshalJSON accepts "0.03" or a bare JSON number 0.03, read from its text
// (never through float64).
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return ErrFormat
		}
		v, err := Parse(s)
		if err != nil {
			return err
		}
		*a = v
		return nil
	}
	if bytes.ContainsAny(b, "eE") {
		return ErrFormat
	}
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
