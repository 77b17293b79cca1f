package app

import (
	"context"
	"slices"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// CreateAccountInput is the whole Add wizard (R2) in one request.
type CreateAccountInput struct {
	tenancy.NewAccount
	OwnerName string
	Password  string // optional: otherwise chosen when confirming
	Plans     []PlanSelection
	// Modules are switches the parent sets for the new child at once (R5),
	// e.g. the wizard's "its admins may use the admin portal".
	Modules map[string]bool
	// Currency (ISO 4217) the new account's tree bills in: only for a
	// top-level account (a child of the operator); empty is the
	// installation's. The same choice PATCH makes later, made at once.
	Currency string
}

// Validate checks everything that needs no database; the currency is read
// in upper case, as PATCH reads it.
func (in *CreateAccountInput) Validate() error {
	f := errs.Fields{}
	if err := in.NewAccount.Validate(); err != nil {
		e, _ := errs.As(err)
		for k, v := range e.Fields {
			f.Add(k, v)
		}
	}
	if in.Password != "" {
		identity.CheckPassword(f, "password", in.Password)
	}
	for k := range in.Modules {
		if !tenancy.ValidModule(k) {
			f.Add(k, "unknown module")
		}
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency != "" {
		if _, err := money.ParseCurrency(in.Currency); err != nil {
			f.Add("currency", err.Error())
		}
	}
	return f.Err()
}

// errCurrencyBelowTop refuses a currency for an account that is not
// top-level: its tree's currency is chosen on the top-level account.
var errCurrencyBelowTop = errs.Field("currency", "is chosen for a whole tree when its top-level account is created (by the operator); an account below bills in its tree's currency")

// CreateAccount creates a sub-account with its owner, default roles, plan
// offers, the welcome mail and the audit entry — all in one transaction, so a
// refused request leaves nothing behind.
func (a *App) CreateAccount(ctx context.Context, actor tenancy.Actor, in CreateAccountInput) (tenancy.Account, identity.User, error) {
	if err := in.Validate(); err != nil {
		return tenancy.Account{}, identity.User{}, err
	}
	// Hash before the transaction: argon2 is slow by design and must not hold
	// the single SQLite writer.
	var pwHash string
	if in.Password != "" {
		var err error
		if pwHash, err = identity.HashPassword(in.Password); err != nil {
			return tenancy.Account{}, identity.User{}, errs.Wrap(err, "hash password")
		}
	}
	var child tenancy.Account
	var owner identity.User
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		parent, err := q.Account(ctx, in.ParentID)
		if errs.KindOf(err) == errs.NotFound {
			return errs.Field("parent_id", "no such account")
		}
		if err != nil {
			return err
		}
		if err := tenancy.Decide(actor, parent, tenancy.CreateChild); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return errs.Field("parent_id", "no such account")
			}
			return err
		}
		if err := a.checkCreateChild(ctx, q, actor, parent, in.Type); err != nil {
			return err
		}
		if in.Currency != "" && !parent.IsRoot() {
			return errCurrencyBelowTop
		}
		if taken, err := q.EmailTaken(ctx, in.Contact.Email); err != nil {
			return err
		} else if taken {
			return &errs.Error{Kind: errs.Conflict, Code: "conflict", Message: "a user with this e-mail already exists",
				Fields: map[string]string{"email": "a user with this e-mail already exists"}}
		}
		child = tenancy.Account{ParentID: parent.ID, Depth: parent.Depth + 1, Type: in.Type, Name: in.Name,
			Status: tenancy.Active, Contact: in.Contact, StoragePrice: in.StoragePrice, TrafficPrice: in.TrafficPrice}
		if in.Type == tenancy.Customer {
			// A customer pays per camera plan; storage and traffic prices
			// are an integrator's terms.
			child.StoragePrice, child.TrafficPrice = 0, 0
		}
		if err := q.InsertAccount(ctx, &child, parent.Path); err != nil {
			return err
		}
		if err := a.createDefaultRoles(ctx, q, child.ID); err != nil {
			return err
		}
		if in.Currency != "" {
			if _, err := a.setTreeCurrency(ctx, q, child, money.Currency(in.Currency)); err != nil {
				return err
			}
		}
		owner = identity.User{AccountID: child.ID, Email: in.Contact.Email, Name: firstNonEmpty(in.OwnerName, in.Contact.Person),
			Owner: true, Status: identity.UserActive, PasswordHash: pwHash}
		if err := q.InsertUser(ctx, &owner); err != nil {
			return err
		}
		if err := a.applyPlanSelections(ctx, q, actor, parent, child, in.Plans); err != nil {
			return err
		}
		if len(in.Modules) > 0 {
			// A new child cannot regain what is off above it: the path fold
			// keeps ancestors' switches in force whatever is set here.
			if err := q.SetModuleSwitches(ctx, child.ID, in.Modules, a.Now()); err != nil {
				return err
			}
		}
		if err := a.sendWelcome(ctx, q, out, owner, child, parent.Name); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.AccountCreated, AccountID: child.ID, Path: child.Path})
		detail := map[string]any{
			"type": child.Type, "name": child.Name, "parent_id": parent.ID, "owner_email": owner.Email,
			"storage_price": child.StoragePrice, "traffic_price": child.TrafficPrice, "plans": len(in.Plans)}
		if in.Currency != "" {
			detail["currency"] = in.Currency
		}
		return a.audit(ctx, q, actor, child, "account.created", detail)
	})
	return child, owner, err
}

func (a *App) createDefaultRoles(ctx context.Context, q store.Q, accountID int64) error {
	for _, r := range identity.DefaultRoles() {
		r.AccountID = accountID
		if err := q.InsertRole(ctx, &r); err != nil {
			return err
		}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// loadVisible loads an account and applies the access decision; anything the
// actor may not see is NotFound.
func (a *App) loadVisible(ctx context.Context, q store.Q, actor tenancy.Actor, id int64, action tenancy.Action) (tenancy.Account, error) {
	acct, err := q.Account(ctx, id)
	if err != nil {
		return acct, err
	}
	return acct, tenancy.Decide(actor, acct, action)
}

// Account returns one account the actor may see.
func (a *App) Account(ctx context.Context, actor tenancy.Actor, id int64) (tenancy.Account, error) {
	return a.loadVisible(ctx, a.Store.R(), actor, id, tenancy.Read)
}

// AccountListInput filters the Customers list.
type AccountListInput struct {
	ParentID int64
	Type     string
	Status   string
	Q        string
	Sort     string
	Page     store.Page
}

// ListAccounts lists accounts below the actor (never its own, never above).
func (a *App) ListAccounts(ctx context.Context, actor tenancy.Actor, in AccountListInput) ([]tenancy.Account, int, store.Page, error) {
	f := errs.Fields{}
	if in.Type != "" && !tenancy.Type(in.Type).Valid() {
		f.Add("type", `must be "integrator" or "customer"`)
	}
	if in.Status != "" && !tenancy.Status(in.Status).Valid() {
		f.Add("status", `must be "active" or "disabled"`)
	}
	if !store.ValidAccountSort(in.Sort) {
		f.Add("sort", "unknown sort; use name, created, type, status or email, with - for descending")
	}
	if err := f.Err(); err != nil {
		return nil, 0, store.Page{}, err
	}
	r := a.Store.R()
	if in.ParentID != 0 {
		if _, err := a.loadVisible(ctx, r, actor, in.ParentID, tenancy.Read); err != nil {
			return nil, 0, store.Page{}, err
		}
	}
	p := in.Page.Clamp()
	// Pages are kept by the authentication cache (authcache.go), keyed by
	// the whole filter with the actor's scope: any change of an account by
	// this process is seen at once. Callers do not change the slice.
	filter := store.AccountFilter{Scope: actor.AccountPath, ExcludeID: actor.AccountID,
		ParentID: in.ParentID, Type: tenancy.Type(in.Type), Status: tenancy.Status(in.Status), Q: in.Q, Sort: in.Sort, Page: p}
	page, err := a.authCache.accounts.load(a, filter, func() (accountPage, error) {
		list, total, err := r.ListAccounts(ctx, filter)
		return accountPage{list, total}, err
	}, noError)
	return slices.Clone(page.list), page.total, p, err
}

// UpdateAccount edits an account: its profile (the account itself or above)
// and its prices (its parents only).
func (a *App) UpdateAccount(ctx context.Context, actor tenancy.Actor, id int64, p tenancy.AccountPatch) (tenancy.Account, error) {
	if err := p.Validate(); err != nil {
		return tenancy.Account{}, err
	}
	var acct tenancy.Account
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		action := tenancy.EditProfile
		if p.TouchesPrices() {
			action = tenancy.Manage
		}
		var err error
		if acct, err = a.loadVisible(ctx, q, actor, id, action); err != nil {
			return err
		}
		before := acct
		p.Apply(&acct)
		diff := diffAccount(before, acct)
		if p.Currency != nil {
			was, err := a.setTreeCurrency(ctx, q, acct, money.Currency(*p.Currency))
			if err != nil {
				return err
			}
			if string(was) != *p.Currency {
				diff["currency"] = [2]any{string(was), *p.Currency}
			}
		}
		if err := q.UpdateAccount(ctx, &acct); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.AccountUpdated, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "account.updated", diff)
	})
	return acct, err
}

// diffAccount lists changed fields for the audit log.
func diffAccount(b, a tenancy.Account) map[string][2]any {
	d := map[string][2]any{}
	add := func(k string, x, y any) {
		if x != y {
			d[k] = [2]any{x, y}
		}
	}
	add("name", b.Name, a.Name)
	add("contact_person", b.Contact.Person, a.Contact.Person)
	add("phone", b.Contact.Phone, a.Contact.Phone)
	add("company", b.Contact.Company, a.Contact.Company)
	add("address", b.Contact.Address, a.Contact.Address)
	add("notes", b.Contact.Notes, a.Contact.Notes)
	add("storage_price", b.StoragePrice.String(), a.StoragePrice.String())
	add("traffic_price", b.TrafficPrice.String(), a.TrafficPrice.String())
	add("time_zone", b.TimeZone, a.TimeZone)
	return d
}

// Audit lists the audit log of the actor's subtree (optionally one account).
func (a *App) Audit(ctx context.Context, actor tenancy.Actor, accountID int64, action string, page store.Page) ([]store.AuditEntry, int, store.Page, error) {
	return a.AuditSearch(ctx, actor, AuditQuery{AccountID: accountID, Action: action, Page: page})
}

// AdoptTimeZone makes zone (the browser's, sent with a sign-in) the time
// zone of the actor's account if it has none yet. A zone someone chose is
// never overwritten, and an unknown name is ignored: a sign-in must not fail
// over it.
func (a *App) AdoptTimeZone(ctx context.Context, actor tenancy.Actor, zone string) error {
	f := errs.Fields{}
	if tenancy.CheckTimeZone(f, "time_zone", zone); f.Err() != nil {
		return nil
	}
	return a.tx(ctx, func(q store.Q, out *outbox) error {
		done, err := q.AdoptTimeZone(ctx, actor.AccountID, zone)
		if err != nil || !done {
			return err
		}
		acct, err := q.Account(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.AccountUpdated, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "account.updated", map[string][2]any{"time_zone": {"", zone}})
	})
}
