// Package httpx holds the HTTP plumbing shared by the API and the portals:
// the error-to-status table, JSON responses, the session cookie, client IPs.
package httpx

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vigilo/vigilo/internal/errs"
)

// StatusOf is the one table from error kinds to HTTP status codes.
func StatusOf(err error) int {
	switch errs.KindOf(err) {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.Gone:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// ErrorBody is the API's error shape: {"error":{"code","message","fields"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes one error.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// WriteError answers with the error's status and body. Internal errors are
// logged with their cause and shown to the client without it.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status := StatusOf(err)
	body := ErrorBody{Error: ErrorDetail{Code: "internal", Message: "internal error"}}
	if e, ok := errs.As(err); ok && status != http.StatusInternalServerError {
		body.Error = ErrorDetail{Code: e.Code, Message: e.Message, Fields: e.Fields}
	}
	SetRetryAfter(w, errs.RetryAfterOf(err))
	if status == http.StatusInternalServerError {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	WriteJSON(w, status, body)
}

// SetRetryAfter sets the Retry-After header in whole seconds, rounded up (a
// client that waits exactly that long is let in). Nothing for d <= 0.
func SetRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d <= 0 {
		return
	}
	w.Header().Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	// Encoded into a pooled buffer and written at once with its length:
	// one write instead of chunks, and no encoder allocated per response.
	buf := jsonBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			jsonBufs.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(true)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"the response could not be encoded"}}` + "\n")
		status = http.StatusInternalServerError
	}
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "vigilo_session"

// SetSessionCookie stores the session token in an HttpOnly, SameSite=Lax
// cookie. Secure is set whenever the browser would accept it: on https and
// on localhost (which browsers treat as a secure context even over http).
func SetSessionCookie(w http.ResponseWriter, baseURL, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookieName(baseURL), Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: SecureCookies(baseURL), SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter, baseURL string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookieName(baseURL), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: SecureCookies(baseURL), SameSite: http.SameSiteLaxMode})
}

// HostSessionCookie is the session cookie's name on an https site. Browsers
// accept a "__Host-" cookie only when it is Secure, for path / and without a
// Domain, so a sibling subdomain or a plain-http page cannot plant one.
const HostSessionCookie = "__Host-" + SessionCookie

// SessionCookieName is the session cookie's name for the site at baseURL.
func SessionCookieName(baseURL string) string {
	if u, err := url.Parse(baseURL); err == nil && u.Scheme == "https" {
		return HostSessionCookie
	}
	return SessionCookie
}

// SessionFromCookie is the session token of the request's cookie ("" when
// none): the __Host- cookie first, so one planted without the prefix cannot
// shadow it.
func SessionFromCookie(r *http.Request) string {
	for _, name := range []string{HostSessionCookie, SessionCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// HSTS is the Strict-Transport-Security value sent when the site is https:
// two years, the figure browsers' preload lists ask for.
const HSTS = "max-age=63072000"

// SecureCookies tells whether cookies for baseURL can carry the Secure flag.
func SecureCookies(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil {
		return true
	}
	if u.Scheme == "https" {
		return true
	}
	h := u.Hostname()
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// Token extracts the credential of a request: a Bearer token, else the
// session cookie. fromCookie tells which, because cookie-borne requests need
// cross-origin protection and Bearer ones do not.
func Token(r *http.Request) (token string, fromCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t), false
		}
		return "", false
	}
	if v := SessionFromCookie(r); v != "" {
		return v, true
	}
	return "", false
}

// CheckQuery refuses a query string whose values are not valid UTF-8 or
// hold NUL characters: PostgreSQL rejects such text outright (a 5xx if it
// got that far), and no parameter of ours means anything with them.
func CheckQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	for k, vs := range r.URL.Query() {
		for _, v := range append(vs, k) {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				name := k
				if !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
					name = "query"
				}
				return errs.Field(name, "must be valid UTF-8 text without NUL characters")
			}
		}
	}
	return nil
}
