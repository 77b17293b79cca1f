package api

import "net/http"

// Routes is the whole API. Each feature contributes its own table from its
// own file; this list is the only place that joins them.
func Routes() []Route {
	var all []Route
	for _, group := range [][]Route{
		authRoutes(),
		accountRoutes(),
		userRoutes(),
		moduleRoutes(),
		planRoutes(),
		cameraRoutes(),
		cameraEventRoutes(),
		tokenRoutes(),
		statisticsRoutes(),
		statementRoutes(),      // api/statements.go
		statementMonthRoutes(), // api/statement_months.go
		invoiceRoutes(),        // api/invoices.go
		clipRoutes(),
		shareRoutes(),
		ptzRoutes(),
		liveRoutes(), // api/live.go
		sessionRoutes(),
		totpRoutes(),
		privacyRoutes(),
		agentRoutes(),    // api/agent.go
		alertRoutes(),    // api/alerts.go
		ssoRoutes(),      // api/sso.go
		brandingRoutes(), // api/branding.go
		clusterRoutes(),  // api/cluster.go
	} {
		all = append(all, group...)
	}
	return all
}

func h(fn func(*Server, http.ResponseWriter, *http.Request) error) func(*Server) HandlerFunc {
	return func(s *Server) HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error { return fn(s, w, r) }
	}
}

var pageParams = []Param{{"page", "integer", "page number, from 1"}, {"per_page", "integer", "items per page, at most 200"}}

func authRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/auth/login", Tag: "auth", Public: true, Summary: "Sign in; returns a token usable as Bearer and sets the session cookie. 429 too_many_attempts + Retry-After after repeated failures (per account and per client); 503 busy + Retry-After when the password hasher is saturated",
			Request: loginRequest{}, Response: loginResponse{}, Handler: h((*Server).login)},
		{Method: "POST", Path: "/auth/logout", Tag: "auth", Public: true, Summary: "Sign out: revoke the token or session",
			Handler: h((*Server).logout)},
		{Method: "POST", Path: "/auth/confirm", Tag: "auth", Public: true, Summary: "Confirm an e-mail address with the token from the welcome mail",
			Request: confirmRequest{}, Response: UserJSON{}, Handler: h((*Server).confirm)},
		{Method: "POST", Path: "/auth/confirm/resend", Tag: "auth", Public: true, Summary: "Send a new confirmation link (the old one stops working); the same 202 for any address, 429 + Retry-After beyond a few per address or client",
			Request: emailRequest{}, Response: okResponse{}, Handler: h((*Server).resend)},
		{Method: "POST", Path: "/auth/password/forgot", Tag: "auth", Public: true, Summary: "Mail a password reset link; the same 202 for any address, 429 + Retry-After beyond a few per address or client",
			Request: emailRequest{}, Response: okResponse{}, Handler: h((*Server).forgot)},
		{Method: "POST", Path: "/auth/password/reset", Tag: "auth", Public: true, Summary: "Set a new password with the reset token",
			Request: confirmRequest{}, Response: okResponse{}, Handler: h((*Server).reset)},
		{Method: "POST", Path: "/auth/setup", Tag: "auth", Public: true, Summary: "Create the operator's first owner with the one-time setup token",
			Request: setupRequest{}, Response: UserJSON{}, Handler: h((*Server).setup)},
		{Method: "POST", Path: "/me/password", Tag: "auth", Summary: "Change my password",
			Request: passwordRequest{}, Response: okResponse{}, Handler: h((*Server).changePassword)},
		{Method: "GET", Path: "/me", Tag: "auth", Summary: "The signed-in user and account",
			Response: meResponse{}, Handler: h((*Server).me)},
	}
}

func accountRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts", Tag: "accounts", Summary: "List accounts below mine",
			Query: append([]Param{{"parent_id", "integer", "only direct children of this account"}, {"type", "string", "integrator or customer"},
				{"status", "string", "active or disabled"}, {"q", "string", "search name, e-mail, company"},
				{"sort", "string", "name, created, type, status, email; prefix - for descending"}}, pageParams...),
			Response: List[AccountJSON]{}, Handler: h((*Server).listAccounts)},
		{Method: "POST", Path: "/accounts", Tag: "accounts", Summary: "Create a sub-integrator or customer (the Add wizard); currency: a top-level tree's, chosen by the operator",
			Request: createAccountRequest{}, Response: createAccountResponse{}, Handler: h((*Server).createAccount)},
		{Method: "GET", Path: "/accounts/{id}", Tag: "accounts", Summary: "Read an account",
			Response: AccountJSON{}, Handler: h((*Server).getAccount)},
		{Method: "PATCH", Path: "/accounts/{id}", Tag: "accounts", Summary: "Update an account's profile, or (parents only) its prices",
			Request: updateAccountRequest{}, Response: AccountJSON{}, Handler: h((*Server).updateAccount)},
		{Method: "GET", Path: "/audit", Tag: "accounts", Summary: "The audit log of my subtree",
			Query:    append([]Param{{"account_id", "integer", "only this account"}, {"action", "string", "only this action"}}, pageParams...),
			Response: List[AuditJSON]{}, Handler: h((*Server).listAudit)},
	}
}

func userRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/accounts/{id}/users", Tag: "users", Summary: "List an account's users",
			Query: append([]Param{{"q", "string", "search e-mail and name"}}, pageParams...), Response: List[UserJSON]{}, Handler: h((*Server).listUsers)},
		{Method: "POST", Path: "/accounts/{id}/users", Tag: "users", Summary: "Add a user to an account",
			Request: createUserRequest{}, Response: UserJSON{}, Handler: h((*Server).createUser)},
		{Method: "GET", Path: "/accounts/{id}/roles", Tag: "users", Summary: "List an account's roles",
			Response: List[RoleJSON]{}, Handler: h((*Server).listRoles)},
		{Method: "POST", Path: "/accounts/{id}/roles", Tag: "users", Summary: "Create a role",
			Request: createRoleRequest{}, Response: RoleJSON{}, Handler: h((*Server).createRole)},
	}
}
