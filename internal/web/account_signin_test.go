package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// The account page's 2FA tab requires two-factor sign-in for a customer
// from its parent: the customer's user is then sent to enrolment after a
// password sign-in and the API answers 403 totp_enrolment_required until
// enrolled; the customer sees the rule as its parent's. The SSO tab saves
// a configuration without ever showing the secret, names a bad field, and
// removes it. Both databases.
func TestAccountSignInTabs(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			in := e.CreateAccount(e.Root, 1, "integrator", "Tabs Int")
			cu := e.CreateAccount(in.Token, in.ID, "customer", "Tabs Cust")
			admin := newClient(t, e)
			admin.signIn(in.Email, in.Password)
			tab := "/accounts/" + itoa(cu.ID) + "/two-factor"
			if p := admin.get(tab); p.Status != 200 || !strings.Contains(p.Body, `id="two-factor-form"`) || strings.Contains(p.Body, `name="require_2fa" value="1" checked`) {
				t.Fatalf("2FA tab: %d %.300s", p.Status, p.Body)
			}
			if p := admin.post(tab, tab, url.Values{"require_2fa": {"0", "1"}}); p.Status != 303 || p.Location != tab {
				t.Fatalf("require: %d %s %.300s", p.Status, p.Location, p.Body)
			}
			if p := admin.get(tab); !strings.Contains(p.Body, `name="require_2fa" value="1" checked`) {
				t.Fatal("the switch does not show the rule")
			}
			if r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(cu.ID)+"/two-factor", in.Token, nil); r.JSON["require_2fa"] != true {
				t.Fatalf("rule not stored: %s", r.Body)
			}

			// The customer's owner: sent to enrolment, the API refuses the rest.
			user := newClient(t, e)
			user.signIn(cu.Email, cu.Password)
			for _, path := range []string{"/", "/accounts/" + itoa(cu.ID), "/video"} {
				if p := user.get(path); p.Status != 303 || p.Location != "/security" {
					t.Fatalf("%s before enrolment: %d %s", path, p.Status, p.Location)
				}
			}
			modToken := e.Login(cu.Email, cu.Password)
			if r := e.Do("GET", "/api/v1/accounts/"+itoa(cu.ID), modToken, nil); r.Status != 403 || r.Code() != "totp_enrolment_required" {
				t.Fatalf("API before enrolment: %d %s", r.Status, r.Body)
			}
			// A rule from above shows on the customer's tab and cannot be
			// lifted there.
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/two-factor", e.Root, map[string]bool{"require_2fa": true})
			root := newClient(t, e)
			root.signIn(apitest.AdminEmail, apitest.AdminPassword)
			if p := root.get(tab); !strings.Contains(p.Body, "two-factor-from-above") {
				t.Fatalf("the parent's rule not shown: %.300s", p.Body)
			}
			if p := root.get("/accounts/" + itoa(in.ID) + "/two-factor"); strings.Contains(p.Body, "two-factor-from-above") {
				t.Fatal("the integrator's own rule shown as a parent's")
			}
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/two-factor", e.Root, map[string]bool{"require_2fa": false})
			if p := admin.post(tab, tab, url.Values{"require_2fa": {"0"}}); p.Status != 303 {
				t.Fatalf("lift: %d", p.Status)
			}
			if p := user.get("/accounts/" + itoa(cu.ID)); p.Status != 200 {
				t.Fatalf("after the rule is lifted: %d %s", p.Status, p.Location)
			}

			// SSO tab.
			sso := "/accounts/" + itoa(in.ID) + "/sso"
			if p := admin.get(sso); p.Status != 200 || !strings.Contains(p.Body, "/auth/oidc/callback") {
				t.Fatalf("SSO tab: %d", p.Status)
			}
			bad := admin.post(sso, sso, url.Values{"issuer": {"ftp://idp.example"}, "client_id": {"c"}, "client_secret": {"tab-secret-1"},
				"domains": {"tabs.example"}, "enabled": {"0", "1"}})
			if bad.Status != 400 || !strings.Contains(bad.Body, `data-field="issuer"`) || strings.Contains(bad.Body, "tab-secret-1") {
				t.Fatalf("bad issuer: %d %.500s", bad.Status, bad.Body)
			}
			if p := admin.post(sso, sso, url.Values{"issuer": {"https://idp.tabs.example"}, "client_id": {"tabs-client"}, "client_secret": {"tab-secret-1"},
				"domains": {"tabs.example, branch.tabs.example"}, "enabled": {"0", "1"}}); p.Status != 303 {
				t.Fatalf("save: %d %.500s", p.Status, p.Body)
			}
			p := admin.get(sso)
			if !strings.Contains(p.Body, "tabs-client") || !strings.Contains(p.Body, "branch.tabs.example") || strings.Contains(p.Body, "tab-secret-1") {
				t.Fatalf("saved SSO tab: %.800s", p.Body)
			}
			// The customer's tab says it is covered from above.
			if p := admin.get("/accounts/" + itoa(cu.ID) + "/sso"); !strings.Contains(p.Body, `id="sso-inherited"`) {
				t.Fatal("customer's SSO tab does not show the parent's provider")
			}
			if r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(in.ID)+"/sso", in.Token, nil); r.JSON["client_id"] != "tabs-client" || r.JSON["enabled"] != true {
				t.Fatalf("API after the form: %s", r.Body)
			}
			if p := admin.post(sso, sso, url.Values{"action": {"remove"}}); p.Status != 303 {
				t.Fatalf("remove: %d", p.Status)
			}
			if r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(in.ID)+"/sso", in.Token, nil); r.JSON["own"] != false {
				t.Fatalf("not removed: %s", r.Body)
			}
		})
	}
}
