package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

func mailLink(t *testing.T, mp *testenv.MailpitServer, to, subject, path string) string {
	t.Helper()
	msg := mp.WaitMessage(t, to, subject, 20*time.Second)
	for _, l := range testenv.Links(msg.Text) {
		if strings.Contains(l, path+"?token=") {
			u, err := url.Parse(l)
			if err != nil {
				t.Fatal(err)
			}
			return u.RequestURI()
		}
	}
	t.Fatalf("no %s link in %q", path, msg.Text)
	return ""
}

// TestForgotAndConfirmPages: the pages behind the e-mailed links, with a
// real SMTP server: forgotten password → reset link → new password; a user
// added with the confirmation e-mail sets a password on the confirm page,
// and an old link stops working after "resend".
func TestForgotAndConfirmPages(t *testing.T) {
	mp := testenv.Mailpit(t)
	e := apitest.Boot(t, apitest.Options{Env: map[string]string{"VIGILO_SMTP_HOST": mp.SMTPHost, "VIGILO_SMTP_PORT": strconv.Itoa(mp.SMTPPort)}})
	c := newClient(t, e)

	if p := c.post("/forgot", "/forgot", url.Values{"email": {"nonsense"}}); p.Status != http.StatusBadRequest || fieldError(p.Body, "email") == "" {
		t.Fatalf("forgot with a bad address: %d", p.Status)
	}
	if p := c.post("/forgot", "/forgot", url.Values{"email": {apitest.AdminEmail}}); p.Status != http.StatusSeeOther {
		t.Fatalf("forgot: %d", p.Status)
	}
	reset := mailLink(t, mp, apitest.AdminEmail, "password reset", "/reset")
	tok := strings.TrimPrefix(reset, "/reset?token=")
	if p := c.post(reset, "/reset", url.Values{"token": {tok}, "password": {"new-root-pass-1"}, "password_again": {"other"}}); fieldError(p.Body, "password_again") == "" {
		t.Fatalf("mismatched passwords: %d", p.Status)
	}
	if p := c.post(reset, "/reset", url.Values{"token": {tok}, "password": {"new-root-pass-1"}, "password_again": {"new-root-pass-1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d %.300s", p.Status, p.Body)
	}
	if p := c.post(reset, "/reset", url.Values{"token": {tok}, "password": {"newer-root-pass"}, "password_again": {"newer-root-pass"}}); !strings.Contains(fieldError(p.Body, "token"), "already been used") {
		t.Fatalf("reset link used twice: %d %q", p.Status, fieldError(p.Body, "token"))
	}
	c.signIn(apitest.AdminEmail, "new-root-pass-1")
	e.Root = e.Login(apitest.AdminEmail, "new-root-pass-1") // the reset ended every session

	// A user added with the confirmation e-mail.
	p := c.post("/accounts/1/users/new", "/accounts/1/users/new", url.Values{"email": {"clara@vigilo.test"}, "role_id": {roleID(t, e, "Administrator")}, "signin": {"email"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add user: %d %.300s", p.Status, p.Body)
	}
	first := mailLink(t, mp, "clara@vigilo.test", "Welcome", "/confirm")
	// Resend: the first link stops working.
	anon := newClient(t, e)
	if p := anon.post("/confirm", "/confirm/resend", url.Values{"email": {"clara@vigilo.test"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("resend: %d", p.Status)
	}
	var second string
	deadline := time.Now().Add(20 * time.Second)
	for second == "" || second == first {
		if time.Now().After(deadline) {
			t.Fatal("no second welcome mail")
		}
		second = mailLink(t, mp, "clara@vigilo.test", "Welcome", "/confirm")
		time.Sleep(100 * time.Millisecond)
	}
	if p := anon.post(first, "/confirm", url.Values{"token": {strings.TrimPrefix(first, "/confirm?token=")}, "password": {"clara-pass-1"}, "password_again": {"clara-pass-1"}}); fieldError(p.Body, "token") == "" {
		t.Fatalf("old link after resend: %d", p.Status)
	}
	tok2 := strings.TrimPrefix(second, "/confirm?token=")
	if p := anon.post(second, "/confirm", url.Values{"token": {tok2}}); !strings.Contains(fieldError(p.Body, "password"), "required") {
		t.Fatalf("confirm without a password: %d %q", p.Status, fieldError(p.Body, "password"))
	}
	if p := anon.post(second, "/confirm", url.Values{"token": {tok2}, "password": {"clara-pass-1"}, "password_again": {"clara-pass-1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %.300s", p.Status, p.Body)
	}
	anon.signIn("clara@vigilo.test", "clara-pass-1")
}

func roleID(t *testing.T, e *apitest.Env, name string) string {
	t.Helper()
	for _, r := range e.Must(200, "GET", "/api/v1/accounts/1/roles", e.Root, nil).Items() {
		if r["name"] == name {
			return strconv.FormatInt(int64(r["id"].(float64)), 10)
		}
	}
	t.Fatalf("no role %s", name)
	return ""
}

// TestAccountActionsPages: disable, enable and delete from the account
// page, and the user page's actions, through the forms.
func TestAccountActionsPages(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	ctx := context.Background()
	cust := e.CreateAccount(e.Root, 1, "customer", "Corner Shop")
	c := newClient(t, e)
	c.signIn(apitest.AdminEmail, apitest.AdminPassword)
	id := itoa(cust.ID)

	// The confirmation pages (for browsers without script) say what happens.
	if p := c.get("/accounts/" + id + "/disable"); p.Status != 200 || !strings.Contains(p.Body, "Recording stops on every camera") {
		t.Fatalf("disable confirmation page: %d", p.Status)
	}
	o := newClient(t, e)
	o.signIn(cust.Email, cust.Password)
	if p := c.post("/accounts/"+id, "/accounts/"+id+"/disable", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", p.Status)
	}
	// The owner's open session ends at once; signing in is refused with why.
	if p := o.get("/"); p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "why=account_disabled") {
		t.Fatalf("owner's session after disable: %d %s", p.Status, p.Location)
	}
	if p := o.post("/login", "/login", url.Values{"email": {cust.Email}, "password": {cust.Password}}); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "has been disabled") {
		t.Fatalf("owner sign-in after disable: %d", p.Status)
	}
	if p := c.post("/accounts/"+id, "/accounts/"+id+"/enable", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.Status)
	}
	o.signIn(cust.Email, cust.Password)

	// The owner's own page shows no account actions (they are the parent's).
	if p := o.get("/accounts/" + id); strings.Contains(p.Body, "disable-button") || strings.Contains(p.Body, "delete-button") {
		t.Error("account actions shown on one's own account")
	}
	if p := o.post("/", "/accounts/"+id+"/disable", url.Values{}); p.Status != http.StatusForbidden {
		t.Errorf("owner disables own account: %d", p.Status)
	}

	// User actions: set a password silently, disable, enable, delete.
	p := c.post("/accounts/"+id+"/users/new", "/accounts/"+id+"/users/new", url.Values{"email": {"staff@corner.test"},
		"role_id": {firstRole(t, e, cust)}, "signin": {"password"}, "password": {"staff-pass-1"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add staff: %d %.400s", p.Status, p.Body)
	}
	staff, err := e.Main.Store.R().UserByEmail(ctx, "staff@corner.test")
	if err != nil {
		t.Fatal(err)
	}
	uid := itoa(staff.ID)
	if p := c.post("/users/"+uid+"/security", "/users/"+uid+"/password", url.Values{"password": {"short"}}); !strings.Contains(fieldError(p.Body, "password"), "at least 10") {
		t.Fatalf("short password: %d", p.Status)
	}
	if p := c.post("/users/"+uid+"/security", "/users/"+uid+"/password", url.Values{"password": {"staff-pass-2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("set password: %d", p.Status)
	}
	e.Login("staff@corner.test", "staff-pass-2")
	for _, action := range []string{"disable", "enable", "delete"} {
		if p := c.post("/users/"+uid, "/users/"+uid+"/"+action, url.Values{}); p.Status != http.StatusSeeOther {
			t.Fatalf("%s user: %d %.300s", action, p.Status, p.Body)
		}
	}
	if p := c.get("/users/" + uid); p.Status != http.StatusNotFound {
		t.Fatalf("deleted user: %d", p.Status)
	}

	// Delete needs the exact name.
	if p := c.post("/accounts/"+id, "/accounts/"+id+"/delete", url.Values{"confirm_name": {"corner shop"}}); p.Status != http.StatusBadRequest ||
		!strings.Contains(p.Body, "exact name") {
		t.Fatalf("delete with a wrong name: %d", p.Status)
	}
	if _, err := e.Main.Store.R().Account(ctx, cust.ID); err != nil {
		t.Fatalf("account gone after a refused delete: %v", err)
	}
	if p := c.post("/accounts/"+id, "/accounts/"+id+"/delete", url.Values{"confirm_name": {"Corner Shop"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d %.300s", p.Status, p.Body)
	}
	if p := c.get("/accounts/" + id); p.Status != http.StatusNotFound {
		t.Fatalf("deleted account: %d", p.Status)
	}
}

func firstRole(t *testing.T, e *apitest.Env, a apitest.Account) string {
	t.Helper()
	items := e.Must(200, "GET", "/api/v1/accounts/"+itoa(a.ID)+"/roles", a.Token, nil).Items()
	return strconv.FormatInt(int64(items[0]["id"].(float64)), 10)
}
