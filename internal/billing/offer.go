package billing

import (
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// OfferView is a plan as one account may use it: the plan's limits with the
// account's own name, cost and end-user price. It carries no price of any
// level above the account's parent by construction: Cost is what this
// account pays its parent, EndUserPrice what it charges below.
type OfferView struct {
	ID             int64
	Name           string
	Kind           Kind
	RetentionDays  int
	RecordingMode  RecordingMode
	MaxBitrateKbps int
	// Own is true when the account owns the plan (the operator's catalogue
	// or an integrator's copy); it then edits the plan itself.
	Own bool
	// Cost per camera-month paid to the parent; nil for the operator's own
	// plans (nobody above to pay). For a copy's owner it is the owner's cost
	// of the source plan.
	Cost         *money.Amount
	EndUserPrice money.Amount
	Selected     bool
	Visible      bool
	// SourcePlanID is shown only to a copy's owner.
	SourcePlanID int64
	// Retired: the plan is out of service (see Plan.RetiredAt).
	Retired bool
}

// View builds what an account sees of plan p: own is its offer (nil when
// it owns the plan), ownerCost the owner's cost of a copy's source.
func View(p Plan, own *Offer, ownerCost *money.Amount) OfferView {
	v := OfferView{ID: p.ID, Name: p.Name, Kind: p.Kind, RetentionDays: p.RetentionDays,
		RecordingMode: p.RecordingMode, MaxBitrateKbps: p.MaxBitrateKbps, Selected: true, Visible: true, Retired: p.Retired()}
	if own == nil {
		v.Own, v.EndUserPrice, v.Cost, v.SourcePlanID = true, p.Price, ownerCost, p.SourcePlanID
		return v
	}
	if own.Name != "" {
		v.Name = own.Name
	}
	c := own.Cost
	v.Cost, v.EndUserPrice, v.Selected, v.Visible = &c, own.EndUserPrice, own.Selected, own.Visible
	return v
}

// ChildOffer is a parent's view of one plan for one child: the plan as the
// parent uses it, and the child's offer (or the defaults it would get).
type ChildOffer struct {
	Parent    OfferView
	AccountID int64
	Offered   bool // an offer row exists (possibly switched off)
	Offer     Offer
}

// DefaultOffer is what a child gets when its parent offers a plan without
// naming prices: the parent's own name for it, and the parent's end-user
// price as both the child's cost and the child's default price.
func DefaultOffer(parent OfferView, childID int64) Offer {
	return Offer{PlanID: parent.ID, AccountID: childID, Selected: true, Visible: true, Name: parent.Name,
		Cost: parent.EndUserPrice, EndUserPrice: parent.EndUserPrice}
}

// OfferPatch is a parent's change to a child's offer; nil fields keep their
// value, so hiding a plan (Visible=false) keeps its name and prices.
type OfferPatch struct {
	Selected     *bool
	Visible      *bool
	Name         *string
	Cost         *money.Amount
	EndUserPrice *money.Amount
}

// Validate checks the patch; prefix names the fields ("plans[2]." in the
// wizard, "" in the API).
func (p *OfferPatch) Validate(prefix string) error {
	f := errs.Fields{}
	p.check(f, prefix)
	return f.Err()
}

func (p *OfferPatch) check(f errs.Fields, prefix string) {
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		tenancy.CheckName(f, prefix+"name", *p.Name, tenancy.MaxName, false)
	}
	if p.Cost != nil {
		CheckPrice(f, prefix+"cost", *p.Cost)
	}
	if p.EndUserPrice != nil {
		CheckPrice(f, prefix+"end_user_price", *p.EndUserPrice)
	}
}

// Apply writes the patch onto o. An empty name falls back to fallback (the
// parent's name for the plan), so a child never sees a blank plan.
func (p OfferPatch) Apply(o *Offer, fallback string) {
	if p.Selected != nil {
		o.Selected = *p.Selected
	}
	if p.Visible != nil {
		o.Visible = *p.Visible
	}
	if p.Name != nil {
		o.Name = *p.Name
	}
	if o.Name == "" {
		o.Name = fallback
	}
	if p.Cost != nil {
		o.Cost = *p.Cost
	}
	if p.EndUserPrice != nil {
		o.EndUserPrice = *p.EndUserPrice
	}
}

// MyOfferPatch is what an account may change about a plan it uses: the name
// and end-user price it shows its own customers, never its cost.
type MyOfferPatch struct {
	Name         *string
	EndUserPrice *money.Amount
}

// Validate checks the patch.
func (p *MyOfferPatch) Validate() error {
	f := errs.Fields{}
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		tenancy.CheckName(f, "name", *p.Name, tenancy.MaxName, true)
	}
	if p.EndUserPrice != nil {
		CheckPrice(f, "end_user_price", *p.EndUserPrice)
	}
	return f.Err()
}

// CopyInput is an integrator's copy of a fixed plan for sub-integrators.
type CopyInput struct {
	Name         string
	Cost         *money.Amount // what the receiving sub-integrators pay per camera-month
	EndUserPrice *money.Amount // their default end-user price; defaults to Cost marked up (ChildEndUserPrice)
	AccountIDs   []int64
}

// Validate checks what needs no database.
func (c *CopyInput) Validate() error {
	f := errs.Fields{}
	c.Name = strings.TrimSpace(c.Name)
	tenancy.CheckName(f, "name", c.Name, tenancy.MaxName, false)
	if c.Cost == nil {
		f.Add("cost", "is required")
	} else {
		CheckPrice(f, "cost", *c.Cost)
	}
	if c.EndUserPrice != nil {
		CheckPrice(f, "end_user_price", *c.EndUserPrice)
	}
	seen := map[int64]bool{}
	for i, id := range c.AccountIDs {
		field := "account_ids[" + strconv.Itoa(i) + "]"
		switch {
		case id <= 0:
			f.Add(field, "must be an account id")
		case seen[id]:
			f.Add(field, "is listed twice")
		}
		seen[id] = true
	}
	return f.Err()
}

// Catalog answers the questions the usability rule asks. The store answers
// them with SQL; tests answer them from memory as an oracle.
type Catalog interface {
	Plan(id int64) (Plan, bool)
	Offer(planID, accountID int64) (Offer, bool)
	Path(accountID int64) []int64 // root first, the account itself last
}

// Usable is rule R4: a plan is usable by the account with the given path
// only if every level from the plan's owner down to the account offers it
// selected and visible. A copy is usable only while its source is still
// usable by the copy's owner, so hiding a plan from an integrator also
// retires the copies it made of it.
func Usable(c Catalog, path []int64, planID int64) bool {
	for depth := 0; depth <= tenancy.MaxDepth+1; depth++ { // copies form a chain up the tree
		p, ok := c.Plan(planID)
		if !ok {
			return false
		}
		at := -1
		for i, id := range path {
			if id == p.OwnerAccountID {
				at = i
			}
		}
		if at < 0 {
			return false
		}
		for _, id := range path[at+1:] {
			if o, ok := c.Offer(planID, id); !ok || !o.Shown() {
				return false
			}
		}
		if p.SourcePlanID == 0 {
			return true
		}
		planID, path = p.SourcePlanID, path[:at+1]
	}
	return false
}
