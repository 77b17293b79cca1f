package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// req is what a handler knows about the request beyond http.Request: the
// signed-in actor (zero for signed-out pages), their user and account, and
// the CSRF token that its forms must carry.
type req struct {
	Actor   tenancy.Actor
	User    identity.User
	Account tenancy.Account
	CSRF    string
	session string
}

type handler func(w http.ResponseWriter, r *http.Request, q *req) error

var errNotFound = errs.NotFoundf("not found")

// anon serves pages that need no session (sign-in, confirmation links). A
// session, if present and valid, is still resolved so that the layout can
// show who is signed in.
func (p *Portal) anon(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(portalContext(r))
		q := &req{CSRF: p.anonCSRF(w, r)}
		if err := httpx.CheckQuery(r); err != nil {
			p.fail(w, r, q, err)
			return
		}
		if r.Method == http.MethodPost && !checkAnonCSRF(r) {
			p.fail(w, r, q, errCSRF)
			return
		}
		if err := h(w, r, q); err != nil {
			p.fail(w, r, q, err)
		}
	})
}

// authed requires a valid session. A user who must change the password is
// sent to do so before anything else.
func (p *Portal) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(portalContext(r))
		q := &req{}
		c := &http.Cookie{Value: httpx.SessionFromCookie(r)}
		if c.Value == "" {
			toLogin(w, r, "")
			return
		}
		var err error
		q.session = c.Value
		q.Actor, err = p.App.Authenticate(r.Context(), c.Value)
		if err != nil {
			if errs.KindOf(err) == errs.Unauthorized {
				httpx.ClearSessionCookie(w, p.App.Config.BaseURL)
				toLogin(w, r, "")
				return
			}
			// Disabled account or user: the session is dead for now; say why
			// on the sign-in page.
			httpx.ClearSessionCookie(w, p.App.Config.BaseURL)
			toLogin(w, r, errs.CodeOf(err))
			return
		}
		q.CSRF = sessionCSRF(c.Value)
		if q.User, q.Account, err = p.App.Me(r.Context(), q.Actor); err != nil {
			p.fail(w, r, q, err)
			return
		}
		if r.Method == http.MethodPost && !checkSessionCSRF(r, c.Value) {
			p.fail(w, r, q, errCSRF)
			return
		}
		if err := httpx.CheckQuery(r); err != nil {
			p.fail(w, r, q, err)
			return
		}
		if q.Actor.NeedsTOTP && !strings.HasPrefix(r.URL.Path, "/security") && r.URL.Path != "/password" {
			http.Redirect(w, r, "/security", http.StatusSeeOther)
			return
		}
		if q.User.MustChangePassword && r.URL.Path != "/password" {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		if err := h(w, r, q); err != nil {
			p.fail(w, r, q, err)
		}
	})
}

// admin is authed for the admin portal: Guard and Viewer users only use the
// video portal (R9), and a customer's admins need the admin_portal module.
func (p *Portal) admin(h handler) http.Handler {
	return p.authed(func(w http.ResponseWriter, r *http.Request, q *req) error {
		if !q.Actor.Admin {
			// Guards and Viewers land in the video portal.
			if r.Method == http.MethodGet && r.URL.Path == "/" {
				http.Redirect(w, r, "/video", http.StatusSeeOther)
				return nil
			}
			return errVideoOnly
		}
		if err := p.adminPortalAllowed(r, q); err != nil {
			return err
		}
		return h(w, r, q)
	})
}

var errVideoOnly = errs.Forbiddenf("video_portal_only",
	"Your role gives you access to the video portal only, not to the admin portal. Ask an administrator of your account if you need more.")

func toLogin(w http.ResponseWriter, r *http.Request, code string) {
	v := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		v.Set("next", r.URL.RequestURI())
	}
	if code != "" {
		v.Set("why", code)
	}
	target := "/login"
	if len(v) > 0 {
		target += "?" + v.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext keeps redirects after sign-in on this site: only an absolute
// path of this site passes. Browsers drop tabs and line breaks from URLs and
// read a backslash as a slash, so "/\t/evil.example" or "/\\evil.example"
// would become "//evil.example", another site: any control character or
// backslash refuses the whole value.
func safeNext(s string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") ||
		strings.ContainsRune(s, '\\') || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "/"
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return s
}

// fail renders an error page with the status of the error's kind. Handlers
// deal with field errors themselves (re-rendering their form); what reaches
// here is not found, forbidden or a bug.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, q *req, err error) {
	status := httpx.StatusOf(err)
	if status == http.StatusUnauthorized {
		toLogin(w, r, "")
		return
	}
	d := errorPage{Status: status}
	switch status {
	case http.StatusNotFound:
		d.Title = "Not found"
		d.Message = "There is nothing here — or nothing that your account may see."
	case http.StatusForbidden:
		d.Title = "Not allowed"
		if e, ok := errs.As(err); ok {
			d.Message = e.Message
			d.Code = e.Code
		}
		if d.Code == "video_withheld" {
			d.Title = "Video kept private"
		}
	case http.StatusBadRequest, http.StatusConflict:
		d.Title = "That did not work"
		if e, ok := errs.As(err); ok {
			d.Message = e.Message
			for k, v := range e.Fields {
				d.Fields = append(d.Fields, label(k)+": "+v)
			}
		}
	default:
		d.Title = "Something went wrong"
		d.Message = "The server could not complete the request. It has been logged; try again in a moment."
		p.Log.Error("portal request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if errors.Is(err, errCSRF) {
		d.Message = "The form had expired or did not come from this site. Go back, reload the page and try again."
	}
	p.render(w, r, q, status, "error", d.Title, "", d)
}

type errorPage struct {
	Status  int
	Title   string
	Message string
	Code    string
	Fields  []string
}

// portalContext tells the app where a portal request comes from: its address
// and user agent, and that sessions opened here are the portal's own.
func portalContext(r *http.Request) context.Context {
	ctx := app.WithRemote(r.Context(), httpx.ClientIP(r))
	return app.WithClient(ctx, app.ClientInfo{Portal: true, UserAgent: r.UserAgent(), Host: r.Host})
}
