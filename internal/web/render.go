package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/money"
)

// templates holds one parsed set per page: the layout and partials plus that
// page's "content", so pages cannot overwrite each other's blocks.
type templates struct {
	pages map[string]*template.Template
}

func mustParseTemplates() *templates { return mustParseTemplatesIn(time.UTC) }

// mustParseTemplatesIn parses the templates with their time formats in loc.
func mustParseTemplatesIn(loc *time.Location) *templates {
	base := template.Must(template.New("").Funcs(funcs).Funcs(timeFuncs(loc)).ParseFS(templateFS, "templates/_*.html"))
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t.pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return t
}

// view is what every template gets: the page's own data in Data, the
// signed-in context for the layout, and a form's values and field errors.
type view struct {
	Title   string
	Nav     string
	Product string
	// Brand is the brand the page shows (the signed-in account's, or the
	// custom domain's before sign-in); Product is its name.
	Brand  app.PageBrand
	Req    *req
	Flash  string
	Data   any
	Form   url.Values
	Errors map[string]string
}

func (p *Portal) render(w http.ResponseWriter, r *http.Request, q *req, status int, name, title, nav string, data any) {
	p.renderView(w, r, status, name, &view{Title: title, Nav: nav, Req: q, Data: data})
}

// renderForm renders a page with a form's values and errors; err's field
// errors go next to their fields, anything else above the form.
func (p *Portal) renderForm(w http.ResponseWriter, r *http.Request, q *req, name, title, nav string, data any, form url.Values, err error) {
	v := &view{Title: title, Nav: nav, Req: q, Data: data, Form: form, Errors: map[string]string{}}
	status := http.StatusOK
	if err != nil {
		status = http.StatusBadRequest
		if e, ok := errs.As(err); ok && e.Kind != errs.Internal && e.Kind != errs.NotFound && !errorsIsCSRF(err) {
			for k, m := range e.Fields {
				v.Errors[k] = m
			}
			if len(e.Fields) == 0 {
				v.Errors["_"] = e.Message
			}
			status = httpx.StatusOf(err)
			httpx.SetRetryAfter(w, e.RetryAfter) // a throttled form says when to try again
		} else {
			p.fail(w, r, q, err)
			return
		}
	}
	p.renderView(w, r, status, name, v)
}

func (p *Portal) renderView(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	set := p.tpl
	if loc := accountZone(v.Req); loc != time.UTC {
		set = p.zones.get(loc)
	}
	t, ok := set.pages[name]
	if !ok {
		panic("web: no template " + name)
	}
	if v.Req == nil {
		v.Req = &req{}
	}
	var err error
	if v.Brand, err = p.App.PageBrandFor(r.Context(), v.Req.Account.Path, r.Host); err != nil {
		p.Log.Warn("page brand", "err", err) // the page still renders, unbranded
	}
	v.Product = v.Brand.Product
	if v.Form == nil {
		v.Form = url.Values{}
	}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	v.Flash = takeFlash(w, r)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		p.Log.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; media-src 'self' blob:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// Flash messages survive one redirect in a short-lived cookie.
const flashCookie = "vigilo_flash"

func (p *Portal) flash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: httpx.SecureCookies(p.App.Config.BaseURL), SameSite: http.SameSiteLaxMode})
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	s, _ := url.QueryUnescape(c.Value)
	return s
}

func (p *Portal) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		p.flash(w, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// fieldView is one labelled input with its error, for the "field" partial.
type fieldView struct {
	Name, Label, Type, Value, Error, Hint, Auto, Step, Placeholder, List string
	Required                                                             bool
}

var labels = map[string]string{
	"email": "E-mail", "contact_person": "Contact person", "storage_price": "Storage price", "traffic_price": "Traffic price",
	"parent_id": "Parent account", "role_id": "Role", "new_password": "New password", "current_password": "Current password",
	"password": "Password", "confirm_name": "Account name", "token": "Link", "owner_name": "Owner's name",
}

// label is how a field is named to people, in error messages too.
func label(field string) string {
	if l, ok := labels[field]; ok {
		return l
	}
	if strings.HasPrefix(field, "plans") {
		return "Plans"
	}
	s := strings.ReplaceAll(field, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var funcs = template.FuncMap{
	"label": label,
	// field builds a fieldView from the view's form and errors; opts are
	// "type=email", "required", "auto=email", "hint=…", "step=…", "label=…".
	"field": func(v *view, name string, opts ...string) fieldView {
		f := fieldView{Name: name, Label: label(name), Type: "text", Value: v.Form.Get(name), Error: v.Errors[name]}
		for _, o := range opts {
			k, val, _ := strings.Cut(o, "=")
			switch k {
			case "required":
				f.Required = true
			case "type":
				f.Type = val
			case "auto":
				f.Auto = val
			case "hint":
				f.Hint = val
			case "step":
				f.Step = val
			case "label":
				f.Label = val
			case "placeholder":
				f.Placeholder = val
			case "list":
				f.List = val
			}
		}
		return f
	},
	"money": func(a money.Amount) string { return a.String() },
	// amount shows a sum in the tree's currency with its usual decimals
	// ("EUR 12.50"); the ledger's ten-thousandths go in a title beside it.
	"amount": func(c money.Currency, a money.Amount) string { return c.Format(a) },
	// "date", "datetime", "clock" and "clockTime" are in timeFuncs: they
	// format in the account's zone (timezone.go).
	"add":   func(a, b int) int { return a + b },
	"bytes": bytesText,
	// initial is the first letter of a name, for the avatar.
	"initial": func(s string) string {
		for _, r := range s {
			return strings.ToUpper(string(r))
		}
		return "?"
	},
	"itoa":    func(v int64) string { return strconv.FormatInt(v, 10) },
	"tzNames": func() []string { return commonZones },
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// pager describes pagination links for a list.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
}

func newPager(total, page, perPage int, base url.Values, path string) pager {
	pages := (total + perPage - 1) / perPage
	if pages < 1 {
		pages = 1
	}
	pg := pager{Page: page, Pages: pages, Total: total}
	link := func(n int) string {
		v := url.Values{}
		for k, vals := range base {
			v[k] = vals
		}
		v.Set("page", strconv.Itoa(n))
		return path + "?" + v.Encode()
	}
	if page > 1 {
		pg.Prev = link(page - 1)
	}
	if page < pages {
		pg.Next = link(page + 1)
	}
	return pg
}

func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

func errorsIsCSRF(err error) bool { return errors.Is(err, errCSRF) }
