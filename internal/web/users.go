package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"

	"github.com/vigilo/vigilo/internal/app"
)

// Users (R9): add a user with a role, choosing between the confirmation
// e-mail and a password set now; a user's page with Info and Security tabs.

type newUserData struct {
	Account tenancy.Account
	Crumbs  []tenancy.Account
	Roles   []identity.Role
}

func (p *Portal) newUserPage(w http.ResponseWriter, r *http.Request, q *req) error {
	return p.showNewUser(w, r, q, url.Values{"signin": {"email"}}, nil)
}

func (p *Portal) showNewUser(w http.ResponseWriter, r *http.Request, q *req, form url.Values, ferr error) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	id := acct.ID
	roles, err := p.App.ListRoles(r.Context(), q.Actor, id)
	if err != nil {
		return err
	}
	nav := navFor(q, acct, "users")
	crumbs, err := p.crumbs(r, q, acct)
	if err != nil {
		return err
	}
	p.renderForm(w, r, q, "user_new", "Add user", nav, newUserData{Account: acct, Crumbs: crumbs, Roles: roles}, form, ferr)
	return nil
}

func (p *Portal) newUserSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	in := identity.NewUser{AccountID: id, Email: f.Get("email"), Name: f.Get("name"),
		SendConfirmation: f.Get("signin") != "password", MustChangePassword: f.Get("must_change") == "1"}
	bad := errs.Fields{}
	if s := f.Get("role_id"); s != "" {
		rid, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			bad.Add("role_id", "choose a role")
		}
		in.RoleID = rid
	} else {
		bad.Add("role_id", "choose a role")
	}
	if !in.SendConfirmation {
		in.Password = f.Get("password")
	}
	err = bad.Err()
	var u identity.User
	if err == nil {
		u, err = p.App.CreateUser(r.Context(), q.Actor, in)
	}
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		form := url.Values{}
		for _, k := range []string{"email", "name", "role_id", "signin", "must_change"} {
			form.Set(k, f.Get(k))
		}
		return p.showNewUser(w, r, q, form, err)
	}
	msg := "User " + u.Email + " added."
	if in.SendConfirmation {
		msg += " A welcome e-mail with a confirmation link is on its way."
	}
	return p.redirect(w, r, "/accounts/"+itoa64(id)+"/users", msg)
}

type userData struct {
	User     identity.User
	Account  tenancy.Account
	Crumbs   []tenancy.Account
	Roles    []identity.Role
	RoleName string
	Tab      string
	Self     bool
}

func (p *Portal) userPage(w http.ResponseWriter, r *http.Request, q *req) error {
	form := url.Values{"name": {}, "role_id": {}}
	return p.showUser(w, r, q, form, nil)
}

func (p *Portal) showUser(w http.ResponseWriter, r *http.Request, q *req, form url.Values, ferr error) error {
	uid, err := pathID(r, "uid")
	if err != nil {
		return err
	}
	u, acct, err := p.App.User(r.Context(), q.Actor, uid)
	if err != nil {
		return err
	}
	roles, err := p.App.ListRoles(r.Context(), q.Actor, acct.ID)
	if err != nil {
		return err
	}
	d := userData{User: u, Account: acct, Roles: roles, Tab: "info", Self: u.ID == q.Actor.UserID}
	if d.Crumbs, err = p.crumbs(r, q, acct); err != nil {
		return err
	}
	if r.PathValue("action") == "password" || r.PathValue("action") == "reset" || r.URL.Path == "/users/"+itoa64(uid)+"/security" {
		d.Tab = "security"
	}
	for _, ro := range roles {
		if ro.ID == u.RoleID {
			d.RoleName = ro.Name
		}
	}
	if form.Get("name") == "" && ferr == nil {
		form.Set("name", u.Name)
		form.Set("role_id", itoa64(u.RoleID))
	}
	nav := navFor(q, acct, "users")
	p.renderForm(w, r, q, "user", u.Email, nav, d, form, ferr)
	return nil
}

func (p *Portal) userUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	uid, err := pathID(r, "uid")
	if err != nil {
		return err
	}
	f := r.PostForm
	name := f.Get("name")
	patch := app.UserPatch{Name: &name}
	if s := f.Get("role_id"); s != "" {
		rid, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return p.showUser(w, r, q, f, errs.Field("role_id", "choose a role"))
		}
		patch.RoleID = &rid
	}
	if _, err := p.App.UpdateUser(r.Context(), q.Actor, uid, patch); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return p.showUser(w, r, q, f, err)
	}
	return p.redirect(w, r, "/users/"+itoa64(uid), "User saved.")
}

func (p *Portal) userAction(w http.ResponseWriter, r *http.Request, q *req) error {
	uid, err := pathID(r, "uid")
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, acct, err := p.App.User(ctx, q.Actor, uid)
	if err != nil {
		return err
	}
	back := "/users/" + itoa64(uid)
	var msg string
	switch r.PathValue("action") {
	case "password":
		err = p.App.AdminSetPassword(ctx, q.Actor, uid, r.PostFormValue("password"), r.PostFormValue("must_change") == "1")
		msg, back = "Password set for "+u.Email+". No e-mail was sent; the user's open sessions were signed out.", back+"/security"
	case "reset":
		err = p.App.SendReset(ctx, q.Actor, uid)
		msg, back = "A password reset link was sent to "+u.Email+".", back+"/security"
	case "sessions":
		_, err = p.App.AdminRevokeSessions(ctx, q.Actor, acct.ID, uid)
		msg, back = "Every session and API token of "+u.Email+" is signed out.", back+"/security"
	case "unlock":
		err = p.App.UnlockUser(ctx, q.Actor, acct.ID, uid)
		msg, back = u.Email+" can sign in again at once: the lock after failed attempts is lifted.", "/accounts/"+itoa64(acct.ID)+"/users"
	case "welcome":
		err = p.App.ResendWelcome(ctx, q.Actor, uid)
		msg, back = "A new confirmation link was sent to "+u.Email+".", back+"/security"
	case "disable":
		_, err = p.App.DisableUser(ctx, q.Actor, acct.ID, uid)
		msg = u.Email + " is disabled and signed out everywhere."
	case "enable":
		_, err = p.App.EnableUser(ctx, q.Actor, acct.ID, uid)
		msg = u.Email + " is enabled again."
	case "owner":
		_, err = p.App.SetOwner(ctx, q.Actor, uid)
		msg = u.Email + " is now the owner of " + acct.Name + "."
	case "delete":
		err = p.App.DeleteUser(ctx, q.Actor, uid)
		msg, back = u.Email+" has been deleted.", "/accounts/"+itoa64(acct.ID)+"/users"
	default:
		return errNotFound
	}
	if err != nil {
		if errs.KindOf(err) == errs.NotFound || errs.KindOf(err) == errs.Internal {
			return err
		}
		return p.showUser(w, r, q, url.Values{"name": {u.Name}, "role_id": {itoa64(u.RoleID)}}, err)
	}
	return p.redirect(w, r, back, msg)
}
