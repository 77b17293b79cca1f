package billing

import (
	"sort"
	"time"

	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Monthly statements (docs/BILLING.md, "Periods and closing"): the money of
// one account for one calendar month, as lines rounded to the currency's
// minor unit so that a statement adds up on paper. A closed statement is
// stored as computed and never recomputed; usage that arrives for a closed
// month is billed as an adjustment line of the next month.

// LineKind names what a statement line charges for.
type LineKind string

const (
	LineFixed   LineKind = "fixed"   // fixed-plan cameras; quantity in camera-days
	LineStorage LineKind = "storage" // usage-plan storage; quantity in GB-months
	LineTraffic LineKind = "traffic" // usage-plan playback; quantity in GB
	// Adjustments price usage of the previous, closed month that its
	// statement did not count (or counted and was later corrected away).
	LineStorageAdjustment LineKind = "storage_adjustment"
	LineTrafficAdjustment LineKind = "traffic_adjustment"
)

// lineLabels name the line kinds as people read them, with the quantity's
// unit (statements in the portal, invoices on paper).
var lineLabels = map[LineKind][2]string{
	LineFixed:             {"Fixed plans", "camera-days"},
	LineStorage:           {"Storage (usage plans)", "GB-months"},
	LineTraffic:           {"Traffic (usage plans)", "GB"},
	LineStorageAdjustment: {"Storage adjustment (late usage of the previous month)", "GB-months"},
	LineTrafficAdjustment: {"Traffic adjustment (late usage of the previous month)", "GB"},
}

// Describe is the kind as people read it and its quantity's unit; an
// unknown kind shows as itself.
func (k LineKind) Describe() (label, unit string) {
	if l, ok := lineLabels[k]; ok {
		return l[0], l[1]
	}
	return string(k), ""
}

// Line is one charge of a statement. Quantity keeps four decimals; Amount is
// rounded to the currency's minor unit.
type Line struct {
	Kind     LineKind
	Quantity money.Amount
	Amount   money.Amount
}

// ChildOwes is what one direct child owes the account for the month: the
// child's own owes_above, to the minor unit of the child's currency (its
// tree's; only the operator's children can differ from the statement's).
type ChildOwes struct {
	AccountID int64
	Name      string
	Owes      money.Amount
	Currency  money.Currency
}

// CurrencyTotal is what an account is owed below, and its margin, in one
// currency.
type CurrencyTotal struct {
	Currency  money.Currency
	OwedBelow money.Amount
	Margin    money.Amount
}

// Counted is what a statement priced as the payer's usage of its month, and
// at which prices: the next month compares it with the usage as it then
// stands to bill late usage at the closed month's prices.
type Counted struct {
	StorageByteDays int64
	TrafficBytes    int64
	StoragePrice    money.Amount
	TrafficPrice    money.Amount
}

// MonthStatement is one account's statement for one month.
type MonthStatement struct {
	AccountID int64
	Month     Month
	Closed    bool
	ClosedAt  time.Time // zero for a draft
	Currency  money.Currency
	OwesAbove money.Amount // Σ Lines (zero for the operator)
	// OwedBelow is Σ Children's Owes in Currency: for the operator, whose
	// top-level children may bill in other currencies, Totals has the rest.
	OwedBelow money.Amount
	Margin    money.Amount // OwedBelow − OwesAbove
	Lines     []Line
	Children  []ChildOwes // by name, then id
	Counted   Counted
}

// MonthInput is what a month's statement is built from: the account's
// statement over the month's days (ComputeStatement) and the adjustment
// lines of the account and of each child (by account id).
type MonthInput struct {
	Month       Month
	Currency    money.Currency
	Account     Payer
	Statement   Statement
	Adjustments map[int64][]Line
	// ChildCurrency is each child's currency where it is not Currency (the
	// operator's top-level children with a currency of their own).
	ChildCurrency map[int64]money.Currency
}

// BuildMonth turns the month's charges into a statement. Each payer's lines
// are computed once and its owes is their sum, so what a child owes is, to
// the minor unit, what its parent's statement lists for it. ok is false if
// a sum did not fit.
func BuildMonth(in MonthInput) (MonthStatement, bool) {
	ok := !in.Statement.Overflow
	m := MonthStatement{AccountID: in.Account.ID, Month: in.Month, Currency: in.Currency, Lines: []Line{}, Children: []ChildOwes{}}
	if !in.Account.Root {
		c := in.Statement.OwesAbove
		m.Counted = Counted{StorageByteDays: c.StorageByteDays, TrafficBytes: c.TrafficBytes,
			StoragePrice: in.Account.StoragePrice, TrafficPrice: in.Account.TrafficPrice}
		m.Lines = PayerLines(c, in.Adjustments[in.Account.ID], in.Currency)
	}
	var s bool
	if m.OwesAbove, s = SumLines(m.Lines); !s {
		ok = false
	}
	for _, ch := range in.Statement.Children {
		cur := in.Currency
		if c, set := in.ChildCurrency[ch.AccountID]; set && c != "" {
			cur = c
		}
		owes, s := SumLines(PayerLines(ch.Charges, in.Adjustments[ch.AccountID], cur))
		ok = ok && s
		m.Children = append(m.Children, ChildOwes{AccountID: ch.AccountID, Name: ch.Name, Owes: owes, Currency: cur})
		if cur != in.Currency {
			continue // in Totals, never added to another currency
		}
		if m.OwedBelow, s = m.OwedBelow.Add(owes); !s {
			ok = false
		}
	}
	if _, s := m.Totals(); !s {
		ok = false
	}
	if m.Margin, s = m.OwedBelow.Sub(m.OwesAbove); !s {
		ok = false
	}
	return m, ok
}

// Totals is what the account is owed below and its margin per currency:
// the statement's own currency first (always present), then the others its
// children bill in, by code. Only the operator's can have more than one;
// it owes nobody, so its margin in a currency is what it is owed in it.
// ok is false if a sum did not fit.
func (m MonthStatement) Totals() ([]CurrencyTotal, bool) {
	out := []CurrencyTotal{{Currency: m.Currency, OwedBelow: m.OwedBelow, Margin: m.Margin}}
	at := map[money.Currency]int{m.Currency: 0}
	ok := true
	for _, c := range m.Children {
		if c.Currency == "" || c.Currency == m.Currency {
			continue
		}
		i, seen := at[c.Currency]
		if !seen {
			i = len(out)
			at[c.Currency] = i
			out = append(out, CurrencyTotal{Currency: c.Currency})
		}
		var s bool
		if out[i].OwedBelow, s = out[i].OwedBelow.Add(c.Owes); !s {
			ok = false
		}
		out[i].Margin = out[i].OwedBelow
	}
	rest := out[1:]
	sort.Slice(rest, func(i, j int) bool { return rest[i].Currency < rest[j].Currency })
	return out, ok
}

// PayerLines is what a payer owes for the month as lines: fixed, storage and
// traffic always (zeros included, so every statement has the same shape),
// then the adjustments, each rounded to the currency's minor unit.
func PayerLines(c Charges, adj []Line, cur money.Currency) []Line {
	out := []Line{
		{Kind: LineFixed, Quantity: c.FixedCameraDays, Amount: cur.Round(c.Fixed)},
		{Kind: LineStorage, Quantity: c.StorageGBMonths, Amount: cur.Round(c.Storage)},
		{Kind: LineTraffic, Quantity: c.TrafficGB, Amount: cur.Round(c.Traffic)},
	}
	return append(out, adj...)
}

// Adjust prices the difference between a closed month's usage as it stands
// now and what its statement counted, at the prices the statement used.
// Nothing changed, no line.
func Adjust(counted Counted, storageByteDays, trafficBytes int64, cur money.Currency) []Line {
	var out []Line
	if d := storageByteDays - counted.StorageByteDays; d != 0 {
		gbMonth := int64(BytesPerGB * DaysPerMonth)
		out = append(out, Line{Kind: LineStorageAdjustment, Quantity: mulDiv(money.MustParse("1"), d, gbMonth),
			Amount: cur.Round(mulDiv(counted.StoragePrice, d, gbMonth))})
	}
	if d := trafficBytes - counted.TrafficBytes; d != 0 {
		out = append(out, Line{Kind: LineTrafficAdjustment, Quantity: mulDiv(money.MustParse("1"), d, BytesPerGB),
			Amount: cur.Round(mulDiv(counted.TrafficPrice, d, BytesPerGB))})
	}
	return out
}

// SumLines adds the lines' amounts; false on overflow.
func SumLines(lines []Line) (money.Amount, bool) {
	var t money.Amount
	for _, l := range lines {
		var ok bool
		if t, ok = t.Add(l.Amount); !ok {
			return 0, false
		}
	}
	return t, true
}

// UsageOf sums the usage rows of the customers in the subtree at path.
func UsageOf(rows []UsageRow, path string) (storageByteDays, trafficBytes int64) {
	for _, u := range rows {
		if tenancy.InSubtree(path, u.CustomerPath) {
			storageByteDays += u.StorageByteDays
			trafficBytes += u.TrafficBytes
		}
	}
	return storageByteDays, trafficBytes
}

// LineQuantity is the quantity of the statement's line of kind k (zero
// when it has none, as the operator's statements have no lines).
func LineQuantity(lines []Line, k LineKind) money.Amount {
	for _, l := range lines {
		if l.Kind == k {
			return l.Quantity
		}
	}
	return 0
}
