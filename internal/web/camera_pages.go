package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The Cameras menu (R8): the list with its filters, registering a camera,
// and a camera's page where it is renamed, assigned to a customer with a
// plan, moved, unassigned, switched off and on, deleted, and its recordings
// of the last day played back. Choosing a customer reloads the page with
// ?customer=ID, so the plan list is that customer's without any script.

const camerasPerPage = 50

// customerChoice is one customer in a select, with where it sits.
type customerChoice struct {
	ID   int64
	Name string
}

// planChoice is one plan a customer may record on.
type planChoice struct {
	ID      int64
	Name    string
	Retired bool // listed only for the camera already on it
}

// customersBelow lists the customer accounts in the actor's subtree (the
// actor's own account when it is a customer), for filters and assignment.
func (p *Portal) customersBelow(ctx context.Context, q *req) ([]customerChoice, error) {
	if q.Account.Type == tenancy.Customer {
		return []customerChoice{{ID: q.Account.ID, Name: q.Account.Name}}, nil
	}
	items, _, _, err := p.App.ListAccounts(ctx, q.Actor, app.AccountListInput{Type: string(tenancy.Customer), Sort: "name",
		Page: store.Page{Page: 1, PerPage: store.MaxPerPage}})
	if err != nil {
		return nil, err
	}
	out := make([]customerChoice, len(items))
	for i, a := range items {
		out[i] = customerChoice{ID: a.ID, Name: a.Name}
	}
	return out, nil
}

// customerPlans lists the plans customerID may record on: the offers its
// parent made it that are switched on. The assignment itself checks again
// (app.checkAssignment), so this list only guides the choice.
func (p *Portal) customerPlans(ctx context.Context, q *req, customerID int64) ([]planChoice, error) {
	offers, _, _, err := p.App.ChildPlans(ctx, q.Actor, customerID, app.PlanListInput{Page: store.Page{Page: 1, PerPage: store.MaxPerPage}})
	if err != nil {
		return nil, err
	}
	var out []planChoice
	for _, o := range offers {
		if o.Offered && o.Offer.Selected && o.Offer.Visible {
			out = append(out, planChoice{ID: o.Parent.ID, Name: o.Offer.Name, Retired: o.Parent.Retired})
		}
	}
	return out, nil
}

// cameraRow is one camera in the list, with its status in words.
type cameraRow struct {
	app.CameraView
	Customer string
	Words    string
}

// statusWords says what a camera is doing, in one line a person can act on.
func statusWords(s app.CameraStatus, loc *time.Location) string {
	var parts []string
	switch {
	case s.Recording:
		parts = append(parts, "Recording")
	case s.Online:
		parts = append(parts, "Online, not recording")
	case s.State == camera.StateOffline:
		parts = append(parts, "Offline")
	}
	if s.BitrateKbps > 0 {
		parts = append(parts, strconv.Itoa(s.BitrateKbps)+" kbit/s")
	}
	if s.LastSegmentAt != nil {
		parts = append(parts, "last segment "+clockText(*s.LastSegmentAt, loc))
	} else {
		parts = append(parts, "nothing recorded yet")
	}
	if s.LastError != "" {
		parts = append(parts, s.LastError)
	}
	return strings.Join(parts, " · ")
}

type camerasData struct {
	Rows        []cameraRow
	Pager       pager
	Filter      string // "", "unassigned" or "customer"
	CustomerID  int64
	Customers   []customerChoice
	Q           string
	CanRegister bool
}

func (p *Portal) camerasPage(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	qs := r.URL.Query()
	d := camerasData{Q: strings.TrimSpace(qs.Get("q")), CanRegister: q.Account.Type == tenancy.Integrator}
	in := app.CameraListInput{Q: d.Q, Page: store.Page{Page: atoiDefault(qs.Get("page"), 1), PerPage: camerasPerPage}}
	switch f := qs.Get("filter"); {
	case f == "unassigned":
		d.Filter, in.Unassigned = f, true
	case qs.Get("customer") != "":
		id, err := strconv.ParseInt(qs.Get("customer"), 10, 64)
		if err != nil || id <= 0 {
			return errNotFound
		}
		d.Filter, d.CustomerID, in.CustomerID = "customer", id, id
	}
	items, total, pg, err := p.App.ListCameras(ctx, q.Actor, in)
	if err != nil {
		return err
	}
	if d.Customers, err = p.customersBelow(ctx, q); err != nil {
		return err
	}
	names := map[int64]string{}
	for _, c := range d.Customers {
		names[c.ID] = c.Name
	}
	for _, it := range items {
		row := cameraRow{CameraView: it, Words: statusWords(it.Status, accountZone(q))}
		if it.CustomerID != 0 {
			row.Customer = names[it.CustomerID]
			if row.Customer == "" {
				row.Customer = "#" + itoa64(it.CustomerID)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	base := url.Values{}
	if d.Q != "" {
		base.Set("q", d.Q)
	}
	if d.Filter == "unassigned" {
		base.Set("filter", "unassigned")
	} else if d.CustomerID != 0 {
		base.Set("customer", itoa64(d.CustomerID))
	}
	d.Pager = newPager(total, pg.Page, pg.PerPage, base, "/cameras")
	p.render(w, r, q, http.StatusOK, "camera_list", "Cameras", "cameras", d)
	return nil
}

// cameraFormData serves the registration form and the assignment form of
// a camera's page: the customers to choose from and, once one is chosen,
// its plans.
type cameraFormData struct {
	Customers []customerChoice
	Customer  customerChoice // chosen; ID 0: none
	Plans     []planChoice
	Stranger  bool // the chosen id is not a customer below the actor
}

func (p *Portal) cameraChoices(ctx context.Context, q *req, customerID int64) (cameraFormData, error) {
	var d cameraFormData
	var err error
	if d.Customers, err = p.customersBelow(ctx, q); err != nil {
		return d, err
	}
	if customerID == 0 {
		return d, nil
	}
	for _, c := range d.Customers {
		if c.ID == customerID {
			d.Customer = c
		}
	}
	if d.Customer.ID == 0 {
		d.Stranger = true
		return d, nil
	}
	if q.Account.Type == tenancy.Customer {
		return d, nil // a customer assigns nothing
	}
	d.Plans, err = p.customerPlans(ctx, q, customerID)
	return d, err
}

type newCameraData struct {
	cameraFormData
	CanRegister bool
}

func formID(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func (p *Portal) cameraNewPage(w http.ResponseWriter, r *http.Request, q *req) error {
	qs := r.URL.Query()
	form := url.Values{"type": {string(camera.Generic)}}
	if t := qs.Get("type"); camera.Type(t).Valid() {
		form.Set("type", t)
	}
	if c := qs.Get("customer"); c != "" {
		form.Set("customer_id", c)
	}
	return p.showNewCamera(w, r, q, form, nil)
}

func (p *Portal) showNewCamera(w http.ResponseWriter, r *http.Request, q *req, form url.Values, ferr error) error {
	d := newCameraData{CanRegister: q.Account.Type == tenancy.Integrator}
	var err error
	if d.cameraFormData, err = p.cameraChoices(r.Context(), q, formID(form.Get("customer_id"))); err != nil {
		return err
	}
	if d.Stranger && ferr == nil {
		ferr = errs.Field("customer_id", "no such customer")
	}
	p.renderForm(w, r, q, "camera_new", "Register camera", "cameras", d, form, ferr)
	return nil
}

// newCameraFields are the registration fields shown back after a refusal;
// passwords and claim codes never are.
var newCameraFields = []string{"type", "name", "rtsp_url", "sub_rtsp_url", "username", "onvif.address", "onvif.username", "pnp.device_id",
	"customer_id", "plan_id"}

func (p *Portal) cameraNewSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	f := r.PostForm
	in := app.RegisterCameraInput{NewCamera: camera.NewCamera{Type: camera.Type(f.Get("type")), Name: f.Get("name")}}
	switch in.Type {
	case camera.Generic:
		in.RTSPURL, in.Username, in.Password = f.Get("rtsp_url"), f.Get("username"), f.Get("password")
		in.SubStreamURL = f.Get("sub_rtsp_url")
	case camera.ONVIF:
		in.ONVIF = &camera.ONVIFInput{Address: f.Get("onvif.address"), Username: f.Get("onvif.username"), Password: f.Get("onvif.password")}
	case camera.PnP:
		in.PnP = &camera.PnPInput{DeviceID: f.Get("pnp.device_id"), ClaimCode: f.Get("pnp.claim_code")}
	}
	bad := errs.Fields{}
	if s := f.Get("customer_id"); s != "" {
		if in.CustomerID = formID(s); in.CustomerID == 0 {
			bad.Add("customer_id", "choose a customer")
		}
	}
	if s := f.Get("plan_id"); s != "" {
		if in.PlanID = formID(s); in.PlanID == 0 {
			bad.Add("plan_id", "choose a plan")
		}
	}
	err := bad.Err()
	var v app.CameraView
	if err == nil {
		v, err = p.App.RegisterCamera(r.Context(), q.Actor, in)
	}
	if err != nil {
		if k := errs.KindOf(err); k == errs.NotFound || k == errs.Internal {
			return err
		}
		form := url.Values{}
		for _, k := range newCameraFields {
			form.Set(k, f.Get(k))
		}
		return p.showNewCamera(w, r, q, form, err)
	}
	msg := "Camera " + v.Name + " registered."
	if !v.Type.Connectable() {
		msg += " It waits as pending until the " + string(v.Type) + " connector is available."
	} else if v.Type == camera.ONVIF {
		msg += " The server is asking the device for its stream; the status below says when it is online or why not."
	}
	if v.Type == camera.PnP {
		msg += " Run `vigilo agent --device-id " + v.DeviceID + " --claim-code … --camera NAME=rtsp://…` on the camera's network: it is pending until the agent claims it."
	}
	return p.redirect(w, r, "/cameras/"+itoa64(v.ID), msg)
}

// cameraData is a camera's page.
type cameraData struct {
	cameraFormData
	Cam        app.CameraView
	Words      string
	Managed    bool // the actor may assign, move and delete it
	CustName   string
	PlanName   string
	Integrator string
	Spans      []spanRow
	SpansNote  string // why recordings are not listed
	Play       *playView
	Confirm    bool // the delete confirmation as a page (without script)
}

type spanRow struct {
	Start, End time.Time
	Length     string
	Bytes      int64
	Play       string // link to this page playing the span
}

type playView struct {
	Src, Label string
}

func (p *Portal) cameraPage(w http.ResponseWriter, r *http.Request, q *req) error {
	form := url.Values{}
	if c := r.URL.Query().Get("customer"); c != "" {
		form.Set("customer_id", c)
	}
	return p.showCamera(w, r, q, form, nil)
}

func (p *Portal) showCamera(w http.ResponseWriter, r *http.Request, q *req, form url.Values, ferr error) error {
	ctx := r.Context()
	id, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	v, err := p.App.Camera(ctx, q.Actor, id)
	if err != nil {
		return err
	}
	d := &cameraData{Cam: v, Words: statusWords(v.Status, accountZone(q)), Managed: v.ManagedBy(q.Actor)}
	if d.Managed {
		chosen := formID(form.Get("customer_id"))
		if chosen == 0 && !form.Has("customer_id") {
			chosen = v.CustomerID
		}
		if d.cameraFormData, err = p.cameraChoices(ctx, q, chosen); err != nil {
			return err
		}
		if d.Stranger && ferr == nil {
			ferr = errs.Field("customer_id", "no such customer")
		}
		if !form.Has("plan_id") && chosen == v.CustomerID {
			form.Set("plan_id", itoa64(v.PlanID))
		}
		form.Set("customer_id", itoa64(chosen))
		if integ, err := p.App.Account(ctx, q.Actor, v.IntegratorID); err == nil {
			d.Integrator = integ.Name
		}
	}
	if v.CustomerID != 0 {
		if cust, err := p.App.Account(ctx, q.Actor, v.CustomerID); err == nil {
			d.CustName = cust.Name
		} else if errs.KindOf(err) != errs.NotFound {
			return err
		}
		d.PlanName = p.planName(ctx, q, v.CustomerID, v.PlanID, d.cameraFormData)
	}
	if !form.Has("name") {
		form.Set("name", v.Name)
	}
	d.Confirm = r.URL.Query().Get("confirm") == "delete" && d.Managed
	p.cameraRecordings(r, q, d)
	p.renderForm(w, r, q, "camera", v.Name, "cameras", d, form, ferr)
	return nil
}

// planName names the camera's plan as its customer's offer calls it.
func (p *Portal) planName(ctx context.Context, q *req, customerID, planID int64, fd cameraFormData) string {
	plans := fd.Plans
	if customerID == q.Account.ID {
		// A customer's own admins name it from their own plans: they may
		// not read the offers their provider made them.
		return p.ownPlanName(ctx, q, planID)
	}
	if fd.Customer.ID != customerID {
		plans, _ = p.customerPlans(ctx, q, customerID)
	}
	for _, pl := range plans {
		if pl.ID == planID {
			return pl.Name
		}
	}
	return p.ownPlanName(ctx, q, planID)
}

// ownPlanName is a plan's name among the plans the actor's account may use,
// or "a plan" when it is not one of them (never a bare id).
func (p *Portal) ownPlanName(ctx context.Context, q *req, planID int64) string {
	for page := 1; page <= 50; page++ {
		items, total, pg, err := p.App.MyPlans(ctx, q.Actor, app.PlanListInput{Page: store.Page{Page: page, PerPage: store.MaxPerPage}})
		if err != nil {
			break
		}
		for _, it := range items {
			if it.ID == planID {
				return it.Name
			}
		}
		if page*pg.PerPage >= total {
			break
		}
	}
	return "a plan"
}

// cameraRecordings fills the Recordings section: the spans of the last 24
// hours, and the player when ?play=<unix ms>&dur=<seconds> asks for one.
func (p *Portal) cameraRecordings(r *http.Request, q *req, d *cameraData) {
	now := p.App.Now().UTC()
	spans, err := p.App.CameraRecordings(r.Context(), q.Actor, d.Cam.ID, now.Add(-24*time.Hour), now)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Kind != errs.Internal {
			d.SpansNote = e.Message
		} else {
			p.Log.Error("camera recordings", "camera", d.Cam.ID, "err", err)
			d.SpansNote = "The recordings could not be listed just now; try again in a moment."
		}
		return
	}
	base := "/cameras/" + itoa64(d.Cam.ID)
	for i := len(spans) - 1; i >= 0; i-- { // newest first
		s := spans[i]
		dur := s.End.Sub(s.Start)
		play := dur
		if play > app.MaxPlayback {
			play = app.MaxPlayback
		}
		secs := int64((play + time.Second - 1) / time.Second)
		d.Spans = append(d.Spans, spanRow{Start: s.Start, End: s.End, Length: durationText(dur), Bytes: s.Bytes,
			Play: fmt.Sprintf("%s?play=%d&dur=%d#player", base, s.Start.UnixMilli(), secs)})
	}
	qs := r.URL.Query()
	if ms, err := strconv.ParseInt(qs.Get("play"), 10, 64); err == nil && ms > 0 {
		secs := atoiDefault(qs.Get("dur"), 60)
		if secs < 1 || time.Duration(secs)*time.Second > app.MaxPlayback {
			secs = int(app.MaxPlayback / time.Second)
		}
		start := time.UnixMilli(ms)
		d.Play = &playView{
			Src:   fmt.Sprintf("/api/v1/cameras/%d/playback?start=%d&duration=%d", d.Cam.ID, ms, secs),
			Label: clockText(start, accountZone(q)) + " for " + durationText(time.Duration(secs)*time.Second),
		}
	}
}

// durationText is a span's length as people say it.
func durationText(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d h %02d min", h, m)
	case m > 0:
		return fmt.Sprintf("%d min %02d s", m, s)
	}
	return fmt.Sprintf("%d s", s)
}

// cameraAction handles the forms of a camera's page.
func (p *Portal) cameraAction(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	id, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	f := r.PostForm
	back := "/cameras/" + itoa64(id)
	var patch camera.Patch
	var msg string
	switch r.PathValue("action") {
	case "rename":
		name := f.Get("name")
		patch.Name, msg = &name, "Camera renamed."
	case "assign":
		bad := errs.Fields{}
		cust, plan := formID(f.Get("customer_id")), formID(f.Get("plan_id"))
		if cust == 0 {
			bad.Add("customer_id", "choose a customer")
		}
		if plan == 0 {
			bad.Add("plan_id", "choose a plan")
		}
		if err := bad.Err(); err != nil {
			return p.cameraRefused(w, r, q, id, f, err)
		}
		patch = camera.Patch{CustomerSet: true, CustomerID: cust, PlanSet: true, PlanID: plan}
		msg = "Camera assigned. It records on the chosen plan unless it is switched off."
	case "unassign":
		patch = camera.Patch{CustomerSet: true, PlanSet: true}
		msg = "Camera unassigned: it no longer records. Its recordings stay until they expire."
	case "off", "on":
		on := r.PathValue("action") == "on"
		patch.Enabled = &on
		if on {
			msg = "Camera switched on: live view and recording resume."
		} else {
			msg = "Camera switched off: no live view and no new recording. Its recordings stay viewable."
		}
	case "delete":
		v, err := p.App.Camera(ctx, q.Actor, id)
		if err != nil {
			return err
		}
		if err := p.App.DeleteCamera(ctx, q.Actor, id); err != nil {
			if k := errs.KindOf(err); k == errs.NotFound || k == errs.Internal {
				return err
			}
			return p.cameraRefused(w, r, q, id, f, err)
		}
		return p.redirect(w, r, "/cameras", "Camera "+v.Name+" and its recordings have been deleted.")
	default:
		return errNotFound
	}
	if _, err := p.App.UpdateCamera(ctx, q.Actor, id, patch); err != nil {
		if k := errs.KindOf(err); k == errs.NotFound || k == errs.Internal {
			return err
		}
		return p.cameraRefused(w, r, q, id, f, err)
	}
	return p.redirect(w, r, back, msg)
}

// cameraRefused shows the camera's page again with the form's values and
// the reasons next to the fields.
func (p *Portal) cameraRefused(w http.ResponseWriter, r *http.Request, q *req, id int64, f url.Values, err error) error {
	form := url.Values{}
	for _, k := range []string{"name", "customer_id", "plan_id"} {
		if f.Has(k) {
			form.Set(k, f.Get(k))
		}
	}
	return p.showCamera(w, r, q, form, err)
}
