package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The Add wizard (R2, the seed's steps 1–4): type → (integrator) prices →
// details → plans → Create. It is one form posted back to itself: each
// step's values travel in hidden fields, so nothing is stored until the
// last step calls app.CreateAccount once with everything, and the browser's
// Back button or a closed tab leaves nothing half-made.

const plansPerPage = 10

var (
	priceFields  = []string{"storage_price", "traffic_price"}
	detailFields = []string{"name", "contact_person", "email", "phone", "company", "address", "notes"}
	// customerSwitches are the modules the wizard sets for a new customer:
	// its default recording (cloud recording, event recording) and whether
	// its admins may use the admin portal.
	customerSwitches = []switchField{
		{tenancy.ModCloudRecording, "Cloud recording", "its cameras record to the cloud on their plans"},
		{tenancy.ModEvents, "Event recording", "motion and camera events, event-based recording and notifications"},
		{tenancy.ModAdminPortal, "Admin portal", "its administrators may manage users, roles and the profile here"},
	}
	customerExtra = []string{tenancy.ModCloudRecording, tenancy.ModEvents, tenancy.ModAdminPortal}
)

type wizardData struct {
	Type      tenancy.Type
	Parent    tenancy.Account
	Steps     []wizardStep
	Step      string
	Hidden    []hidden
	Plans     []planRow // the current page's rows
	PlansOn   int       // how many plans are selected in all
	PlanPager planPager
	HasPlans  bool // the plans feature is present
	Modules   bool // module switches are available (admin portal switch)
	// TreeCurrency: the operator is adding a top-level account, whose
	// tree's currency is chosen here (DefaultCurrency when left empty).
	TreeCurrency    bool
	DefaultCurrency string
	// ShowCurrency: the field is on the details step (for the operator's
	// top-level account, or to show why a currency was refused).
	ShowCurrency bool

	CustomerSwitches []switchField
}

type switchField struct{ Key, Label, Description string }

type wizardStep struct {
	Key, Label string
	Current    bool
	Done       bool
}

type hidden struct{ Name, Value string }

type planPager struct {
	Page, Pages, Total int
	PageNums           []int
}

// planRow is one plan on the plans step: the plan as I see it, and what the
// new account will see (its state in the form).
type planRow struct {
	ID           int64
	MyName       string
	Kind         string
	Retention    int
	Mode         string
	MyCost       string // what I pay for it ("" for the operator's own plans)
	DefaultPrice string // my end-user price: the default price for the child
	// DefaultEUP is a sub-integrator's default end-user price: the default
	// price with the default markup (billing.ChildEndUserPrice), so it
	// does not start at a margin of 0.
	DefaultEUP string
	// EUPAuto is the end-user price the page last filled in by itself:
	// while the input still holds it, it follows the price (the app marks
	// up whatever price is chosen); once typed over, it is the user's.
	EUPAuto   string
	EUPIsAuto bool
	// Markup is the default markup as "num/den", for the page's script
	// to follow a typed price before the server marks it up again.
	Markup   string
	On       bool
	Name     string
	Price    string
	EUP      string // a sub-integrator's end-user price (integrators only)
	NameErr  string
	PriceErr string
	EUPErr   string
}

func (p *Portal) wizardStart(w http.ResponseWriter, r *http.Request, q *req) error {
	qs := r.URL.Query()
	parent, err := p.wizardParent(r, q, qs.Get("parent"))
	if err != nil {
		return err
	}
	form := url.Values{"parent": {itoa64(parent.ID)}}
	typ := tenancy.Type(qs.Get("type"))
	if !typ.Valid() {
		p.renderForm(w, r, q, "wizard", "Add", "customers", &wizardData{Parent: parent, Step: "type"}, form, nil)
		return nil
	}
	form.Set("type", string(typ))
	first := "details"
	if typ == tenancy.Integrator {
		first = "prices"
		// What the new integrator pays starts above what I pay (a margin),
		// never at it; the operator, who pays nothing, sets its own.
		for k, mine := range map[string]money.Amount{"storage_price": parent.StoragePrice, "traffic_price": parent.TrafficPrice} {
			if v := billing.ChildAccountPrice(mine); v > 0 {
				form.Set(k, v.String())
			}
		}
	}
	return p.wizardRender(w, r, q, parent, typ, first, form, 1, nil)
}

func (p *Portal) wizardParent(r *http.Request, q *req, s string) (tenancy.Account, error) {
	id := q.Account.ID
	if s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 {
			return tenancy.Account{}, errNotFound
		}
		id = v
	}
	parent, err := p.App.Account(r.Context(), q.Actor, id)
	if err != nil {
		return parent, err
	}
	if parent.Type != tenancy.Integrator {
		return parent, errNotFound
	}
	return parent, nil
}

func stepsFor(t tenancy.Type, hasPlans bool) []string {
	s := []string{"details"}
	if t == tenancy.Integrator {
		s = []string{"prices", "details"}
	}
	if hasPlans {
		s = append(s, "plans")
	}
	return s
}

var stepLabels = map[string]string{"prices": "Prices", "details": "Details", "plans": "Plans"}

func (p *Portal) wizardSubmit(w http.ResponseWriter, r *http.Request, q *req) error {
	if err := r.ParseForm(); err != nil {
		return errs.Field("form", "could not be read")
	}
	form := r.PostForm
	parent, err := p.wizardParent(r, q, form.Get("parent"))
	if err != nil {
		return err
	}
	typ := tenancy.Type(form.Get("type"))
	if !typ.Valid() {
		p.renderForm(w, r, q, "wizard", "Add", "customers", &wizardData{Parent: parent, Step: "type"}, form, nil)
		return nil
	}
	plans, hasPlans, err := p.availablePlans(r.Context(), q, parent)
	if err != nil {
		return err
	}
	steps := stepsFor(typ, hasPlans)
	step := form.Get("step")
	idx := indexOf(steps, step)
	if idx < 0 {
		idx, step = 0, steps[0]
	}
	action := form.Get("go")
	plansPage := atoiDefault(form.Get("plans_page"), 1)
	switch {
	case action == "back":
		if idx > 0 {
			idx--
		}
		return p.wizardRender(w, r, q, parent, typ, steps[idx], form, plansPage, nil)
	case strings.HasPrefix(action, "plans:"):
		n := atoiDefault(strings.TrimPrefix(action, "plans:"), 1)
		return p.wizardRender(w, r, q, parent, typ, "plans", form, n, nil)
	case action == "next":
		if err := validateStep(step, typ, form, plans); err != nil {
			return p.wizardRender(w, r, q, parent, typ, step, form, plansPage, err)
		}
		if idx+1 < len(steps) {
			return p.wizardRender(w, r, q, parent, typ, steps[idx+1], form, 1, nil)
		}
		fallthrough
	case action == "create":
		// Check every step again: the hidden values came back from the
		// browser and are not trusted more than any other input.
		for _, s := range steps {
			if err := validateStep(s, typ, form, plans); err != nil {
				return p.wizardRender(w, r, q, parent, typ, s, form, plansPage, err)
			}
		}
		in := wizardInput(typ, parent, form, plans)
		acct, owner, err := p.createAccount(r, q, in, form)
		if err != nil {
			err = planErrors(err, plans)
			at := stepOfError(err, steps)
			if at == "" {
				return err
			}
			return p.wizardRender(w, r, q, parent, typ, at, form, plansPage, err)
		}
		kind := "Customer"
		if acct.Type == tenancy.Integrator {
			kind = "Integrator"
		}
		return p.redirect(w, r, "/accounts?parent="+itoa64(parent.ID),
			kind+" “"+acct.Name+"” created. A welcome e-mail with a confirmation link was sent to "+owner.Email+".")
	}
	return p.wizardRender(w, r, q, parent, typ, step, form, plansPage, nil)
}

// stepOfError finds the first step holding a field of err; "" when err is
// not about fields (then it is shown as an error page).
func stepOfError(err error, steps []string) string {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return ""
	}
	for _, s := range steps {
		for k := range e.Fields {
			if fieldStep(k) == s {
				return s
			}
		}
	}
	return steps[len(steps)-1]
}

func fieldStep(k string) string {
	switch {
	case indexOf(priceFields, k) >= 0:
		return "prices"
	case indexOf(detailFields, k) >= 0 || indexOf(customerExtra, k) >= 0 || k == "password" || k == "owner_name" || k == "currency":
		return "details"
	case strings.HasPrefix(k, "plan"):
		return "plans"
	}
	return ""
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// validateStep checks one step's fields without the database, with the
// same rules app.CreateAccount applies (tenancy.NewAccount.Validate).
func validateStep(step string, typ tenancy.Type, form url.Values, plans []planRow) error {
	f := errs.Fields{}
	switch step {
	case "prices":
		for _, k := range priceFields {
			v := strings.TrimSpace(form.Get(k))
			if v == "" {
				f.Add(k, "is required")
				continue
			}
			a, err := money.Parse(v)
			if err != nil {
				f.Add(k, err.Error())
				continue
			}
			tenancy.CheckPrice(f, k, a)
		}
	case "details":
		n := tenancy.NewAccount{Type: typ, ParentID: 1, Name: form.Get("name"), Contact: contactOf(form)}
		if err := n.Validate(); err != nil {
			e, _ := errs.As(err)
			for k, v := range e.Fields {
				if fieldStep(k) == "details" {
					f.Add(k, v)
				}
			}
		}
		if c := strings.ToUpper(strings.TrimSpace(form.Get("currency"))); c != "" {
			if _, err := money.ParseCurrency(c); err != nil {
				f.Add("currency", err.Error())
			}
		}
	case "plans":
		for _, pl := range plans {
			st := planState(form, pl)
			if !st.On {
				continue
			}
			k := "plan_" + itoa64(pl.ID)
			if strings.TrimSpace(st.Name) == "" {
				f.Add(k+"_name", "is required for a selected plan")
			}
			if a, err := money.Parse(st.Price); err != nil {
				f.Add(k+"_price", err.Error())
			} else if a < 0 {
				f.Add(k+"_price", "must not be negative")
			}
			if typ != tenancy.Integrator {
				continue
			}
			if a, err := money.Parse(st.EUP); err != nil {
				f.Add(k+"_eup", err.Error())
			} else if a < 0 {
				f.Add(k+"_eup", "must not be negative")
			}
		}
	}
	return f.Err()
}

func contactOf(form url.Values) tenancy.Contact {
	return tenancy.Contact{Email: form.Get("email"), Person: form.Get("contact_person"), Phone: form.Get("phone"),
		Company: form.Get("company"), Address: form.Get("address"), Notes: form.Get("notes")}
}

// planState reads a plan's row from the form; before the plans step was
// first shown (plans_init unset) every plan is selected with my name and
// my end-user price.
func planState(form url.Values, pl planRow) planRow {
	k := "plan_" + itoa64(pl.ID)
	if form.Get("plans_init") != "1" {
		pl.On, pl.Name, pl.Price, pl.EUP = true, pl.MyName, pl.DefaultPrice, pl.DefaultEUP
		pl.EUPAuto, pl.EUPIsAuto = pl.DefaultEUP, true
		return pl
	}
	vals := form[k+"_on"]
	pl.On = len(vals) > 0 && vals[len(vals)-1] == "1"
	pl.Name, pl.Price, pl.EUP, pl.EUPAuto = form.Get(k+"_name"), form.Get(k+"_price"), form.Get(k+"_eup"), form.Get(k+"_eup_auto")
	if !form.Has(k + "_eup") {
		pl.EUP, pl.EUPAuto = pl.DefaultEUP, pl.DefaultEUP
	}
	if pl.EUP == pl.EUPAuto {
		pl.EUPIsAuto = true
		if a, err := money.Parse(pl.Price); err == nil && a >= 0 {
			pl.EUP = billing.ChildEndUserPrice(a).String()
		}
		pl.EUPAuto = pl.EUP
	}
	return pl
}

func wizardInput(typ tenancy.Type, parent tenancy.Account, form url.Values, plans []planRow) app.CreateAccountInput {
	in := app.CreateAccountInput{NewAccount: tenancy.NewAccount{Type: typ, ParentID: parent.ID, Name: form.Get("name"),
		Contact: contactOf(form)}, Currency: form.Get("currency")}
	if typ == tenancy.Integrator {
		in.StoragePrice, _ = money.Parse(form.Get("storage_price"))
		in.TrafficPrice, _ = money.Parse(form.Get("traffic_price"))
	}
	for _, pl := range plans {
		st := planState(form, pl)
		in.Plans = append(in.Plans, planSelection(typ, pl, st))
	}
	return in
}

func (p *Portal) wizardRender(w http.ResponseWriter, r *http.Request, q *req, parent tenancy.Account, typ tenancy.Type,
	step string, form url.Values, plansPage int, verr error) error {
	plans, hasPlans, err := p.availablePlans(r.Context(), q, parent)
	if err != nil {
		return err
	}
	d := &wizardData{Type: typ, Parent: parent, Step: step, HasPlans: hasPlans, Modules: p.modulesAvailable(), CustomerSwitches: customerSwitches}
	if parent.IsRoot() {
		// Only the operator reaches its own account as a parent.
		cur, err := p.App.AccountCurrency(r.Context(), parent)
		if err != nil {
			return err
		}
		d.TreeCurrency, d.DefaultCurrency = true, string(cur)
	}
	steps := stepsFor(typ, hasPlans)
	cur := indexOf(steps, step)
	for i, s := range steps {
		d.Steps = append(d.Steps, wizardStep{Key: s, Label: stepLabels[s], Current: i == cur, Done: i < cur})
	}
	var fieldErrs map[string]string
	if e, ok := errs.As(verr); ok {
		fieldErrs = e.Fields
	}
	d.ShowCurrency = d.TreeCurrency || fieldErrs["currency"] != ""
	visible := map[string]bool{"type": true, "parent": true, "step": true, "go": true, "csrf": true, "plans_page": true}
	switch step {
	case "prices":
		for _, k := range priceFields {
			visible[k] = true
		}
	case "details":
		for _, k := range detailFields {
			visible[k] = true
		}
		visible["currency"] = d.ShowCurrency
		if typ == tenancy.Customer {
			for _, k := range customerExtra {
				visible[k] = true
			}
		}
	}
	if hasPlans {
		// Plan rows always travel as hidden fields except on the plans
		// page being shown, so switching pages keeps every edit.
		pages := (len(plans) + plansPerPage - 1) / plansPerPage
		if pages < 1 {
			pages = 1
		}
		if plansPage < 1 || plansPage > pages {
			plansPage = 1
		}
		d.PlanPager = planPager{Page: plansPage, Pages: pages, Total: len(plans)}
		for i := 1; i <= pages; i++ {
			d.PlanPager.PageNums = append(d.PlanPager.PageNums, i)
		}
		lo, hi := (plansPage-1)*plansPerPage, plansPage*plansPerPage
		for i, pl := range plans {
			st := planState(form, pl)
			if st.On {
				d.PlansOn++
			}
			k := "plan_" + itoa64(pl.ID)
			if step == "plans" && i >= lo && i < hi {
				st.NameErr, st.PriceErr, st.EUPErr = fieldErrs[k+"_name"], fieldErrs[k+"_price"], fieldErrs[k+"_eup"]
				d.Plans = append(d.Plans, st)
				continue
			}
			on := "0"
			if st.On {
				on = "1"
			}
			d.Hidden = append(d.Hidden, hidden{k + "_on", on}, hidden{k + "_name", st.Name}, hidden{k + "_price", st.Price})
			if typ == tenancy.Integrator {
				d.Hidden = append(d.Hidden, hidden{k + "_eup", st.EUP}, hidden{k + "_eup_auto", st.EUPAuto})
			}
		}
		d.Hidden = append(d.Hidden, hidden{"plans_init", "1"})
		visible["plans_init"] = true
	}
	for k, vals := range form {
		if visible[k] || strings.HasPrefix(k, "plan_") || len(vals) == 0 {
			continue
		}
		d.Hidden = append(d.Hidden, hidden{k, vals[len(vals)-1]})
	}
	sortHidden(d.Hidden)
	title := "Add customer"
	if typ == tenancy.Integrator {
		title = "Add integrator"
	}
	p.renderForm(w, r, q, "wizard", title, "customers", d, form, verr)
	return nil
}

func sortHidden(h []hidden) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].Name < h[j-1].Name; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}
