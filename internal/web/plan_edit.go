package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
)

// The owner's page for one of its plans (the operator's catalogue or an
// integrator's copy): name, price, retention and maximum bitrate, and
// Retire / Put back in service. Thin over app.EditPlan.

type planEditData struct {
	Plan billing.OfferView
}

func (p *Portal) planEditPage(w http.ResponseWriter, r *http.Request, q *req) error {
	return p.showPlanEdit(w, r, q, nil, nil)
}

// showPlanEdit renders the form with the stored values, or a refused
// submit's (form) with each error beside its field.
func (p *Portal) showPlanEdit(w http.ResponseWriter, r *http.Request, q *req, form url.Values, ferr error) error {
	id, err := pathID(r, "plan")
	if err != nil {
		return err
	}
	v, err := p.App.MyPlan(r.Context(), q.Actor, id)
	if err != nil {
		return err
	}
	if !v.Own {
		return errNotFound // others change their name and price on the Plans page
	}
	if form == nil {
		form = url.Values{"name": {v.Name}, "price": {v.EndUserPrice.String()},
			"retention_days": {strconv.Itoa(v.RetentionDays)}, "max_bitrate_kbps": {strconv.Itoa(v.MaxBitrateKbps)}}
	}
	p.renderForm(w, r, q, "plan_edit", "Plan “"+v.Name+"”", "plans", &planEditData{Plan: v}, form, ferr)
	return nil
}

// planEditSubmit saves the form: every field is read and checked, and the
// plan is written only when all are good.
func (p *Portal) planEditSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "plan")
	if err != nil {
		return err
	}
	f := r.PostForm
	bad := errs.Fields{}
	num := func(field string) *int {
		v := strings.TrimSpace(f.Get(field))
		if v == "" && field == "max_bitrate_kbps" {
			v = "0"
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			bad.Add(field, "must be a whole number")
			return nil
		}
		return &n
	}
	name := f.Get("name")
	e := billing.PlanEdit{Name: &name, RetentionDays: num("retention_days"), MaxBitrateKbps: num("max_bitrate_kbps")}
	if v, err := money.Parse(f.Get("price")); err != nil {
		bad.Add("price", err.Error())
	} else {
		e.Price = &v
	}
	// The plan's own checks beside the form's parsing: every problem at once.
	check := e
	if ve, ok := errs.As(check.Validate()); ok {
		for k, v := range ve.Fields {
			if !bad.Has(k) {
				bad.Add(k, v)
			}
		}
	}
	err = bad.Err()
	if err == nil {
		_, err = p.App.EditPlan(r.Context(), q.Actor, id, e)
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			return err
		}
		return p.showPlanEdit(w, r, q, f, err)
	}
	return p.redirect(w, r, "/plans", "Plan “"+strings.TrimSpace(name)+"” saved.")
}

// planRetireSubmit retires the plan (retired=1) or puts it back in service
// (retired=0).
func (p *Portal) planRetireSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "plan")
	if err != nil {
		return err
	}
	retired := r.PostFormValue("retired") == "1"
	v, err := p.App.EditPlan(r.Context(), q.Actor, id, billing.PlanEdit{Retired: &retired})
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			return err
		}
		return p.showPlanEdit(w, r, q, nil, err)
	}
	msg := "Plan “" + v.Name + "” retired: it is no longer offered; cameras on it keep recording until moved."
	if !retired {
		msg = "Plan “" + v.Name + "” is back in service."
	}
	return p.redirect(w, r, "/plans", msg)
}
