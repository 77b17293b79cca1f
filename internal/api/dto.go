package api

import (
	"time"

	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Wire types: the JSON names are the contract (DESIGN.md §3). Domain types
// never leave the server directly, so internal fields cannot leak.

// AccountJSON is an account as the API shows it.
type AccountJSON struct {
	ID            int64        `json:"id"`
	ParentID      int64        `json:"parent_id"`
	Type          tenancy.Type `json:"type"`
	Name          string       `json:"name"`
	Status        string       `json:"status"`
	Email         string       `json:"email"`
	ContactPerson string       `json:"contact_person"`
	Phone         string       `json:"phone"`
	Company       string       `json:"company"`
	Address       string       `json:"address"`
	Notes         string       `json:"notes"`
	StoragePrice  money.Amount `json:"storage_price"`
	TrafficPrice  money.Amount `json:"traffic_price"`
	TimeZone      string       `json:"time_zone"` // IANA name; "UTC" until set
	// Currency is the ISO 4217 code the account's tree bills in; shown
	// when one account is read or changed (lists leave it out).
	Currency  string  `json:"currency,omitempty"`
	Depth     int     `json:"depth"`
	Path      []int64 `json:"path"`
	CreatedAt Stamp   `json:"created_at"`
	UpdatedAt Stamp   `json:"updated_at"`
}

// Stamp is a time in API JSON, written exactly as time.Time writes it
// (RFC 3339 with fractional seconds) but through MarshalText: encoding/json
// re-scans whatever a MarshalJSON returns, which for lists of accounts cost
// more than the rest of their encoding (docs/BENCHMARKS.md).
type Stamp time.Time

// MarshalText implements encoding.TextMarshaler.
func (s Stamp) MarshalText() ([]byte, error) { return time.Time(s).MarshalText() }

func accountJSON(a tenancy.Account, actor tenancy.Actor) AccountJSON {
	j := AccountJSON{ID: a.ID, ParentID: a.ParentID, Type: a.Type, Name: a.Name, Status: string(a.Status),
		Email: a.Contact.Email, ContactPerson: a.Contact.Person, Phone: a.Contact.Phone, Company: a.Contact.Company,
		Address: a.Contact.Address, Notes: a.Contact.Notes, StoragePrice: a.StoragePrice, TrafficPrice: a.TrafficPrice,
		Depth: a.Depth, CreatedAt: Stamp(a.CreatedAt), UpdatedAt: Stamp(a.UpdatedAt), TimeZone: a.Zone()}
	// The path is shown from the actor's own account down: ids above it do
	// not exist for the actor (R10).
	ids := a.Ancestors()
	own := len(tenancy.PathIDs(actor.AccountPath))
	if own > 0 && len(ids) >= own {
		j.Path = ids[own-1:]
	}
	if a.ID == actor.AccountID {
		j.ParentID = 0 // the parent is above the actor
	}
	return j
}

// UserJSON is a user as the API shows it.
type UserJSON struct {
	ID                 int64      `json:"id"`
	AccountID          int64      `json:"account_id"`
	Email              string     `json:"email"`
	Name               string     `json:"name"`
	RoleID             int64      `json:"role_id"`
	Owner              bool       `json:"owner"`
	Status             string     `json:"status"`
	EmailConfirmed     bool       `json:"email_confirmed"`
	MustChangePassword bool       `json:"must_change_password"`
	CreatedAt          time.Time  `json:"created_at"`
	LastLoginAt        *time.Time `json:"last_login_at"`
}

func userJSON(u identity.User) UserJSON {
	return UserJSON{ID: u.ID, AccountID: u.AccountID, Email: u.Email, Name: u.Name, RoleID: u.RoleID, Owner: u.Owner,
		Status: string(u.Status), EmailConfirmed: u.Confirmed(), MustChangePassword: u.MustChangePassword,
		CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt}
}

// RoleJSON is a role as the API shows it.
type RoleJSON struct {
	ID          int64    `json:"id"`
	AccountID   int64    `json:"account_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Portal      string   `json:"portal"`
	Rights      []string `json:"rights"`
	AllCameras  bool     `json:"all_cameras"`
	CameraIDs   []int64  `json:"camera_ids"`
	BuiltIn     bool     `json:"built_in"`
}

func roleJSON(r identity.Role) RoleJSON {
	ids := r.CameraIDs
	if ids == nil {
		ids = []int64{}
	}
	return RoleJSON{ID: r.ID, AccountID: r.AccountID, Name: r.Name, Description: r.Description, Portal: string(r.Portal),
		Rights: r.Rights, AllCameras: r.AllCameras, CameraIDs: ids, BuiltIn: r.BuiltIn}
}

// AuditJSON is one audit log entry.
type AuditJSON struct {
	ID             int64     `json:"id"`
	At             time.Time `json:"at"`
	ActorUserID    int64     `json:"actor_user_id"`
	ActorEmail     string    `json:"actor_email"`
	ActorAccountID int64     `json:"actor_account_id"`
	AccountID      int64     `json:"account_id"`
	Action         string    `json:"action"`
	Detail         any       `json:"detail"`
	RemoteAddr     string    `json:"remote_addr"`
}

func auditJSON(e store.AuditEntry) AuditJSON {
	return AuditJSON{ID: e.ID, At: e.At, ActorUserID: e.ActorUserID, ActorEmail: e.ActorEmail, ActorAccountID: e.ActorAccountID,
		AccountID: e.AccountID, Action: e.Action, Detail: rawJSON(e.Detail), RemoteAddr: e.RemoteAddr}
}
