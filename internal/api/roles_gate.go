package api

import (
	"net/http"

	"github.com/vigilo/vigilo/internal/errs"
)

// adminTags are the route groups that hold admin data (accounts and their
// statistics and audit log, users with e-mails, roles, modules, plans and
// prices). Guards and Viewers work with video only (R9): they read
// themselves and their cameras, never these.
var adminTags = map[string]bool{"accounts": true, "users": true, "modules": true, "plans": true}

func (rt Route) adminOnly() bool { return rt.AdminOnly || adminTags[rt.Tag] }

var errAdminOnly = errs.Forbiddenf("admin_only",
	"your role is for the video portal: this part of the API is for the account's administrators")

// adminOnly refuses video-role actors before the handler runs.
func adminOnly(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !actor(r).Admin {
			return errAdminOnly
		}
		return h(w, r)
	}
}
