package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestCustomDomainLimitsEverySignIn: through an integrator's verified
// custom domain, single sign-on and passkeys obey the same rule as the
// password: only that integrator's subtree signs in. Another tree's SSO
// neither starts there (as if its domain had no provider) nor finishes
// there when the provider's callback is sent through that host; passkeys,
// bound to the operator's host, are not offered there at all.
func TestCustomDomainLimitsEverySignIn(t *testing.T) {
	h := testenv.Hydra(t)
	e := bootForSSO(t, false)
	acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
	other := e.CreateAccount(e.Root, 1, "integrator", "Other Integrator")
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(acme.ID)+"/branding", acme.Token,
		map[string]any{"product_name": "Acme Video", "custom_domain": "video.acme.test"})
	e.Must(200, "POST", "/api/v1/accounts/"+itoa(acme.ID)+"/branding/verify", e.Root, nil)
	for _, c := range []struct {
		id     int64
		token  string
		domain string
	}{{acme.ID, acme.Token, "acme.example"}, {other.ID, other.Token, "other.example"}} {
		id, secret := h.CreateClient(t, e.URL+"/auth/oidc/callback")
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.id)+"/sso", c.token, map[string]any{
			"issuer": h.Issuer, "client_id": id, "client_secret": secret, "domains": []string{c.domain}})
	}

	// Starting: through Acme's domain only Acme's provider; on the
	// operator's address both.
	start := func(host, email string) (int, string) {
		t.Helper()
		c := newClient(t, e)
		c.host = host
		p := c.get("/auth/oidc/start?email=" + url.QueryEscape(email))
		return p.Status, p.Location
	}
	for _, c := range []struct {
		host, email string
		starts      bool
	}{
		{"video.acme.test", "ann@acme.example", true},
		{"video.acme.test", "eve@other.example", false},
		{"", "eve@other.example", true},
	} {
		st, loc := start(c.host, c.email)
		went := st == http.StatusSeeOther && strings.HasPrefix(loc, h.Issuer)
		if went != c.starts {
			t.Errorf("SSO start for %s through %q: %d %s, want started=%v", c.email, c.host, st, loc, c.starts)
		}
	}
	// The sign-in page's SSO hint says the same.
	hint := func(host, email string) string {
		c := newClient(t, e)
		c.host = host
		return c.get("/auth/oidc/domain?email=" + url.QueryEscape(email)).Body
	}
	if b := hint("video.acme.test", "eve@other.example"); !strings.Contains(b, `"sso":false`) {
		t.Errorf("SSO offered for another tree through Acme's domain: %s", b)
	}
	if b := hint("video.acme.test", "ann@acme.example"); !strings.Contains(b, `"sso":true`) {
		t.Errorf("SSO not offered for Acme's own provider: %s", b)
	}

	// Finishing: Other's sign-in started on the operator's address, whose
	// callback is sent through Acme's domain, opens no session and creates
	// no user.
	h.SetPerson("eve-subject", testenv.HydraPerson{Email: "eve@other.example", EmailVerified: true})
	b := newSSOBrowser(t)
	p := b.walk("GET", e.URL+"/auth/oidc/start?email=eve@other.example", nil)
	m := challengeRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("not at the provider: %s %d", p.URL, p.Status)
	}
	login := *p.URL
	login.RawQuery = ""
	vigilo, _ := url.Parse(e.URL)
	b.hostFor = map[string]string{vigilo.Host: "video.acme.test"}
	p = b.walk("POST", login.String(), url.Values{"login_challenge": {m[1]}, "subject": {"eve-subject"}})
	if p.URL.Path != "/auth/oidc/callback" || p.Status != 401 || !strings.Contains(p.Body, "did not succeed") {
		t.Errorf("callback through Acme's domain: %s %d %.300s", p.URL, p.Status, p.Body)
	}
	b.hostFor = nil
	if st, _, _, _ := b.me(e); st != 401 {
		t.Error("another tree's SSO opened a session through Acme's domain")
	}
	if u, err := e.Main.Store.R().UserByEmail(t.Context(), "eve@other.example"); err == nil {
		t.Errorf("a user was created: %+v", u)
	}
	// The same sign-in on the operator's address succeeds (the refusal
	// above was the domain's).
	b = newSSOBrowser(t)
	p = b.signInSSO(e.URL, "eve@other.example", "eve-subject")
	if st, email, acct, _ := b.me(e); st != 200 || email != "eve@other.example" || acct != other.ID {
		t.Errorf("SSO on the operator's address: %d %s %d (%s %d %.300s)", st, email, acct, p.URL, p.Status, p.Body)
	}

}

// TestCustomDomainOffersNoPasskeys: passkeys belong to the operator's host
// (the WebAuthn relying party), so a verified custom domain's sign-in page
// offers none and a ceremony started there is refused, while the
// operator's address keeps them.
func TestCustomDomainOffersNoPasskeys(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{Quiet: true})
	acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(acme.ID)+"/branding", acme.Token,
		map[string]any{"product_name": "Acme Video", "custom_domain": "video.acme.test"})
	e.Must(200, "POST", "/api/v1/accounts/"+itoa(acme.ID)+"/branding/verify", e.Root, nil)
	branded, plain := newClient(t, e), newClient(t, e)
	branded.host = "video.acme.test"
	if p := branded.get("/login"); p.Status != 200 || strings.Contains(p.Body, "data-passkey-signin") {
		t.Errorf("passkey sign-in offered on the custom domain: %d", p.Status)
	}
	if p := plain.get("/login"); !strings.Contains(p.Body, "data-passkey-signin") {
		t.Error("no passkey sign-in on the operator's address")
	}
	if p := branded.post("/login", "/login/passkey/begin", url.Values{}); p.Status != 409 || !strings.Contains(p.Body, "passkeys_unavailable") {
		t.Errorf("passkey ceremony on the custom domain: %d %.300s", p.Status, p.Body)
	}
	if p := plain.post("/login", "/login/passkey/begin", url.Values{}); p.Status != 200 || !strings.Contains(p.Body, "challenge") {
		t.Errorf("passkey ceremony on the operator's address: %d %.300s", p.Status, p.Body)
	}
}
