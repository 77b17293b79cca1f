// Package tenancy holds the account tree: integrators and customers, their
// materialized paths, their status, and the one access decision that every
// entry point asks (R1, R10). It knows nothing of HTTP or SQL.
package tenancy

import (
	"time"

	"github.com/vigilo/vigilo/internal/money"
)

// Type of an account. Integrators hold sub-accounts; customers are leaves
// that hold users, roles and cameras.
type Type string

const (
	Integrator Type = "integrator"
	Customer   Type = "customer"
)

func (t Type) Valid() bool { return t == Integrator || t == Customer }

// Status of an account as set on the account itself. The effective status is
// the fold of the statuses along its path (see Effective).
type Status string

const (
	Active   Status = "active"
	Disabled Status = "disabled"
)

func (s Status) Valid() bool { return s == Active || s == Disabled }

// MaxDepth caps the tree (root is depth 0). Deep trees make paths long and
// confuse people; sixteen levels is far beyond any real reseller chain.
const MaxDepth = 16

// Account is one integrator or customer.
type Account struct {
	ID       int64
	ParentID int64 // 0 for the root (the operator)
	Path     string
	Depth    int
	Type     Type
	Name     string
	Status   Status
	Contact  Contact
	// Prices the account pays its parent (R2); set by the parent.
	StoragePrice money.Amount // per GB-month
	TrafficPrice money.Amount // per GB
	// TimeZone is the IANA zone the portals show the account's times in;
	// "" until set (then the first sign-in's browser zone is adopted).
	TimeZone string
	// CustomerPortal tells whether a customer's admins may use the admin portal.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Contact holds the details entered on the wizard's details step.
type Contact struct {
	Email   string // the owner's e-mail, used at creation
	Person  string
	Phone   string
	Company string
	Address string
	Notes   string
}

// IsRoot reports whether the account is the operator's own.
func (a Account) IsRoot() bool { return a.ParentID == 0 }

// Ancestors lists the ids on the account's path, root first, itself last.
func (a Account) Ancestors() []int64 { return PathIDs(a.Path) }
