package billing

import (
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The billing model of account statements (R7, docs/BILLING.md): every
// account pays its parent for the cameras of its subtree, fixed-plan cameras
// per camera-month at the account's own offer cost, usage-plan cameras by
// storage (per GB-month) and traffic (per GB) at the account's own prices.
// What an account is owed below is what its direct children owe it, so the
// money telescopes: every amount is computed once, for the payer, and the
// payee sees exactly that figure.

// Quantities of the usage prices: a GB is 10^9 bytes; a month is 30 days.
const (
	BytesPerGB   = 1_000_000_000
	DaysPerMonth = 30
	// MaxPeriodDays bounds a statement's period (a year, leap or not).
	MaxPeriodDays = 366
)

// Period is a statement's span of whole UTC days, [From, To).
type Period struct {
	From, To time.Time // UTC midnights
	Days     int
}

// FromDay and ToDay are the period's bounds as the usage tables key days
// ("YYYY-MM-DD"; ToDay is exclusive).
func (p Period) FromDay() string { return p.From.Format(time.DateOnly) }
func (p Period) ToDay() string   { return p.To.Format(time.DateOnly) }

// DayList lists the period's days in order, for charts.
func (p Period) DayList() []string {
	out := make([]string, 0, p.Days)
	for d := p.From; d.Before(p.To); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// NewPeriod checks and normalizes a requested range. A zero from is the
// first day of now's calendar month, a zero to the first day of the month
// after from's. Usage is recorded per UTC day, so from is rounded down and
// to up to whole days. Errors name the field at fault.
func NewPeriod(from, to, now time.Time) (Period, error) {
	if from.IsZero() {
		n := now.UTC()
		from = time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	from = from.UTC()
	if to.IsZero() {
		to = time.Date(from.Year(), from.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	}
	to = to.UTC()
	if !from.Before(to) {
		return Period{}, errs.Field("to", "must be after from")
	}
	p := Period{From: from.Truncate(24 * time.Hour), To: to.Truncate(24 * time.Hour)}
	if p.To.Before(to) {
		p.To = p.To.AddDate(0, 0, 1)
	}
	hours := p.To.Sub(p.From).Hours()
	if hours > MaxPeriodDays*24 {
		return Period{}, errs.Field("to", "the range may span at most 366 days")
	}
	p.Days = int(hours / 24)
	return p, nil
}

// Payer is an account as the statement needs it: where it sits and what it
// pays its parent per GB.
type Payer struct {
	ID           int64
	ParentID     int64 // 0 for the root; filled where a whole tree is read
	Name         string
	Path         string
	Root         bool         // the operator pays nobody
	StoragePrice money.Amount // per GB-month
	TrafficPrice money.Amount // per GB
}

// CameraGroup counts the cameras on one plan assigned to one customer
// (identified by its path, which places it in the tree) during a period,
// and the time they were billable there: the assignment history splits a
// camera moved, re-planned or switched off mid-period exactly.
type CameraGroup struct {
	CustomerPath string
	PlanID       int64
	Cameras      int   // distinct cameras with some time in the group
	Millis       int64 // Σ over those cameras of their billable time in the period
}

// Time units of fixed-plan pricing: a camera-day, and the 30-day month the
// prices are per.
const (
	DayMillis   = int64(24 * time.Hour / time.Millisecond)
	MonthMillis = DaysPerMonth * DayMillis
)

// WholePeriod is the group of cameras billable for the whole of p (tests
// and callers without history).
func WholePeriod(customerPath string, planID int64, cameras int, p Period) CameraGroup {
	return CameraGroup{CustomerPath: customerPath, PlanID: planID, Cameras: cameras, Millis: int64(cameras) * int64(p.Days) * DayMillis}
}

// UsageRow is the usage of one customer's usage-plan cameras over a period.
type UsageRow struct {
	CustomerPath    string
	StorageByteDays int64 // Σ over the period's days of the day's stored bytes
	TrafficBytes    int64
}

// PlanRef is what pricing needs of a plan: its kind and where it came from.
// A copy (SourcePlanID) made by an integrator prices, for that integrator
// and anyone above it, as the plan it was copied from.
type PlanRef struct {
	ID           int64
	Kind         Kind
	SourcePlanID int64
	OwnerPath    string
}

// OfferKey names one account's offer of one plan.
type OfferKey struct{ PlanID, AccountID int64 }

// Charges is what one account owes its parent over a period.
type Charges struct {
	FixedCameras int // fixed-plan cameras in the subtree
	// FixedCameraDays is what the fixed charge is priced on: the time each
	// fixed camera was billable in the period, in days (four decimals).
	FixedCameraDays money.Amount
	// StorageByteDays and TrafficBytes are the raw usage priced, kept by a
	// closed statement so that late usage can be told apart later.
	StorageByteDays int64
	TrafficBytes    int64
	// UnpricedCameras are fixed-plan cameras for which the payer has no
	// offer row (the plan was never offered to it): they cost nothing.
	UnpricedCameras int
	Fixed           money.Amount
	StorageGBMonths money.Amount // a quantity with four decimals, not money
	Storage         money.Amount
	TrafficGB       money.Amount // a quantity with four decimals, not money
	Traffic         money.Amount
	Total           money.Amount
	// Overflow tells that a sum did not fit int64; the amounts are then
	// meaningless and the statement must be refused, never shown wrapped.
	Overflow bool
}

// ChildCharges is what one direct child owes.
type ChildCharges struct {
	AccountID int64
	Name      string
	Charges
}

// Statement is one account's money over a period.
type Statement struct {
	Period    Period
	OwesAbove Charges        // what the account pays its parent (zero for the root)
	OwedBelow money.Amount   // Σ of Children's totals
	Margin    money.Amount   // OwedBelow − OwesAbove.Total
	Children  []ChildCharges // by name, then id
	Overflow  bool           // some sum did not fit (see Charges.Overflow)
}

// StatementInput is everything a statement is computed from; the store
// fills it with a handful of grouped queries over the account's subtree.
type StatementInput struct {
	Period   Period
	Account  Payer
	Children []Payer
	Groups   []CameraGroup // fixed and usage cameras in the account's subtree
	Usage    []UsageRow    // usage-plan cameras only
	Plans    map[int64]PlanRef
	Costs    map[OfferKey]money.Amount // offers of the account and its children
}

// ComputeStatement prices the account and each direct child. Groups and
// usage rows are split by child once, so an account with many children
// costs one pass over its subtree's rows, not one per child.
func ComputeStatement(in StatementInput) Statement {
	s := Statement{Period: in.Period, OwesAbove: Owes(in, in.Account)}
	idx := make(map[string]int, len(in.Children))
	for i, c := range in.Children {
		idx[c.Path] = i
	}
	groups := make([][]CameraGroup, len(in.Children))
	for _, g := range in.Groups {
		if i, ok := idx[childPath(in.Account.Path, g.CustomerPath)]; ok {
			groups[i] = append(groups[i], g)
		}
	}
	usage := make([][]UsageRow, len(in.Children))
	for _, u := range in.Usage {
		if i, ok := idx[childPath(in.Account.Path, u.CustomerPath)]; ok {
			usage[i] = append(usage[i], u)
		}
	}
	for i, c := range in.Children {
		part := in
		part.Groups, part.Usage = groups[i], usage[i]
		ch := ChildCharges{AccountID: c.ID, Name: c.Name, Charges: Owes(part, c)}
		s.Children = append(s.Children, ch)
		s.OwedBelow = add(&s.Overflow, s.OwedBelow, ch.Total)
		s.Overflow = s.Overflow || ch.Overflow
	}
	sort.Slice(s.Children, func(i, j int) bool {
		a, b := s.Children[i], s.Children[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.AccountID < b.AccountID
	})
	var ok bool
	if s.Margin, ok = s.OwedBelow.Sub(s.OwesAbove.Total); !ok {
		s.Overflow = true
	}
	s.Overflow = s.Overflow || s.OwesAbove.Overflow
	return s
}

// add is a checked a + b that records an overflow in *over.
func add(over *bool, a, b money.Amount) money.Amount {
	s, ok := a.Add(b)
	if !ok {
		*over = true
	}
	return s
}

// addInt is add for quantities (bytes, byte-days).
func addInt(over *bool, a, b int64) int64 {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		*over = true
	}
	return s
}

// childPath is the path of the direct child of the account at parent on
// the way to path ("" when path is not strictly below parent).
func childPath(parent, path string) string {
	if len(path) <= len(parent) || !tenancy.InSubtree(parent, path) {
		return ""
	}
	rest := path[len(parent):]
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return ""
	}
	return path[:len(parent)+i+1]
}

// Owes is what payer (the account or one of its children) owes its parent
// for the cameras and usage of its own subtree.
func Owes(in StatementInput, payer Payer) Charges {
	var c Charges
	if payer.Root {
		return c
	}
	perMonth := new(big.Int) // Σ cost × billable milliseconds, divided once
	var millis int64
	for _, g := range in.Groups {
		if !tenancy.InSubtree(payer.Path, g.CustomerPath) {
			continue
		}
		p, ok := in.Plans[g.PlanID]
		if !ok || p.Kind != Fixed {
			continue
		}
		c.FixedCameras += g.Cameras
		millis = addInt(&c.Overflow, millis, g.Millis)
		priced, ok := pricingPlan(in.Plans, g.PlanID, payer.Path)
		cost, offered := in.Costs[OfferKey{priced, payer.ID}]
		if !ok || !offered {
			c.UnpricedCameras += g.Cameras
			continue
		}
		perMonth.Add(perMonth, new(big.Int).Mul(big.NewInt(int64(cost)), big.NewInt(g.Millis)))
	}
	c.Fixed = roundQuo(perMonth, MonthMillis, &c.Overflow)
	c.FixedCameraDays = mulDiv(money.MustParse("1"), millis, DayMillis)
	var byteDays, traffic int64
	for _, u := range in.Usage {
		if tenancy.InSubtree(payer.Path, u.CustomerPath) {
			byteDays = addInt(&c.Overflow, byteDays, u.StorageByteDays)
			traffic = addInt(&c.Overflow, traffic, u.TrafficBytes)
		}
	}
	c.StorageByteDays, c.TrafficBytes = byteDays, traffic
	gbMonth := int64(BytesPerGB * DaysPerMonth)
	c.StorageGBMonths = mulDiv(money.MustParse("1"), byteDays, gbMonth)
	c.Storage = mulDiv(payer.StoragePrice, byteDays, gbMonth)
	c.TrafficGB = mulDiv(money.MustParse("1"), traffic, BytesPerGB)
	c.Traffic = mulDiv(payer.TrafficPrice, traffic, BytesPerGB)
	c.Total = add(&c.Overflow, add(&c.Overflow, c.Fixed, c.Storage), c.Traffic)
	return c
}

// pricingPlan finds the plan whose offer prices planID for the payer at
// payerPath: a copy made in the payer's subtree (or by the payer itself) is
// priced, for the payer, as its source. ok is false when the chain ends in
// the payer's subtree (a plan the payer owns outright costs it nothing).
func pricingPlan(plans map[int64]PlanRef, planID int64, payerPath string) (int64, bool) {
	for depth := 0; depth <= tenancy.MaxDepth+1; depth++ {
		p, ok := plans[planID]
		if !ok {
			return 0, false
		}
		if !tenancy.InSubtree(payerPath, p.OwnerPath) {
			return planID, true
		}
		if p.SourcePlanID == 0 {
			return 0, false
		}
		planID = p.SourcePlanID
	}
	return 0, false
}

// roundQuo is num / den rounded half away from zero; over records a
// result outside int64.
func roundQuo(num *big.Int, den int64, over *bool) money.Amount {
	d := big.NewInt(den)
	q, r := new(big.Int).QuoRem(num, d, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(d) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		*over = true
		return 0
	}
	return money.Amount(q.Int64())
}

// mulDiv is price × num / den rounded half up, in big integers: byte counts
// times prices in ten-thousandths leave int64 quickly (a petabyte-day at
// 0.03 is 3·10^17 units before the division).
func mulDiv(price money.Amount, num, den int64) money.Amount {
	if den == 0 || num == 0 || price == 0 {
		return 0
	}
	p := new(big.Int).Mul(big.NewInt(int64(price)), big.NewInt(num))
	d := big.NewInt(den)
	q, r := new(big.Int).QuoRem(p, d, new(big.Int))
	if r.Sign() != 0 && new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(new(big.Int).Abs(d)) >= 0 {
		if p.Sign()*d.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return money.Amount(1<<63 - 1)
	}
	return money.Amount(q.Int64())
}
