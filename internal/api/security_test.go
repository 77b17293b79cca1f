package api_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
)

// Regression tests for the holes of issue 10 that are not sign-in
// throttling: api_access by cookie, video roles reading admin data, the
// audit log showing ancestors, credentials surviving a password change,
// session timeouts, security events and page overflow.

// portalSignIn signs in through the portal's own form, as a browser does,
// and returns the session cookie's value.
func portalSignIn(t *testing.T, e *apitest.Env, email, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(e.URL)
	var csrf string
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "vigilo_csrf" {
			csrf = ck.Value
		}
	}
	resp, err = c.PostForm(e.URL+"/login", url.Values{"email": {email}, "password": {password}, "csrf": {csrf}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == httpx.SessionCookie && ck.Value != "" {
			return ck.Value
		}
	}
	t.Fatalf("portal sign-in of %s set no session (status %d)", email, resp.StatusCode)
	return ""
}

// videoUser adds a user with the account's built-in role of that name and
// returns its e-mail.
func videoUser(t *testing.T, e *apitest.Env, acct apitest.Account, role string) string {
	t.Helper()
	var roleID int64
	for _, r := range e.Must(200, "GET", "/api/v1/accounts/"+itoa(acct.ID)+"/roles", acct.Token, nil).Items() {
		if r["name"] == role {
			roleID = idOf(r)
		}
	}
	if roleID == 0 {
		t.Fatalf("no %s role in account %d", role, acct.ID)
	}
	email := strings.ToLower(role) + "-" + itoa(acct.ID) + "-" + itoa(time.Now().UnixNano()) + "@vigilo.test"
	e.Must(201, "POST", "/api/v1/accounts/"+itoa(acct.ID)+"/users", acct.Token, map[string]any{"email": email,
		"name": role, "password": "password-123", "role_id": roleID, "send_confirmation": false})
	e.ConfirmEmail(email)
	return email
}

// The token of POST /auth/login sent as the session cookie used to skip
// api_access; only a session opened by the portal's own sign-in form, sent
// as the cookie, is the portal's page script.
func TestAPIAccessCookieBypass(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "NoAPI")
		portal := portalSignIn(t, e, in.Email, in.Password)
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/modules", e.Root, map[string]bool{"api_access": false})

		modWantCode(t, e.Do("GET", "/api/v1/me", in.Token, nil), 403, "module_disabled")
		if st, code := modCookieDo(t, e, "GET", "/api/v1/me", in.Token); st != 403 || code != "module_disabled" {
			t.Fatalf("API sign-in token as cookie: %d %s, want 403 module_disabled", st, code)
		}
		if st, code := modCookieDo(t, e, "GET", "/api/v1/me", portal); st != 200 {
			t.Fatalf("portal session as cookie: %d %s, want 200", st, code)
		}
		modWantCode(t, e.Do("GET", "/api/v1/me", portal, nil), 403, "module_disabled")
	})
}

// Guards and Viewers read themselves (and their cameras), never the
// account's users, roles, modules, plans, statistics or audit log, and
// create no API tokens.
func TestVideoRolesReadNoAdminData(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "Video Int")
		cu := e.CreateAccount(in.Token, in.ID, "customer", "Video Cust")
		for _, role := range []string{"Guard", "Viewer"} {
			tok := e.Login(videoUser(t, e, cu, role), "password-123")
			id := itoa(cu.ID)
			for _, p := range []string{"/accounts", "/accounts/" + id, "/accounts/" + id + "/users", "/accounts/" + id + "/roles",
				"/accounts/" + id + "/modules", "/accounts/" + id + "/statistics", "/accounts/" + id + "/plans", "/audit", "/plans"} {
				modWantCode(t, e.Do("GET", "/api/v1"+p, tok, nil), 403, "admin_only")
			}
			modWantCode(t, e.Do("POST", "/api/v1/me/tokens", tok, map[string]any{"name": "year", "expires_in_days": 365}), 403, "admin_only")
			if st := e.Do("GET", "/api/v1/me", tok, nil).Status; st != 200 {
				t.Errorf("%s: GET /me = %d", role, st)
			}
		}
	})
}

// A child's audit log shows what was done to it from above, but not who
// above did it, from which address, nor their ids.
func TestAuditHidesAncestors(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "Audit Int")
		cu := e.CreateAccount(in.Token, in.ID, "customer", "Audit Cust")
		e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(cu.ID), in.Token, map[string]any{"notes": "changed from above"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(cu.ID)+"/modules", in.Token, map[string]bool{"clips": false})
		e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(cu.ID), cu.Token, map[string]any{"phone": "+1 555 0100"})

		r := e.Must(200, "GET", "/api/v1/audit?per_page=200", cu.Token, nil)
		if strings.Contains(string(r.Body), in.Email) || strings.Contains(string(r.Body), "root@") {
			t.Fatalf("child sees a parent's e-mail: %s", r.Body)
		}
		var fromAbove, own int
		for _, it := range r.Items() {
			switch it["actor_email"] {
			case "a parent account":
				fromAbove++
				if it["actor_user_id"] != 0.0 || it["actor_account_id"] != 0.0 || it["remote_addr"] != "" {
					t.Errorf("parent's entry not redacted: %v", it)
				}
			case cu.Email:
				own++
				if it["remote_addr"] == "" {
					t.Errorf("own entry lost its address: %v", it)
				}
			}
		}
		if fromAbove < 2 || own < 1 {
			t.Fatalf("want the parent's changes (redacted) and the child's own: %d %d: %s", fromAbove, own, r.Body)
		}
		// The parent still sees its own actions in full.
		r = e.Must(200, "GET", "/api/v1/audit?account_id="+itoa(cu.ID), in.Token, nil)
		if !strings.Contains(string(r.Body), in.Email) {
			t.Fatalf("parent lost its own entries: %s", r.Body)
		}
	})
}

// A password reset, an administrator's new password and one's own change
// end every other session and API token; one's own change keeps the
// session it was made in. Each is audited.
func TestPasswordChangesRevokeCredentials(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "Revoke Int")
		st := e.Main.Store

		// Own change: this session stays, the others and the API token end.
		other := e.Login(in.Email, in.Password)
		api := modAPIToken(t, st, in.Email)
		e.Must(200, "POST", "/api/v1/me/password", in.Token, map[string]string{"current_password": in.Password, "new_password": "Second-pass-42"})
		e.Must(200, "GET", "/api/v1/me", in.Token, nil)
		e.Must(401, "GET", "/api/v1/me", other, nil)
		e.Must(401, "GET", "/api/v1/me", api, nil)

		// Reset link: everything ends.
		api = modAPIToken(t, st, in.Email)
		u, err := st.R().UserByEmail(context.Background(), in.Email)
		if err != nil {
			t.Fatal(err)
		}
		plain, hash := identity.NewToken()
		if _, err := st.W().InsertToken(context.Background(), u.ID, identity.PurposeReset, hash, "", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		e.Must(200, "POST", "/api/v1/auth/password/reset", "", map[string]string{"token": plain, "password": "Third-pass-42"})
		e.Must(401, "GET", "/api/v1/me", in.Token, nil)
		e.Must(401, "GET", "/api/v1/me", api, nil)

		// An administrator sets a user's password: the user's credentials end.
		owner := e.Login(in.Email, "Third-pass-42")
		in.Token = owner
		admin := videoUser(t, e, in, "Administrator")
		adminTok := e.Login(admin, "password-123")
		adminAPI := modAPIToken(t, st, admin)
		au, _ := st.R().UserByEmail(context.Background(), admin)
		// (The portal's user page calls this; the API has no route for it.)
		ownerActor, err := e.Main.App.Authenticate(context.Background(), owner)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Main.App.AdminSetPassword(context.Background(), ownerActor, au.ID, "Admin-set-pass-9", false); err != nil {
			t.Fatal(err)
		}
		e.Must(401, "GET", "/api/v1/me", adminTok, nil)
		e.Must(401, "GET", "/api/v1/me", adminAPI, nil)

		r := e.Must(200, "GET", "/api/v1/audit?account_id="+itoa(in.ID)+"&per_page=200", owner, nil)
		seen := map[string]bool{}
		for _, it := range r.Items() {
			seen[it["action"].(string)] = true
		}
		for _, a := range []string{"user.password_changed", "user.password_reset", "user.password_set"} {
			if !seen[a] {
				t.Errorf("audit lacks %s: %v", a, seen)
			}
		}
	})
}

// Sessions end after VIGILO_SESSION_IDLE without use and VIGILO_SESSION_MAX
// after sign-in; their use is recorded at most once a minute.
func TestSessionTimeouts(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_SESSION_IDLE": "1h", "VIGILO_SESSION_MAX": "5h"}})
		in := e.CreateAccount(e.Root, 1, "integrator", "Timeout Int")
		api := modAPIToken(t, e.Main.Store, in.Email)
		base := time.Now()
		clock := base
		e.Main.App.Now = func() time.Time { return clock }

		idle := e.Login(in.Email, in.Password)
		busy := e.Login(in.Email, in.Password)
		lastUsed := func(tok string) time.Time {
			for _, it := range e.Must(200, "GET", "/api/v1/me/sessions", tok, nil).Items() {
				if it["current"] == true {
					at, _ := time.Parse(time.RFC3339Nano, it["last_used_at"].(string))
					return at
				}
			}
			t.Fatal("no current session in the list")
			return time.Time{}
		}
		first := lastUsed(busy)
		clock = base.Add(30 * time.Second)
		if got := lastUsed(busy); !got.Equal(first) {
			t.Fatalf("use recorded within the minute: %v then %v", first, got)
		}
		// Every 50 minutes the busy session is used; the idle one is not.
		for i := 1; i <= 5; i++ {
			clock = base.Add(time.Duration(i) * 50 * time.Minute)
			e.Must(200, "GET", "/api/v1/me", busy, nil)
		}
		if got := lastUsed(busy); !got.After(first) {
			t.Fatalf("use not recorded after a minute: %v", got)
		}
		e.Must(401, "GET", "/api/v1/me", idle, nil)
		e.Must(200, "GET", "/api/v1/me", api, nil) // API tokens have their own expiry only
		clock = base.Add(5*time.Hour + time.Minute)
		e.Must(401, "GET", "/api/v1/me", busy, nil)
	})
}

// My sessions: listed with address and user agent, one ended by id, all
// others at once; an administrator ends a user's; each is audited, and so
// is signing out.
func TestMySessions(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "Sess Int")
		other := e.CreateAccount(e.Root, 1, "integrator", "Sess Other")
		second := e.Login(in.Email, in.Password)
		third := e.Login(in.Email, in.Password)
		l := e.Must(200, "GET", "/api/v1/me/sessions", in.Token, nil).Items()
		if len(l) != 3 {
			t.Fatalf("want 3 sessions: %v", l)
		}
		var current, secondID int64
		for _, s := range l {
			if s["address"] != "127.0.0.1" || s["user_agent"] == "" {
				t.Errorf("session without address or agent: %v", s)
			}
			if s["current"] == true {
				current = idOf(s)
			}
		}
		for _, s := range e.Must(200, "GET", "/api/v1/me/sessions", second, nil).Items() {
			if s["current"] == true {
				secondID = idOf(s)
			}
		}
		if current == 0 || secondID == 0 || current == secondID {
			t.Fatalf("current marks: %d %d", current, secondID)
		}
		e.Must(404, "DELETE", "/api/v1/me/sessions/"+itoa(secondID), other.Token, nil)
		e.Must(204, "DELETE", "/api/v1/me/sessions/"+itoa(secondID), in.Token, nil)
		e.Must(401, "GET", "/api/v1/me", second, nil)
		e.Must(200, "GET", "/api/v1/me", third, nil)
		if r := e.Must(200, "DELETE", "/api/v1/me/sessions", in.Token, nil); r.JSON["revoked"] != 1.0 {
			t.Fatalf("revoke others: %s", r.Body)
		}
		e.Must(401, "GET", "/api/v1/me", third, nil)
		e.Must(200, "GET", "/api/v1/me", in.Token, nil)

		// An administrator ends a user's sessions; not across tenants.
		admin := videoUser(t, e, in, "Administrator")
		at := e.Login(admin, "password-123")
		au, _ := e.Main.Store.R().UserByEmail(context.Background(), admin)
		path := "/api/v1/accounts/" + itoa(in.ID) + "/users/" + itoa(au.ID) + "/sessions"
		e.Must(404, "DELETE", path, other.Token, nil)
		e.Must(200, "DELETE", path, in.Token, nil)
		e.Must(401, "GET", "/api/v1/me", at, nil)

		e.Must(204, "POST", "/api/v1/auth/logout", in.Token, nil)
		owner := e.Login(in.Email, in.Password)
		seen := map[string]int{}
		for _, it := range e.Must(200, "GET", "/api/v1/audit?per_page=200", owner, nil).Items() {
			seen[it["action"].(string)]++
		}
		if seen["user.sessions_revoked"] != 3 || seen["user.signed_out"] != 1 {
			t.Fatalf("audit: %v", seen)
		}
	})
}

// A page number whose offset overflows the engines' integers is a 400
// naming the field on both databases, never a 5xx.
func TestHugePageIsRefused(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		for _, p := range []string{"/accounts", "/audit", "/accounts/1/users", "/plans"} {
			for _, q := range []string{"page=9223372036854775807", "page=1000001", "page=4611686018427387904&per_page=200"} {
				r := e.Must(400, "GET", "/api/v1"+p+"?"+q, e.Root, nil)
				if r.Fields()["page"] == nil {
					t.Errorf("%s?%s: page not named: %s", p, q, r.Body)
				}
			}
			e.Must(200, "GET", "/api/v1"+p+"?page=1000000", e.Root, nil)
		}
	})
}

// Passwords that guessers try first or that carry control characters, and
// names with bidi overrides, invisible characters or line breaks, are 400s
// naming the field, and nothing is written.
func TestWeakPasswordsAndTrickyNames(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "Input Int")
		var cases []badCase
		for _, pw := range []string{"aaaaaaaaaa", "1234567890", "0987654321", "qwertyuiop", "password123", "Password1234",
			"iloveyou2024", "abcabcabcabc", "pass\x00word-x9", "pass\nword-x9", "pass\x1bword-x9"} {
			cases = append(cases, badCase{name: "password " + pw, method: "POST", path: "/api/v1/accounts/" + itoa(in.ID) + "/users",
				body: map[string]any{"email": "weak@vigilo.test", "name": "W", "password": pw, "send_confirmation": false}, status: 400, field: "password"})
		}
		for _, name := range []string{"Acme\u202egnp.exe", "Acme\u2066x", "Ac\u200bme", "Acme\ufeff", "Acme\r\nX-Injected: 1", "Acme\tTab"} {
			cases = append(cases, badCase{name: "account name " + name, method: "POST", path: "/api/v1/accounts",
				body: map[string]any{"type": "customer", "parent_id": in.ID, "name": name, "email": "tricky@vigilo.test"}, status: 400, field: "name"},
				badCase{name: "user name " + name, method: "POST", path: "/api/v1/accounts/" + itoa(in.ID) + "/users",
					body: map[string]any{"email": "tricky-user@vigilo.test", "name": name, "password": "Fine-pass-2718", "send_confirmation": false}, status: 400, field: "name"})
		}
		runBad(t, e, in.Token, cases)
		e.Must(200, "POST", "/api/v1/me/password", in.Token, map[string]string{"current_password": in.Password, "new_password": "Fine-pass-2718"})
		r := e.Must(400, "POST", "/api/v1/me/password", in.Token, map[string]string{"current_password": "Fine-pass-2718", "new_password": "1234567890"})
		if r.Fields()["new_password"] == nil {
			t.Fatalf("new_password not named: %s", r.Body)
		}
	})
}

// With an https base URL every answer carries HSTS and the session cookie is
// a __Host- cookie that the portal and the API accept; on http neither.
func TestHTTPSBaseURLHardening(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{Env: map[string]string{"VIGILO_BASE_URL": "https://localhost:0"}})
	body := strings.NewReader(`{"email":"` + apitest.AdminEmail + `","password":"` + apitest.AdminPassword + `"}`)
	resp, err := http.Post(e.URL+"/api/v1/auth/login", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS header on https")
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == httpx.HostSessionCookie {
			session = c
		}
		if c.Name == httpx.SessionCookie {
			t.Fatalf("unprefixed session cookie on https: %v", c)
		}
	}
	if session == nil || !session.Secure || session.Path != "/" || session.Domain != "" {
		t.Fatalf("want a Secure __Host- cookie for /: %v", resp.Cookies())
	}
	req, _ := http.NewRequest("GET", e.URL+"/api/v1/me", nil)
	req.AddCookie(session)
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 200 {
		t.Fatalf("__Host- cookie refused: %d", r2.StatusCode)
	}

	plain := apitest.Boot(t, apitest.Options{})
	r3, err := http.Get(plain.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	r3.Body.Close()
	if r3.Header.Get("Strict-Transport-Security") != "" {
		t.Fatal("HSTS on an http site")
	}
}
