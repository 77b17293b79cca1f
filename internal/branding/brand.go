// Package branding is the white label of an integrator's subtree (issue 14):
// what a brand holds, the checks its parts must pass (readable colours, real
// images, no script, domains that can be ours), and which brand an account
// sees — its own or its nearest branded ancestor's. It imports neither HTTP
// nor SQL.
package branding

import "time"

// Brand is one account's own brand. Empty strings mean "not set"; a brand
// with no product name is not a brand at all (see Set).
type Brand struct {
	AccountID    int64
	ProductName  string
	PrimaryColor string // "#rrggbb": the top bar and other surfaces behind white text
	AccentColor  string // "#rrggbb": buttons (white text) and links on the white page
	Logo         Image
	Favicon      Image
	SupportEmail string
	SupportPhone string
	SupportURL   string
	// MailSenderName and MailReplyTo are the From name and Reply-To of mail
	// sent from the subtree; the envelope sender stays the operator's.
	MailSenderName string
	MailReplyTo    string
	Texts          Texts
	Domain         Domain
	UpdatedAt      time.Time
}

// Set reports whether the brand exists: a product name is the one part every
// brand has, and the only one inheritance looks for.
func (b Brand) Set() bool { return b.ProductName != "" }

// Version changes whenever the brand does; pages put it in the addresses of
// the logo, favicon and theme so browsers may cache them for ever.
func (b Brand) Version() int64 { return b.UpdatedAt.UnixMilli() }

// Image is a logo or favicon as served: re-encoded by us, never the bytes
// that were uploaded.
type Image struct {
	Type string // image/png or image/jpeg; "" when none
	Data []byte
}

// Texts are an integrator's own paragraphs in its subtree's mail. Each is
// plain text (never HTML: the mail templates escape it) put above the
// standard body, which keeps the links and facts every such mail needs.
type Texts struct {
	Welcome string
	Reset   string
	Alert   string
	Invoice string
}

// Domain is a custom host name that shows the brand.
type Domain struct {
	Name string
	// Challenge is the value the integrator publishes in the TXT record
	// _vigilo-challenge.<Name> to prove the name is theirs.
	Challenge  string
	VerifiedAt *time.Time
	VerifiedBy string // "dns" or "operator"
}

// Verified reports whether requests with this Host may get the brand and a
// certificate.
func (d Domain) Verified() bool { return d.Name != "" && d.VerifiedAt != nil }

// Effective is the brand an account at the end of chain sees: chain holds the
// own brands of the accounts on its path, root first (a zero Brand where an
// account has none). The nearest set brand wins; ok is false when nobody on
// the path set one, and the installation's default applies.
//
// allowed[i] tells whether account i may show its own brand: the branding
// module effective for it (R5). A brand whose account lost the module stays
// stored but is skipped, so the subtree falls back to the brand above.
func Effective(chain []Brand, allowed []bool) (Brand, bool) {
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].Set() && i < len(allowed) && allowed[i] {
			return chain[i], true
		}
	}
	return Brand{}, false
}
