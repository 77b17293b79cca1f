package api_test

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vigilo/vigilo/internal/apitest"
)

// enrolTOTP switches 2FA on for the token's user and returns the secret and
// the recovery codes.
func enrolTOTP(t *testing.T, e *apitest.Env, token string) (string, []string) {
	t.Helper()
	r := e.Must(200, "POST", "/api/v1/me/totp", token, nil)
	secret, _ := r.JSON["secret"].(string)
	if secret == "" || r.JSON["otpauth_url"] == nil {
		t.Fatalf("enrolment: %s", r.Body)
	}
	bad := e.Must(400, "POST", "/api/v1/me/totp/confirm", token, map[string]string{"code": "000000"})
	if bad.Fields()["code"] == nil {
		t.Fatalf("wrong code not named: %s", bad.Body)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	r = e.Must(200, "POST", "/api/v1/me/totp/confirm", token, map[string]string{"code": code})
	raw, _ := r.JSON["recovery_codes"].([]any)
	var codes []string
	for _, c := range raw {
		codes = append(codes, c.(string))
	}
	if len(codes) != 10 {
		t.Fatalf("recovery codes: %s", r.Body)
	}
	return secret, codes
}

// TOTP: enrol, sign in with the code, with a recovery code once, refused
// without or with a wrong code; switched off with a code; audited.
func TestTOTPSignIn(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "TOTP Int")
		secret, codes := enrolTOTP(t, e, in.Token)
		e.Must(409, "POST", "/api/v1/me/totp", in.Token, nil)

		login := func(otp string) apitest.Response {
			return e.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": in.Email, "password": in.Password, "otp": otp})
		}
		for _, otp := range []string{"", "123456", "abcdef", codes[0] + "x"} {
			if r := login(otp); r.Status != 401 || r.Code() != "otp_required" {
				t.Fatalf("otp %q: %d %s", otp, r.Status, r.Body)
			}
		}
		// A wrong password with a right code is still a wrong password.
		code, _ := totp.GenerateCode(secret, time.Now())
		if r := e.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": in.Email, "password": "Wrong-pass-123", "otp": code}); r.Code() != "invalid_credentials" {
			t.Fatalf("wrong password: %s", r.Body)
		}
		e.Must(200, "POST", "/api/v1/auth/login", "", map[string]string{"email": in.Email, "password": in.Password, "otp": code})
		// A code signs in once: replayed within its window it is refused.
		if r := login(code); r.Status != 401 || r.Code() != "otp_required" {
			t.Fatalf("TOTP code used twice: %d %s", r.Status, r.Body)
		}
		e.Must(200, "POST", "/api/v1/auth/login", "", map[string]string{"email": in.Email, "password": in.Password, "otp": codes[1]})
		if r := login(codes[1]); r.Code() != "otp_required" {
			t.Fatalf("recovery code used twice: %s", r.Body)
		}
		e.Must(400, "POST", "/api/v1/me/totp/disable", in.Token, map[string]string{"code": "000000"})
		e.Must(204, "POST", "/api/v1/me/totp/disable", in.Token, map[string]string{"code": codes[2]})
		e.Must(200, "POST", "/api/v1/auth/login", "", map[string]string{"email": in.Email, "password": in.Password})

		seen := map[string]bool{}
		for _, it := range e.Must(200, "GET", "/api/v1/audit?per_page=200", in.Token, nil).Items() {
			seen[it["action"].(string)] = true
		}
		if !seen["user.2fa_enabled"] || !seen["user.2fa_disabled"] {
			t.Fatalf("audit: %v", seen)
		}
	})
}

// An integrator requires 2FA for its subtree: a customer's user without it
// reaches only enrolment until enrolled; the customer cannot lift the rule.
func TestRequire2FAInherited(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg})
		in := e.CreateAccount(e.Root, 1, "integrator", "Strict Int")
		cu := e.CreateAccount(in.Token, in.ID, "customer", "Strict Cust")
		other := e.CreateAccount(e.Root, 1, "integrator", "Lax Int")
		r := e.Must(200, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/two-factor", in.Token, map[string]bool{"require_2fa": true})
		if r.JSON["require_2fa"] != true {
			t.Fatalf("set: %s", r.Body)
		}
		e.Must(404, "PUT", "/api/v1/accounts/"+itoa(in.ID)+"/two-factor", other.Token, map[string]bool{"require_2fa": false})
		modWantCode(t, e.Do("GET", "/api/v1/accounts", cu.Token, nil), 403, "totp_enrolment_required")
		modWantCode(t, e.Do("GET", "/api/v1/accounts", in.Token, nil), 403, "totp_enrolment_required")
		e.Must(200, "GET", "/api/v1/accounts", other.Token, nil)
		e.Must(200, "GET", "/api/v1/me", cu.Token, nil)

		enrolTOTP(t, e, cu.Token)
		e.Must(200, "GET", "/api/v1/accounts/"+itoa(cu.ID), cu.Token, nil)
		r = e.Must(200, "PUT", "/api/v1/accounts/"+itoa(cu.ID)+"/two-factor", cu.Token, map[string]bool{"require_2fa": false})
		if r.JSON["required_by_parent"] != true {
			t.Fatalf("the parent's rule must stay: %s", r.Body)
		}
	})
}
