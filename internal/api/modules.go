package api

import (
	"context"
	"net/http"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Modules (R5), disable/enable (R6) and deletion of accounts and users.
func moduleRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/modules", Tag: "modules", Summary: "An account's modules: its switch, whether it is effective, and who switched it off",
			Response: List[ModuleJSON]{}, Handler: h((*Server).listModules)},
		{Method: "PUT", Path: "/accounts/{id}/modules", Tag: "modules",
			Summary: `Switch modules of a child account (parents only), e.g. {"live_view":false}; what an ancestor switched off cannot be switched on (409 module_restricted)`,
			Request: map[string]bool{"live_view": false}, Response: List[ModuleJSON]{}, Handler: h((*Server).setModules)},
		{Method: "POST", Path: "/accounts/{id}/disable", Tag: "accounts", Summary: "Disable an account (parents only): its whole subtree stops recording and every user below is refused at once",
			Response: AccountJSON{}, Handler: h((*Server).disableAccount)},
		{Method: "POST", Path: "/accounts/{id}/enable", Tag: "accounts", Summary: "Enable an account again; users and cameras switched off on their own stay off",
			Response: AccountJSON{}, Handler: h((*Server).enableAccount)},
		{Method: "DELETE", Path: "/accounts/{id}", Tag: "accounts", Summary: "Delete an account irreversibly with its users, roles, cameras and recordings (parents only; cascade for sub-accounts)",
			Request: deleteAccountRequest{ConfirmName: "Acme Security", Cascade: false}, Response: deleteAccountResponse{}, Handler: h((*Server).deleteAccount)},
		{Method: "POST", Path: "/accounts/{id}/users/{user_id}/disable", Tag: "users", Summary: "Disable one user: refused at once, everywhere",
			Response: UserJSON{}, Handler: h((*Server).disableUser)},
		{Method: "POST", Path: "/accounts/{id}/users/{user_id}/enable", Tag: "users", Summary: "Enable one user again",
			Response: UserJSON{}, Handler: h((*Server).enableUser)},
	}
}

// ModuleJSON is one module of an account.
type ModuleJSON struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Enabled is the switch the account's parent set for it.
	Enabled bool `json:"enabled"`
	// Effective is whether the account really has it: on at every level above.
	Effective    bool              `json:"effective"`
	RestrictedBy *RestrictedByJSON `json:"restricted_by"`
}

// RestrictedByJSON tells who switched a module off. An account above the
// caller's own is never named: only Above is set.
type RestrictedByJSON struct {
	AccountID int64  `json:"account_id,omitempty"`
	Name      string `json:"name,omitempty"`
	Above     bool   `json:"above"`
	Message   string `json:"message"`
}

func moduleJSON(v app.ModuleView) ModuleJSON {
	j := ModuleJSON{Key: v.Key, Name: v.Name, Description: v.Description, Enabled: v.Enabled, Effective: v.Effective}
	switch {
	case v.Effective:
	case v.RestrictedAbove:
		j.RestrictedBy = &RestrictedByJSON{Above: true, Message: "restricted above you"}
	default:
		j.RestrictedBy = &RestrictedByJSON{AccountID: v.RestrictedBy, Name: v.RestrictedByName, Message: "switched off by " + v.RestrictedByName}
	}
	return j
}

func modulesList(views []app.ModuleView) List[ModuleJSON] {
	out := make([]ModuleJSON, len(views))
	for i, v := range views {
		out[i] = moduleJSON(v)
	}
	return list(out, pageAll(len(out)), len(out))
}

func (s *Server) listModules(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	views, err := s.App.Modules(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, modulesList(views))
	return nil
}

func (s *Server) setModules(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// Pointers tell a JSON null from false: null is refused rather than
	// silently switching a module off.
	var raw map[string]*bool
	if err := decode(r, &raw); err != nil {
		return err
	}
	in := make(map[string]bool, len(raw))
	f := errs.Fields{}
	for k, v := range raw {
		if v == nil {
			f.Add(k, "must be true or false")
			continue
		}
		in[k] = *v
	}
	if err := f.Err(); err != nil {
		return err
	}
	views, err := s.App.SetModules(r.Context(), actor(r), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, modulesList(views))
	return nil
}

func (s *Server) disableAccount(w http.ResponseWriter, r *http.Request) error {
	return s.accountStatus(w, r, s.App.DisableAccount)
}

func (s *Server) enableAccount(w http.ResponseWriter, r *http.Request) error {
	return s.accountStatus(w, r, s.App.EnableAccount)
}

func (s *Server) accountStatus(w http.ResponseWriter, r *http.Request, fn func(context.Context, tenancy.Actor, int64) (tenancy.Account, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	acct, err := fn(r.Context(), a, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, accountJSON(acct, a))
	return nil
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) error {
	return s.userStatus(w, r, s.App.DisableUser)
}

func (s *Server) enableUser(w http.ResponseWriter, r *http.Request) error {
	return s.userStatus(w, r, s.App.EnableUser)
}

func (s *Server) userStatus(w http.ResponseWriter, r *http.Request, fn func(context.Context, tenancy.Actor, int64, int64) (identity.User, error)) error {
	id, uid, err := accountUserIDs(r)
	if err != nil {
		return err
	}
	u, err := fn(r.Context(), actor(r), id, uid)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, userJSON(u))
	return nil
}

type deleteAccountRequest struct {
	ConfirmName string `json:"confirm_name"`
	Cascade     bool   `json:"cascade"`
}

type deleteAccountResponse struct {
	Deleted struct {
		Accounts          int     `json:"accounts"`
		Users             int     `json:"users"`
		Cameras           int     `json:"cameras"`
		Recordings        int     `json:"recordings"`
		UnassignedCameras []int64 `json:"unassigned_cameras"`
	} `json:"deleted"`
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in deleteAccountRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	st, err := s.App.DeleteAccount(r.Context(), actor(r), id, app.DeleteAccountInput{ConfirmName: in.ConfirmName, Cascade: in.Cascade})
	if err != nil {
		return err
	}
	var out deleteAccountResponse
	out.Deleted.Accounts, out.Deleted.Users, out.Deleted.Cameras, out.Deleted.Recordings = st.Accounts, st.Users, st.Cameras, st.Segments
	out.Deleted.UnassignedCameras = st.Unassigned
	if out.Deleted.UnassignedCameras == nil {
		out.Deleted.UnassignedCameras = []int64{}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
