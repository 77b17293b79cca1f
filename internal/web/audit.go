package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
)

// The audit page: the log of my account and everything below it, filtered
// by who, what, account and period, exported as CSV; the operator sets how
// long entries are kept.

type auditData struct {
	Entries   []store.AuditEntry
	Pager     pager
	CSV       string // the export link with the same filters
	Retention int
	Operator  bool
}

const auditPerPage = 50

// auditQuery reads the filters; a malformed date or account is a field error.
func auditQuery(r *http.Request) (app.AuditQuery, url.Values, error) {
	qs := r.URL.Query()
	in := app.AuditQuery{Action: strings.TrimSpace(qs.Get("action")), Actor: strings.TrimSpace(qs.Get("actor")),
		Page: store.Page{Page: atoiDefault(qs.Get("page"), 1), PerPage: auditPerPage}}
	f := errs.Fields{}
	if v := qs.Get("account_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			f.Add("account_id", "must be an account number")
		}
		in.AccountID = id
	}
	day := func(name string) time.Time {
		v := qs.Get(name)
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			f.Add(name, "must be a date like 2026-03-01")
		}
		return t
	}
	in.From = day("from")
	if to := day("to"); !to.IsZero() {
		in.To = to.AddDate(0, 0, 1) // the whole last day
	}
	keep := url.Values{}
	for _, k := range []string{"actor", "action", "account_id", "from", "to"} {
		if v := qs.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	return in, keep, f.Err()
}

func (p *Portal) auditPage(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	in, keep, ferr := auditQuery(r)
	d := auditData{Operator: q.Actor.IsOperator(), CSV: "/audit.csv?" + keep.Encode()}
	var err error
	if d.Retention, err = p.App.AuditRetention(ctx); err != nil {
		return err
	}
	if ferr == nil {
		var total int
		var pg store.Page
		d.Entries, total, pg, err = p.App.AuditSearch(ctx, q.Actor, in)
		if err != nil {
			return err
		}
		d.Pager = newPager(total, pg.Page, pg.PerPage, keep, "/audit")
	}
	p.renderForm(w, r, q, "audit", "Audit log", "audit", d, r.URL.Query(), ferr)
	return nil
}

// auditCSV exports the filtered log, newest first, up to 10 000 entries.
func (p *Portal) auditCSV(w http.ResponseWriter, r *http.Request, q *req) error {
	in, _, err := auditQuery(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "at", "actor", "actor_user_id", "account_id", "action", "detail", "address"})
	for page := 1; page <= 50; page++ {
		in.Page = store.Page{Page: page, PerPage: store.MaxPerPage}
		list, _, _, err := p.App.AuditSearch(r.Context(), q.Actor, in)
		if err != nil {
			return err
		}
		for _, e := range list {
			_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), csvSafe(e.ActorEmail),
				strconv.FormatInt(e.ActorUserID, 10), strconv.FormatInt(e.AccountID, 10), csvSafe(e.Action), csvSafe(e.Detail), csvSafe(e.RemoteAddr)})
		}
		if len(list) < store.MaxPerPage {
			break
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (CSV
// injection): a leading = + - @ gets a quote mark in front.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (p *Portal) auditRetentionSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("retention_days")))
	if err != nil {
		err = errs.Field("retention_days", "must be a whole number of days")
	} else {
		err = p.App.SetAuditRetention(r.Context(), q.Actor, days)
	}
	if err != nil {
		if errs.KindOf(err) != errs.Invalid {
			return err
		}
		d := auditData{Operator: true, Retention: days}
		p.renderForm(w, r, q, "audit", "Audit log", "audit", d, url.Values{"retention_days": {r.PostFormValue("retention_days")}}, err)
		return nil
	}
	return p.redirect(w, r, "/audit", "Audit retention saved.")
}
