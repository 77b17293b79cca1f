package web

import (
	"net/http"
	"net/url"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// createAccount is the wizard's one write: app.CreateAccount with
// everything the steps collected, including, for a customer, whether its
// admins may use the admin portal (the admin_portal module).
func (p *Portal) createAccount(r *http.Request, q *req, in app.CreateAccountInput, form url.Values) (tenancy.Account, identity.User, error) {
	if in.Type == tenancy.Customer && lastValue(form, "admin_portal") == "0" {
		in.Modules = map[string]bool{tenancy.ModAdminPortal: false}
	}
	return p.App.CreateAccount(r.Context(), q.Actor, in)
}
