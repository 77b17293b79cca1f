package web

import (
	"net/http"
	"net/url"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
)

// Disable, enable and delete an account (R6), each behind a confirmation
// that says what will happen (a dialog, or a page without JavaScript).

func (p *Portal) disableSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	acct, err := p.App.DisableAccount(r.Context(), q.Actor, id)
	if err != nil {
		return err
	}
	return p.redirect(w, r, "/accounts/"+itoa64(id), acct.Name+" is disabled: its cameras stopped recording and its users are signed out.")
}

func (p *Portal) enableSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	acct, err := p.App.EnableAccount(r.Context(), q.Actor, id)
	if err != nil {
		return err
	}
	return p.redirect(w, r, "/accounts/"+itoa64(id), acct.Name+" is enabled again.")
}

func (p *Portal) deleteSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	acct, err := p.pathAccount(r, q)
	if err != nil {
		return err
	}
	id := acct.ID
	// The confirmation lists the sub-accounts as going too, so the typed
	// name confirms the cascade.
	if _, err := p.App.DeleteAccount(r.Context(), q.Actor, id, app.DeleteAccountInput{ConfirmName: r.PostFormValue("confirm_name"), Cascade: true}); err != nil {
		if errs.KindOf(err) == errs.Invalid {
			return p.showAccount(w, r, q, id, "delete", "customers", url.Values{}, err)
		}
		return err
	}
	return p.redirect(w, r, "/accounts?parent="+itoa64(acct.ParentID), acct.Name+" has been deleted.")
}
