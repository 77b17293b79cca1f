package server_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// bootWithMail starts Vigilo delivering mail to a real Mailpit over SMTP.
func bootWithMail(t *testing.T, pg bool) (*apitest.Env, *testenv.MailpitServer) {
	mp := testenv.Mailpit(t)
	e := apitest.Boot(t, apitest.Options{Postgres: pg, Env: map[string]string{
		"VIGILO_SMTP_HOST":     mp.SMTPHost,
		"VIGILO_SMTP_PORT":     strconv.Itoa(mp.SMTPPort),
		"VIGILO_SMTP_USERNAME": "vigilo",
		"VIGILO_SMTP_PASSWORD": "secret",
		"VIGILO_SMTP_FROM":     "Vigilo <no-reply@vigilo.test>",
		"VIGILO_MAIL_INTERVAL": "100ms",
	}})
	return e, mp
}

func eachDB(t *testing.T, fn func(t *testing.T, pg bool)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { fn(t, pg) })
	}
}

// confirmLink waits for the n-th welcome mail to addr (1-based, oldest
// first) and returns the confirmation link in it.
func confirmLink(t *testing.T, e *apitest.Env, mp *testenv.MailpitServer, addr string, n int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got []testenv.Message
		for _, m := range mp.Messages(t) {
			if len(m.To) == 1 && strings.EqualFold(m.To[0], addr) && strings.Contains(m.Subject, "confirm your e-mail") {
				got = append(got, m)
			}
		}
		if len(got) >= n {
			m := got[n-1]
			if m.From != "no-reply@vigilo.test" {
				t.Errorf("mail from %q", m.From)
			}
			for _, l := range testenv.Links(m.Text) {
				if strings.HasPrefix(l, e.Main.Config.BaseURL+"/confirm?token=") {
					if !strings.Contains(m.HTML, l) {
						t.Errorf("HTML body lacks the link %s", l)
					}
					return l
				}
			}
			t.Fatalf("no confirmation link in mail %d to %s:\n%s", n, addr, m.Text)
		}
		if time.Now().After(deadline) {
			t.Fatalf("mail %d to %s did not arrive (have %d)", n, addr, len(got))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// follow opens the link as a browser would (GET) and returns its token. The
// page behind it must answer 200 with the form that spends this very token.
func follow(t *testing.T, e *apitest.Env, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	if tok == "" {
		t.Fatalf("no token in %s", link)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s (%v)", link, resp.Status, err)
	}
	page := string(body)
	if !strings.Contains(page, `<form method="post" action="/confirm"`) ||
		!strings.Contains(page, `name="token" value="`+html.EscapeString(tok)+`"`) {
		t.Fatalf("GET %s: no confirmation form carrying the token:\n%s", link, page)
	}
	return tok
}

func path(id int64) string { return "/api/v1/accounts/" + strconv.FormatInt(id, 10) }

func ids(r apitest.Response) map[int64]bool {
	out := map[int64]bool{}
	for _, it := range r.Items() {
		out[int64(it["id"].(float64))] = true
	}
	return out
}

// TestEndToEndSignUpAndIsolation is the foundation's acceptance story, over
// real HTTP, a real SMTP server and both databases.
func TestEndToEndSignUpAndIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		e, mp := bootWithMail(t, pg)
		const pw = "correct horse battery"

		// Root creates integrator A with prices; no password yet: A's owner
		// chooses it when confirming.
		aMail := "owner.a@example.com"
		r := e.Must(201, "POST", "/api/v1/accounts", e.Root, map[string]any{"type": "integrator", "name": "Integrator A",
			"email": "Owner.A@Example.com", "storage_price": "0.0300", "traffic_price": "0.01", "contact_person": "Ann"})
		aID := r.ID()
		if r.JSON["storage_price"] != "0.0300" || r.JSON["traffic_price"] != "0.0100" || r.JSON["email"] != aMail {
			t.Fatalf("created A: %s", r.Body)
		}
		if owner := r.JSON["owner"].(map[string]any); owner["email_confirmed"] != false || owner["owner"] != true {
			t.Fatalf("A's owner: %v", owner)
		}

		// A's owner receives the welcome mail, and cannot sign in before
		// following it (having no password yet, any password is wrong:
		// the answer is the one for any wrong password, revealing nothing).
		link := confirmLink(t, e, mp, aMail, 1)
		if r := e.Must(401, "POST", "/api/v1/auth/login", "", map[string]string{"email": aMail, "password": pw}); r.Code() != "invalid_credentials" {
			t.Fatalf("login before confirming: %s", r.Body)
		}
		tok := follow(t, e, link)
		if r := e.Must(400, "POST", "/api/v1/auth/confirm", "", map[string]string{"token": tok}); r.Fields()["password"] == nil {
			t.Fatalf("confirm without the password it must choose: %s", r.Body)
		}
		r = e.Must(200, "POST", "/api/v1/auth/confirm", "", map[string]string{"token": tok, "password": pw})
		if r.JSON["email_confirmed"] != true {
			t.Fatalf("confirm: %s", r.Body)
		}
		aTok := e.Login(aMail, pw)
		if r := e.Must(200, "GET", "/api/v1/me", aTok, nil); int64(r.JSON["account"].(map[string]any)["id"].(float64)) != aID {
			t.Fatalf("me: %s", r.Body)
		}

		// A builds its tree: sub-integrator B (with a password set at
		// creation), another integrator A2 with a customer, a customer A3.
		bMail := "owner.b@example.com"
		bID := e.Must(201, "POST", "/api/v1/accounts", aTok, map[string]any{"type": "integrator", "name": "Sub B", "parent_id": aID,
			"email": bMail, "password": pw, "storage_price": "0.0250", "traffic_price": "0.0080"}).ID()
		a2 := e.Must(201, "POST", "/api/v1/accounts", aTok, map[string]any{"type": "integrator", "name": "Sub A2",
			"email": "a2@example.com", "storage_price": "1", "traffic_price": "2"}).ID()
		a2c := e.Must(201, "POST", "/api/v1/accounts", aTok, map[string]any{"type": "customer", "name": "A2 customer", "parent_id": a2,
			"email": "a2c@example.com"}).ID()
		a3 := e.Must(201, "POST", "/api/v1/accounts", aTok, map[string]any{"type": "customer", "name": "Customer A3",
			"email": "a3@example.com"}).ID()

		// B's owner is refused with the right password until confirmed.
		if r := e.Must(403, "POST", "/api/v1/auth/login", "", map[string]string{"email": bMail, "password": pw}); r.Code() != "email_unconfirmed" {
			t.Fatalf("B before confirming: %s", r.Body)
		}
		if r := e.Must(401, "POST", "/api/v1/auth/login", "", map[string]string{"email": bMail, "password": "wrong password!"}); r.Code() != "invalid_credentials" {
			t.Fatalf("B with a wrong password: %s", r.Body)
		}
		e.Must(200, "POST", "/api/v1/auth/confirm", "", map[string]string{"token": follow(t, e, confirmLink(t, e, mp, bMail, 1))})
		bTok := e.Login(bMail, pw)

		// B creates customer C; A adds customer C2 under B directly.
		cID := e.Must(201, "POST", "/api/v1/accounts", bTok, map[string]any{"type": "customer", "name": "Customer C",
			"email": "c@example.com"}).ID()
		c2 := e.Must(201, "POST", "/api/v1/accounts", aTok, map[string]any{"type": "customer", "name": "Customer C2", "parent_id": bID,
			"email": "c2@example.com"}).ID()

		// B sees C and C2 and nothing of A's.
		r = e.Must(200, "GET", "/api/v1/accounts", bTok, nil)
		if got := ids(r); len(got) != 2 || !got[cID] || !got[c2] || r.JSON["total"].(float64) != 2 {
			t.Fatalf("B's list: %s", r.Body)
		}
		e.Must(200, "GET", path(cID), bTok, nil)
		e.Must(200, "PATCH", path(cID), bTok, map[string]any{"name": "Customer C renamed"})
		for _, id := range []int64{aID, a2, a2c, a3, 1} {
			for _, req := range [][2]string{{"GET", path(id)}, {"PATCH", path(id)}, {"GET", path(id) + "/users"}, {"GET", "/api/v1/accounts?parent_id=" + strconv.FormatInt(id, 10)}} {
				var body any
				if req[0] == "PATCH" {
					body = map[string]any{"name": "taken over"}
				}
				if r := e.Do(req[0], req[1], bTok, body); r.Status != 404 {
					t.Errorf("B: %s %s = %d %s, want 404", req[0], req[1], r.Status, r.Body)
				}
			}
			if r := e.Do("POST", "/api/v1/accounts", bTok, map[string]any{"type": "customer", "name": "X", "parent_id": id,
				"email": fmt.Sprintf("x%d@example.com", id)}); r.Status != 400 || r.Fields()["parent_id"] == nil {
				t.Errorf("B creating under %d: %d %s", id, r.Status, r.Body)
			}
		}
		// A still sees everything it built; the root sees A's subtree.
		if got := ids(e.Must(200, "GET", "/api/v1/accounts", aTok, nil)); len(got) != 6 {
			t.Fatalf("A sees %v", got)
		}
		if r := e.Must(200, "GET", path(cID), e.Root, nil); r.JSON["name"] != "Customer C renamed" {
			t.Fatalf("root reads C: %s", r.Body)
		}
		// The audit log of A shows who did what, from where; B's shows only its subtree.
		r = e.Must(200, "GET", "/api/v1/audit?account_id="+strconv.FormatInt(cID, 10), aTok, nil)
		if len(r.Items()) != 2 || r.Items()[0]["action"] != "account.updated" || r.Items()[0]["actor_email"] != bMail || r.Items()[0]["remote_addr"] != "127.0.0.1" {
			t.Fatalf("audit of C: %s", r.Body)
		}
		e.Must(404, "GET", "/api/v1/audit?account_id="+strconv.FormatInt(a3, 10), bTok, nil)

		// Sign-out ends the token.
		e.Must(204, "POST", "/api/v1/auth/logout", bTok, nil)
		e.Must(401, "GET", "/api/v1/me", bTok, nil)
	})
}

// TestEndToEndConfirmationLinks checks R3's link rules: a re-sent link
// replaces the old one, a link works once, and links expire.
func TestEndToEndConfirmationLinks(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		e, mp := bootWithMail(t, pg)
		const pw = "correct horse battery"
		create := func(email string) {
			e.Must(201, "POST", "/api/v1/accounts", e.Root, map[string]any{"type": "customer", "name": email, "email": email, "password": pw})
		}

		// Re-send: the first link stops working, the second works once.
		create("resend@example.com")
		old := follow(t, e, confirmLink(t, e, mp, "resend@example.com", 1))
		e.Must(202, "POST", "/api/v1/auth/confirm/resend", "", map[string]string{"email": "RESEND@example.com"})
		fresh := follow(t, e, confirmLink(t, e, mp, "resend@example.com", 2))
		if old == fresh {
			t.Fatal("re-send mailed the same token")
		}
		if r := e.Must(400, "POST", "/api/v1/auth/confirm", "", map[string]string{"token": old}); r.Fields()["token"] == nil {
			t.Fatalf("old link: %s", r.Body)
		}
		e.Must(403, "POST", "/api/v1/auth/login", "", map[string]string{"email": "resend@example.com", "password": pw})
		e.Must(200, "POST", "/api/v1/auth/confirm", "", map[string]string{"token": fresh})
		if r := e.Must(400, "POST", "/api/v1/auth/confirm", "", map[string]string{"token": fresh}); r.Fields()["token"] == nil {
			t.Fatalf("used link: %s", r.Body)
		}
		e.Login("resend@example.com", pw)
		// A confirmed user gets no new link, and an unknown address is
		// answered alike (no user discovery).
		e.Must(202, "POST", "/api/v1/auth/confirm/resend", "", map[string]string{"email": "resend@example.com"})
		e.Must(202, "POST", "/api/v1/auth/confirm/resend", "", map[string]string{"email": "nobody@example.com"})

		// Expiry: three days and a minute later the link is refused.
		create("late@example.com")
		late := follow(t, e, confirmLink(t, e, mp, "late@example.com", 1))
		e.Main.App.Now = func() time.Time { return time.Now().Add(72*time.Hour + time.Minute) }
		r := e.Must(400, "POST", "/api/v1/auth/confirm", "", map[string]string{"token": late})
		e.Main.App.Now = time.Now
		if !strings.Contains(fmt.Sprint(r.Fields()["token"]), "expired") {
			t.Fatalf("expired link: %s", r.Body)
		}
		e.Must(403, "POST", "/api/v1/auth/login", "", map[string]string{"email": "late@example.com", "password": pw})
		// A new link rescues the user.
		e.Must(202, "POST", "/api/v1/auth/confirm/resend", "", map[string]string{"email": "late@example.com"})
		e.Must(200, "POST", "/api/v1/auth/confirm", "", map[string]string{"token": follow(t, e, confirmLink(t, e, mp, "late@example.com", 2))})
		e.Login("late@example.com", pw)

		// Nothing was sent twice or lost: every queued mail was delivered.
		pending, sent, err := e.Main.Store.R().MailStats(t.Context())
		if err != nil || pending != 0 || sent != 4 {
			t.Fatalf("outbox: pending %d sent %d %v", pending, sent, err)
		}
	})
}
