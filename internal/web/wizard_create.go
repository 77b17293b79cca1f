package web

import (
	"net/http"
	"net/url"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// createAccount is the wizard's one write: app.CreateAccount with
// everything the steps collected, including, for a customer, the modules
// switched off on the details step (only "off" is sent: "on" is the default
// and can never lift a restriction from above anyway).
func (p *Portal) createAccount(r *http.Request, q *req, in app.CreateAccountInput, form url.Values) (tenancy.Account, identity.User, error) {
	if in.Type == tenancy.Customer {
		for _, k := range customerExtra {
			if lastValue(form, k) == "0" {
				if in.Modules == nil {
					in.Modules = map[string]bool{}
				}
				in.Modules[k] = false
			}
		}
	}
	return p.App.CreateAccount(r.Context(), q.Actor, in)
}
