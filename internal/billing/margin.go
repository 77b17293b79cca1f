package billing

import "github.com/vigilo/vigilo/internal/money"

// Margin is what one account earns on one plan: what it pays up per camera,
// what it charges down, and the difference — per camera and in total over
// the cameras on that plan in its subtree.
type Margin struct {
	AccountID int64
	PlanID    int64
	Name      string
	Customer  bool
	// Cost is what the account pays its parent per camera-month (nil for the
	// plan's owner when nobody is above).
	Cost         *money.Amount
	EndUserPrice money.Amount
	// PerCamera is the default margin: EndUserPrice − Cost.
	PerCamera   money.Amount
	Cameras     int
	PaysUp      money.Amount // Cameras × Cost
	ChargesDown money.Amount // Σ over children, or Cameras × EndUserPrice for a customer
	Total       money.Amount // ChargesDown − PaysUp
	Children    []ChildMargin
}

// ChildMargin is the part of a margin earned through one child.
type ChildMargin struct {
	AccountID int64
	Name      string // the child's account name
	Selected  bool
	Visible   bool
	Cost      money.Amount // what the child pays per camera-month
	PerCamera money.Amount // child's cost − the account's own cost
	Cameras   int
	Charges   money.Amount // Cameras × Cost
	Margin    money.Amount // Cameras × PerCamera
}

// ComputeMargin folds the figures. cameras is the count on the plan for a
// customer (its own cameras); for an integrator the children carry counts.
func ComputeMargin(m Margin, customerCameras int) Margin {
	var cost money.Amount
	if m.Cost != nil {
		cost = *m.Cost
	}
	m.PerCamera = m.EndUserPrice - cost
	if m.Customer {
		m.Cameras = customerCameras
		m.ChargesDown = times(m.EndUserPrice, m.Cameras)
	} else {
		m.Cameras, m.ChargesDown = 0, 0
		for i := range m.Children {
			c := &m.Children[i]
			c.PerCamera = c.Cost - cost
			c.Charges = times(c.Cost, c.Cameras)
			c.Margin = times(c.PerCamera, c.Cameras)
			m.Cameras += c.Cameras
			m.ChargesDown += c.Charges
		}
	}
	m.PaysUp = times(cost, m.Cameras)
	m.Total = m.ChargesDown - m.PaysUp
	return m
}

// times multiplies exactly; prices are bounded by MaxPrice so realistic
// camera counts cannot overflow.
func times(a money.Amount, n int) money.Amount { return money.FromUnits(a.Units() * int64(n)) }
