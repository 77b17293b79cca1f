package tenancy

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
)

// Field limits; the database columns are sized to match.
const (
	MaxName  = 200
	MaxEmail = 254
	MaxText  = 500
)

// NewAccount is the wizard's input (R2), already decoded.
type NewAccount struct {
	Type         Type
	ParentID     int64
	Name         string
	Contact      Contact
	StoragePrice money.Amount
	TrafficPrice money.Amount
}

// Validate checks everything that does not need the database and normalizes
// text in place.
func (n *NewAccount) Validate() error {
	f := errs.Fields{}
	if !n.Type.Valid() {
		f.Add("type", `must be "integrator" or "customer"`)
	}
	if n.ParentID <= 0 {
		f.Add("parent_id", "is required")
	}
	n.Name = strings.TrimSpace(n.Name)
	CheckText(f, "name", n.Name, MaxName, true)
	n.Contact.Email = NormalizeEmail(n.Contact.Email)
	CheckEmail(f, "email", n.Contact.Email)
	checkContact(f, &n.Contact)
	CheckPrice(f, "storage_price", n.StoragePrice)
	CheckPrice(f, "traffic_price", n.TrafficPrice)
	return f.Err()
}

// AccountPatch changes some fields of an account; nil means unchanged.
type AccountPatch struct {
	Name         *string
	Contact      *Contact
	StoragePrice *money.Amount
	TrafficPrice *money.Amount
	TimeZone     *string
}

// TouchesPrices reports whether the patch needs Manage rights.
func (p AccountPatch) TouchesPrices() bool { return p.StoragePrice != nil || p.TrafficPrice != nil }

// Validate checks and normalizes the patch.
func (p *AccountPatch) Validate() error {
	f := errs.Fields{}
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		CheckText(f, "name", *p.Name, MaxName, true)
	}
	if p.Contact != nil {
		checkContact(f, p.Contact)
	}
	if p.StoragePrice != nil {
		CheckPrice(f, "storage_price", *p.StoragePrice)
	}
	if p.TrafficPrice != nil {
		CheckPrice(f, "traffic_price", *p.TrafficPrice)
	}
	if p.TimeZone != nil {
		CheckTimeZone(f, "time_zone", *p.TimeZone)
	}
	return f.Err()
}

// Apply writes the patch onto a.
func (p AccountPatch) Apply(a *Account) {
	if p.Name != nil {
		a.Name = *p.Name
	}
	if p.Contact != nil {
		email := a.Contact.Email // the owner's e-mail is changed on the user, not here
		a.Contact = *p.Contact
		a.Contact.Email = email
	}
	if p.StoragePrice != nil {
		a.StoragePrice = *p.StoragePrice
	}
	if p.TrafficPrice != nil {
		a.TrafficPrice = *p.TrafficPrice
	}
	if p.TimeZone != nil {
		a.TimeZone = *p.TimeZone
	}
}

func checkContact(f errs.Fields, c *Contact) {
	for _, fld := range []struct {
		name string
		v    *string
	}{{"contact_person", &c.Person}, {"phone", &c.Phone}, {"company", &c.Company}, {"address", &c.Address}, {"notes", &c.Notes}} {
		*fld.v = strings.TrimSpace(*fld.v)
		CheckText(f, fld.name, *fld.v, MaxText, false)
	}
}

// CheckText validates a free-text field.
func CheckText(f errs.Fields, field, v string, max int, required bool) {
	switch {
	case required && v == "":
		f.Add(field, "is required")
	case !utf8.ValidString(v):
		f.Add(field, "must be valid UTF-8 text")
	case utf8.RuneCountInString(v) > max:
		f.Add(field, "is too long (at most "+itoa(max)+" characters)")
	case strings.ContainsAny(v, "\x00"):
		f.Add(field, "must not contain NUL characters")
	}
}

// NormalizeEmail trims and lower-cases the address so that uniqueness holds
// regardless of how it was typed.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CheckEmail validates a bare address (no display name).
func CheckEmail(f errs.Fields, field, v string) {
	if v == "" {
		f.Add(field, "is required")
		return
	}
	if len(v) > MaxEmail {
		f.Add(field, "is too long")
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@'):], ".") {
		f.Add(field, "must be a valid e-mail address")
	}
}

// CheckPrice refuses negative prices.
func CheckPrice(f errs.Fields, field string, v money.Amount) {
	if v < 0 {
		f.Add(field, "must not be negative")
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for n >= 10 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	b[i] = byte('0' + n)
	return string(b[i:])
}
