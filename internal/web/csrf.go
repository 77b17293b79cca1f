package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
)

// CSRF, in depth: the server already refuses cross-site unsafe requests by
// Sec-Fetch-Site/Origin (http.CrossOriginProtection). Forms also carry a
// token, which covers browsers or proxies that strip those headers.
//
// Signed in, the token is an HMAC keyed by the session token: it is bound to
// the session, needs no server state, and reveals nothing about the session
// (the cookie is HttpOnly, so a page cannot read its key). Signed out (the
// sign-in and link forms), it is a double-submit cookie.

const (
	csrfField  = "csrf"
	csrfCookie = "vigilo_csrf"
)

var errCSRF = errs.Forbiddenf("csrf", "missing or wrong form token")

func sessionCSRF(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("vigilo portal form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func checkSessionCSRF(r *http.Request, session string) bool {
	return tokensEqual(r.PostFormValue(csrfField), sessionCSRF(session))
}

// anonCSRF returns the double-submit token, setting its cookie when absent.
func (p *Portal) anonCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 20 {
		return c.Value
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: httpx.SecureCookies(p.App.Config.BaseURL)})
	return v
}

func checkAnonCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return false
	}
	return tokensEqual(r.PostFormValue(csrfField), c.Value)
}

func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
