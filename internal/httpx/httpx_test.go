package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

func TestStatusTable(t *testing.T) {
	cases := map[error]int{
		errs.Field("x", "bad"):                      400,
		errs.Unauthorizedf("unauthenticated", "no"): 401,
		errs.Forbiddenf("account_disabled", "no"):   403,
		errs.NotFoundf("gone"):                      404,
		errs.Conflictf("conflict", "dup"):           409,
		http.ErrAbortHandler:                        500,
	}
	for err, want := range cases {
		if got := StatusOf(err); got != want {
			t.Errorf("%v: %d, want %d", err, got, want)
		}
	}
}

func TestSessionCookieFlags(t *testing.T) {
	for base, secure := range map[string]bool{"https://vms.example.com": true, "http://localhost:8080": true, "http://10.0.0.5:8080": false} {
		w := httptest.NewRecorder()
		SetSessionCookie(w, base, "tok", time.Now().Add(time.Hour))
		c := w.Result().Cookies()[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Name != SessionCookie {
			t.Errorf("%s: cookie %+v", base, c)
		}
	}
}

func TestTokenPrefersBearer(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: SessionCookie, Value: "cookie-tok"})
	if tok, fromCookie := Token(r); tok != "cookie-tok" || !fromCookie {
		t.Fatalf("cookie: %q %v", tok, fromCookie)
	}
	r.Header.Set("Authorization", "Bearer bearer-tok")
	if tok, fromCookie := Token(r); tok != "bearer-tok" || fromCookie {
		t.Fatalf("bearer: %q %v", tok, fromCookie)
	}
	r.Header.Set("Authorization", "Basic Zm9vOmJhcg==")
	if tok, _ := Token(r); tok != "" {
		t.Fatalf("basic auth taken as a token: %q", tok)
	}
}
