package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The Customers menu: a spreadsheet-like table of the accounts below one
// parent, with search, sort, filters, pages and a breadcrumb down the tree.

type customersData struct {
	Parent  tenancy.Account
	Crumbs  []tenancy.Account
	Items   []tenancy.Account
	Pager   pager
	Query   url.Values
	Columns []column
	Type    string
	Status  string
	Q       string
	All     bool // every level below, not only direct children
	Own     bool // the list is of the actor's own account
}

type column struct {
	Label, Key, Link, Sort string // Sort: "", "ascending", "descending"
}

const customersPerPage = 20

func (p *Portal) customers(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	qs := r.URL.Query()
	parentID := q.Account.ID
	if s := qs.Get("parent"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return errNotFound
		}
		parentID = id
	}
	parent, err := p.App.Account(ctx, q.Actor, parentID)
	if err != nil {
		return err
	}
	if parent.Type != tenancy.Integrator {
		// A customer has no sub-accounts: show its properties instead.
		return p.redirect(w, r, "/accounts/"+itoa64(parent.ID), "")
	}
	sort := qs.Get("sort")
	if !store.ValidAccountSort(sort) {
		sort = ""
	}
	typ, status := qs.Get("type"), qs.Get("status")
	if typ != "" && !tenancy.Type(typ).Valid() {
		typ = ""
	}
	if status != "" && !tenancy.Status(status).Valid() {
		status = ""
	}
	page := atoiDefault(qs.Get("page"), 1)
	listParent := parent.ID
	all := qs.Get("all") == "1" && parent.ID == q.Account.ID
	if all {
		listParent = 0 // every account below mine, at any depth
	}
	items, total, pg, err := p.App.ListAccounts(ctx, q.Actor, app.AccountListInput{ParentID: listParent, Type: typ, Status: status,
		Q: qs.Get("q"), Sort: sort, Page: store.Page{Page: page, PerPage: customersPerPage}})
	if err != nil {
		return err
	}
	crumbs, err := p.crumbs(r, q, parent)
	if err != nil {
		return err
	}
	base := url.Values{}
	for _, k := range []string{"parent", "q", "type", "status", "sort", "all"} {
		if v := qs.Get(k); v != "" {
			base.Set(k, v)
		}
	}
	d := customersData{Parent: parent, Crumbs: crumbs, Items: items, Query: base, Type: typ, Status: status, Q: qs.Get("q"), All: all,
		Own:   parent.ID == q.Account.ID,
		Pager: newPager(total, pg.Page, pg.PerPage, base, "/accounts")}
	for _, c := range []struct{ label, key string }{{"Name", "name"}, {"Type", "type"}, {"Status", "status"}, {"E-mail", "email"}, {"Created", "created"}} {
		col := column{Label: c.label, Key: c.key}
		next := c.key
		switch sort {
		case c.key:
			col.Sort, next = "ascending", "-"+c.key
		case "-" + c.key:
			col.Sort = "descending"
		}
		if sort == "" && c.key == "name" {
			col.Sort, next = "ascending", "-name"
		}
		v := url.Values{}
		for k, vals := range base {
			v[k] = vals
		}
		v.Set("sort", next)
		col.Link = "/accounts?" + v.Encode()
		d.Columns = append(d.Columns, col)
	}
	p.render(w, r, q, http.StatusOK, "customers", "Customers", "customers", d)
	return nil
}

// crumbs lists the accounts from the actor's own down to acct. Accounts above
// the actor's are never shown (R10).
func (p *Portal) crumbs(r *http.Request, q *req, acct tenancy.Account) ([]tenancy.Account, error) {
	ids := acct.Ancestors()
	own := len(tenancy.PathIDs(q.Actor.AccountPath))
	if own == 0 || len(ids) < own {
		return nil, errs.NotFoundf("not found")
	}
	var out []tenancy.Account
	for _, id := range ids[own-1:] {
		if id == acct.ID {
			out = append(out, acct)
			continue
		}
		a, err := p.App.Account(r.Context(), q.Actor, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
