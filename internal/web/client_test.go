package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// client is a browser stand-in for page-handler tests: it keeps cookies
// itself (the session cookie is Secure, which net/http's jar never sends
// over plain http) and does not follow redirects, so tests see them.
type client struct {
	t       testing.TB
	e       *apitest.Env
	cookies map[string]string
	http    *http.Client
	host    string // the Host header to send ("" = the server's address)
}

type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func newClient(t testing.TB, e *apitest.Env) *client {
	return &client{t: t, e: e, cookies: map[string]string{}, http: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values) page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.host != "" {
		req.Host = c.host
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return page{Status: resp.StatusCode, Body: string(b), Location: resp.Header.Get("Location"), Header: resp.Header}
}

func (c *client) get(path string) page { c.t.Helper(); return c.do("GET", path, nil) }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token of the page at path.
func (c *client) csrf(path string) string {
	c.t.Helper()
	p := c.get(path)
	m := csrfRE.FindStringSubmatch(p.Body)
	if m == nil {
		c.t.Fatalf("no form token on %s (%d): %.300s", path, p.Status, p.Body)
	}
	return m[1]
}

// post submits form to path with the token of the page at from.
func (c *client) post(from, path string, form url.Values) page {
	c.t.Helper()
	form.Set("csrf", c.csrf(from))
	return c.do("POST", path, form)
}

func (c *client) signIn(email, password string) {
	c.t.Helper()
	p := c.post("/login", "/login", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		c.t.Fatalf("sign-in as %s: %d %.500s", email, p.Status, p.Body)
	}
}

func itoa(n int64) string { return strconvFormat(n) }
