// Package billing holds plans, offers and the prices that flow down the
// account tree (R4): a plan is defined once by its owner (the operator, or an
// integrator for a copy), and each account below sees it through its own
// offer — selected or not, shown or hidden, its own name and end-user price,
// and its cost, which only the account's parent sets. It knows no SQL or HTTP.
package billing

import (
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Kind says how a plan is priced.
type Kind string

const (
	Fixed Kind = "fixed" // a fixed price per camera per month
	Usage Kind = "usage" // pay as you go: storage per GB-month and traffic per GB
)

func (k Kind) Valid() bool { return k == Fixed || k == Usage }

// RecordingMode says what the recorder keeps.
type RecordingMode string

const (
	Continuous RecordingMode = "continuous"
	Events     RecordingMode = "events"
)

func (m RecordingMode) Valid() bool { return m == Continuous || m == Events }

// Limits on plan fields; generous but finite so that a typo cannot ask the
// recorder for a century of storage.
const (
	MaxRetentionDays = 3650
	MaxBitrateKbps   = 1_000_000
	// MaxPrice bounds any price (a million per camera-month) so that sums
	// over many cameras stay far inside int64.
	MaxPrice = money.Amount(1_000_000 * 10000)
)

// Plan is a recording subscription for one camera as defined by its owner.
// Price is the owner's own list price per camera-month; it is the owner's
// secret towards anyone below its direct children and never leaves the
// server except to the owner (see OfferView).
type Plan struct {
	ID             int64
	OwnerAccountID int64
	SourcePlanID   int64 // 0 unless this is a copy of another plan
	Name           string
	Kind           Kind
	RetentionDays  int
	RecordingMode  RecordingMode
	MaxBitrateKbps int // 0: no limit
	Price          money.Amount
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// RetiredAt is when the plan was retired (zero: in service). A retired
	// plan cannot be offered, copied or chosen for a camera; cameras already
	// on it keep recording and being billed on it until they are moved.
	RetiredAt time.Time
}

// Retired reports whether the plan is out of service.
func (p Plan) Retired() bool { return !p.RetiredAt.IsZero() }

// PlanEdit is the owner's change to its own plan (the operator's catalogue
// or an integrator's copy); nil fields keep their value. Kind and recording
// mode are what the plan is and are not edited: a new plan is made instead.
type PlanEdit struct {
	Name           *string
	Price          *money.Amount
	RetentionDays  *int
	MaxBitrateKbps *int
	Retired        *bool
}

// Validate checks the edit; every bad field at once.
func (e *PlanEdit) Validate() error {
	f := errs.Fields{}
	if e.Name != nil {
		*e.Name = strings.TrimSpace(*e.Name)
		tenancy.CheckName(f, "name", *e.Name, tenancy.MaxName, true)
	}
	if e.Price != nil {
		CheckPrice(f, "price", *e.Price)
	}
	if e.RetentionDays != nil && (*e.RetentionDays < 1 || *e.RetentionDays > MaxRetentionDays) {
		f.Add("retention_days", "must be between 1 and "+strconv.Itoa(MaxRetentionDays))
	}
	if e.MaxBitrateKbps != nil && (*e.MaxBitrateKbps < 0 || *e.MaxBitrateKbps > MaxBitrateKbps) {
		f.Add("max_bitrate_kbps", "must be between 0 (no limit) and "+strconv.Itoa(MaxBitrateKbps))
	}
	return f.Err()
}

// Apply writes the edit's plan fields onto p (retiring is separate: it
// reaches the plan's copies too).
func (e PlanEdit) Apply(p *Plan) {
	if e.Name != nil {
		p.Name = *e.Name
	}
	if e.Price != nil {
		p.Price = *e.Price
	}
	if e.RetentionDays != nil {
		p.RetentionDays = *e.RetentionDays
	}
	if e.MaxBitrateKbps != nil {
		p.MaxBitrateKbps = *e.MaxBitrateKbps
	}
}

// Offer is a plan as one account sees it, set up by the account's parent.
type Offer struct {
	PlanID       int64
	AccountID    int64
	Selected     bool
	Visible      bool
	Name         string // "" means the plan's own name
	Cost         money.Amount
	EndUserPrice money.Amount
	UpdatedAt    time.Time
}

// Shown reports whether the offer lets the account use the plan.
func (o Offer) Shown() bool { return o.Selected && o.Visible }

// NewPlan is the input for a plan in the operator's catalogue.
type NewPlan struct {
	Name           string
	Kind           Kind
	RetentionDays  int
	RecordingMode  RecordingMode
	MaxBitrateKbps int
	Price          money.Amount
}

// Validate checks and normalizes the input.
func (n *NewPlan) Validate() error {
	f := errs.Fields{}
	n.Name = strings.TrimSpace(n.Name)
	tenancy.CheckName(f, "name", n.Name, tenancy.MaxName, true)
	if !n.Kind.Valid() {
		f.Add("kind", `must be "fixed" or "usage"`)
	}
	if n.RecordingMode == "" {
		n.RecordingMode = Continuous
	}
	if !n.RecordingMode.Valid() {
		f.Add("recording_mode", `must be "continuous" or "events"`)
	}
	if n.RetentionDays < 1 || n.RetentionDays > MaxRetentionDays {
		f.Add("retention_days", "must be between 1 and "+strconv.Itoa(MaxRetentionDays))
	}
	if n.MaxBitrateKbps < 0 || n.MaxBitrateKbps > MaxBitrateKbps {
		f.Add("max_bitrate_kbps", "must be between 0 (no limit) and "+strconv.Itoa(MaxBitrateKbps))
	}
	CheckPrice(f, "price", n.Price)
	return f.Err()
}

// Plan builds the plan row for owner.
func (n NewPlan) Plan(owner int64) Plan {
	return Plan{OwnerAccountID: owner, Name: n.Name, Kind: n.Kind, RetentionDays: n.RetentionDays,
		RecordingMode: n.RecordingMode, MaxBitrateKbps: n.MaxBitrateKbps, Price: n.Price}
}

// CheckPrice refuses negative and absurdly large prices.
func CheckPrice(f errs.Fields, field string, v money.Amount) {
	switch {
	case v < 0:
		f.Add(field, "must not be negative")
	case v > MaxPrice:
		f.Add(field, "is too large")
	}
}

// ParsePrice reads an optional decimal price given as text (the wizard's
// and forms' input); nil stays nil. Problems are recorded under field.
func ParsePrice(f errs.Fields, field string, s *string) *money.Amount {
	if s == nil {
		return nil
	}
	v, err := money.Parse(*s)
	if err != nil {
		f.Add(field, err.Error())
		return nil
	}
	if CheckPrice(f, field, v); f.Has(field) {
		return nil
	}
	return &v
}

// DefaultPlans is the catalogue a fresh installation starts with, so that the
// operator has something to offer before defining its own.
func DefaultPlans() []NewPlan {
	return []NewPlan{
		{Name: "Cloud 7 days", Kind: Fixed, RetentionDays: 7, RecordingMode: Continuous, Price: money.MustParse("5.00")},
		{Name: "Cloud 30 days", Kind: Fixed, RetentionDays: 30, RecordingMode: Continuous, Price: money.MustParse("12.00")},
		{Name: "Events 14 days", Kind: Fixed, RetentionDays: 14, RecordingMode: Events, Price: money.MustParse("4.00")},
		{Name: "Pay as you go", Kind: Usage, RetentionDays: 30, RecordingMode: Continuous, Price: 0},
	}
}
