package web

import (
	"net/http"
	"net/url"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Roles (R9): a name, a description, the portal (Admin: the admin portal;
// Guard/Viewer style: the video portal only) and camera rights.

type roleData struct {
	Account tenancy.Account
	Crumbs  []tenancy.Account
	Role    identity.Role
	New     bool
	Rights  []string
}

func roleForm(r identity.Role) url.Values {
	f := url.Values{"name": {r.Name}, "description": {r.Description}, "portal": {string(r.Portal)}, "rights": r.Rights}
	return f
}

func roleFromForm(f url.Values) identity.Role {
	return identity.Role{Name: f.Get("name"), Description: f.Get("description"), Portal: identity.Portal(f.Get("portal")),
		Rights: f["rights"], AllCameras: true}
}

func (p *Portal) newRolePage(w http.ResponseWriter, r *http.Request, q *req) error {
	return p.showNewRole(w, r, q, url.Values{"portal": {"video"}, "rights": {identity.RightViewLive}}, nil)
}

func (p *Portal) showNewRole(w http.ResponseWriter, r *http.Request, q *req, form url.Values, ferr error) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	nav := navFor(q, acct, "roles")
	crumbs, err := p.crumbs(r, q, acct)
	if err != nil {
		return err
	}
	p.renderForm(w, r, q, "role", "Add role", nav, roleData{Account: acct, Crumbs: crumbs, New: true, Rights: identity.AllRights}, form, ferr)
	return nil
}

func (p *Portal) newRoleSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	role := roleFromForm(r.PostForm)
	role.AccountID = id
	created, err := p.App.CreateRole(r.Context(), q.Actor, role)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return p.showNewRole(w, r, q, r.PostForm, err)
	}
	return p.redirect(w, r, "/accounts/"+itoa64(id)+"/roles", "Role “"+created.Name+"” created.")
}

func (p *Portal) rolePage(w http.ResponseWriter, r *http.Request, q *req) error {
	return p.showRole(w, r, q, nil, nil)
}

func (p *Portal) showRole(w http.ResponseWriter, r *http.Request, q *req, form url.Values, ferr error) error {
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	role, acct, err := p.App.Role(r.Context(), q.Actor, rid)
	if err != nil {
		return err
	}
	if form == nil {
		form = roleForm(role)
	}
	nav := navFor(q, acct, "roles")
	crumbs, err := p.crumbs(r, q, acct)
	if err != nil {
		return err
	}
	p.renderForm(w, r, q, "role", role.Name, nav, roleData{Account: acct, Crumbs: crumbs, Role: role, Rights: identity.AllRights}, form, ferr)
	return nil
}

func (p *Portal) roleUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	role := roleFromForm(r.PostForm)
	role.ID = rid
	if _, err := p.App.UpdateRole(r.Context(), q.Actor, role); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return p.showRole(w, r, q, r.PostForm, err)
	}
	return p.redirect(w, r, "/roles/"+itoa64(rid), "Role saved.")
}

func (p *Portal) roleDelete(w http.ResponseWriter, r *http.Request, q *req) error {
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	role, acct, err := p.App.Role(r.Context(), q.Actor, rid)
	if err != nil {
		return err
	}
	if err := p.App.DeleteRole(r.Context(), q.Actor, rid); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return p.showRole(w, r, q, nil, err)
	}
	return p.redirect(w, r, "/accounts/"+itoa64(acct.ID)+"/roles", "Role “"+role.Name+"” deleted.")
}
