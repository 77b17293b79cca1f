package httpx

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

func TestStatusTable(t *testing.T) {
	cases := map[error]int{
		errs.Field("x", "bad"):                        400,
		errs.Unauthorizedf("unauthenticated", "no"):   401,
		errs.Forbiddenf("account_disabled", "no"):     403,
		errs.NotFoundf("gone"):                        404,
		errs.Conflictf("conflict", "dup"):             409,
		http.ErrAbortHandler:                          500,
		errs.Later(errs.TooMany, "x", 0, "later"):     429,
		errs.Later(errs.Unavailable, "x", 0, "later"): 503,
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
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Name != SessionCookieName(base) {
			t.Errorf("%s: cookie %+v", base, c)
		}
	}
}

// On https the cookie has the __Host- prefix; a planted unprefixed cookie
// does not shadow it.
func TestHostCookiePrefix(t *testing.T) {
	if SessionCookieName("https://vms.example.com") != "__Host-vigilo_session" || SessionCookieName("http://localhost:8080") != SessionCookie {
		t.Fatal("cookie names")
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: SessionCookie, Value: "planted"})
	r.AddCookie(&http.Cookie{Name: HostSessionCookie, Value: "real"})
	if tok, _ := Token(r); tok != "real" {
		t.Fatalf("token %q, want the __Host- one", tok)
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

func TestClientIPTrustsForwardingOnlyFromProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		peer, xff, want string
	}{
		{"192.0.2.7:5555", "", "192.0.2.7"},
		{"192.0.2.7:5555", "203.0.113.9", "192.0.2.7"},                // not a proxy: header ignored
		{"10.1.2.3:5555", "203.0.113.9", "203.0.113.9"},               // a proxy: header believed
		{"10.1.2.3:5555", "198.51.100.1, 203.0.113.9", "203.0.113.9"}, // the client cannot prepend its own choice
		{"10.1.2.3:5555", "203.0.113.9, 10.9.9.9", "203.0.113.9"},     // chains of proxies are skipped
		{"10.1.2.3:5555", "garbage, 10.9.9.9", "10.9.9.9"},
		{"10.1.2.3:5555", "", "10.1.2.3"},
		{"[::1]:5555", "2001:db8::5", "2001:db8::5"},
		{"[::ffff:10.0.0.1]:5555", "203.0.113.9", "203.0.113.9"},
	}
	for _, c := range cases {
		var got string
		h := TrustProxies(proxies, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r) }))
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	var got string
	h := TrustProxies(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r) }))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "127.0.0.1" {
		t.Errorf("no proxies configured, yet the header was believed: %s", got)
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("POST", "/", nil), nil, errs.Later(errs.TooMany, "too_many_attempts", 1500*time.Millisecond, "slow down"))
	if w.Code != 429 || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("%d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}
