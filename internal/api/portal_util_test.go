package api_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/httpx"
)

// portalClient does not follow redirects: the portal answers a refused
// session with a redirect to /login, which the tests must see as such.
var portalClient = &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// portalGet opens a portal page as a browser with this session would and
// returns the status, the redirect target (if any) and the body.
func portalGet(t testing.TB, e *apitest.Env, path, session string) (status int, location, body string) {
	t.Helper()
	req, err := http.NewRequest("GET", e.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: session})
	resp, err := portalClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}
