package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Account properties (/accounts/{id}): opens on Statistics (R7, the seed's
// "first tab of customer properties"), then Profile, Plans, Modules, Users,
// Roles, Cameras. The same page serves the Users and Roles menus for one's
// own account.

type accountData struct {
	Account   tenancy.Account
	Crumbs    []tenancy.Account
	Tab       string
	Tabs      []tabLink
	Self      bool // the actor's own account
	CanManage bool // the actor is above it: prices, modules, status, delete
	Stats     statsView
	Statement *statementView // the Statements tab (statements.go)
	Invoices  *invoicesView  // the Invoices tab (invoices.go)
	Users     []identity.User
	RoleNames map[int64]string
	// Locked marks the listed users whose sign-in is throttled now: their
	// row offers Unlock.
	Locked   map[int64]bool
	Pager    pager
	UserQ    string
	Roles    []identity.Role
	Plans    *accountPlans
	Modules  *accountModules
	Cameras  *accountCameras
	Privacy  *accountPrivacy
	SignIn   *accountSignIn   // the 2FA and SSO tabs (account_signin.go)
	Branding *accountBranding // the Branding tab (branding.go)
	Empty    string
	Confirm  string // disable, enable, delete: the confirmation shown as a page
}

type tabLink struct {
	Key, Label, Href string
	Current          bool
}

var accountTabs = []struct{ key, label string }{
	{"statistics", "Statistics"}, {"statements", "Statements"}, {"invoices", "Invoices"}, {"profile", "Profile"}, {"plans", "Plans"}, {"modules", "Modules"},
	{"users", "Users"}, {"roles", "Roles"}, {"cameras", "Cameras"}, {"privacy", "Privacy"}, {"two-factor", "2FA"}, {"sso", "SSO"},
	{"branding", "Branding"},
}

func (p *Portal) accountTab(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tab := r.PathValue("tab")
	if tab == "" {
		tab = "statistics"
	}
	return p.showAccount(w, r, q, id, tab, "customers", url.Values{}, nil)
}

func (p *Portal) ownUsers(w http.ResponseWriter, r *http.Request, q *req) error {
	return p.showAccount(w, r, q, q.Account.ID, "users", "users", url.Values{}, nil)
}

func (p *Portal) ownRoles(w http.ResponseWriter, r *http.Request, q *req) error {
	return p.showAccount(w, r, q, q.Account.ID, "roles", "roles", url.Values{}, nil)
}

func (p *Portal) showAccount(w http.ResponseWriter, r *http.Request, q *req, id int64, tab, nav string, form url.Values, ferr error) error {
	ctx := r.Context()
	acct, err := p.App.Account(ctx, q.Actor, id)
	if err != nil {
		return err
	}
	d := &accountData{Account: acct, Tab: tab, Self: acct.ID == q.Actor.AccountID}
	d.CanManage = !d.Self && q.Actor.Admin
	if d.Crumbs, err = p.crumbs(r, q, acct); err != nil {
		return err
	}
	if nav == "customers" && d.Self {
		nav = "dashboard"
	}
	known := false
	for _, t := range accountTabs {
		if t.key == "modules" && d.Self {
			continue // one's own modules are set from above
		}
		if t.key == "privacy" && acct.Type != tenancy.Customer {
			continue // a customer's setting (privacy.go)
		}
		if t.key == "branding" && acct.Type != tenancy.Integrator {
			continue // customers show their integrator's brand (branding.go)
		}
		d.Tabs = append(d.Tabs, tabLink{Key: t.key, Label: t.label, Href: "/accounts/" + itoa64(acct.ID) + "/" + t.key, Current: t.key == tab})
		known = known || t.key == tab
	}
	switch tab {
	case "disable", "enable", "delete":
		if !d.CanManage {
			return errNotFound
		}
		d.Confirm, tab, d.Tab = tab, "statistics", "statistics"
		known = true
	}
	if !known {
		return errNotFound
	}
	switch tab {
	case "statistics":
		var periodErr error
		if d.Stats, periodErr, err = p.stats(r, q, acct, "/accounts/"+itoa64(acct.ID)+"/statistics"); err != nil {
			return err
		}
		if d.Stats.Months, err = p.statementMonths(r, q, acct); err != nil {
			return err
		}
		if ferr == nil {
			ferr = periodErr
		}
	case "statements":
		if d.Statement, err = p.accountStatement(r, q, acct); err != nil {
			return err
		}
	case "invoices":
		if form == nil {
			form = url.Values{}
		}
		if d.Invoices, err = p.accountInvoices(r, q, acct, form); err != nil {
			return err
		}
	case "profile":
		if len(form) == 0 {
			form = profileForm(acct)
			cur, err := p.App.AccountCurrency(ctx, acct)
			if err != nil {
				return err
			}
			form.Set("currency", string(cur))
		}
	case "users":
		page := atoiDefault(r.URL.Query().Get("page"), 1)
		users, total, pg, err := p.App.ListUsers(ctx, q.Actor, acct.ID, r.URL.Query().Get("q"), store.Page{Page: page, PerPage: 50})
		if err != nil {
			return err
		}
		d.Users, d.UserQ = users, r.URL.Query().Get("q")
		d.Locked = map[int64]bool{}
		for _, u := range users {
			d.Locked[u.ID] = p.App.SignInLock(u) > 0
		}
		d.Pager = newPager(total, pg.Page, pg.PerPage, url.Values{"q": {d.UserQ}}, r.URL.Path)
		if d.RoleNames, err = p.roleNames(r, q, acct.ID); err != nil {
			return err
		}
	case "roles":
		if d.Roles, err = p.App.ListRoles(ctx, q.Actor, acct.ID); err != nil {
			return err
		}
	case "plans":
		if d.Plans, err = p.accountPlans(r, q, acct, d.Self); err != nil {
			return err
		}
		if form.Has("plan") {
			fe := map[string]string{}
			if e, ok := errs.As(ferr); ok {
				fe = e.Fields
			}
			d.Plans.keepEdits(form, fe)
		}
	case "modules":
		if d.Modules, err = p.accountModules(r, q, acct); err != nil {
			return err
		}
	case "privacy":
		if d.Privacy, err = p.accountPrivacy(r, q, acct); err != nil {
			return err
		}
	case "two-factor", "sso":
		if d.SignIn, err = p.accountSignIn(r, q, acct); err != nil {
			return err
		}
		if tab == "sso" && len(form) == 0 {
			form = ssoForm(d.SignIn.SSO)
		}
	case "branding":
		if d.Branding, err = p.accountBranding(r, q, acct); err != nil {
			return err
		}
		if len(form) == 0 {
			form = brandingForm(d.Branding.BrandingView)
		}
	case "cameras":
		if d.Cameras, err = p.accountCameras(ctx, q, acct, atoiDefault(r.URL.Query().Get("page"), 1), r.URL.Path); err != nil {
			return err
		}
	}
	p.renderForm(w, r, q, "account", acct.Name, nav, d, form, ferr)
	return nil
}

func profileForm(a tenancy.Account) url.Values {
	return url.Values{"name": {a.Name}, "contact_person": {a.Contact.Person}, "phone": {a.Contact.Phone},
		"company": {a.Contact.Company}, "address": {a.Contact.Address}, "notes": {a.Contact.Notes},
		"storage_price": {a.StoragePrice.String()}, "traffic_price": {a.TrafficPrice.String()}, "time_zone": {a.Zone()}}
}

func (p *Portal) roleNames(r *http.Request, q *req, accountID int64) (map[int64]string, error) {
	roles, err := p.App.ListRoles(r.Context(), q.Actor, accountID)
	if err != nil {
		return nil, err
	}
	m := map[int64]string{}
	for _, ro := range roles {
		m[ro.ID] = ro.Name
	}
	return m, nil
}

func (p *Portal) profileSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	id := acct.ID
	f := r.PostForm
	name := f.Get("name")
	c := tenancy.Contact{Person: f.Get("contact_person"), Phone: f.Get("phone"), Company: f.Get("company"),
		Address: f.Get("address"), Notes: f.Get("notes")}
	patch := tenancy.AccountPatch{Name: &name, Contact: &c}
	if f.Has("time_zone") {
		tz := strings.TrimSpace(f.Get("time_zone"))
		patch.TimeZone = &tz
	}
	// A top-level account's tree currency is the operator's to set, like
	// its prices; the form shows it only there.
	if acct.ID != q.Actor.AccountID && acct.Depth == 1 && f.Has("currency") {
		cur := f.Get("currency")
		patch.Currency = &cur
	}
	bad := errs.Fields{}
	// Prices are the parent's to set; the form shows them only to parents,
	// and only an integrator pays for storage and traffic.
	if acct.ID != q.Actor.AccountID && acct.Type == tenancy.Integrator && (f.Has("storage_price") || f.Has("traffic_price")) {
		for _, k := range priceFields {
			a, err := money.Parse(f.Get(k))
			if err != nil {
				bad.Add(k, err.Error())
				continue
			}
			if k == "storage_price" {
				patch.StoragePrice = &a
			} else {
				patch.TrafficPrice = &a
			}
		}
	}
	err = bad.Err()
	if err == nil {
		_, err = p.App.UpdateAccount(r.Context(), q.Actor, id, patch)
	}
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return p.showAccount(w, r, q, id, "profile", "customers", f, err)
	}
	return p.redirect(w, r, "/accounts/"+itoa64(id)+"/profile", "Profile saved.")
}
