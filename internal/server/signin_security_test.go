package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/testenv"
)

// login posts a sign-in, optionally as if forwarded for client by the
// trusted proxy on 127.0.0.1, and returns status, error code and Retry-After.
func login(t testing.TB, e *apitest.Env, client, email, password string) (int, string, string) {
	t.Helper()
	r, h := postAs(t, e, client, "/api/v1/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	return r.Status, r.Code(), h.Get("Retry-After")
}

func postAs(t testing.TB, e *apitest.Env, client, path, body string) (apitest.Response, http.Header) {
	t.Helper()
	req, err := http.NewRequest("POST", e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := apitest.Response{Status: resp.StatusCode}
	r.Body, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(r.Body, &r.JSON)
	return r, resp.Header
}

func bootProxied(t *testing.T, pg bool, env map[string]string) *apitest.Env {
	vars := map[string]string{"VIGILO_TRUSTED_PROXIES": "127.0.0.1/32"}
	for k, v := range env {
		vars[k] = v
	}
	return apitest.Boot(t, apitest.Options{Postgres: pg, Env: vars})
}

// TestSignInLockout: 400 wrong passwords, then the right one, is refused
// with 429 and Retry-After; once the lock has passed (a moved clock) the
// right password works and clears the count. The attempts are audited.
func TestSignInLockout(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		frozen := time.Now()
		e.Main.App.Now = func() time.Time { return frozen }
		counts := map[int]int{}
		for i := range 400 {
			st, code, _ := login(t, e, "", apitest.AdminEmail, fmt.Sprint("wrong-password-", i))
			counts[st]++
			if st == 429 && code != "too_many_attempts" {
				t.Fatalf("429 with code %q", code)
			}
		}
		// 5 free failures, the 6th starts a 1 s lock, and nothing knocking on
		// the locked door gets checked or lengthens the lock.
		if counts[401] != 6 || counts[429] != 394 {
			t.Fatalf("answers to 400 wrong passwords: %v", counts)
		}
		st, code, retry := login(t, e, "", apitest.AdminEmail, apitest.AdminPassword)
		if st != 429 || code != "too_many_attempts" || retry != "1" {
			t.Fatalf("right password while locked: %d %s Retry-After %q", st, code, retry)
		}
		frozen = frozen.Add(time.Second)
		if st, code, _ := login(t, e, "", apitest.AdminEmail, apitest.AdminPassword); st != 200 {
			t.Fatalf("right password after the lock: %d %s", st, code)
		}
		// The success cleared the account's count: five more failures are free.
		for range 5 {
			if st, _, _ := login(t, e, "", apitest.AdminEmail, "wrong-again"); st != 401 {
				t.Fatalf("after a success, a wrong password answers %d", st)
			}
		}
		r := e.Must(200, "GET", "/api/v1/audit?account_id=1&per_page=100", e.Root, nil)
		seen := map[string]int{}
		for _, it := range r.Items() {
			seen[fmt.Sprint(it["action"])]++
		}
		if seen["user.login_failed"] != 11 || seen["user.login_locked"] != 1 || seen["user.login"] < 2 {
			t.Fatalf("audit: %v", seen)
		}
	})
}

// TestSignInClientThrottle: one client trying many accounts is locked out
// by address; another client (through the trusted proxy) is not, and a
// forwarded header from an untrusted peer would change nothing.
func TestSignInClientThrottle(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		e := bootProxied(t, pg, nil)
		frozen := time.Now()
		e.Main.App.Now = func() time.Time { return frozen }
		counts := map[int]int{}
		for i := range 100 {
			st, _, _ := login(t, e, "198.51.100.7", fmt.Sprintf("spray-%d@example.com", i), "Summer2026!")
			counts[st]++
		}
		if counts[401] != 31 || counts[429] != 69 {
			t.Fatalf("password spraying from one client: %v", counts)
		}
		if st, _, _ := login(t, e, "198.51.100.7", apitest.AdminEmail, apitest.AdminPassword); st != 429 {
			t.Fatalf("locked client with the right password: %d", st)
		}
		if st, code, _ := login(t, e, "203.0.113.50", apitest.AdminEmail, apitest.AdminPassword); st != 200 {
			t.Fatalf("another client: %d %s", st, code)
		}
		// That client's next password checks go first in the hasher's queue,
		// until one fails; the spraying client never got there.
		known := e.Main.App.Throttles.KnownClients
		if !known.Has("client:203.0.113.50") || known.Has("client:198.51.100.7") {
			t.Fatal("known clients: wrong after one success and 100 failures")
		}
		login(t, e, "203.0.113.50", apitest.AdminEmail, "wrong-password")
		if known.Has("client:203.0.113.50") {
			t.Fatal("a failure left the client in the first lane")
		}
	})
}

// TestSignInAnswersAlike: an unknown address, a known one with a wrong
// password, an unconfirmed user with a wrong password and a user who has no
// password yet all get the same answer, each after exactly one hash; only
// the right password reveals that an address is unconfirmed.
func TestSignInAnswersAlike(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		const pw = "correct horse battery"
		e.Must(201, "POST", "/api/v1/accounts", e.Root, map[string]any{"type": "customer", "name": "Unconfirmed", "email": "unconfirmed@example.com", "password": pw})
		e.Must(201, "POST", "/api/v1/accounts", e.Root, map[string]any{"type": "customer", "name": "No password", "email": "nopw@example.com", "send_confirmation": true})
		var bodies []string
		for _, c := range []struct{ email, pw string }{
			{"nobody@example.com", "whatever-123"},
			{apitest.AdminEmail, "whatever-123"},
			{"unconfirmed@example.com", "whatever-123"},
			{"nopw@example.com", "whatever-123"},
		} {
			before := identity.HashCount()
			r := e.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": c.email, "password": c.pw})
			if r.Status != 401 || r.Code() != "invalid_credentials" {
				t.Fatalf("%s: %d %s", c.email, r.Status, r.Body)
			}
			if n := identity.HashCount() - before; n != 1 {
				t.Fatalf("%s: %d hashes spent, want 1", c.email, n)
			}
			bodies = append(bodies, string(r.Body))
		}
		if len(slices.Compact(slices.Clone(bodies))) != 1 {
			t.Fatalf("answers differ: %q", bodies)
		}
		if r := e.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "unconfirmed@example.com", "password": pw}); r.Status != 403 || r.Code() != "email_unconfirmed" {
			t.Fatalf("unconfirmed with the right password: %d %s", r.Status, r.Body)
		}
	})
}

// TestMailLimits: 80 reset requests for one address send a handful of mails,
// an unknown address is answered exactly alike, and one client asking for
// many addresses is limited too.
func TestMailLimits(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		mp := testenv.Mailpit(t)
		e := bootProxied(t, pg, mailEnv(mp))
		e.Main.App.MailFloor = 0 // 240 requests; the floor is checked below
		answers := func(client, email, path string) []int {
			var out []int
			for range 80 {
				r, h := postAs(t, e, client, path, fmt.Sprintf(`{"email":%q}`, email))
				if r.Status == 429 && (r.Code() != "too_many_attempts" || h.Get("Retry-After") == "") {
					t.Fatalf("429 without its code or Retry-After: %s %v", r.Body, h)
				}
				out = append(out, r.Status)
			}
			return out
		}
		known := answers("192.0.2.1", apitest.AdminEmail, "/api/v1/auth/password/forgot")
		unknown := answers("192.0.2.2", "nobody@example.com", "/api/v1/auth/password/forgot")
		if !slices.Equal(known, unknown) {
			t.Fatalf("known and unknown addresses answered differently:\n%v\n%v", known, unknown)
		}
		if n := count(known, 202); n != 4 {
			t.Fatalf("%d of 80 requests accepted: %v", n, known)
		}
		e.Main.App.MailFloor = 200 * time.Millisecond
		began := time.Now()
		if r, _ := postAs(t, e, "192.0.2.3", "/api/v1/auth/confirm/resend", `{"email":"nobody-else@example.com"}`); r.Status != 202 {
			t.Fatalf("resend: %d %s", r.Status, r.Body)
		}
		if d := time.Since(began); d < 200*time.Millisecond {
			t.Fatalf("an unknown address answered in %v, before the floor", d)
		}
		e.Main.App.MailFloor = 0
		// One client, many addresses: 10 free, the 11th starts a lock.
		var spread []int
		for i := range 40 {
			r, _ := postAs(t, e, "192.0.2.4", "/api/v1/auth/confirm/resend", fmt.Sprintf(`{"email":"a%d@example.com"}`, i))
			spread = append(spread, r.Status)
		}
		if n := count(spread, 202); n != 11 {
			t.Fatalf("one client got %d of 40 requests through: %v", n, spread)
		}
		// Mailpit holds what was really sent: at most the 4 accepted resets.
		time.Sleep(time.Second)
		var resets int
		for _, m := range mp.Messages(t) {
			if strings.Contains(strings.ToLower(m.Subject), "password") {
				resets++
			}
		}
		pending, sent, err := e.Main.Store.R().MailStats(t.Context())
		if err != nil || resets > 4 || resets+int(pending) != 4 {
			t.Fatalf("reset mails: %d in Mailpit, outbox pending %d sent %d (%v)", resets, pending, sent, err)
		}
	})
}

func count(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}

func mailEnv(mp *testenv.MailpitServer) map[string]string {
	return map[string]string{"VIGILO_SMTP_HOST": mp.SMTPHost, "VIGILO_SMTP_PORT": strconv.Itoa(mp.SMTPPort), "VIGILO_SMTP_USERNAME": "vigilo",
		"VIGILO_SMTP_PASSWORD": "secret", "VIGILO_SMTP_FROM": "Vigilo <no-reply@vigilo.test>", "VIGILO_MAIL_INTERVAL": "100ms"}
}

// TestMadeUpTokensCostNoHash: confirm, reset and setup look the token up
// before hashing the new password, so posting made-up tokens cannot keep the
// hasher busy.
func TestMadeUpTokensCostNoHash(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		before := identity.HashCount()
		for _, path := range []string{"/api/v1/auth/confirm", "/api/v1/auth/password/reset", "/api/v1/auth/setup"} {
			r := e.Do("POST", path, "", map[string]string{"token": "made-up-token-0123456789", "password": "a-fine-password-42",
				"email": "x@example.com", "name": "X"})
			if r.Status != 400 || r.Fields()["token"] == nil {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
		}
		if n := identity.HashCount() - before; n != 0 {
			t.Fatalf("made-up tokens cost %d hashes", n)
		}
	})
}
