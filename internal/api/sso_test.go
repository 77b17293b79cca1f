package api_test

import (
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// The SSO settings API: administrators of the account or above; the secret
// is sealed and never returned (a PUT without it keeps it); bad input is a
// 400 naming the field; a domain has one provider (409 domain_taken); a
// child sees a parent's configuration as inherited; other trees get 404 and
// video roles 403. Both databases.
func TestSSOSettingsAPI(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "SSO API Int")
		cu := e.CreateAccount(in.Token, in.ID, "customer", "SSO API Cust")
		other := e.CreateAccount(e.Root, 1, "integrator", "SSO API Other")
		path := "/api/v1/accounts/" + itoa(in.ID) + "/sso"

		r := e.Must(200, "GET", path, in.Token, nil)
		if r.JSON["own"] != false || r.JSON["inherited"] != false || !strings.HasSuffix(r.JSON["redirect_uri"].(string), "/auth/oidc/callback") {
			t.Fatalf("empty settings: %s", r.Body)
		}
		good := map[string]any{"issuer": "https://login.acme.example/", "client_id": "vigilo", "client_secret": "s3cret-value",
			"domains": []string{"Acme.example", "@acme.example", "branch.acme.example"}}
		for field, bad := range map[string]map[string]any{
			"issuer":          {"issuer": "http://login.acme.example"},
			"client_id":       {"client_id": ""},
			"domains":         {"domains": []string{"not a domain"}},
			"default_role_id": {"default_role_id": 999999},
		} {
			body := map[string]any{}
			for k, v := range good {
				body[k] = v
			}
			for k, v := range bad {
				body[k] = v
			}
			if r := e.Do("PUT", path, in.Token, body); r.Status != 400 || r.Fields()[field] == nil {
				t.Fatalf("bad %s: %d %s", field, r.Status, r.Body)
			}
		}
		if r := e.Do("PUT", path, in.Token, map[string]any{"issuer": "https://x.example", "client_id": "c", "domains": []string{"a.example"}}); r.Fields()["client_secret"] == nil {
			t.Fatalf("first PUT without a secret: %s", r.Body)
		}
		r = e.Must(200, "PUT", path, in.Token, good)
		if strings.Contains(string(r.Body), "s3cret") || r.JSON["client_secret_set"] != true || r.JSON["issuer"] != "https://login.acme.example" {
			t.Fatalf("put: %s", r.Body)
		}
		if d := r.JSON["domains"].([]any); len(d) != 2 || d[0] != "acme.example" {
			t.Fatalf("domains not normalized: %v", d)
		}
		if r.JSON["default_role_id"] == nil {
			t.Fatalf("no default role (Viewer): %s", r.Body)
		}
		// Sealed in the database, kept by a PUT without it.
		c, err := e.Main.Store.R().SSOConfig(t.Context(), in.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored := c.ClientSecret
		if stored == "" || strings.Contains(stored, "s3cret") {
			t.Fatalf("secret stored in the clear: %q", stored)
		}
		e.Must(200, "PUT", path, in.Token, map[string]any{"issuer": "https://login.acme.example", "client_id": "vigilo2", "domains": []string{"acme.example"}})
		if c, _ := e.Main.Store.R().SSOConfig(t.Context(), in.ID); c.ClientSecret != stored || c.ClientID != "vigilo2" {
			t.Fatalf("secret not kept: %q", c.ClientSecret)
		}

		// One provider per domain.
		modWantCode(t, e.Do("PUT", "/api/v1/accounts/"+itoa(other.ID)+"/sso", other.Token, good), 409, "domain_taken")
		// The customer sees the parent's configuration as inherited, without
		// its client id or role.
		r = e.Must(200, "GET", "/api/v1/accounts/"+itoa(cu.ID)+"/sso", cu.Token, nil)
		if r.JSON["inherited"] != true || r.JSON["own"] != false || r.JSON["client_id"] != nil || r.JSON["issuer"] != "https://login.acme.example" {
			t.Fatalf("inherited view: %s", r.Body)
		}
		// The parent configures its customer; the customer cannot touch the parent's.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(cu.ID)+"/sso", in.Token, map[string]any{
			"issuer": "https://idp.shop.example", "client_id": "shop", "client_secret": "x-secret-1", "domains": []string{"shop.example"}})
		e.Must(404, "PUT", path, cu.Token, good)
		e.Must(404, "GET", path, other.Token, nil)
		e.Must(404, "DELETE", path, other.Token, nil)

		// Video roles: 403.
		viewerRole := e.Must(200, "GET", path, in.Token, nil).JSON["default_role_id"]
		e.Must(201, "POST", "/api/v1/accounts/"+itoa(in.ID)+"/users", in.Token, map[string]any{
			"email": "guard@sso-api.example", "name": "G", "password": "password-123", "send_confirmation": false, "role_id": viewerRole})
		vt := e.Login("guard@sso-api.example", "password-123")
		modWantCode(t, e.Do("GET", path, vt, nil), 403, "admin_only")

		e.Must(204, "DELETE", path, in.Token, nil)
		e.Must(404, "DELETE", path, in.Token, nil)
		if r := e.Must(200, "GET", path, in.Token, nil); r.JSON["own"] != false {
			t.Fatalf("after delete: %s", r.Body)
		}
		// The domain is free again.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(other.ID)+"/sso", other.Token, good)

		seen := map[string]bool{}
		for _, it := range e.Must(200, "GET", "/api/v1/audit?per_page=200", in.Token, nil).Items() {
			seen[it["action"].(string)] = true
		}
		if !seen["account.sso_set"] || !seen["account.sso_removed"] {
			t.Fatalf("audit: %v", seen)
		}
	})
}
