package web

import (
	"net/http"
	"net/url"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// modulesAvailable tells whether module switches are wired in.
func (p *Portal) modulesAvailable() bool { return true }

// adminPortalAllowed applies the admin_portal module (R5): a parent may keep
// an account's admins out of the admin portal.
func (p *Portal) adminPortalAllowed(r *http.Request, q *req) error {
	err := p.App.RequireModule(r.Context(), q.Actor, tenancy.ModAdminPortal)
	if errs.CodeOf(err) == "module_disabled" {
		return errs.Forbiddenf("module_disabled", "The admin portal is switched off for %s. Ask your provider if you need it.", q.Account.Name)
	}
	return err
}

// accountModules is an account's Modules tab.
type accountModules struct {
	Rows     []moduleRow
	ReadOnly bool
	Empty    string
}

type moduleRow struct {
	Key, Label, Description string
	On                      bool
	Restricted              bool   // switched off above this account's parent: cannot be switched on here
	RestrictedBy            string // who switched it off, as far as the actor may know
}

func (p *Portal) accountModules(r *http.Request, q *req, acct tenancy.Account) (*accountModules, error) {
	views, err := p.App.Modules(r.Context(), q.Actor, acct.ID)
	if err != nil {
		return nil, err
	}
	m := &accountModules{ReadOnly: acct.ID == q.Actor.AccountID}
	for _, v := range views {
		row := moduleRow{Key: v.Key, Label: v.Name, Description: v.Description, On: v.Enabled && v.Effective}
		// Off because of a level above this account's own switch: the
		// parent here cannot turn it on.
		if !v.Effective && v.Enabled {
			row.Restricted = true
		}
		if !v.Effective && v.RestrictedBy != acct.ParentID {
			row.Restricted = true
		}
		if row.Restricted {
			switch {
			case v.RestrictedAbove:
				row.RestrictedBy = "your provider"
			case v.RestrictedByName != "":
				row.RestrictedBy = v.RestrictedByName
			}
		}
		m.Rows = append(m.Rows, row)
	}
	return m, nil
}

func (p *Portal) modulesSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	id := acct.ID
	cur, err := p.accountModules(r, q, acct)
	if err != nil {
		return err
	}
	sw := map[string]bool{}
	for _, row := range cur.Rows {
		if row.Restricted {
			continue // shown disabled; its own switch is left as it is
		}
		if v := lastValue(r.PostForm, row.Key); v != "" {
			sw[row.Key] = v == "1"
		}
	}
	if len(sw) > 0 {
		if _, err := p.App.SetModules(r.Context(), q.Actor, id, sw); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return err
			}
			return p.showAccount(w, r, q, id, "modules", "customers", url.Values{}, err)
		}
	}
	return p.redirect(w, r, "/accounts/"+itoa64(id)+"/modules", "Modules saved for "+acct.Name+".")
}
