package tenancy

import (
	"net/mail"
	"strings"
	"unicode"
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
	CheckName(f, "name", n.Name, MaxName, true)
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
	// Currency is the ISO 4217 code a top-level account's tree bills in
	// ("" = the installation's); set by the operator, not the account.
	Currency *string
}

// TouchesPrices reports whether the patch needs Manage rights.
func (p AccountPatch) TouchesPrices() bool {
	return p.StoragePrice != nil || p.TrafficPrice != nil || p.Currency != nil
}

// Validate checks and normalizes the patch.
func (p *AccountPatch) Validate() error {
	f := errs.Fields{}
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		CheckName(f, "name", *p.Name, MaxName, true)
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
	if p.Currency != nil {
		*p.Currency = strings.ToUpper(strings.TrimSpace(*p.Currency))
		if *p.Currency != "" {
			if _, err := money.ParseCurrency(*p.Currency); err != nil {
				f.Add("currency", err.Error())
			}
		}
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
	case strings.IndexFunc(v, bidiControl) >= 0:
		f.Add(field, "must not contain right-to-left override or isolate characters")
	}
}

// CheckName is CheckText for one-line names shown in lists, page titles,
// mail and the audit log: besides CheckText's rules it refuses line breaks,
// other control characters and invisible (zero-width) characters, with
// which a name can pass for another or forge a line of a log.
func CheckName(f errs.Fields, field, v string, max int, required bool) {
	n := len(f)
	CheckText(f, field, v, max, required)
	if len(f) > n {
		return
	}
	if i := strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || zeroWidth(r) }); i >= 0 {
		f.Add(field, "must not contain line breaks, control or invisible characters")
	}
}

// bidiControl: the embeddings, overrides and isolates U+202A–U+202E and
// U+2066–U+2069, which reorder the text around them ("Trojan Source").
func bidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// zeroWidth: characters that take no space (U+200B–U+200F, word joiner,
// invisible operators U+2060–U+2064, byte-order mark).
func zeroWidth(r rune) bool {
	return (r >= 0x200B && r <= 0x200F) || (r >= 0x2060 && r <= 0x2064) || r == 0xFEFF
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

// MaxPrice bounds an account's storage and traffic prices (a million per
// GB), like billing.MaxPrice bounds plan prices, so that no sum of a
// statement can come near the int64 range.
const MaxPrice = money.Amount(1_000_000 * 10000)

// CheckPrice refuses negative prices and prices above MaxPrice.
func CheckPrice(f errs.Fields, field string, v money.Amount) {
	switch {
	case v < 0:
		f.Add(field, "must not be negative")
	case v > MaxPrice:
		f.Add(field, "must be at most "+MaxPrice.String())
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
