package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

func actorFromSession(s app.Session) tenancy.Actor {
	return tenancy.Actor{UserID: s.User.ID, AccountID: s.Account.ID, AccountPath: s.Account.Path}
}

type planSelectionJSON struct {
	PlanID       int64      `json:"plan_id"`
	Selected     *bool      `json:"selected"`
	Visible      *bool      `json:"visible"`
	Name         string     `json:"name"`
	EndUserPrice *priceText `json:"end_user_price"`
	Cost         *priceText `json:"cost"`
}

type createAccountRequest struct {
	Type          tenancy.Type        `json:"type"`
	ParentID      int64               `json:"parent_id"`
	Name          string              `json:"name"`
	Email         string              `json:"email"`
	OwnerName     string              `json:"owner_name,omitempty"`
	Password      string              `json:"password,omitempty"`
	ContactPerson string              `json:"contact_person,omitempty"`
	Phone         string              `json:"phone,omitempty"`
	Company       string              `json:"company,omitempty"`
	Address       string              `json:"address,omitempty"`
	Notes         string              `json:"notes,omitempty"`
	StoragePrice  *money.Amount       `json:"storage_price"`
	TrafficPrice  *money.Amount       `json:"traffic_price"`
	Plans         []planSelectionJSON `json:"plans"`
	// Currency (ISO 4217) of the new tree: the operator, top-level only.
	Currency string `json:"currency,omitempty"`
}

type createAccountResponse struct {
	AccountJSON
	Owner UserJSON `json:"owner"`
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) error {
	var in createAccountRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	a := actor(r)
	if in.ParentID == 0 {
		in.ParentID = a.AccountID // the wizard adds below one's own account by default
	}
	f := errs.Fields{}
	if in.Type == tenancy.Integrator {
		if in.StoragePrice == nil {
			f.Add("storage_price", "is required for an integrator")
		}
		if in.TrafficPrice == nil {
			f.Add("traffic_price", "is required for an integrator")
		}
	}
	ci := app.CreateAccountInput{
		NewAccount: tenancy.NewAccount{Type: in.Type, ParentID: in.ParentID, Name: in.Name,
			Contact: tenancy.Contact{Email: in.Email, Person: in.ContactPerson, Phone: in.Phone, Company: in.Company, Address: in.Address, Notes: in.Notes}},
		OwnerName: in.OwnerName, Password: in.Password, Currency: in.Currency,
	}
	if in.StoragePrice != nil {
		ci.StoragePrice = *in.StoragePrice
	}
	if in.TrafficPrice != nil {
		ci.TrafficPrice = *in.TrafficPrice
	}
	for _, p := range in.Plans {
		ci.Plans = append(ci.Plans, app.PlanSelection{PlanID: p.PlanID, Selected: boolOr(p.Selected, true),
			Visible: boolOr(p.Visible, true), Name: p.Name, Cost: amountText(p.Cost), EndUserPrice: amountText(p.EndUserPrice)})
	}
	if err := f.Err(); err != nil {
		// Report these together with the domain's own field errors.
		if derr := ci.Validate(); derr != nil {
			e, _ := errs.As(derr)
			for k, v := range e.Fields {
				f.Add(k, v)
			}
		}
		return f.Err()
	}
	acct, owner, err := s.App.CreateAccount(r.Context(), a, ci)
	if err != nil {
		return err
	}
	out := createAccountResponse{AccountJSON: accountJSON(acct, a), Owner: userJSON(owner)}
	cur, err := s.App.AccountCurrency(r.Context(), acct)
	if err != nil {
		return err
	}
	out.Currency = string(cur)
	httpx.WriteJSON(w, http.StatusCreated, out)
	return nil
}

// priceText takes a price as a JSON string or a bare number and keeps its
// text unvalidated, so that the wizard's row validation can name the exact
// field ("plans[2].cost") instead of the decoder failing on the whole list.
type priceText string

func (p *priceText) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*p = priceText(s)
		return nil
	}
	// A bare number's text is kept verbatim (never through float64);
	// anything else is left for the row validation to reject by name.
	*p = priceText(strings.TrimSpace(string(b)))
	return nil
}

func amountText(p *priceText) *string {
	if p == nil {
		return nil
	}
	s := string(*p)
	return &s
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	f := errs.Fields{}
	q := r.URL.Query()
	in := app.AccountListInput{ParentID: queryInt(r, f, "parent_id"), Type: q.Get("type"), Status: q.Get("status"),
		Q: q.Get("q"), Sort: q.Get("sort"), Page: page(r, f)}
	if err := f.Err(); err != nil {
		return err
	}
	a := actor(r)
	items, total, p, err := s.App.ListAccounts(r.Context(), a, in)
	if err != nil {
		return err
	}
	out := make([]AccountJSON, len(items))
	for i, it := range items {
		out[i] = accountJSON(it, a)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	acct, err := s.App.Account(r.Context(), a, id)
	if err != nil {
		return err
	}
	return s.writeAccount(w, r, acct)
}

// writeAccount answers one account with the currency its tree bills in.
func (s *Server) writeAccount(w http.ResponseWriter, r *http.Request, acct tenancy.Account) error {
	j := accountJSON(acct, actor(r))
	cur, err := s.App.AccountCurrency(r.Context(), acct)
	if err != nil {
		return err
	}
	j.Currency = string(cur)
	httpx.WriteJSON(w, http.StatusOK, j)
	return nil
}

type updateAccountRequest struct {
	Name          *string       `json:"name"`
	ContactPerson *string       `json:"contact_person"`
	Phone         *string       `json:"phone"`
	Company       *string       `json:"company"`
	Address       *string       `json:"address"`
	Notes         *string       `json:"notes"`
	StoragePrice  *money.Amount `json:"storage_price"`
	TrafficPrice  *money.Amount `json:"traffic_price"`
	TimeZone      *string       `json:"time_zone"`
	// Currency (ISO 4217) of a top-level account's tree; the operator sets it.
	Currency *string `json:"currency"`
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in updateAccountRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	a := actor(r)
	cur, err := s.App.Account(r.Context(), a, id)
	if err != nil {
		return err
	}
	p := tenancy.AccountPatch{Name: in.Name, StoragePrice: in.StoragePrice, TrafficPrice: in.TrafficPrice, TimeZone: in.TimeZone,
		Currency: in.Currency}
	if in.ContactPerson != nil || in.Phone != nil || in.Company != nil || in.Address != nil || in.Notes != nil {
		c := cur.Contact
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&c.Person, in.ContactPerson)
		set(&c.Phone, in.Phone)
		set(&c.Company, in.Company)
		set(&c.Address, in.Address)
		set(&c.Notes, in.Notes)
		p.Contact = &c
	}
	acct, err := s.App.UpdateAccount(r.Context(), a, id, p)
	if err != nil {
		return err
	}
	return s.writeAccount(w, r, acct)
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	f := errs.Fields{}
	accountID := queryInt(r, f, "account_id")
	p := page(r, f)
	if err := f.Err(); err != nil {
		return err
	}
	items, total, p, err := s.App.Audit(r.Context(), actor(r), accountID, r.URL.Query().Get("action"), p)
	if err != nil {
		return err
	}
	out := make([]AuditJSON, len(items))
	for i, e := range items {
		out[i] = auditJSON(e)
	}
	httpx.WriteJSON(w, http.StatusOK, list(out, p, total))
	return nil
}
