package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The Privacy tab of a customer account (customer privacy, docs/SECURITY.md):
// the customer's own administrators withhold its video from the accounts
// above it and give one of them time-limited access; parents see the
// setting and their own grants, read-only.

type accountPrivacy struct {
	app.Privacy
	Own   bool // the customer's own administrators: may change it
	Rows  []grantRow
	Hours []grantHours
}

type grantRow struct {
	tenancy.PrivacyGrant
	Until *time.Time
	State string // Active, Revoked, Expired
}

type grantHours struct {
	Hours int
	Label string
}

// grantChoices are the durations offered in the form (the API takes any
// number of hours up to 720).
var grantChoices = []grantHours{{1, "1 hour"}, {4, "4 hours"}, {8, "8 hours"}, {24, "1 day"}, {72, "3 days"},
	{168, "7 days"}, {720, "30 days"}}

func (p *Portal) accountPrivacy(r *http.Request, q *req, acct tenancy.Account) (*accountPrivacy, error) {
	pr, err := p.App.Privacy(r.Context(), q.Actor, acct.ID)
	if err != nil {
		return nil, err
	}
	out := &accountPrivacy{Privacy: pr, Own: acct.ID == q.Actor.AccountID, Hours: grantChoices}
	now := p.App.Now()
	for _, g := range pr.Grants {
		row := grantRow{PrivacyGrant: g, Until: &g.ExpiresAt, State: "Expired"}
		switch {
		case g.RevokedAt != nil:
			row.State, row.Until = "Revoked", g.RevokedAt
		case g.ActiveAt(now):
			row.State = "Active"
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// privacySubmit handles the tab's three forms: the switch
// (/accounts/{id}/privacy), a new grant (…/privacy/grants) and a
// revocation (…/privacy/grants/{gid}/revoke).
func (p *Portal) privacySubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	ctx, back := r.Context(), "/accounts/"+itoa64(acct.ID)+"/privacy"
	var flash string
	switch {
	case r.PathValue("gid") != "":
		gid, perr := pathID(r, "gid")
		if perr != nil {
			return perr
		}
		err, flash = p.App.RevokePrivacyGrant(ctx, q.Actor, acct.ID, gid), "Access revoked."
	case strings.HasSuffix(r.URL.Path, "/grants"):
		in := tenancy.NewPrivacyGrant{Note: r.PostForm.Get("note")}
		in.Hours, _ = strconv.Atoi(r.PostForm.Get("hours"))
		if v := strings.TrimSpace(r.PostForm.Get("grantee")); v != "" {
			if in.GranteeID, err = strconv.ParseInt(v, 10, 64); err != nil {
				err = errs.Field("grantee_account_id", "must be an account id")
			}
		}
		if err == nil {
			var g tenancy.PrivacyGrant
			g, err = p.App.CreatePrivacyGrant(ctx, q.Actor, acct.ID, in)
			flash = "Access given to " + g.GranteeName + " until " + g.ExpiresAt.UTC().Format("2006-01-02 15:04") + " UTC."
		}
	default:
		on := lastValue(r.PostForm, "enabled") == "1"
		_, err = p.App.SetPrivacy(ctx, q.Actor, acct.ID, on)
		flash = "Your video is no longer withheld from the accounts above you."
		if on {
			flash = "Your video is now private: the accounts above you can no longer watch it."
		}
	}
	if err != nil {
		if k := errs.KindOf(err); k == errs.NotFound || k == errs.Forbidden {
			return err
		}
		return p.showAccount(w, r, q, acct.ID, "privacy", navFor(q, acct, "dashboard"), url.Values(r.PostForm), err)
	}
	return p.redirect(w, r, back, flash)
}
