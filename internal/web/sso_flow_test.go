package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// ssoBrowser walks redirects across Vigilo, hydra and the login app the
// way a browser does, keeping each server's cookies (by host and port).
type ssoBrowser struct {
	t       *testing.T
	cookies map[string]map[string]string
	http    *http.Client
	hostFor map[string]string // Host header to send to a server (by host:port), as if reached through that name
}

func newSSOBrowser(t *testing.T) *ssoBrowser {
	return &ssoBrowser{t: t, cookies: map[string]map[string]string{}, http: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type ssoPage struct {
	URL    *url.URL // where the walk ended
	Status int
	Body   string
}

// walk requests raw and follows redirects (as GETs) until a page answers.
func (b *ssoBrowser) walk(method, raw string, form url.Values) ssoPage {
	b.t.Helper()
	for hop := 0; hop < 20; hop++ {
		u, err := url.Parse(raw)
		if err != nil {
			b.t.Fatalf("bad URL %q: %v", raw, err)
		}
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, raw, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if h := b.hostFor[u.Host]; h != "" {
			req.Host = h
		}
		for k, v := range b.cookies[u.Host] {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		resp, err := b.http.Do(req)
		if err != nil {
			b.t.Fatalf("%s %s: %v", method, raw, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if b.cookies[u.Host] == nil {
			b.cookies[u.Host] = map[string]string{}
		}
		for _, c := range resp.Cookies() {
			if c.MaxAge < 0 || c.Value == "" {
				delete(b.cookies[u.Host], c.Name)
			} else {
				b.cookies[u.Host][c.Name] = c.Value
			}
		}
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 != 3 || loc == "" {
			return ssoPage{URL: u, Status: resp.StatusCode, Body: string(data)}
		}
		next, err := u.Parse(loc)
		if err != nil {
			b.t.Fatalf("bad Location %q", loc)
		}
		raw, method, form = next.String(), "GET", nil
	}
	b.t.Fatalf("more than 20 redirects from %s", raw)
	return ssoPage{}
}

var (
	challengeRE = regexp.MustCompile(`name="login_challenge" value="([^"]+)"`)
	hintRE      = regexp.MustCompile(`id="provider-subject" value="([^"]*)"`)
)

// signInSSO starts at Vigilo's "Continue with SSO" for email, signs in at
// the provider as subject, and returns the page the walk ends on.
func (b *ssoBrowser) signInSSO(vigilo, email, subject string) ssoPage {
	b.t.Helper()
	p := b.walk("GET", vigilo+"/auth/oidc/start?email="+url.QueryEscape(email)+"&next=/video", nil)
	m := challengeRE.FindStringSubmatch(p.Body)
	if m == nil {
		b.t.Fatalf("not at the provider's login: %s %d %.400s", p.URL, p.Status, p.Body)
	}
	if h := hintRE.FindStringSubmatch(p.Body); h == nil || h[1] != email {
		b.t.Fatalf("login hint not passed to the provider: %v", h)
	}
	login := *p.URL
	login.RawQuery = ""
	return b.walk("POST", login.String(), url.Values{"login_challenge": {m[1]}, "subject": {subject}})
}

// me is the signed-in user, read with the browser's session cookie.
func (b *ssoBrowser) me(e *apitest.Env) (status int, email string, accountID int64, role float64) {
	b.t.Helper()
	u, _ := url.Parse(e.URL)
	req, _ := http.NewRequest("GET", e.URL+"/api/v1/me", nil)
	for k, v := range b.cookies[u.Host] {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return resp.StatusCode, "", 0, 0
	}
	var me struct {
		User struct {
			Email     string  `json:"email"`
			AccountID int64   `json:"account_id"`
			RoleID    float64 `json:"role_id"`
		} `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, me.User.Email, me.User.AccountID, me.User.RoleID
}

// bootForSSO boots Vigilo on a port known in advance, so its base URL (and
// so the redirect URI registered at the provider) is its real address.
func bootForSSO(t *testing.T, pg bool) *apitest.Env {
	port := strconv.Itoa(testenv.FreePort(t))
	return apitest.Boot(t, apitest.Options{Postgres: pg, Env: map[string]string{
		"VIGILO_HTTP_ADDR": "127.0.0.1:" + port, "VIGILO_BASE_URL": "http://127.0.0.1:" + port}})
}

// The whole OpenID Connect sign-in against a real provider (ory/hydra):
// just-in-time creation in the configuration's account with its default
// role, a known user of a customer below it, refusals (another tree's user,
// an unverified or uncovered address, a disabled user, a callback without
// this browser's state), the TOTP step, throttling, audit. Both databases.
func TestSSOSignInThroughHydra(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			h := testenv.Hydra(t)
			e := bootForSSO(t, pg)
			in := e.CreateAccount(e.Root, 1, "integrator", "SSO Int")
			cu := e.CreateAccount(in.Token, in.ID, "customer", "SSO Cust")
			other := e.CreateAccount(e.Root, 1, "integrator", "Other Int")
			id, secret := h.CreateClient(t, e.URL+"/auth/oidc/callback")

			cfg := e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/sso", in.Token, map[string]any{
				"issuer": h.Issuer, "client_id": id, "client_secret": secret, "domains": []string{"acme.example"}})
			if strings.Contains(string(cfg.Body), secret) || cfg.JSON["client_secret_set"] != true {
				t.Fatalf("the secret must never come back: %s", cfg.Body)
			}
			viewer := cfg.JSON["default_role_id"].(float64)

			// The sign-in page offers SSO for the domain only.
			lp := newClient(t, e)
			if p := lp.get("/login?email=ann@acme.example"); !strings.Contains(p.Body, "Continue with SSO") || strings.Contains(p.Body, "data-sso hidden") {
				t.Fatalf("no SSO button for a covered domain: %.400s", p.Body)
			}
			if p := lp.get("/login?email=ann@elsewhere.example"); !strings.Contains(p.Body, "data-sso hidden") {
				t.Fatal("SSO offered for an uncovered domain")
			}

			// 1. Unknown address: created in the integrator with its Viewer role.
			b := newSSOBrowser(t)
			p := b.signInSSO(e.URL, "ann@acme.example", "ann@acme.example")
			if p.URL.Path != "/video" || p.Status != 200 {
				t.Fatalf("JIT sign-in ended at %s %d: %.300s", p.URL, p.Status, p.Body)
			}
			if st, email, acct, role := b.me(e); st != 200 || email != "ann@acme.example" || acct != in.ID || role != viewer {
				t.Fatalf("JIT user: %d %s account %d role %v", st, email, acct, role)
			}

			// 2. A known user of a customer below the configuration.
			e.Must(201, "POST", "/api/v1/accounts/"+itoa(cu.ID)+"/users", cu.Token, map[string]any{
				"email": "bob@acme.example", "name": "Bob", "password": "password-123", "send_confirmation": false})
			h.SetPerson("bob-subject", testenv.HydraPerson{Email: "Bob@Acme.example", EmailVerified: true})
			b = newSSOBrowser(t)
			b.signInSSO(e.URL, "bob@acme.example", "bob-subject")
			if st, email, acct, _ := b.me(e); st != 200 || email != "bob@acme.example" || acct != cu.ID {
				t.Fatalf("known user: %d %s account %d", st, email, acct)
			}

			// 3. Refusals: each ends on the sign-in page with no session.
			e.Must(201, "POST", "/api/v1/accounts/"+itoa(other.ID)+"/users", other.Token, map[string]any{
				"email": "eve@acme.example", "name": "Eve", "password": "password-123", "send_confirmation": false})
			h.SetPerson("unverified", testenv.HydraPerson{Email: "carl@acme.example", EmailVerified: false})
			h.SetPerson("outsider", testenv.HydraPerson{Email: "dan@other.example", EmailVerified: true})
			for _, c := range []struct{ email, subject, want string }{
				{"eve@acme.example", "eve@acme.example", "did not succeed"}, // a user of another tree
				{"carl@acme.example", "unverified", "did not succeed"},
				{"dan@acme.example", "outsider", "did not succeed"},
			} {
				b := newSSOBrowser(t)
				p := b.signInSSO(e.URL, c.email, c.subject)
				if p.URL.Path != "/auth/oidc/callback" || p.Status != 401 || !strings.Contains(p.Body, c.want) {
					t.Fatalf("%s as %s: %s %d %.300s", c.email, c.subject, p.URL, p.Status, p.Body)
				}
				if st, _, _, _ := b.me(e); st != 401 {
					t.Fatalf("%s got a session", c.email)
				}
			}
			if u, err := e.Main.Store.R().UserByEmail(t.Context(), "dan@acme.example"); err == nil {
				t.Fatalf("an uncovered address created a user: %+v", u)
			}

			// A callback in a browser that did not start the sign-in (login
			// CSRF) is refused: the walk starts in b1, ends in b2.
			b1 := newSSOBrowser(t)
			p = b1.walk("GET", e.URL+"/auth/oidc/start?email=ann@acme.example", nil)
			m := challengeRE.FindStringSubmatch(p.Body)
			login := *p.URL
			login.RawQuery = ""
			b2 := newSSOBrowser(t)
			if u, _ := url.Parse(h.Issuer); u != nil {
				b2.cookies[u.Host] = b1.cookies[u.Host] // the provider's cookies, not Vigilo's
			}
			p = b2.walk("POST", login.String(), url.Values{"login_challenge": {m[1]}, "subject": {"ann@acme.example"}})
			if p.URL.Path != "/auth/oidc/callback" || p.Status != 401 {
				t.Fatalf("callback without the browser's state: %s %d", p.URL, p.Status)
			}
			if st, _, _, _ := b2.me(e); st != 401 {
				t.Fatal("login CSRF opened a session")
			}

			// A disabled user is refused with the reason.
			bob := e.Must(200, "GET", "/api/v1/accounts/"+itoa(cu.ID)+"/users?q=bob", cu.Token, nil).Items()[0]
			bobID := int64(bob["id"].(float64))
			e.Must(200, "POST", "/api/v1/accounts/"+itoa(cu.ID)+"/users/"+itoa(bobID)+"/disable", cu.Token, nil)
			b = newSSOBrowser(t)
			if p := b.signInSSO(e.URL, "bob@acme.example", "bob-subject"); p.Status != 403 || !strings.Contains(p.Body, "disabled") {
				t.Fatalf("disabled user: %d %.300s", p.Status, p.Body)
			}
			e.Must(200, "POST", "/api/v1/accounts/"+itoa(cu.ID)+"/users/"+itoa(bobID)+"/enable", cu.Token, nil)

			// 4. A user with TOTP on gives the code after the provider.
			bobToken := e.Login("bob@acme.example", "password-123")
			r := e.Must(200, "POST", "/api/v1/me/totp", bobToken, nil)
			totpSecret := r.JSON["secret"].(string)
			code, _ := totp.GenerateCode(totpSecret, time.Now())
			e.Must(200, "POST", "/api/v1/me/totp/confirm", bobToken, map[string]string{"code": code})
			b = newSSOBrowser(t)
			p = b.signInSSO(e.URL, "bob@acme.example", "bob-subject")
			if p.Status != 200 || !strings.Contains(p.Body, `action="/auth/oidc/otp"`) {
				t.Fatalf("no code step: %d %.300s", p.Status, p.Body)
			}
			if st, _, _, _ := b.me(e); st != 401 {
				t.Fatal("signed in before the code")
			}
			csrf := csrfRE.FindStringSubmatch(p.Body)[1]
			p = b.walk("POST", e.URL+"/auth/oidc/otp", url.Values{"csrf": {csrf}, "otp": {"000000"}})
			if p.Status != 400 || !strings.Contains(p.Body, `action="/auth/oidc/otp"`) {
				t.Fatalf("wrong code: %d %.300s", p.Status, p.Body)
			}
			csrf = csrfRE.FindStringSubmatch(p.Body)[1]
			code, _ = totp.GenerateCode(totpSecret, time.Now())
			p = b.walk("POST", e.URL+"/auth/oidc/otp", url.Values{"csrf": {csrf}, "otp": {code}})
			if st, email, _, _ := b.me(e); st != 200 || email != "bob@acme.example" {
				t.Fatalf("after the code: %d %s (%s %d)", st, email, p.URL, p.Status)
			}

			// Audited in the configuration's account, as SSO.
			seen := map[string]int{}
			for _, it := range e.Must(200, "GET", "/api/v1/audit?per_page=200", in.Token, nil).Items() {
				d, _ := it["detail"].(map[string]any)
				if d != nil && d["method"] == "oidc" {
					seen[it["action"].(string)+"/"+strings.TrimSpace(toString(d["reason"]))]++
				}
			}
			for _, k := range []string{"user.login/", "user.created/", "user.login_failed/user_elsewhere",
				"user.login_failed/email_not_verified", "user.login_failed/domain_not_covered", "user.login_failed/user_disabled"} {
				if seen[k] == 0 {
					t.Errorf("audit lacks %s: %v", k, seen)
				}
			}

			// Switched off: no SSO for the domain any more.
			e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/sso", in.Token, map[string]any{
				"issuer": h.Issuer, "client_id": id, "domains": []string{"acme.example"}, "enabled": false})
			if p := newSSOBrowser(t).walk("GET", e.URL+"/auth/oidc/start?email=ann@acme.example", nil); p.Status != 400 {
				t.Fatalf("switched-off SSO still starts: %d", p.Status)
			}
		})
	}
}

// Every SSO attempt counts against the client until it ends in a session,
// like a failed password: a client that keeps starting and never finishing
// is locked out with 429.
func TestSSOStartThrottled(t *testing.T) {
	h := testenv.Hydra(t)
	e := bootForSSO(t, false)
	in := e.CreateAccount(e.Root, 1, "integrator", "Throttle Int")
	id, secret := h.CreateClient(t, e.URL+"/auth/oidc/callback")
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/sso", in.Token, map[string]any{
		"issuer": h.Issuer, "client_id": id, "client_secret": secret, "domains": []string{"slow.example"}})
	c := newClient(t, e)
	var last page
	for i := 0; i < 40; i++ {
		last = c.get("/auth/oidc/start?email=x@slow.example")
		if last.Status == http.StatusTooManyRequests {
			break
		}
		if last.Status != http.StatusSeeOther {
			t.Fatalf("start %d: %d %.300s", i, last.Status, last.Body)
		}
	}
	if last.Status != http.StatusTooManyRequests || !strings.Contains(last.Body, "try again in") {
		t.Fatalf("never throttled: %d", last.Status)
	}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}
