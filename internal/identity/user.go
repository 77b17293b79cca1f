// Package identity holds users, roles, credentials and the one-time tokens
// of e-mail confirmation and password reset (R3, R9). No HTTP, no SQL.
package identity

import (
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// UserStatus is the user's own switch; the account's status is separate and
// folded in at sign-in and on every request.
type UserStatus string

const (
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
)

// User is one login of one account.
type User struct {
	ID                 int64
	AccountID          int64
	Email              string
	Name               string
	RoleID             int64 // 0 for the owner, who has every right
	Owner              bool
	Status             UserStatus
	PasswordHash       string // empty until set (at creation or on confirmation)
	EmailConfirmedAt   *time.Time
	MustChangePassword bool
	CreatedAt          time.Time
	LastLoginAt        *time.Time
}

// Confirmed reports whether the user followed the welcome link.
func (u User) Confirmed() bool { return u.EmailConfirmedAt != nil }

// NewUser is the input for adding a user to an account.
type NewUser struct {
	AccountID          int64
	Email              string
	Name               string
	Password           string // optional; set on confirmation otherwise
	RoleID             int64
	Owner              bool
	SendConfirmation   bool // false: the creator vouches for the address
	MustChangePassword bool
}

// MinPassword is the shortest password accepted; length beats composition rules.
const (
	MinPassword = 10
	MaxPassword = 256
)

// Validate normalizes and checks the fields that need no database.
func (n *NewUser) Validate() error {
	f := errs.Fields{}
	n.Email = tenancy.NormalizeEmail(n.Email)
	tenancy.CheckEmail(f, "email", n.Email)
	n.Name = strings.TrimSpace(n.Name)
	tenancy.CheckName(f, "name", n.Name, tenancy.MaxName, false)
	if n.Password != "" {
		CheckPassword(f, "password", n.Password)
	}
	return f.Err()
}

// CheckPassword enforces the length rules, refuses control characters and
// passwords that guessers try first (identity/common.go).
func CheckPassword(f errs.Fields, field, pw string) {
	switch {
	case len(pw) < MinPassword:
		f.Add(field, "must be at least 10 characters")
	case len(pw) > MaxPassword:
		f.Add(field, "is too long")
	case controlChar(pw):
		f.Add(field, "must not contain control characters")
	default:
		if why := weakPassword(pw); why != "" {
			f.Add(field, why)
		}
	}
}
