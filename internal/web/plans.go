package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Plans in the portal (R4): the wizard's plans step, an account's Plans tab
// and "Customer subscription plans" (my own offers), thin over app/plans.go.

// availablePlans lists every plan parent may offer a new child, as wizard
// rows with the defaults the child would get; ok is false when there are
// none (the wizard then has no plans step).
func (p *Portal) availablePlans(ctx context.Context, q *req, parent tenancy.Account) (rows []planRow, ok bool, err error) {
	for page := 1; ; page++ {
		list, total, pg, err := p.App.OfferablePlans(ctx, q.Actor, parent.ID, app.PlanListInput{Page: store.Page{Page: page, PerPage: store.MaxPerPage}})
		if err != nil {
			return nil, false, err
		}
		for _, c := range list {
			r := planRow{ID: c.Parent.ID, MyName: c.Parent.Name, Kind: string(c.Parent.Kind), Retention: c.Parent.RetentionDays,
				Mode: string(c.Parent.RecordingMode), DefaultPrice: c.Offer.Cost.String(),
				DefaultEUP: billing.ChildEndUserPrice(c.Offer.Cost).String()}
			num, den := billing.DefaultMarkup[0], billing.DefaultMarkup[1]
			r.Markup = strconv.FormatInt(num, 10) + "/" + strconv.FormatInt(den, 10)
			if c.Parent.Cost != nil {
				r.MyCost = c.Parent.Cost.String()
			}
			rows = append(rows, r)
		}
		if len(list) == 0 || page*pg.PerPage >= total {
			break
		}
	}
	return rows, len(rows) > 0, nil
}

// planSelection is one wizard row for app.CreateAccount: what the child
// pays per camera-month and, for a sub-integrator, its starting end-user
// price (which it may change later; its cost it may not). A customer
// resells nothing: its end-user price is its price.
func planSelection(typ tenancy.Type, pl, st planRow) app.PlanSelection {
	price := strings.TrimSpace(st.Price)
	eu := &price
	if typ == tenancy.Integrator {
		v := strings.TrimSpace(st.EUP)
		eu = &v
		if st.EUPIsAuto {
			eu = nil // untouched: the app marks up the chosen price
		}
	}
	return app.PlanSelection{PlanID: pl.ID, Selected: st.On, Visible: true, Name: strings.TrimSpace(st.Name), Cost: &price, EndUserPrice: eu}
}

// planErrors moves the app's row-indexed plan errors ("plans[3].cost") onto
// the wizard's row fields.
func planErrors(err error, plans []planRow) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := &errs.Error{Kind: e.Kind, Code: e.Code, Message: e.Message, Fields: map[string]string{}, Err: e.Err}
	for k, v := range e.Fields {
		var i int
		var sub string
		if n, _ := parsePlanField(k, &i, &sub); n == 2 && i >= 0 && i < len(plans) {
			key := "plan_" + itoa64(plans[i].ID)
			switch sub {
			case "name":
				out.Fields[key+"_name"] = v
			case "end_user_price":
				out.Fields[key+"_eup"] = v
			default:
				out.Fields[key+"_price"] = v
			}
			continue
		}
		out.Fields[k] = v
	}
	return out
}

// myPlansData is "Customer subscription plans": the plans my account may
// use, with my names and end-user prices, which I may change.
type myPlansData struct {
	Items []billing.OfferView
	Pager pager
	Root  bool
	// Customer: a leaf sees its plans by name only, with nothing of the
	// reselling above it and nothing to edit.
	Customer bool
	ErrPlan  int64 // the plan whose form was refused
	ErrName  string
	Rows     map[int64]myPlanRow // the editable values by plan id
	// Copying a fixed plan for my direct sub-integrators (integrators only).
	CanCopy bool
	Fixed   []billing.OfferView
	SubInts []tenancy.Account
	CopyTo  map[int64]bool // ticked in a refused copy form
}

// myPlanRow is what a row's inputs show: the stored values, or a refused
// submit's.
type myPlanRow struct {
	Name, Price, Was  string
	NameErr, PriceErr string
}

func (p *Portal) myPlansPage(w http.ResponseWriter, r *http.Request, q *req) error {
	return p.showMyPlans(w, r, q, 0, nil)
}

func (p *Portal) showMyPlans(w http.ResponseWriter, r *http.Request, q *req, errPlan int64, ferr error) error {
	return p.showMyPlansForm(w, r, q, errPlan, url.Values{}, ferr)
}

// showMyPlansForm renders the page; a refused batch's form values replace
// the stored ones, so no edit is lost.
func (p *Portal) showMyPlansForm(w http.ResponseWriter, r *http.Request, q *req, errPlan int64, form url.Values, ferr error) error {
	page := atoiDefault(r.URL.Query().Get("page"), 1)
	items, total, pg, err := p.App.MyPlans(r.Context(), q.Actor, app.PlanListInput{Page: store.Page{Page: page, PerPage: 25}})
	if err != nil {
		return err
	}
	d := myPlansData{Items: items, Root: q.Actor.IsOperator(), Customer: q.Account.Type == tenancy.Customer,
		Pager: newPager(total, pg.Page, pg.PerPage, url.Values{}, "/plans"), ErrPlan: errPlan}
	for _, it := range items {
		id := itoa64(it.ID)
		row := myPlanRow{Name: it.Name, Price: it.EndUserPrice.String()}
		row.Was = rowPrint(row.Name, row.Price, false)
		if form.Has("name-" + id) {
			row.Name, row.Price, row.Was = form.Get("name-"+id), form.Get("end_user_price-"+id), form.Get("was-"+id)
		}
		if e, ok := errs.As(ferr); ok {
			row.NameErr, row.PriceErr = e.Fields["plans["+id+"].name"], e.Fields["plans["+id+"].end_user_price"]
		}
		if d.Rows == nil {
			d.Rows = map[int64]myPlanRow{}
		}
		d.Rows[it.ID] = row
	}
	for _, it := range items {
		if it.ID == errPlan {
			d.ErrName = it.Name
		}
	}
	if q.Account.Type == tenancy.Integrator && q.Actor.Admin {
		for _, it := range items {
			if it.Kind == billing.Fixed && it.Cost != nil {
				d.Fixed = append(d.Fixed, it) // a plan from my provider: my own plans are offered directly
			}
		}
		subs, _, _, err := p.App.ListAccounts(r.Context(), q.Actor, app.AccountListInput{ParentID: q.Account.ID, Type: string(tenancy.Integrator),
			Page: store.Page{Page: 1, PerPage: store.MaxPerPage}})
		if err != nil {
			return err
		}
		d.SubInts, d.CopyTo = subs, map[int64]bool{}
		d.CanCopy = len(d.Fixed) > 0 && len(subs) > 0
		for _, v := range form["copy_accounts"] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				d.CopyTo[id] = true
			}
		}
	}
	title := "Customer subscription plans"
	if d.Customer {
		title = "Plans"
	}
	p.renderForm(w, r, q, "plans", title, "plans", d, form, ferr)
	return nil
}

func (p *Portal) myPlanSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "plan")
	if err != nil {
		return err
	}
	name := r.PostFormValue("name")
	patch := billing.MyOfferPatch{Name: &name}
	price, perr := money.Parse(r.PostFormValue("end_user_price"))
	if perr != nil {
		return p.showMyPlans(w, r, q, id, errs.Field("end_user_price", perr.Error()))
	}
	patch.EndUserPrice = &price
	if _, err := p.App.UpdateMyOffer(r.Context(), q.Actor, id, patch); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return p.showMyPlans(w, r, q, id, err)
	}
	return p.redirect(w, r, "/plans", "Plan “"+strings.TrimSpace(name)+"” saved.")
}

// myPlansSubmit saves every changed row of "Customer subscription plans"
// at once: one form, one transaction; a refused row keeps every edit on the
// page with its error beside it.
func (p *Portal) myPlansSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	f := r.PostForm
	rows := map[int64]billing.MyOfferPatch{}
	bad := errs.Fields{}
	for _, s := range f["plan"] {
		planID, err := strconv.ParseInt(s, 10, 64)
		if err != nil || planID <= 0 {
			bad.Add("plan", "must be a plan id")
			continue
		}
		name, price := f.Get("name-"+s), f.Get("end_user_price-"+s)
		if rowPrint(name, price, false) == f.Get("was-"+s) {
			continue // unchanged
		}
		patch := billing.MyOfferPatch{Name: &name}
		if v, perr := money.Parse(price); perr != nil {
			bad.Add("plans["+s+"].end_user_price", perr.Error())
		} else {
			patch.EndUserPrice = &v
		}
		rows[planID] = patch
	}
	err := bad.Err()
	if err == nil && len(rows) == 0 {
		return p.redirect(w, r, "/plans", "Nothing was changed.")
	}
	if err == nil {
		err = p.App.UpdateMyOffers(r.Context(), q.Actor, rows)
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			return err
		}
		return p.showMyPlansForm(w, r, q, 0, f, err)
	}
	return p.redirect(w, r, "/plans", plural(len(rows), "plan")+" saved.")
}

// newPlanSubmit adds a plan to the operator's catalogue from the form
// under "Customer subscription plans" (operator administrators only, like
// POST /api/v1/plans); errors show next to the form's fields.
func (p *Portal) newPlanSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	f := r.PostForm
	bad := errs.Fields{}
	num := func(field string) int {
		v := strings.TrimSpace(f.Get(field))
		if v == "" && field == "max_bitrate_kbps" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			bad.Add(field, "must be a whole number")
		}
		return n
	}
	n := billing.NewPlan{Name: f.Get("name"), Kind: billing.Kind(f.Get("kind")), RecordingMode: billing.RecordingMode(f.Get("recording_mode")),
		RetentionDays: num("retention_days"), MaxBitrateKbps: num("max_bitrate_kbps")}
	if v, err := money.Parse(f.Get("price")); err != nil {
		bad.Add("price", err.Error())
	} else {
		n.Price = v
	}
	// Every field's problem at once: the plan's own checks beside the
	// form's parsing.
	if e, ok := errs.As(n.Validate()); ok {
		for k, v := range e.Fields {
			if !bad.Has(k) {
				bad.Add(k, v)
			}
		}
	}
	err := bad.Err()
	if err == nil {
		_, err = p.App.CreatePlan(r.Context(), q.Actor, n)
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			return err
		}
		return p.showMyPlansForm(w, r, q, 0, f, err)
	}
	return p.redirect(w, r, "/plans", "Plan “"+strings.TrimSpace(n.Name)+"” added.")
}

// copyPlanSubmit copies a fixed plan for some of my direct
// sub-integrators (R4, like POST /api/v1/plans/{id}/copies): the cost they
// pay me and their default end-user price; errors beside the copy form.
func (p *Portal) copyPlanSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	f := r.PostForm
	bad := errs.Fields{}
	in := billing.CopyInput{Name: f.Get("copy_name")}
	planID, err := strconv.ParseInt(f.Get("copy_plan"), 10, 64)
	if err != nil || planID <= 0 {
		bad.Add("copy_plan", "choose a fixed plan to copy")
	}
	for k, dst := range map[string]**money.Amount{"copy_cost": &in.Cost, "copy_end_user_price": &in.EndUserPrice} {
		v := strings.TrimSpace(f.Get(k))
		if v == "" {
			continue
		}
		a, perr := money.Parse(v)
		if perr != nil {
			bad.Add(k, perr.Error())
			continue
		}
		*dst = &a
	}
	for _, s := range f["copy_accounts"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			bad.Add("copy_accounts", "must be account ids")
			continue
		}
		in.AccountIDs = append(in.AccountIDs, id)
	}
	err = bad.Err()
	if err == nil {
		_, err = p.App.CopyPlan(r.Context(), q.Actor, planID, in)
	}
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			err = errs.Field("copy_plan", "choose a fixed plan to copy")
		}
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			return err
		}
		// The app names the copy's fields without the form's prefix.
		if e, ok := errs.As(err); ok {
			fields := map[string]string{}
			for k, v := range e.Fields {
				switch {
				case k == "name" || k == "cost" || k == "end_user_price" || k == "kind" || k == "plan_id":
					k = map[string]string{"name": "copy_name", "cost": "copy_cost", "end_user_price": "copy_end_user_price", "kind": "copy_plan", "plan_id": "copy_plan"}[k]
				case strings.HasPrefix(k, "account_ids"):
					k = "copy_accounts"
				}
				fields[k] = v
			}
			e.Fields = fields
		}
		return p.showMyPlansForm(w, r, q, 0, f, err)
	}
	return p.redirect(w, r, "/plans", "Plan “"+strings.TrimSpace(in.Name)+"” copied for "+plural(len(in.AccountIDs), "sub-integrator")+".")
}

// accountPlans is an account's Plans tab.
type accountPlans struct {
	Rows  []childPlanRow
	Self  bool
	Empty string
}

type childPlanRow struct {
	PlanID                     int64
	Name, Kind, Mode           string
	Retention                  int
	Selected, Offered, Retired bool
	Cost, EndUserPrice, Price  string
	Was                        string // the row as shown (rowPrint): only rows that differ on submit are saved
	NameErr, CostErr           string
}

// rowPrint fingerprints a row's editable values, so the Plans tab's one
// Save writes exactly the rows that were changed.
func rowPrint(name, cost string, selected bool) string {
	return strconv.Quote(name) + " " + strconv.Quote(cost) + " " + strconv.FormatBool(selected)
}

func (p *Portal) accountPlans(r *http.Request, q *req, acct tenancy.Account, self bool) (*accountPlans, error) {
	ap := &accountPlans{Self: self}
	if self {
		items, _, _, err := p.App.MyPlans(r.Context(), q.Actor, app.PlanListInput{Page: store.Page{Page: 1, PerPage: store.MaxPerPage}})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			row := childPlanRow{PlanID: it.ID, Name: it.Name, Kind: string(it.Kind), Mode: string(it.RecordingMode), Retention: it.RetentionDays,
				Selected: it.Selected, EndUserPrice: it.EndUserPrice.String(), Price: it.EndUserPrice.String(), Retired: it.Retired}
			if it.Cost != nil {
				row.Cost, row.Price = it.Cost.String(), it.Cost.String()
			}
			ap.Rows = append(ap.Rows, row)
		}
		return ap, nil
	}
	list, _, _, err := p.App.ChildPlans(r.Context(), q.Actor, acct.ID, app.PlanListInput{Page: store.Page{Page: 1, PerPage: store.MaxPerPage}})
	if errs.KindOf(err) == errs.Forbidden {
		ap.Empty = "Only accounts above " + acct.Name + " set its plans."
		return ap, nil
	}
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		row := childPlanRow{PlanID: c.Parent.ID, Name: c.Offer.Name, Kind: string(c.Parent.Kind), Mode: string(c.Parent.RecordingMode),
			Retention: c.Parent.RetentionDays, Selected: c.Offered && c.Offer.Selected, Offered: c.Offered, Retired: c.Parent.Retired,
			Cost: c.Offer.Cost.String(), EndUserPrice: c.Offer.EndUserPrice.String()}
		row.Was = rowPrint(row.Name, row.Cost, row.Selected)
		ap.Rows = append(ap.Rows, row)
	}
	return ap, nil
}

// keepEdits shows a refused submit's values instead of the stored ones, with
// each row's errors beside it, so that no edit is lost.
func (ap *accountPlans) keepEdits(form url.Values, fieldErrs map[string]string) {
	for i := range ap.Rows {
		r := &ap.Rows[i]
		id := strconv.FormatInt(r.PlanID, 10)
		if !form.Has("name-" + id) {
			continue
		}
		r.Name, r.Cost, r.Selected = form.Get("name-"+id), form.Get("cost-"+id), lastValue(form, "selected-"+id) == "1"
		r.Was = form.Get("was-" + id)
		r.NameErr, r.CostErr = fieldErrs["plans["+id+"].name"], fieldErrs["plans["+id+"].cost"]
	}
}

// childPlansSubmit saves every changed row of an account's Plans tab at
// once (one form, one transaction): a row's edit is never lost to another
// row's Save.
func (p *Portal) childPlansSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	rows := map[int64]billing.OfferPatch{}
	bad := errs.Fields{}
	for _, s := range f["plan"] {
		planID, err := strconv.ParseInt(s, 10, 64)
		if err != nil || planID <= 0 {
			bad.Add("plan", "must be a plan id")
			continue
		}
		sel, name, cost := lastValue(f, "selected-"+s) == "1", f.Get("name-"+s), f.Get("cost-"+s)
		if rowPrint(name, cost, sel) == f.Get("was-"+s) {
			continue // unchanged
		}
		patch := billing.OfferPatch{Selected: &sel, Name: &name}
		if c, perr := money.Parse(cost); perr != nil {
			bad.Add("plans["+s+"].cost", perr.Error())
		} else {
			patch.Cost = &c
		}
		rows[planID] = patch
	}
	err = bad.Err()
	if err == nil && len(rows) == 0 {
		return p.redirect(w, r, "/accounts/"+itoa64(id)+"/plans", "Nothing was changed.")
	}
	if err == nil {
		err = p.App.SetChildOffers(r.Context(), q.Actor, id, rows)
	}
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return p.showAccount(w, r, q, id, "plans", "customers", f, err)
	}
	return p.redirect(w, r, "/accounts/"+itoa64(id)+"/plans", plural(len(rows), "plan")+" saved for this account.")
}

func (p *Portal) childPlanSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	planID, err := pathID(r, "plan")
	if err != nil {
		return err
	}
	f := r.PostForm
	sel := lastValue(f, "selected") == "1"
	name := f.Get("name")
	patch := billing.OfferPatch{Selected: &sel, Name: &name}
	cost, perr := money.Parse(f.Get("cost"))
	if perr != nil {
		return p.showAccount(w, r, q, id, "plans", "customers", url.Values{}, errs.Field("cost", perr.Error()))
	}
	patch.Cost = &cost
	if _, err := p.App.SetChildOffer(r.Context(), q.Actor, id, planID, patch); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		return p.showAccount(w, r, q, id, "plans", "customers", url.Values{}, err)
	}
	return p.redirect(w, r, "/accounts/"+itoa64(id)+"/plans", "Plan saved for this account.")
}

func lastValue(f url.Values, k string) string {
	v := f[k]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}
