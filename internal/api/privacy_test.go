package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestCustomerPrivacy walks customer privacy through the API on both
// databases: root → A (integrator) → C (customer) with A's camera assigned
// to C. Parents watch until C withholds its video; then A and the operator
// get 403 video_withheld for every video route while configuration stays
// theirs; C's own users keep watching; a grant lets A (only A, never for
// share) in until it is revoked or expires; only C's administrators change
// any of it; and C's audit log names every parent's access.
func TestCustomerPrivacy(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ct := newCamTree(t, apitest.Options{Postgres: pg})
		e, A, C, D := ct.e, ct.A, ct.C, ct.D
		cam := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Till",
			"rtsp_url": "rtsp://192.168.7.10/stream"}).ID()
		e.Must(200, "PATCH", camPath(cam), A.Token, map[string]any{"customer_id": C.ID, "plan_id": ct.P})
		role := e.Must(201, "POST", "/api/v1/accounts/"+itoa(C.ID)+"/roles", C.Token, map[string]any{"name": "Shop guard",
			"portal": "video", "rights": []string{"view_live", "playback"}, "all_cameras": true}).ID()
		guard := addUser(t, e, C, C.Token, role, "shop-guard")
		privacy := "/api/v1/accounts/" + itoa(C.ID) + "/privacy"
		grants := privacy + "/grants"

		video := func(tok string) map[string]string {
			codes := map[string]string{}
			for name, r := range map[string]func() (int, string){
				"recordings": func() (int, string) {
					r := e.Do("GET", camPath(cam, "/recordings"), tok, nil)
					return r.Status, r.Code()
				},
				"stream-token": func() (int, string) {
					r := e.Do("POST", camPath(cam, "/stream-token"), tok, nil)
					return r.Status, r.Code()
				},
				"share": func() (int, string) {
					r := e.Do("POST", "/api/v1/shares", tok, map[string]any{"kind": "live", "camera_id": cam, "expires_in_hours": 1})
					return r.Status, r.Code()
				},
				"clip": func() (int, string) {
					r := e.Do("POST", camPath(cam, "/clips"), tok, map[string]any{"start": time.Now().Add(-time.Hour).Unix(), "duration": 10, "name": "x"})
					return r.Status, r.Code()
				},
			} {
				status, code := r()
				codes[name] = fmt.Sprint(status, " ", code)
			}
			return codes
		}
		open := func(who, tok string) {
			t.Helper()
			got := video(tok)
			if got["recordings"] != "200 " || got["stream-token"] != "201 " || got["share"] != "201 " || strings.Contains(got["clip"], "video_withheld") {
				t.Fatalf("%s: video refused: %v", who, got)
			}
		}
		withheld := func(who, tok string, allButShare bool) {
			t.Helper()
			got := video(tok)
			for route, v := range got {
				want := "403 video_withheld"
				if allButShare && route != "share" {
					continue
				}
				if v != want {
					t.Fatalf("%s %s: %s, want %s (%v)", who, route, v, want, got)
				}
			}
		}

		// Not private: parents watch, and C sees them in its audit log.
		open("integrator", A.Token)
		if r := e.Must(200, "GET", privacy, C.Token, nil); r.JSON["enabled"] != false {
			t.Fatalf("privacy by default: %s", r.Body)
		}

		// Only C's own administrators change it.
		for who, tok := range map[string]string{"integrator": A.Token, "operator": e.Root} {
			if r := e.Do("PUT", privacy, tok, map[string]any{"enabled": true}); r.Status != 403 || r.Code() != "privacy_own_account" {
				t.Fatalf("%s switches C's privacy: %d %s", who, r.Status, r.Body)
			}
			if r := e.Do("POST", grants, tok, map[string]any{"hours": 1}); r.Status != 403 || r.Code() != "privacy_own_account" {
				t.Fatalf("%s grants itself: %d %s", who, r.Status, r.Body)
			}
		}
		if r := e.Do("PUT", privacy, guard, map[string]any{"enabled": true}); r.Status != 403 || r.Code() != "admin_only" {
			t.Fatalf("guard switches privacy: %d %s", r.Status, r.Body)
		}
		if r := e.Do("GET", privacy, D.Token, nil); r.Status != 404 {
			t.Fatalf("another tenant reads C's privacy: %d %s", r.Status, r.Body)
		}
		if r := e.Do("GET", "/api/v1/accounts/"+itoa(A.ID)+"/privacy", e.Root, nil); r.Status != 409 || r.Code() != "not_a_customer" {
			t.Fatalf("integrator privacy: %d %s", r.Status, r.Body)
		}
		for _, body := range []any{map[string]any{}, map[string]any{"enabled": nil}, map[string]any{"enabled": "yes"}} {
			if r := e.Do("PUT", privacy, C.Token, body); r.Status != 400 {
				t.Fatalf("PUT %v: %d %s", body, r.Status, r.Body)
			}
		}

		e.Must(200, "PUT", privacy, C.Token, map[string]any{"enabled": true})
		withheld("integrator", A.Token, false)
		withheld("operator", e.Root, false)
		r := e.Do("GET", camPath(cam, "/recordings"), A.Token, nil)
		if !strings.Contains(string(r.Body), "Customer C") {
			t.Errorf("the refusal does not name the customer: %s", r.Body)
		}
		// Configuration, statistics and billing stay the parents'.
		e.Must(200, "GET", camPath(cam), A.Token, nil)
		e.Must(200, "PATCH", camPath(cam), A.Token, map[string]any{"name": "Till 1"})
		e.Must(200, "GET", "/api/v1/accounts/"+itoa(C.ID)+"/statistics", A.Token, nil)
		e.Must(200, "GET", "/api/v1/accounts/"+itoa(C.ID)+"/modules", A.Token, nil)
		if r := e.Must(200, "GET", privacy, A.Token, nil); r.JSON["enabled"] != true {
			t.Errorf("the parent does not see the privacy: %s", r.Body)
		}
		// C's own users are not withheld.
		e.Must(200, "GET", camPath(cam, "/recordings"), guard, nil)
		e.Must(201, "POST", camPath(cam, "/stream-token"), guard, nil)
		open("customer owner", C.Token)

		// Grants: bad input is a 400 naming the field.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"hours": 0}, "hours"},
			{map[string]any{"hours": 721}, "hours"},
			{map[string]any{"hours": -5}, "hours"},
			{map[string]any{"hours": 2, "grantee_account_id": D.ID}, "grantee_account_id"},
			{map[string]any{"hours": 2, "grantee_account_id": C.ID}, "grantee_account_id"},
			{map[string]any{"hours": 2, "grantee_account_id": 999999}, "grantee_account_id"},
			{map[string]any{"hours": 2, "note": "ticket\u202e42"}, "note"},
			{map[string]any{"hours": "2"}, "hours"},
		} {
			r := e.Do("POST", grants, C.Token, c.body)
			if r.Status != 400 || r.Fields()[c.field] == nil {
				t.Fatalf("grant %v: %d %s, want 400 naming %s", c.body, r.Status, r.Body, c.field)
			}
		}
		if r := e.Must(200, "GET", grants, C.Token, nil); len(r.Items()) != 0 {
			t.Fatalf("refused grants were written: %s", r.Body)
		}

		// A grant to the parent (the default grantee) lets A in, not the
		// operator, and never for share.
		g := e.Must(201, "POST", grants, C.Token, map[string]any{"hours": 2, "note": "ticket 42"})
		if g.JSON["grantee_account_id"] != float64(A.ID) || g.JSON["active"] != true || g.JSON["grantee_name"] != "Integrator A" {
			t.Fatalf("grant: %s", g.Body)
		}
		gid := g.ID()
		got := video(A.Token)
		if got["recordings"] != "200 " || got["stream-token"] != "201 " || strings.Contains(got["clip"], "video_withheld") || got["share"] != "403 video_withheld" {
			t.Fatalf("integrator with a grant: %v", got)
		}
		withheld("operator", e.Root, false)
		if r := e.Must(200, "GET", privacy, A.Token, nil); len(r.JSON["grants"].([]any)) != 1 {
			t.Errorf("the grantee does not see its grant: %s", r.Body)
		}
		// A grant to the operator is the operator's only.
		e.Must(201, "POST", grants, C.Token, map[string]any{"hours": 1, "grantee_account_id": 1})
		e.Must(200, "GET", camPath(cam, "/recordings"), e.Root, nil)
		if r := e.Must(200, "GET", privacy, A.Token, nil); len(r.JSON["grants"].([]any)) != 1 {
			t.Errorf("A sees a grant to an account above it: %s", r.Body)
		}

		// Revoked: withheld again at once; a grant of another account is 404.
		if r := e.Do("DELETE", fmt.Sprintf("%s/%d", grants, gid), A.Token, nil); r.Status != 403 {
			t.Fatalf("the grantee revokes: %d %s", r.Status, r.Body)
		}
		e.Must(200, "DELETE", fmt.Sprintf("%s/%d", grants, gid), C.Token, nil)
		withheld("integrator after revocation", A.Token, false)
		if r := e.Do("DELETE", fmt.Sprintf("/api/v1/accounts/%d/privacy/grants/%d", D.ID, gid), D.Token, nil); r.Status != 409 && r.Status != 404 {
			t.Fatalf("revoke through another account: %d %s", r.Status, r.Body)
		}

		// Expired: a grant ends by itself.
		e.Must(201, "POST", grants, C.Token, map[string]any{"hours": 1})
		e.Must(200, "GET", camPath(cam, "/recordings"), A.Token, nil)
		e.Main.App.Now = func() time.Time { return time.Now().Add(61 * time.Minute) }
		withheld("integrator after expiry", A.Token, false)
		e.Main.App.Now = time.Now

		// Privacy off: parents watch again.
		e.Must(200, "PUT", privacy, C.Token, map[string]any{"enabled": false})
		open("integrator after privacy off", A.Token)

		// C's audit log names who from which account used its video,
		// without ids or address; other entries by parents stay anonymous.
		r = e.Must(200, "GET", "/api/v1/audit?per_page=200&account_id="+itoa(C.ID), C.Token, nil)
		var parentAccess, anonymous int
		rights := map[string]bool{}
		for _, it := range r.Items() {
			switch it["action"] {
			case "video.parent_access":
				d := it["detail"].(map[string]any)
				if it["actor_email"] == A.Email {
					parentAccess++
					rights[d["right"].(string)] = true
					if d["from_account"] != "Integrator A" || d["camera_id"] != float64(cam) {
						t.Errorf("parent access entry: %v", it)
					}
				} else if d["from_account"] == "" || it["actor_email"] == "a parent account" {
					t.Errorf("parent access without who: %v", it)
				}
				if it["actor_user_id"] != float64(0) || it["actor_account_id"] != float64(0) || it["remote_addr"] != "" {
					t.Errorf("parent access shows ids or address: %v", it)
				}
			default:
				if it["actor_email"] == A.Email {
					t.Errorf("a parent's other entry names it: %v", it)
				}
				if it["actor_email"] == "a parent account" {
					anonymous++
				}
			}
		}
		if parentAccess == 0 || !rights["view_live"] || !rights["playback"] || !rights["share"] {
			t.Errorf("C's audit log misses the integrator's accesses (%d, %v): %s", parentAccess, rights, r.Body)
		}
		for _, a := range []string{"privacy.enabled", "privacy.disabled", "privacy.grant_created", "privacy.grant_revoked"} {
			if !strings.Contains(string(r.Body), `"`+a+`"`) {
				t.Errorf("no %s in C's audit log", a)
			}
		}
		t.Logf("%d parent accesses, %d anonymous parent entries in C's log", parentAccess, anonymous)
	})
}
