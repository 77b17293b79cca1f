package app

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/branding"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TXTResolver looks up DNS TXT records (net.Resolver does; tests point one
// at a DNS server of their own).
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// BrandDeps are the deployment's parts of branding.
type BrandDeps struct {
	// Resolver proves custom domains by their _vigilo-challenge TXT record
	// (nil: only the operator's manual verification works).
	Resolver TXTResolver
}

// BrandingView is an account's brand as an actor sees it: its own (empty
// when it has none), the effective one, and whether the actor may change it.
type BrandingView struct {
	Own       branding.Brand
	HasOwn    bool
	Effective branding.Brand
	// Inherited is set when the effective brand is an ancestor's; FromID
	// names that ancestor only when it lies within the actor's own subtree
	// (R10: nothing above the actor is named).
	Inherited bool
	FromID    int64
	// Editable: the actor may set this account's brand (its own or a
	// child's, an integrator with the branding module effective).
	Editable bool
	// Refusal says why not when Editable is false.
	Refusal string
}

// Branding returns account id's brand.
func (a *App) Branding(ctx context.Context, actor tenancy.Actor, id int64) (BrandingView, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, id, tenancy.Read)
	if err != nil {
		return BrandingView{}, err
	}
	own, err := r.Brand(ctx, acct.ID)
	if err != nil {
		return BrandingView{}, err
	}
	v := BrandingView{Own: own, HasOwn: own.Set()}
	eff, ok, err := a.EffectiveBrand(ctx, acct.Path)
	if err != nil {
		return v, err
	}
	v.Effective = eff
	if ok && eff.AccountID != acct.ID {
		v.Inherited = true
		if ids := tenancy.PathIDs(acct.Path); slices.Contains(ids, eff.AccountID) &&
			tenancy.InSubtree(actor.AccountPath, pathUpTo(acct.Path, eff.AccountID)) {
			v.FromID = eff.AccountID
		}
	}
	if err := a.mayBrand(ctx, r, actor, acct); err != nil {
		if e, ok := errs.As(err); ok {
			v.Refusal = e.Message
		}
	} else {
		v.Editable = true
	}
	return v, nil
}

// pathUpTo is the path of the account id on path.
func pathUpTo(path string, id int64) string {
	ids := tenancy.PathIDs(path)
	var b strings.Builder
	b.WriteByte('/')
	for _, x := range ids {
		b.WriteString(strconv.FormatInt(x, 10))
		b.WriteByte('/')
		if x == id {
			break
		}
	}
	return b.String()
}

// mayBrand is the rule of who sets a brand: an admin of the account or of
// an account above it (EditProfile), for an integrator, with the branding
// module effective for that integrator (R5: the parent decides whether a
// child may have its own brand). Customers always show their integrator's.
func (a *App) mayBrand(ctx context.Context, q store.Q, actor tenancy.Actor, acct tenancy.Account) error {
	if err := tenancy.Decide(actor, acct, tenancy.EditProfile); err != nil {
		return err
	}
	if acct.Type != tenancy.Integrator {
		return errs.Forbiddenf("forbidden", "customers show their integrator's brand; only integrators set one")
	}
	if err := requireModule(ctx, q, acct.Path, tenancy.ModBranding); err != nil {
		if errs.CodeOf(err) == "module_disabled" {
			return errs.Forbiddenf("module_disabled", "%s cannot have its own brand: the Branding module (branding) is switched off for it", acct.Name)
		}
		return err
	}
	return nil
}

// BrandingInput is a PUT of a brand: the brand's parts and, when Domain is
// not nil, the custom domain ("" removes it).
type BrandingInput struct {
	branding.Input
	Domain *string
}

// SetBranding checks and stores account id's own brand in one transaction:
// every broken rule is reported at once under its field, and nothing is
// written unless all pass.
func (a *App) SetBranding(ctx context.Context, actor tenancy.Actor, id int64, in BrandingInput) (BrandingView, error) {
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, id, tenancy.Read)
		if err != nil {
			return err
		}
		if err := a.mayBrand(ctx, q, actor, acct); err != nil {
			return err
		}
		cur, err := q.Brand(ctx, acct.ID)
		if err != nil {
			return err
		}
		next, ferr := branding.Apply(cur, in.Input)
		f := errs.Fields{}
		if e, ok := errs.As(ferr); ok {
			addFields(f, e.Fields)
		} else if ferr != nil {
			return ferr
		}
		var domain string
		changeDomain := in.Domain != nil && strings.TrimSpace(*in.Domain) != cur.Domain.Name
		if changeDomain && strings.TrimSpace(*in.Domain) != "" {
			if domain, err = branding.ParseDomain(*in.Domain, a.operatorHost()); err != nil {
				f.Add("custom_domain", err.Error())
			} else if domain == cur.Domain.Name {
				changeDomain = false
			} else if _, _, _, err := q.DomainOwner(ctx, domain); err == nil {
				f.Add("custom_domain", "is already taken by another account")
			} else if errs.KindOf(err) != errs.NotFound {
				return err
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		next.AccountID = acct.ID
		next.UpdatedAt = a.Now()
		if err := q.PutBrand(ctx, next); err != nil {
			return err
		}
		detail := map[string]any{"product_name": next.ProductName}
		if changeDomain {
			if domain == "" {
				err = q.RemoveDomain(ctx, acct.ID)
			} else {
				err = q.SetDomain(ctx, acct.ID, domain, branding.NewChallenge(), a.Now())
			}
			if err != nil {
				return err
			}
			detail["custom_domain"] = domain
		}
		out.publish(events.Event{Kind: events.BrandingChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "account.branding", detail)
	})
	if err != nil {
		return BrandingView{}, err
	}
	return a.Branding(ctx, actor, id)
}

func addFields(dst errs.Fields, src map[string]string) {
	for k, v := range src {
		dst.Add(k, v)
	}
}

// DeleteBranding removes account id's own brand and domain: its subtree
// shows the brand above again.
func (a *App) DeleteBranding(ctx context.Context, actor tenancy.Actor, id int64) (BrandingView, error) {
	err := a.tx(ctx, func(q store.Q, out *outbox) error {
		acct, err := a.loadVisible(ctx, q, actor, id, tenancy.Read)
		if err != nil {
			return err
		}
		if err := tenancy.Decide(actor, acct, tenancy.EditProfile); err != nil {
			return err
		}
		if err := q.DeleteBrand(ctx, acct.ID); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.BrandingChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "account.branding_removed", nil)
	})
	if err != nil {
		return BrandingView{}, err
	}
	return a.Branding(ctx, actor, id)
}

// VerifyDomain proves account id's custom domain. The operator may simply
// vouch for it (manual verification); anyone else who may brand the
// account proves it by publishing the challenge in the TXT record
// _vigilo-challenge.<domain>, which is looked up now.
func (a *App) VerifyDomain(ctx context.Context, actor tenancy.Actor, id int64) (BrandingView, error) {
	r := a.Store.R()
	acct, err := a.loadVisible(ctx, r, actor, id, tenancy.Read)
	if err != nil {
		return BrandingView{}, err
	}
	by := "operator"
	if !actor.IsOperator() || !actor.Admin {
		if err := a.mayBrand(ctx, r, actor, acct); err != nil {
			return BrandingView{}, err
		}
		by = "dns"
	}
	d, err := r.DomainOf(ctx, acct.ID)
	if err != nil {
		return BrandingView{}, err
	}
	if d.Name == "" {
		return BrandingView{}, errs.Field("custom_domain", "set a custom domain first")
	}
	if by == "dns" && !d.Verified() {
		if err := a.checkChallenge(ctx, d); err != nil {
			return BrandingView{}, err
		}
	}
	err = a.tx(ctx, func(q store.Q, out *outbox) error {
		if err := q.VerifyDomain(ctx, acct.ID, by, a.Now()); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.BrandingChanged, AccountID: acct.ID, Path: acct.Path})
		return a.audit(ctx, q, actor, acct, "account.domain_verified", map[string]any{"domain": d.Name, "by": by})
	})
	if err != nil {
		return BrandingView{}, err
	}
	return a.Branding(ctx, actor, id)
}

func (a *App) checkChallenge(ctx context.Context, d branding.Domain) error {
	name := branding.ChallengeName(d.Name)
	if a.Brands.Resolver == nil {
		return errs.Conflictf("domain_unverified", "DNS verification is not available here; ask the operator to verify %s", d.Name)
	}
	txts, err := a.Brands.Resolver.LookupTXT(ctx, name)
	switch {
	case err == nil && slices.Contains(txts, d.Challenge):
		return nil
	case err == nil && len(txts) > 0:
		// Say what was found: a stale or mistyped value is the usual slip.
		return errs.Conflictf("domain_unverified", "the TXT record %s holds %q, not %s; correct it and try again (DNS may take a while to show it)",
			name, clipString(strings.Join(txts, " "), 200), d.Challenge)
	}
	return errs.Conflictf("domain_unverified", "no TXT record %s with the value %s was found; publish it and try again (DNS may take a while to show it)", name, d.Challenge)
}

// DomainInfo is one custom domain in the operator's list.
type DomainInfo = store.DomainRow

// Domains lists every custom domain (operator admins only).
func (a *App) Domains(ctx context.Context, actor tenancy.Actor) ([]DomainInfo, error) {
	if !actor.IsOperator() || !actor.Admin {
		return nil, errs.Forbiddenf("forbidden", "only the operator lists every custom domain")
	}
	return a.Store.R().Domains(ctx)
}

// RevokeDomain takes a custom domain away from its account (operator admins
// only): the Host stops showing the brand and gets no new certificate.
func (a *App) RevokeDomain(ctx context.Context, actor tenancy.Actor, name string) error {
	if !actor.IsOperator() || !actor.Admin {
		return errs.Forbiddenf("forbidden", "only the operator revokes custom domains")
	}
	return a.tx(ctx, func(q store.Q, out *outbox) error {
		id, path, d, err := q.DomainOwner(ctx, strings.ToLower(name))
		if err != nil {
			return err
		}
		acct, err := q.Account(ctx, id)
		if err != nil {
			return err
		}
		if err := q.RemoveDomain(ctx, id); err != nil {
			return err
		}
		out.publish(events.Event{Kind: events.BrandingChanged, AccountID: id, Path: path})
		return a.audit(ctx, q, actor, acct, "account.domain_revoked", map[string]any{"domain": d.Name})
	})
}

// operatorHost is the host of the installation's own address.
func (a *App) operatorHost() string {
	u, err := url.Parse(a.Config.BaseURL)
	if err != nil {
		return ""
	}
	return branding.HostOf(u.Host)
}
