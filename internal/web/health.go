package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/health"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/webhook"
)

// The fleet health page (every camera of my subtree, problems first,
// filtered by flag or name) and the alerts page (offline debounce,
// notification contacts, webhooks and their delivery log).

type fleetRow struct {
	health.FleetCamera
	Uptime24h, Uptime7d string // "99.5 %", "–" when unknown
	ReasonText          string
}

type flagCount struct {
	Flag, Label, Link string
	Count             int
	Current           bool
}

type healthData struct {
	Rows  []fleetRow
	Flags []flagCount
	Pager pager
	Flag  string
}

var flagLabels = map[string]string{health.FlagOffline: "Offline now", health.FlagFlapping: "Flapping",
	health.FlagGaps: "Recording gaps (24 h)", health.FlagOverBitrate: "Over the plan's bitrate",
	health.FlagRetentionAtRisk: "Retention at risk"}

const healthPerPage = 50

func pct(r *float64) string {
	if r == nil {
		return "–"
	}
	return strconv.FormatFloat(*r*100, 'f', 1, 64) + " %"
}

func (p *Portal) healthPage(w http.ResponseWriter, r *http.Request, q *req) error {
	qs := r.URL.Query()
	in := app.FleetFilter{Flag: qs.Get("flag"), Q: strings.TrimSpace(qs.Get("q")),
		Page: store.Page{Page: atoiDefault(qs.Get("page"), 1), PerPage: healthPerPage}}
	res, err := p.App.AccountFleetHealth(r.Context(), q.Actor, q.Actor.AccountID, in)
	if errs.KindOf(err) == errs.Invalid {
		in.Flag = ""
		p.renderForm(w, r, q, "health", "Fleet health", "health", healthData{}, qs, err)
		return nil
	}
	if err != nil {
		return err
	}
	d := healthData{Flag: in.Flag}
	for _, c := range res.Items {
		d.Rows = append(d.Rows, fleetRow{FleetCamera: c, Uptime24h: pct(c.Uptime24h), Uptime7d: pct(c.Uptime7d),
			ReasonText: media.ReasonText(c.State.Reason)})
	}
	keep := url.Values{}
	if in.Q != "" {
		keep.Set("q", in.Q)
	}
	for _, f := range health.Flags {
		v := url.Values{"flag": {f}}
		if in.Q != "" {
			v.Set("q", in.Q)
		}
		d.Flags = append(d.Flags, flagCount{Flag: f, Label: flagLabels[f], Count: res.Counts[f], Link: "/health?" + v.Encode(),
			Current: f == in.Flag})
	}
	if in.Flag != "" {
		keep.Set("flag", in.Flag)
	}
	d.Pager = newPager(res.Total, res.Page.Page, res.Page.PerPage, keep, "/health")
	p.renderForm(w, r, q, "health", "Fleet health", "health", d, qs, nil)
	return nil
}

type alertsData struct {
	Settings   app.AlertSettings
	Effective  string
	Webhooks   []webhook.Webhook
	Deliveries []deliveryRow
	Pager      pager
	Events     []string
}

// deliveryRow is a log entry with its delivery time as a value (templates
// format times, not pointers).
type deliveryRow struct {
	webhook.Delivery
	Done time.Time
}

const deliveriesPerPage = 25

func (p *Portal) alertsData(r *http.Request, q *req) (alertsData, error) {
	ctx := r.Context()
	id := q.Actor.AccountID
	var d alertsData
	var err error
	if d.Settings, err = p.App.AccountAlertSettings(ctx, q.Actor, id); err != nil {
		return d, err
	}
	d.Effective = d.Settings.Effective.String()
	if d.Webhooks, err = p.App.Webhooks(ctx, q.Actor, id); err != nil {
		return d, err
	}
	page := store.Page{Page: atoiDefault(r.URL.Query().Get("page"), 1), PerPage: deliveriesPerPage}
	list, total, pg, err := p.App.WebhookDeliveries(ctx, q.Actor, id, 0, page)
	if err != nil {
		return d, err
	}
	for _, dl := range list {
		row := deliveryRow{Delivery: dl}
		if dl.DeliveredAt != nil {
			row.Done = *dl.DeliveredAt
		}
		d.Deliveries = append(d.Deliveries, row)
	}
	d.Events = webhook.Events
	d.Pager = newPager(total, pg.Page, pg.PerPage, url.Values{}, "/alerts")
	return d, nil
}

func (d alertsData) form() url.Values {
	v := url.Values{"contacts": {strings.Join(d.Settings.Contacts, ", ")}}
	if d.Settings.OfflineAfter != nil {
		v.Set("offline_after", d.Settings.OfflineAfter.String())
	}
	return v
}

func (p *Portal) alertsPage(w http.ResponseWriter, r *http.Request, q *req) error {
	d, err := p.alertsData(r, q)
	if err != nil {
		return err
	}
	p.renderForm(w, r, q, "alerts", "Alerts and webhooks", "alerts", d, d.form(), nil)
	return nil
}

// alertsSubmit handles the page's forms: settings, a new webhook, or
// removing one. A refused form is shown again with its errors.
func (p *Portal) alertsSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	id := q.Actor.AccountID
	action := r.PathValue("action")
	var err error
	form := url.Values{}
	var flash string
	switch action {
	case "settings":
		in := app.AlertSettingsInput{}
		if v := strings.TrimSpace(r.PostFormValue("offline_after")); v == "" {
			in.ClearOfflineAfter = true
		} else if d, perr := app.ParseOfflineAfter("offline_after", v); perr != nil {
			err = perr
		} else {
			in.OfflineAfter = &d
		}
		contacts := []string{}
		for c := range strings.SplitSeq(r.PostFormValue("contacts"), ",") {
			if c = strings.TrimSpace(c); c != "" {
				contacts = append(contacts, c)
			}
		}
		in.Contacts = &contacts
		if err == nil {
			_, err = p.App.SetAccountAlertSettings(ctx, q.Actor, id, in)
		}
		form.Set("offline_after", r.PostFormValue("offline_after"))
		form.Set("contacts", r.PostFormValue("contacts"))
		err = contactsField(err)
		flash = "Alert settings saved."
	case "webhooks":
		in := webhook.Input{URL: r.PostFormValue("url"), Events: r.PostForm["events"], Secret: r.PostFormValue("secret")}
		_, err = p.App.CreateWebhook(ctx, q.Actor, id, in)
		form.Set("url", in.URL)
		flash = "Webhook added."
	case "delete":
		wid, perr := strconv.ParseInt(r.PostFormValue("webhook_id"), 10, 64)
		if perr != nil {
			return errs.NotFoundf("webhook not found")
		}
		err = p.App.DeleteWebhook(ctx, q.Actor, id, wid)
		flash = "Webhook removed."
	default:
		return errs.NotFoundf("no such action")
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			return err
		}
		d, derr := p.alertsData(r, q)
		if derr != nil {
			return derr
		}
		for k, v := range d.form() {
			if !form.Has(k) {
				form[k] = v
			}
		}
		p.renderForm(w, r, q, "alerts", "Alerts and webhooks", "alerts", d, form, err)
		return nil
	}
	return p.redirect(w, r, "/alerts", flash)
}

// contactsField reports "contacts[2]" errors on the form's one contacts
// field, naming the address.
func contactsField(err error) error {
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid {
		return err
	}
	f := errs.Fields{}
	for k, m := range e.Fields {
		if strings.HasPrefix(k, "contacts[") {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(k, "contacts["), "]"))
			f.Add("contacts", fmt.Sprintf("address %d %s", n+1, m))
			continue
		}
		f.Add(k, m)
	}
	return f.Err()
}
