package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
)

// counts is what a refused request must leave unchanged.
type counts struct{ accounts, users, audit, mail int }

func snapshot(t *testing.T, e *apitest.Env) counts {
	t.Helper()
	ctx := context.Background()
	r := e.Main.Store.R()
	root, err := r.RootAccount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var c counts
	_, c.accounts, err = r.ListAccounts(ctx, store.AccountFilter{Scope: root.Path})
	if err != nil {
		t.Fatal(err)
	}
	if c.users, err = r.CountUsersInSubtree(ctx, root.Path); err != nil {
		t.Fatal(err)
	}
	if _, c.audit, err = r.ListAudit(ctx, store.AuditFilter{Scope: root.Path}); err != nil {
		t.Fatal(err)
	}
	p, s, err := r.MailStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.mail = p + s
	return c
}

// badCase is one refused request: the status and the field that must be
// named in the error.
type badCase struct {
	name   string
	method string
	path   string
	body   any
	status int
	field  string // "" when any field will do
}

func runBad(t *testing.T, e *apitest.Env, token string, cases []badCase) {
	t.Helper()
	for _, c := range cases {
		before := snapshot(t, e)
		r := e.Do(c.method, c.path, token, c.body)
		if r.Status != c.status {
			t.Errorf("%s: %s %s = %d, want %d: %s", c.name, c.method, c.path, r.Status, c.status, r.Body)
			continue
		}
		if r.Code() == "" {
			t.Errorf("%s: no error code: %s", c.name, r.Body)
		}
		if c.status == 400 || c.status == 409 {
			f := r.Fields()
			if len(f) == 0 {
				t.Errorf("%s: no field errors: %s", c.name, r.Body)
			} else if c.field != "" && f[c.field] == nil {
				t.Errorf("%s: field %q not named: %s", c.name, c.field, r.Body)
			}
		}
		if after := snapshot(t, e); after != before {
			t.Errorf("%s: refused request wrote something: before %+v after %+v", c.name, before, after)
		}
	}
}

func dbs(t *testing.T, fn func(t *testing.T, pg bool)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { fn(t, pg) })
	}
}

// merge returns base with the given keys replaced (nil deletes).
func merge(base map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestValidationCreateAccount(t *testing.T) {
	dbs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		a := e.CreateAccount(e.Root, 1, "integrator", "A")
		cust := e.CreateAccount(a.Token, a.ID, "customer", "Leaf")
		ok := map[string]any{"type": "integrator", "parent_id": a.ID, "name": "New", "email": "new@example.com",
			"storage_price": "0.0300", "traffic_price": "0.0100"}
		post := func(name string, body any, status int, field string) badCase {
			return badCase{name, "POST", "/api/v1/accounts", body, status, field}
		}
		long := strings.Repeat("x", 201)
		cases := []badCase{
			post("empty body", "", 400, "body"),
			post("not JSON", "type=integrator", 400, "body"),
			post("truncated", `{"type":"integrator",`, 400, "body"),
			post("array", `[1,2]`, 400, "body"),
			post("two objects", `{"name":"a"}{"name":"b"}`, 400, "body"),
			post("trailing garbage", `{"name":"a"} x`, 400, "body"),
			post("null", `null`, 400, ""),
			post("empty object", `{}`, 400, "name"),
			post("type number", merge(ok, "type", 1), 400, "type"),
			post("type unknown", merge(ok, "type", "reseller"), 400, "type"),
			post("name number", merge(ok, "name", 5), 400, "name"),
			post("name missing", merge(ok, "name", nil), 400, "name"),
			post("name blank", merge(ok, "name", "   "), 400, "name"),
			post("name overlong", merge(ok, "name", long), 400, "name"),
			post("name NUL", merge(ok, "name", "a\x00b"), 400, "name"),
			post("notes overlong", merge(ok, "notes", strings.Repeat("n", 501)), 400, "notes"),
			post("phone overlong", merge(ok, "phone", strings.Repeat("1", 501)), 400, "phone"),
			post("parent_id string", merge(ok, "parent_id", "abc"), 400, "parent_id"),
			post("parent_id fraction", merge(ok, "parent_id", 1.5), 400, "parent_id"),
			post("parent_id huge", `{"parent_id": 99999999999999999999999}`, 400, "parent_id"),
			post("parent_id negative", merge(ok, "parent_id", -3), 400, "parent_id"),
			post("unknown parent", merge(ok, "parent_id", 987654), 400, "parent_id"),
			post("parent above me", merge(ok, "parent_id", 1), 400, "parent_id"),
			post("customer parent", merge(ok, "parent_id", cust.ID), 400, "parent_id"),
			post("email missing", merge(ok, "email", nil), 400, "email"),
			post("email invalid", merge(ok, "email", "not-an-email"), 400, "email"),
			post("email no dot", merge(ok, "email", "a@localhost"), 400, "email"),
			post("email display name", merge(ok, "email", "Ann <ann@example.com>"), 400, "email"),
			post("email newline", merge(ok, "email", "ann@example.com\nBcc: x@example.com"), 400, "email"),
			post("email overlong", merge(ok, "email", strings.Repeat("a", 250)+"@example.com"), 400, "email"),
			post("email number", merge(ok, "email", 7), 400, "email"),
			post("duplicate email", merge(ok, "email", a.Email), 409, "email"),
			post("duplicate email other case", merge(ok, "email", strings.ToUpper(a.Email)), 409, "email"),
			post("password short", merge(ok, "password", "short"), 400, "password"),
			post("integrator without prices", merge(ok, "storage_price", nil, "traffic_price", nil), 400, "storage_price"),
			post("negative storage price", merge(ok, "storage_price", "-0.0100"), 400, "storage_price"),
			post("negative traffic price", merge(ok, "traffic_price", "-1"), 400, "traffic_price"),
			post("price word", merge(ok, "storage_price", "abc"), 400, "storage_price"),
			post("price comma", merge(ok, "storage_price", "0,03"), 400, "storage_price"),
			post("price exponent string", merge(ok, "storage_price", "1e3"), 400, "storage_price"),
			post("price exponent number", `{"type":"integrator","name":"N","email":"n@example.com","storage_price":1e3,"traffic_price":"1"}`, 400, "storage_price"),
			post("price too precise", merge(ok, "traffic_price", "0.00001"), 400, "traffic_price"),
			post("price empty", merge(ok, "storage_price", ""), 400, "storage_price"),
			post("price NaN", merge(ok, "storage_price", "NaN"), 400, "storage_price"),
			post("price huge", merge(ok, "storage_price", "99999999999999999999"), 400, "storage_price"),
			post("price boolean", merge(ok, "storage_price", true), 400, "storage_price"),
			post("plans not a list", merge(ok, "plans", "all"), 400, "plans"),
			post("plan unknown", merge(ok, "plans", []any{map[string]any{"plan_id": 987654}}), 400, ""),
			post("customer negative price", merge(ok, "type", "customer", "storage_price", "-1"), 400, "storage_price"),
		}
		runBad(t, e, a.Token, cases)

		// Depth over the cap: sixteen levels below the root are allowed, a
		// seventeenth is refused.
		parent := a.ID
		for d := 2; d <= 16; d++ {
			parent = e.Must(201, "POST", "/api/v1/accounts", a.Token, merge(ok, "parent_id", parent, "email", fmt.Sprintf("d%d@example.com", d))).ID()
		}
		r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(parent), a.Token, nil)
		if r.JSON["depth"].(float64) != 16 {
			t.Fatalf("deepest account: %s", r.Body)
		}
		runBad(t, e, a.Token, []badCase{post("depth 17", merge(ok, "parent_id", parent, "email", "d17@example.com"), 400, "parent_id")})
		// A valid request still works after all of that.
		e.Must(201, "POST", "/api/v1/accounts", a.Token, ok)
	})
}

func TestValidationUpdateAccount(t *testing.T) {
	dbs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		a := e.CreateAccount(e.Root, 1, "integrator", "A")
		b := e.CreateAccount(a.Token, a.ID, "integrator", "B")
		p := "/api/v1/accounts/" + itoa(b.ID)
		patch := func(name string, body any, status int, field string) badCase {
			return badCase{name, "PATCH", p, body, status, field}
		}
		runBad(t, e, a.Token, []badCase{
			patch("empty body", "", 400, "body"),
			patch("not JSON", "{name:", 400, "body"),
			patch("array", `[]`, 400, "body"),
			patch("name number", `{"name":1}`, 400, "name"),
			patch("name blank", `{"name":""}`, 400, "name"),
			patch("name overlong", map[string]any{"name": strings.Repeat("é", 201)}, 400, "name"),
			patch("notes overlong", map[string]any{"notes": strings.Repeat("n", 501)}, 400, "notes"),
			patch("company object", `{"company":{}}`, 400, "company"),
			patch("negative price", `{"storage_price":"-0.01"}`, 400, "storage_price"),
			patch("price exponent", `{"traffic_price":"1e3"}`, 400, "traffic_price"),
			patch("price exponent number", `{"traffic_price":1E3}`, 400, "traffic_price"),
			patch("price word", `{"traffic_price":"ten"}`, 400, "traffic_price"),
			{"unknown id", "PATCH", "/api/v1/accounts/987654", map[string]any{"name": "x"}, 404, ""},
			{"malformed id", "PATCH", "/api/v1/accounts/abc", map[string]any{"name": "x"}, 404, ""},
			{"above me", "PATCH", "/api/v1/accounts/1", map[string]any{"name": "x"}, 404, ""},
		})
		// B may edit its own profile but not its own prices.
		runBad(t, e, b.Token, []badCase{patch("own prices", `{"storage_price":"0"}`, 403, "")})
		r := e.Must(200, "PATCH", p, b.Token, map[string]any{"name": "  B renamed  ", "phone": "+1 555"})
		if r.JSON["name"] != "B renamed" || r.JSON["phone"] != "+1 555" || r.JSON["storage_price"] != "0.0300" {
			t.Fatalf("patched: %s", r.Body)
		}
		r = e.Must(200, "PATCH", p, a.Token, map[string]any{"storage_price": "0.05", "traffic_price": 0.02})
		if r.JSON["storage_price"] != "0.0500" || r.JSON["traffic_price"] != "0.0200" || r.JSON["phone"] != "+1 555" {
			t.Fatalf("prices: %s", r.Body)
		}
	})
}

func TestValidationUsersAndRoles(t *testing.T) {
	dbs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		a := e.CreateAccount(e.Root, 1, "integrator", "A")
		other := e.CreateAccount(e.Root, 1, "integrator", "Other")
		users := "/api/v1/accounts/" + itoa(a.ID) + "/users"
		roles := "/api/v1/accounts/" + itoa(a.ID) + "/roles"
		otherRoles := e.Must(200, "GET", "/api/v1/accounts/"+itoa(other.ID)+"/roles", e.Root, nil).Items()
		ok := map[string]any{"email": "user@example.com", "name": "User", "password": "long enough pw", "send_confirmation": false}
		u := func(name string, body any, status int, field string) badCase {
			return badCase{name, "POST", users, body, status, field}
		}
		ro := func(name string, body any, status int, field string) badCase {
			return badCase{name, "POST", roles, body, status, field}
		}
		runBad(t, e, a.Token, []badCase{
			u("empty body", "", 400, "body"),
			u("not JSON", "<xml/>", 400, "body"),
			u("email missing", merge(ok, "email", nil), 400, "email"),
			u("email invalid", merge(ok, "email", "user@"), 400, "email"),
			u("email list", merge(ok, "email", []string{"a@example.com"}), 400, "email"),
			u("name overlong", merge(ok, "name", strings.Repeat("x", 201)), 400, "name"),
			u("password short", merge(ok, "password", "123"), 400, "password"),
			u("password overlong", merge(ok, "password", strings.Repeat("p", 300)), 400, "password"),
			u("no password, no mail", merge(ok, "password", nil), 400, "password"),
			u("send_confirmation string", merge(ok, "send_confirmation", "yes"), 400, "send_confirmation"),
			u("role_id string", merge(ok, "role_id", "admin"), 400, "role_id"),
			u("role of another account", merge(ok, "role_id", otherRoles[0]["id"]), 400, "role_id"),
			u("duplicate email", merge(ok, "email", a.Email), 409, "email"),
			u("duplicate email of another tree", merge(ok, "email", other.Email), 409, "email"),
			{"user in another tree", "POST", "/api/v1/accounts/" + itoa(other.ID) + "/users", ok, 404, ""},
			ro("empty body", "", 400, "body"),
			ro("name missing", map[string]any{"portal": "video"}, 400, "name"),
			ro("name overlong", map[string]any{"name": strings.Repeat("r", 101), "portal": "video"}, 400, "name"),
			ro("portal unknown", map[string]any{"name": "R", "portal": "web"}, 400, "portal"),
			ro("right unknown", map[string]any{"name": "R", "portal": "video", "rights": []string{"fly"}}, 400, "rights"),
			ro("rights string", map[string]any{"name": "R", "portal": "video", "rights": "view_live"}, 400, "rights"),
			ro("camera_ids strings", map[string]any{"name": "R", "portal": "video", "camera_ids": []string{"a"}}, 400, "camera_ids"),
			ro("duplicate name", map[string]any{"name": "Guard", "portal": "video"}, 409, "name"),
			{"role in another tree", "POST", "/api/v1/accounts/" + itoa(other.ID) + "/roles", map[string]any{"name": "R", "portal": "video"}, 404, ""},
		})
		r := e.Must(201, "POST", users, a.Token, ok)
		if r.JSON["email_confirmed"] != true {
			t.Fatalf("user vouched for by the creator: %s", r.Body)
		}
		e.Login("user@example.com", "long enough pw")
		e.Must(201, "POST", roles, a.Token, map[string]any{"name": "Night shift", "portal": "video", "rights": []string{"view_live"}})
	})
}

func TestValidationAuth(t *testing.T) {
	dbs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		runBad(t, e, "", []badCase{
			{"login empty", "POST", "/api/v1/auth/login", "", 400, "body"},
			{"login malformed", "POST", "/api/v1/auth/login", `{"email":`, 400, "body"},
			{"login missing", "POST", "/api/v1/auth/login", `{}`, 400, "email"},
			{"login password number", "POST", "/api/v1/auth/login", `{"email":"a@example.com","password":5}`, 400, "password"},
			{"confirm empty", "POST", "/api/v1/auth/confirm", `{}`, 400, "token"},
			{"confirm token number", "POST", "/api/v1/auth/confirm", `{"token":5}`, 400, "token"},
			{"confirm unknown token", "POST", "/api/v1/auth/confirm", `{"token":"nope","password":"long enough pw"}`, 400, "token"},
			{"resend invalid", "POST", "/api/v1/auth/confirm/resend", `{"email":"nope"}`, 400, "email"},
			{"resend malformed", "POST", "/api/v1/auth/confirm/resend", `{"email":[]}`, 400, "email"},
			{"forgot invalid", "POST", "/api/v1/auth/password/forgot", `{"email":""}`, 400, "email"},
			{"reset short", "POST", "/api/v1/auth/password/reset", `{"token":"x","password":"short"}`, 400, "password"},
			{"reset unknown token", "POST", "/api/v1/auth/password/reset", `{"token":"x","password":"long enough pw"}`, 400, "token"},
			{"setup invalid", "POST", "/api/v1/auth/setup", `{"token":"x","email":"bad","password":"short"}`, 400, "email"},
			{"setup unknown token", "POST", "/api/v1/auth/setup", `{"token":"x","email":"a@example.com","password":"long enough pw"}`, 400, "token"},
		})
		e.Must(401, "POST", "/api/v1/auth/login", "", map[string]string{"email": "nobody@example.com", "password": "whatever123"})

		// A refused confirmation (password too short) does not spend the
		// link: the transaction rolls back as a whole.
		body := map[string]any{"type": "customer", "name": "Late", "email": "late@example.com"}
		e.Must(201, "POST", "/api/v1/accounts", e.Root, body)
		// The welcome link is only in the mail; make a new one we can read.
		tok := confirmToken(t, e, "late@example.com")
		runBad(t, e, "", []badCase{{"confirm short password", "POST", "/api/v1/auth/confirm", map[string]any{"token": tok, "password": "short"}, 400, "password"}})
		e.Must(200, "POST", "/api/v1/auth/confirm", "", map[string]any{"token": tok, "password": "long enough pw"})
		e.Login("late@example.com", "long enough pw")
	})
}

// confirmToken adds a confirmation token for the user straight in the store,
// as the welcome mail would carry (the mail itself goes to the log here).
func confirmToken(t *testing.T, e *apitest.Env, email string) string {
	t.Helper()
	ctx := context.Background()
	u, err := e.Main.Store.R().UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	plain, hash := identity.NewToken()
	if _, err := e.Main.Store.W().InsertToken(ctx, u.ID, identity.PurposeConfirm, hash, "", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return plain
}
