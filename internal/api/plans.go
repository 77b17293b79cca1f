package api

import (
	"encoding/json"
	"net/http"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/money"
)

var planListParams = append([]Param{{"q", "string", "search plan names"}, {"kind", "string", "fixed or usage"},
	{"sort", "string", "name, retention_days, price, cost, kind, id; prefix - for descending"}}, pageParams...)

func planRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/plans", Tag: "plans", Summary: "The plans my account may use, with my names, cost and end-user prices",
			Query: planListParams, Response: List[PlanJSON]{}, Handler: h((*Server).listMyPlans)},
		{Method: "POST", Path: "/plans", Tag: "plans", Summary: "Add a plan to the catalogue (operator only)",
			Request: createPlanRequest{}, Response: PlanJSON{}, Handler: h((*Server).createPlan)},
		{Method: "GET", Path: "/plans/{id}", Tag: "plans", Summary: "One plan my account may use",
			Response: PlanJSON{}, Handler: h((*Server).getMyPlan)},
		{Method: "PATCH", Path: "/plans/{id}", Tag: "plans", Summary: "Change my name and end-user price for a plan (never my cost); the plan's owner also changes price, retention_days, max_bitrate_kbps and retires it (retired: true)",
			Request: myPlanPatchDoc{}, Response: PlanJSON{}, Handler: h((*Server).updateMyPlan)},
		{Method: "POST", Path: "/plans/{id}/copies", Tag: "plans", Summary: "Copy a fixed plan and offer the copy to direct sub-integrators",
			Request: copyPlanRequest{}, Response: PlanJSON{}, Handler: h((*Server).copyPlan)},
		{Method: "GET", Path: "/plans/{id}/margin", Tag: "plans", Summary: "What my account pays up, charges down and earns on a plan",
			Response: MarginJSON{}, Handler: h((*Server).myPlanMargin)},
		{Method: "GET", Path: "/accounts/{id}/plans", Tag: "plans", Summary: "What a child is offered: every plan its parent may use, with the child's offer",
			Query: planListParams, Response: List[ChildPlanJSON]{}, Handler: h((*Server).listChildPlans)},
		{Method: "GET", Path: "/accounts/{id}/plans/{plan_id}", Tag: "plans", Summary: "A child's offer of one plan",
			Response: ChildPlanJSON{}, Handler: h((*Server).getChildPlan)},
		{Method: "PUT", Path: "/accounts/{id}/plans/{plan_id}", Tag: "plans", Summary: "Set a child's offer: selected, visible, name, cost, end-user price (parents only)",
			Request: putOfferRequest{}, Response: ChildPlanJSON{}, Handler: h((*Server).putChildPlan)},
		{Method: "GET", Path: "/accounts/{id}/plans/{plan_id}/margin", Tag: "plans", Summary: "What an account pays up, charges down and earns on a plan",
			Response: MarginJSON{}, Handler: h((*Server).accountPlanMargin)},
	}
}

// PlanJSON is a plan as the calling account uses it. cost is what the
// account pays its parent per camera-month (absent for the operator's own
// plans); no price of any level above is ever included.
type PlanJSON struct {
	ID             int64         `json:"id"`
	Name           string        `json:"name"`
	Kind           billing.Kind  `json:"kind"`
	RetentionDays  int           `json:"retention_days"`
	RecordingMode  string        `json:"recording_mode"`
	MaxBitrateKbps int           `json:"max_bitrate_kbps"`
	Cost           *money.Amount `json:"cost,omitempty"`
	EndUserPrice   money.Amount  `json:"end_user_price"`
	Selected       bool          `json:"selected"`
	Visible        bool          `json:"visible"`
	Own            bool          `json:"own"`
	SourcePlanID   int64         `json:"source_plan_id,omitempty"`
	// Retired: no longer offered or chosen for new cameras; cameras on it
	// keep recording until moved.
	Retired bool `json:"retired"`
}

func planJSON(v billing.OfferView) PlanJSON {
	return PlanJSON{ID: v.ID, Name: v.Name, Kind: v.Kind, RetentionDays: v.RetentionDays, RecordingMode: string(v.RecordingMode),
		MaxBitrateKbps: v.MaxBitrateKbps, Cost: v.Cost, EndUserPrice: v.EndUserPrice, Selected: v.Selected, Visible: v.Visible,
		Own: v.Own, SourcePlanID: v.SourcePlanID, Retired: v.Retired}
}

// ChildPlanJSON is one plan as a parent offers it to one child. cost is
// what the child pays the parent; parent_name and parent_end_user_price are
// the parent's own name and default price for the plan.
type ChildPlanJSON struct {
	ID                 int64        `json:"id"`
	PlanID             int64        `json:"plan_id"`
	AccountID          int64        `json:"account_id"`
	Kind               billing.Kind `json:"kind"`
	RetentionDays      int          `json:"retention_days"`
	RecordingMode      string       `json:"recording_mode"`
	MaxBitrateKbps     int          `json:"max_bitrate_kbps"`
	ParentName         string       `json:"parent_name"`
	ParentEndUserPrice money.Amount `json:"parent_end_user_price"`
	Offered            bool         `json:"offered"`
	Selected           bool         `json:"selected"`
	Visible            bool         `json:"visible"`
	Name               string       `json:"name"`
	Cost               money.Amount `json:"cost"`
	EndUserPrice       money.Amount `json:"end_user_price"`
	Retired            bool         `json:"retired"`
}

func childPlanJSON(c billing.ChildOffer) ChildPlanJSON {
	p := c.Parent
	return ChildPlanJSON{ID: p.ID, PlanID: p.ID, AccountID: c.AccountID, Kind: p.Kind, RetentionDays: p.RetentionDays,
		RecordingMode: string(p.RecordingMode), MaxBitrateKbps: p.MaxBitrateKbps, ParentName: p.Name, ParentEndUserPrice: p.EndUserPrice,
		Offered: c.Offered, Selected: c.Offer.Selected, Visible: c.Offer.Visible, Name: c.Offer.Name, Cost: c.Offer.Cost,
		EndUserPrice: c.Offer.EndUserPrice}
}

// MarginJSON is an account's margin on one plan.
type MarginJSON struct {
	AccountID    int64             `json:"account_id"`
	PlanID       int64             `json:"plan_id"`
	Name         string            `json:"name"`
	Cost         *money.Amount     `json:"cost,omitempty"`
	EndUserPrice money.Amount      `json:"end_user_price"`
	PerCamera    money.Amount      `json:"per_camera"`
	Cameras      int               `json:"cameras"`
	PaysUp       money.Amount      `json:"pays_up"`
	ChargesDown  money.Amount      `json:"charges_down"`
	Total        money.Amount      `json:"total"`
	Children     []ChildMarginJSON `json:"children"`
}

// ChildMarginJSON is the part of a margin earned through one child.
type ChildMarginJSON struct {
	AccountID int64        `json:"account_id"`
	Name      string       `json:"name"`
	Selected  bool         `json:"selected"`
	Visible   bool         `json:"visible"`
	Cost      money.Amount `json:"cost"`
	PerCamera money.Amount `json:"per_camera"`
	Cameras   int          `json:"cameras"`
	Charges   money.Amount `json:"charges"`
	Margin    money.Amount `json:"margin"`
}

func marginJSON(m billing.Margin) MarginJSON {
	j := MarginJSON{AccountID: m.AccountID, PlanID: m.PlanID, Name: m.Name, Cost: m.Cost, EndUserPrice: m.EndUserPrice,
		PerCamera: m.PerCamera, Cameras: m.Cameras, PaysUp: m.PaysUp, ChargesDown: m.ChargesDown, Total: m.Total,
		Children: []ChildMarginJSON{}}
	for _, c := range m.Children {
		j.Children = append(j.Children, ChildMarginJSON{AccountID: c.AccountID, Name: c.Name, Selected: c.Selected, Visible: c.Visible,
			Cost: c.Cost, PerCamera: c.PerCamera, Cameras: c.Cameras, Charges: c.Charges, Margin: c.Margin})
	}
	return j
}

func planListInput(r *http.Request) (app.PlanListInput, error) {
	f := errs.Fields{}
	q := r.URL.Query()
	in := app.PlanListInput{Q: q.Get("q"), Kind: q.Get("kind"), Sort: q.Get("sort"), Page: page(r, f)}
	return in, f.Err()
}

func (s *Server) listMyPlans(w http.ResponseWriter, r *http.Request) error {
	in, err := planListInput(r)
	if err != nil {
		return err
	}
	items, total, p, err := s.App.MyPlans(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	out := make([]PlanJSON, len(items))
	for i, v := range items {
		out[i] = planJSON(v)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}

func (s *Server) getMyPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.App.MyPlan(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, planJSON(v))
	return nil
}

type createPlanRequest struct {
	Name           string        `json:"name"`
	Kind           billing.Kind  `json:"kind"`
	RetentionDays  int           `json:"retention_days"`
	RecordingMode  string        `json:"recording_mode"`
	MaxBitrateKbps int           `json:"max_bitrate_kbps,omitempty"`
	Price          *money.Amount `json:"price"`
}

func (s *Server) createPlan(w http.ResponseWriter, r *http.Request) error {
	var in createPlanRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	n := billing.NewPlan{Name: in.Name, Kind: in.Kind, RetentionDays: in.RetentionDays,
		RecordingMode: billing.RecordingMode(in.RecordingMode), MaxBitrateKbps: in.MaxBitrateKbps}
	if in.Price != nil {
		n.Price = *in.Price
	} else if in.Kind == billing.Fixed {
		return errs.Field("price", "is required for a fixed plan")
	}
	v, err := s.App.CreatePlan(r.Context(), actor(r), n)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, planJSON(v))
	return nil
}

// myPlanPatchDoc is the documented body of PATCH /plans/{id}; the decoder
// also looks for "cost" to refuse it by name.
type myPlanPatchDoc struct {
	Name         *string       `json:"name"`
	EndUserPrice *money.Amount `json:"end_user_price"`
	// The plan's owner only (others get 403 not_plan_owner naming them).
	Price          *money.Amount `json:"price,omitempty"`
	RetentionDays  *int          `json:"retention_days,omitempty"`
	MaxBitrateKbps *int          `json:"max_bitrate_kbps,omitempty"`
	Retired        *bool         `json:"retired,omitempty"`
}

type updateMyPlanRequest struct {
	Name           *string       `json:"name"`
	EndUserPrice   *money.Amount `json:"end_user_price"`
	Price          *money.Amount `json:"price"`
	RetentionDays  *int          `json:"retention_days"`
	MaxBitrateKbps *int          `json:"max_bitrate_kbps"`
	Retired        *bool         `json:"retired"`
	// Cost is accepted only to be refused: an account's cost is set by its
	// parent, and silently ignoring it would hide the mistake.
	Cost json.RawMessage `json:"cost,omitempty"`
}

func (s *Server) updateMyPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in updateMyPlanRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	a := actor(r)
	if in.Cost != nil {
		// A plan I may not use is 404 first, so the answer reveals nothing.
		v, err := s.App.MyPlan(r.Context(), a, id)
		if err != nil {
			return err
		}
		if v.Own {
			return errs.Field("cost", "the plan's owner pays nobody for it; change end_user_price instead")
		}
		return &errs.Error{Kind: errs.Forbidden, Code: "cost_set_by_parent", Message: "cost is set by your parent",
			Fields: map[string]string{"cost": "is set by your parent"}}
	}
	var v billing.OfferView
	if in.Price != nil || in.RetentionDays != nil || in.MaxBitrateKbps != nil || in.Retired != nil {
		// The plan itself: for its owner, end_user_price is its price.
		price := in.Price
		if price == nil {
			price = in.EndUserPrice
		}
		v, err = s.App.EditPlan(r.Context(), a, id, billing.PlanEdit{Name: in.Name, Price: price,
			RetentionDays: in.RetentionDays, MaxBitrateKbps: in.MaxBitrateKbps, Retired: in.Retired})
	} else {
		v, err = s.App.UpdateMyOffer(r.Context(), a, id, billing.MyOfferPatch{Name: in.Name, EndUserPrice: in.EndUserPrice})
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, planJSON(v))
	return nil
}

type copyPlanRequest struct {
	Name         string        `json:"name"`
	Cost         *money.Amount `json:"cost"`
	EndUserPrice *money.Amount `json:"end_user_price"`
	AccountIDs   []int64       `json:"account_ids"`
}

func (s *Server) copyPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in copyPlanRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := s.App.CopyPlan(r.Context(), actor(r), id, billing.CopyInput{Name: in.Name, Cost: in.Cost,
		EndUserPrice: in.EndUserPrice, AccountIDs: in.AccountIDs})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, planJSON(v))
	return nil
}

func (s *Server) listChildPlans(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := planListInput(r)
	if err != nil {
		return err
	}
	items, total, p, err := s.App.ChildPlans(r.Context(), actor(r), id, in)
	if err != nil {
		return err
	}
	out := make([]ChildPlanJSON, len(items))
	for i, c := range items {
		out[i] = childPlanJSON(c)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}

func (s *Server) getChildPlan(w http.ResponseWriter, r *http.Request) error {
	id, planID, err := accountAndPlan(r)
	if err != nil {
		return err
	}
	c, err := s.App.ChildPlan(r.Context(), actor(r), id, planID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, childPlanJSON(c))
	return nil
}

type putOfferRequest struct {
	Selected     *bool         `json:"selected"`
	Visible      *bool         `json:"visible"`
	Name         *string       `json:"name"`
	Cost         *money.Amount `json:"cost"`
	EndUserPrice *money.Amount `json:"end_user_price"`
}

func (s *Server) putChildPlan(w http.ResponseWriter, r *http.Request) error {
	id, planID, err := accountAndPlan(r)
	if err != nil {
		return err
	}
	var in putOfferRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.App.SetChildOffer(r.Context(), actor(r), id, planID, billing.OfferPatch{Selected: in.Selected, Visible: in.Visible,
		Name: in.Name, Cost: in.Cost, EndUserPrice: in.EndUserPrice})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, childPlanJSON(c))
	return nil
}

func (s *Server) myPlanMargin(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	m, err := s.App.PlanMargin(r.Context(), a, a.AccountID, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, marginJSON(m))
	return nil
}

func (s *Server) accountPlanMargin(w http.ResponseWriter, r *http.Request) error {
	id, planID, err := accountAndPlan(r)
	if err != nil {
		return err
	}
	m, err := s.App.PlanMargin(r.Context(), actor(r), id, planID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, marginJSON(m))
	return nil
}

// accountAndPlan reads the {id} and {plan_id} of /accounts/{id}/plans/{plan_id}.
func accountAndPlan(r *http.Request) (id, planID int64, err error) {
	if id, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	planID, err = pathID(r, "plan_id")
	return id, planID, err
}
