package tenancy

import (
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

// Customer privacy: a customer may withhold its parents' access to its live
// and recorded video, while configuration, statistics and billing stay
// theirs. It may open its video again for a while to one named ancestor
// account (a grant), e.g. to its integrator for a support case. The camera
// rights decision (camera.DecideRight) applies both; this file holds the
// grant itself and its input rules.

// MaxGrantHours bounds one grant: support access lasts at most 30 days and
// is asked for again after that.
const MaxGrantHours = 30 * 24

// PrivacyGrant lets the users of one ancestor account (the grantee) use a
// private customer's video until ExpiresAt, unless revoked first. It covers
// the grantee's own users only, not the accounts above or beside it.
type PrivacyGrant struct {
	ID          int64
	AccountID   int64 // the private customer
	GranteeID   int64
	GranteeName string
	// CreatedBy and RevokedBy are the e-mails of the customer's
	// administrators who gave and withdrew it.
	CreatedBy   string
	CreatedByID int64
	RevokedBy   string
	Note        string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   *time.Time
}

// ActiveAt reports whether the grant lets its grantee in at now.
func (g PrivacyGrant) ActiveAt(now time.Time) bool {
	return g.RevokedAt == nil && now.Before(g.ExpiresAt)
}

// GrantFor returns the grant of grants that lets users of account in at
// now, or nil.
func GrantFor(grants []PrivacyGrant, account int64, now time.Time) *PrivacyGrant {
	for i := range grants {
		if grants[i].GranteeID == account && grants[i].ActiveAt(now) {
			return &grants[i]
		}
	}
	return nil
}

// NewPrivacyGrant is the body of POST /accounts/{id}/privacy/grants.
type NewPrivacyGrant struct {
	// GranteeID is the ancestor account let in; 0 means the customer's
	// parent.
	GranteeID int64
	Hours     int
	Note      string
}

// Check validates a grant for the account at path: the grantee must be an
// account above it, the duration 1 hour to MaxGrantHours.
func (g *NewPrivacyGrant) Check(path string) error {
	f := errs.Fields{}
	ids := PathIDs(path)
	if g.GranteeID == 0 && len(ids) > 1 {
		g.GranteeID = ids[len(ids)-2]
	}
	above := false
	for _, id := range ids[:max(len(ids)-1, 0)] {
		above = above || id == g.GranteeID
	}
	if !above {
		f.Add("grantee_account_id", "must be an account above this one (its parent or a further ancestor)")
	}
	if g.Hours < 1 || g.Hours > MaxGrantHours {
		f.Add("hours", "must be between 1 and 720 (30 days)")
	}
	g.Note = strings.TrimSpace(g.Note)
	CheckName(f, "note", g.Note, 200, false)
	return f.Err()
}
