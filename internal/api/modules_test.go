package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

func modDBs(t *testing.T, fn func(t *testing.T, pg bool)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { fn(t, pg) })
	}
}

// modCookieDo sends a request the way the portal does: with the session cookie
// and no Authorization header.
func modCookieDo(t *testing.T, e *apitest.Env, method, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: token})
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body.Error.Code
}

// modAPIToken stores a long-lived API token for the user with this e-mail.
func modAPIToken(t testing.TB, st *store.Store, email string) string {
	t.Helper()
	ctx := context.Background()
	u, err := st.R().UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	plain, hash := identity.NewToken()
	if _, err := st.W().InsertToken(ctx, u.ID, identity.PurposeAPI, hash, "ci", time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return plain
}

func modByKey(t *testing.T, r apitest.Response, key string) map[string]any {
	t.Helper()
	for _, it := range r.Items() {
		if it["key"] == key {
			return it
		}
	}
	t.Fatalf("module %s missing in %s", key, r.Body)
	return nil
}

func modWantCode(t *testing.T, r apitest.Response, status int, code string) {
	t.Helper()
	if r.Status != status || r.Code() != code {
		t.Fatalf("got %d %s, want %d %s: %s", r.Status, r.Code(), status, code, r.Body)
	}
}

func TestModulesAPI(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "Acme")
		sub := e.CreateAccount(in.Token, in.ID, "integrator", "Acme North")
		cu := e.CreateAccount(sub.Token, sub.ID, "customer", "Corner Shop")
		other := e.CreateAccount(e.Root, 1, "integrator", "Rival")
		mods := "/api/v1/accounts/" + itoa(cu.ID) + "/modules"

		r := e.Must(200, "GET", mods, sub.Token, nil)
		if len(r.Items()) != len(tenancy.Modules) {
			t.Fatalf("%d modules: %s", len(r.Items()), r.Body)
		}
		for _, it := range r.Items() {
			if it["name"] == "" || len(it["description"].(string)) < 20 {
				t.Fatalf("module without a name or description: %v", it)
			}
		}
		// Customer default: P&P off, set by the customer's parent.
		pnp := modByKey(t, r, "pnp_cameras")
		if pnp["enabled"] != false || pnp["effective"] != false || pnp["restricted_by"].(map[string]any)["account_id"] != float64(sub.ID) {
			t.Fatalf("pnp %v", pnp)
		}
		if lv := modByKey(t, r, "live_view"); lv["effective"] != true || lv["restricted_by"] != nil {
			t.Fatalf("live_view %v", lv)
		}

		// The root switches live_view off for Acme: the whole subtree loses it.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/modules", e.Root, map[string]bool{"live_view": false})
		for _, c := range []struct {
			token     string
			above     bool
			accountID int64
		}{{cu.Token, true, 0}, {sub.Token, true, 0}, {in.Token, true, 0}, {e.Root, false, 1}} {
			lv := modByKey(t, e.Must(200, "GET", mods, c.token, nil), "live_view")
			rb := lv["restricted_by"].(map[string]any)
			if lv["enabled"] != true || lv["effective"] != false || rb["above"] != c.above {
				t.Fatalf("live_view seen by %d: %v", c.accountID, lv)
			}
			if c.above && (rb["account_id"] != nil || rb["name"] != nil || rb["message"] != "restricted above you") {
				t.Fatalf("an account above the actor is revealed: %v", rb)
			}
			if !c.above && rb["account_id"] != float64(c.accountID) {
				t.Fatalf("restricted_by %v", rb)
			}
		}
		// Nobody below can switch it back on; the message names the module.
		r = e.Do("PUT", "/api/v1/accounts/"+itoa(cu.ID)+"/modules", sub.Token, map[string]bool{"live_view": true})
		modWantCode(t, r, 409, "module_restricted")
		if !strings.Contains(string(r.Body), "Live view") || !strings.Contains(string(r.Body), "above your account") {
			t.Fatalf("message: %s", r.Body)
		}
		r = e.Do("PUT", "/api/v1/accounts/"+itoa(sub.ID)+"/modules", in.Token, map[string]bool{"live_view": true, "clips": false})
		modWantCode(t, r, 409, "module_restricted")
		// Refused whole: clips was not switched off either.
		if c := modByKey(t, e.Must(200, "GET", "/api/v1/accounts/"+itoa(sub.ID)+"/modules", in.Token, nil), "clips"); c["enabled"] != true {
			t.Fatalf("half-applied: %v", c)
		}
		// Switching off below is fine, and survives the ancestor switching on again.
		e.Must(200, "PUT", mods, sub.Token, map[string]bool{"live_view": false, "pnp_cameras": true})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/modules", e.Root, map[string]bool{"live_view": true})
		r = e.Must(200, "GET", mods, in.Token, nil)
		if lv := modByKey(t, r, "live_view"); lv["effective"] != false || lv["restricted_by"].(map[string]any)["account_id"] != float64(sub.ID) {
			t.Fatalf("live_view after re-enable above: %v", lv)
		}
		if p := modByKey(t, r, "pnp_cameras"); p["effective"] != true {
			t.Fatalf("pnp switched on by the parent: %v", p)
		}
		// The app-level enforcement point agrees.
		ctx := context.Background()
		cuActor, err := e.Main.App.Authenticate(ctx, cu.Token)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Main.App.RequireModule(ctx, cuActor, tenancy.ModLiveView); err == nil || !strings.Contains(err.Error(), "module_disabled") {
			t.Fatalf("RequireModule live_view: %v", err)
		}
		if err := e.Main.App.RequireModule(ctx, cuActor, tenancy.ModPlayback); err != nil {
			t.Fatal(err)
		}

		// Only parents switch modules; outsiders do not even see the account.
		modWantCode(t, e.Do("PUT", mods, cu.Token, map[string]bool{"clips": false}), 403, "forbidden")
		modWantCode(t, e.Do("PUT", mods, other.Token, map[string]bool{"clips": false}), 404, "not_found")
		modWantCode(t, e.Do("GET", mods, other.Token, nil), 404, "not_found")
		r = e.Do("PUT", mods, sub.Token, map[string]any{"live_view": false, "teleport": true})
		if r.Status != 400 || r.Fields()["teleport"] == nil {
			t.Fatalf("unknown module: %d %s", r.Status, r.Body)
		}
		if r = e.Do("PUT", mods, sub.Token, `{"live_view": "no"}`); r.Status != 400 {
			t.Fatalf("non-boolean: %d %s", r.Status, r.Body)
		}
		modWantCode(t, e.Do("PUT", mods, sub.Token, `{}`), 400, "invalid_input")

		// sub_integrators: an integrator without it cannot add integrators
		// (nor can anything below it), customers still can.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/modules", e.Root, map[string]bool{"sub_integrators": false})
		body := func(typ string) map[string]any {
			return map[string]any{"type": typ, "parent_id": sub.ID, "name": "X " + typ, "email": typ + "-x@vigilo.test",
				"storage_price": "0.0100", "traffic_price": "0.0100"}
		}
		modWantCode(t, e.Do("POST", "/api/v1/accounts", sub.Token, body("integrator")), 403, "module_disabled")
		e.Must(201, "POST", "/api/v1/accounts", sub.Token, body("customer"))

		// api_access: Bearer clients below Acme are refused, the portal's cookie is not.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/modules", e.Root, map[string]bool{"api_access": false})
		modWantCode(t, e.Do("GET", "/api/v1/me", cu.Token, nil), 403, "module_disabled")
		modWantCode(t, e.Do("GET", "/api/v1/me", in.Token, nil), 403, "module_disabled")
		if st, code := modCookieDo(t, e, "GET", "/api/v1/me", portalSignIn(t, e, cu.Email, cu.Password)); st != 200 {
			t.Fatalf("portal cookie refused: %d %s", st, code)
		}
		e.Must(200, "GET", "/api/v1/me", other.Token, nil)
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/modules", e.Root, map[string]bool{"api_access": true})
		e.Must(200, "GET", "/api/v1/me", cu.Token, nil)

		// Every switch is audited with who did it.
		r = e.Must(200, "GET", "/api/v1/audit?action=account.modules", e.Root, nil)
		if len(r.Items()) < 5 {
			t.Fatalf("audit: %s", r.Body)
		}
		for _, it := range r.Items() {
			if it["actor_email"] == "" || it["detail"].(map[string]any)["changes"] == nil {
				t.Fatalf("audit entry %v", it)
			}
		}
	})
}

// TestDisableRefusesOpenSessionsAndTokens holds a browser session (cookie)
// and an API token of a user three levels under X, disables X and sees the
// very next request refused; enabling restores them, while a user disabled
// on its own stays disabled.
func TestDisableRefusesOpenSessionsAndTokens(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		top := e.CreateAccount(e.Root, 1, "integrator", "Top")
		x := e.CreateAccount(top.Token, top.ID, "integrator", "X")
		mid := e.CreateAccount(x.Token, x.ID, "integrator", "Mid")
		deep := e.CreateAccount(mid.Token, mid.ID, "customer", "Deep")
		sibling := e.CreateAccount(top.Token, top.ID, "customer", "Sibling")
		e.Must(201, "POST", "/api/v1/accounts/"+itoa(deep.ID)+"/users", deep.Token,
			map[string]any{"email": "guard@vigilo.test", "password": "password-123", "send_confirmation": false})
		guard := e.Login("guard@vigilo.test", "password-123")
		guardID := e.Must(200, "GET", "/api/v1/me", guard, nil).JSON["user"].(map[string]any)["id"].(float64)
		e.Must(200, "POST", "/api/v1/accounts/"+itoa(deep.ID)+"/users/"+itoa(int64(guardID))+"/disable", deep.Token, nil)
		modWantCode(t, e.Do("GET", "/api/v1/me", guard, nil), 403, "user_disabled")

		session := deep.Token // a session token, used here as the browser's cookie
		token := modAPIToken(t, e.Main.Store, deep.Email)
		for _, path := range []string{"/api/v1/me", "/api/v1/accounts/" + itoa(deep.ID)} {
			if st, code := modCookieDo(t, e, "GET", path, session); st != 200 {
				t.Fatalf("cookie before: %d %s", st, code)
			}
			e.Must(200, "GET", path, token, nil)
		}

		r := e.Must(200, "POST", "/api/v1/accounts/"+itoa(x.ID)+"/disable", top.Token, nil)
		if r.JSON["status"] != "disabled" {
			t.Fatalf("disable: %s", r.Body)
		}
		for _, path := range []string{"/api/v1/me", "/api/v1/accounts/" + itoa(deep.ID), "/api/v1/accounts/" + itoa(deep.ID) + "/users",
			"/api/v1/accounts/" + itoa(deep.ID) + "/modules"} {
			if st, code := modCookieDo(t, e, "GET", path, session); st != 403 || code != "account_disabled" {
				t.Fatalf("cookie after disable, %s: %d %s", path, st, code)
			}
			modWantCode(t, e.Do("GET", path, token, nil), 403, "account_disabled")
		}
		modWantCode(t, e.Do("GET", "/api/v1/me", x.Token, nil), 403, "account_disabled")
		modWantCode(t, e.Do("GET", "/api/v1/me", mid.Token, nil), 403, "account_disabled")
		modWantCode(t, e.Do("POST", "/api/v1/accounts/"+itoa(mid.ID)+"/enable", x.Token, nil), 403, "account_disabled")
		modWantCode(t, e.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": deep.Email, "password": deep.Password}), 403, "account_disabled")
		e.Must(200, "GET", "/api/v1/me", top.Token, nil)
		e.Must(200, "GET", "/api/v1/me", sibling.Token, nil)
		// Parents only: nobody disables or enables its own account.
		modWantCode(t, e.Do("POST", "/api/v1/accounts/"+itoa(top.ID)+"/disable", top.Token, nil), 403, "forbidden")
		modWantCode(t, e.Do("POST", "/api/v1/accounts/"+itoa(x.ID)+"/disable", sibling.Token, nil), 404, "not_found")

		e.Must(200, "POST", "/api/v1/accounts/"+itoa(x.ID)+"/enable", top.Token, nil)
		if st, code := modCookieDo(t, e, "GET", "/api/v1/me", session); st != 200 {
			t.Fatalf("cookie after enable: %d %s", st, code)
		}
		e.Must(200, "GET", "/api/v1/me", token, nil)
		e.Login(deep.Email, deep.Password)
		modWantCode(t, e.Do("GET", "/api/v1/me", guard, nil), 403, "user_disabled")

		r = e.Must(200, "GET", "/api/v1/audit?account_id="+itoa(x.ID), top.Token, nil)
		var actions []string
		for _, it := range r.Items() {
			if it["account_id"] != float64(x.ID) || strings.HasPrefix(it["action"].(string), "user.login") {
				continue // the log covers X's subtree, and its users' sign-ins
			}
			if it["actor_email"] != top.Email {
				t.Fatalf("audit without the actor: %v", it)
			}
			actions = append(actions, it["action"].(string))
		}
		if strings.Join(actions, ",") != "account.enabled,account.disabled,account.created" {
			t.Fatalf("audit actions %v", actions)
		}
	})
}

func TestUserDisableEnable(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "Acme")
		cu := e.CreateAccount(in.Token, in.ID, "customer", "Shop")
		other := e.CreateAccount(e.Root, 1, "integrator", "Rival")
		users := "/api/v1/accounts/" + itoa(cu.ID) + "/users/"
		mk := func(email string) (int64, string) {
			r := e.Must(201, "POST", "/api/v1/accounts/"+itoa(cu.ID)+"/users", cu.Token,
				map[string]any{"email": email, "password": "password-123", "send_confirmation": false})
			return r.ID(), e.Login(email, "password-123")
		}
		uid, utok := mk("u@vigilo.test")
		aid, atok := mk("admin@vigilo.test")
		ownerID := int64(e.Must(200, "GET", "/api/v1/me", cu.Token, nil).JSON["user"].(map[string]any)["id"].(float64))

		r := e.Must(200, "POST", users+itoa(uid)+"/disable", cu.Token, nil)
		if r.JSON["status"] != "disabled" {
			t.Fatalf("%s", r.Body)
		}
		modWantCode(t, e.Do("GET", "/api/v1/me", utok, nil), 403, "user_disabled")
		modWantCode(t, e.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "u@vigilo.test", "password": "password-123"}), 403, "user_disabled")
		e.Must(200, "GET", "/api/v1/me", atok, nil)

		modWantCode(t, e.Do("POST", users+itoa(aid)+"/disable", atok, nil), 403, "forbidden")     // oneself
		modWantCode(t, e.Do("POST", users+itoa(ownerID)+"/disable", atok, nil), 403, "forbidden") // the owner, from inside
		modWantCode(t, e.Do("POST", users+itoa(uid)+"/enable", other.Token, nil), 404, "not_found")
		modWantCode(t, e.Do("POST", "/api/v1/accounts/"+itoa(in.ID)+"/users/"+itoa(uid)+"/enable", in.Token, nil), 404, "not_found")
		// From the parent, the owner can be disabled.
		e.Must(200, "POST", users+itoa(ownerID)+"/disable", in.Token, nil)
		modWantCode(t, e.Do("GET", "/api/v1/me", cu.Token, nil), 403, "user_disabled")
		e.Must(200, "POST", users+itoa(ownerID)+"/enable", in.Token, nil)
		e.Must(200, "POST", users+itoa(uid)+"/enable", cu.Token, nil)
		e.Must(200, "GET", "/api/v1/me", utok, nil)
		r = e.Must(200, "GET", "/api/v1/audit?account_id="+itoa(cu.ID)+"&action=user.disabled", in.Token, nil)
		if len(r.Items()) != 2 {
			t.Fatalf("audit %s", r.Body)
		}
	})
}

func TestDeleteAccount(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		ctx := context.Background()
		st := e.Main.Store
		in := e.CreateAccount(e.Root, 1, "integrator", "Acme")
		c1 := e.CreateAccount(in.Token, in.ID, "customer", "Shop One")
		sub := e.CreateAccount(in.Token, in.ID, "integrator", "Acme South")
		c2 := e.CreateAccount(sub.Token, sub.ID, "customer", "Shop Two")
		plan, err := st.W().SeedPlan(ctx, 1, "Test 30 days", 30, 0)
		if err != nil {
			t.Fatal(err)
		}
		cams, err := st.W().SeedCameras(ctx, []store.SeedCamera{
			{IntegratorID: in.ID, CustomerID: c1.ID, PlanID: plan, Name: "door", Enabled: true},  // survives, unassigned
			{IntegratorID: sub.ID, CustomerID: c2.ID, PlanID: plan, Name: "till", Enabled: true}, // deleted with sub
			{IntegratorID: in.ID, CustomerID: 0, PlanID: 0, Name: "spare", Enabled: true},        // untouched
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cams[:2] {
			if err := st.W().SeedSegment(ctx, c, time.Now(), 1000, "/rec/"+itoa(c)+"/"+itoa(int64(i))+".mp4"); err != nil {
				t.Fatal(err)
			}
		}
		ch, stop := e.Main.App.Events.Subscribe(64)
		defer stop()
		del := func(id int64, token string, body any) apitest.Response {
			return e.Do("DELETE", "/api/v1/accounts/"+itoa(id), token, body)
		}

		r := del(sub.ID, in.Token, map[string]any{"confirm_name": "acme south", "cascade": true})
		if r.Status != 400 || r.Fields()["confirm_name"] == nil {
			t.Fatalf("wrong name: %d %s", r.Status, r.Body)
		}
		modWantCode(t, del(sub.ID, in.Token, map[string]any{"confirm_name": "Acme South"}), 409, "has_sub_accounts")
		modWantCode(t, del(sub.ID, sub.Token, map[string]any{"confirm_name": "Acme South", "cascade": true}), 403, "forbidden")
		modWantCode(t, del(sub.ID, c1.Token, map[string]any{"confirm_name": "Acme South", "cascade": true}), 404, "not_found")
		e.Must(200, "GET", "/api/v1/accounts/"+itoa(c2.ID), in.Token, nil) // nothing half-deleted

		r = e.Must(200, "DELETE", "/api/v1/accounts/"+itoa(sub.ID), in.Token, map[string]any{"confirm_name": "Acme South", "cascade": true})
		d := r.JSON["deleted"].(map[string]any)
		if d["accounts"] != float64(2) || d["users"] != float64(2) || d["cameras"] != float64(1) || d["recordings"] != float64(1) {
			t.Fatalf("deleted %v", d)
		}
		modWantCode(t, e.Do("GET", "/api/v1/accounts/"+itoa(sub.ID), in.Token, nil), 404, "not_found")
		modWantCode(t, e.Do("GET", "/api/v1/accounts/"+itoa(c2.ID), in.Token, nil), 404, "not_found")
		modWantCode(t, e.Do("GET", "/api/v1/me", c2.Token, nil), 401, "unauthenticated")
		if _, err := st.R().UserByEmail(ctx, c2.Email); err == nil {
			t.Fatal("user of a deleted account survives")
		}
		select {
		case ev := <-ch:
			if ev.Kind != events.AccountDeleted || ev.AccountID != sub.ID || !strings.HasSuffix(ev.Path, "/"+itoa(sub.ID)+"/") {
				t.Fatalf("event %+v", ev)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no AccountDeleted event")
		}

		// A customer holding a camera registered above it: the camera stays
		// with its integrator, unassigned, without the customer's recordings.
		r = e.Must(200, "DELETE", "/api/v1/accounts/"+itoa(c1.ID), in.Token, map[string]any{"confirm_name": "Shop One"})
		d = r.JSON["deleted"].(map[string]any)
		if d["cameras"] != float64(0) || d["recordings"] != float64(1) || len(d["unassigned_cameras"].([]any)) != 1 ||
			d["unassigned_cameras"].([]any)[0] != float64(cams[0]) {
			t.Fatalf("deleted %v", d)
		}
		seen := map[int64]bool{}
		for len(seen) < 2 {
			select {
			case ev := <-ch:
				if ev.Kind == events.AccountDeleted && ev.AccountID == c1.ID {
					seen[ev.CameraID] = true
				}
			case <-time.After(2 * time.Second):
				t.Fatalf("events for the customer's deletion: %v", seen)
			}
		}
		if !seen[0] || !seen[cams[0]] {
			t.Fatalf("events %v", seen)
		}
		modWantCode(t, del(in.ID, in.Token, map[string]any{"confirm_name": "Acme"}), 403, "forbidden")
		r = e.Must(200, "GET", "/api/v1/audit?action=account.deleted", in.Token, nil)
		if len(r.Items()) != 2 || r.Items()[0]["actor_email"] != in.Email {
			t.Fatalf("audit %s", r.Body)
		}
		// The integrator's own cameras remain.
		desired, err := st.R().DesiredRecordings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(desired) != 0 {
			t.Fatalf("unassigned cameras still desired: %+v", desired)
		}
		e.Must(200, "GET", "/api/v1/me", in.Token, nil)
	})
}
