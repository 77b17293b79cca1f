package app

import (
	"context"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/branding"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Brands are read on every page, sign-in page and mail, and change rarely,
// so each process keeps the effective brand per account path and the brand
// per custom domain. Any change of a brand, a domain, a module switch or
// the tree drops the whole cache (InvalidateBrands): the App does it itself
// after its own transactions commit, and the branding watcher
// (internal/server) does it for every such event on the bus. BrandCacheTTL
// bounds how long another process's change may go unseen.
const BrandCacheTTL = 10 * time.Second

// HostBrand is what a request's Host header brings: the brand of a verified
// custom domain and the subtree it stands for.
type HostBrand struct {
	Brand branding.Brand
	Path  string // the path of the domain's account: sign-in through it is for this subtree
	OK    bool
}

type brandCache struct {
	mu     sync.Mutex
	gen    uint64
	byPath map[string]timed[pathBrand]
	byHost map[string]timed[HostBrand]
	root   string // the operator's path (branding_page.go)
}

type pathBrand struct {
	b  branding.Brand
	ok bool
}

type timed[V any] struct {
	v     V
	until time.Time
}

// lookup returns m's value for k, or load's, which is kept unless the cache
// was invalidated while it loaded (it may predate the change).
func lookup[K comparable, V any](c *brandCache, m *map[K]timed[V], k K, load func() (V, error)) (V, error) {
	now := time.Now()
	c.mu.Lock()
	e, hit := (*m)[k]
	gen := c.gen
	c.mu.Unlock()
	if hit && now.Before(e.until) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if *m == nil || len(*m) >= maxAuthCacheEntries {
			*m = map[K]timed[V]{}
		}
		(*m)[k] = timed[V]{v: v, until: now.Add(BrandCacheTTL)}
	}
	c.mu.Unlock()
	return v, nil
}

// InvalidateBrands drops every cached brand.
func (a *App) InvalidateBrands() {
	c := &a.brands
	c.mu.Lock()
	c.gen++
	c.byPath, c.byHost = nil, nil
	c.mu.Unlock()
}

// BrandEvent reports whether an event can change what a brand cache holds.
func BrandEvent(k events.Kind) bool {
	switch k {
	case events.BrandingChanged, events.ModulesChanged, events.AccountDeleted:
		return true
	}
	return false
}

// EffectiveBrand is the brand the account at path shows: its own or its
// nearest branded ancestor's whose branding module is effective. ok is false
// when none is set anywhere above (the installation's default applies).
func (a *App) EffectiveBrand(ctx context.Context, path string) (branding.Brand, bool, error) {
	p, err := lookup(&a.brands, &a.brands.byPath, path, func() (pathBrand, error) {
		b, ok, err := loadEffectiveBrand(ctx, a.Store.R(), path)
		return pathBrand{b, ok}, err
	})
	return p.b, p.ok, err
}

// BrandForHost is the brand a request's Host shows: the own brand of the
// account holding host as a verified custom domain. Unknown and unverified
// hosts bring nothing.
func (a *App) BrandForHost(ctx context.Context, host string) (HostBrand, error) {
	host = branding.HostOf(host)
	if host == "" {
		return HostBrand{}, nil
	}
	return lookup(&a.brands, &a.brands.byHost, host, func() (HostBrand, error) {
		id, path, d, err := a.Store.R().DomainOwner(ctx, host)
		switch {
		case err == nil && d.Verified():
			// The domain stands only while its account shows its own
			// brand (the branding module may be switched off above it).
			b, _, err := a.EffectiveBrand(ctx, path)
			return HostBrand{Brand: b, Path: path, OK: b.AccountID == id}, err
		case err != nil && errs.KindOf(err) != errs.NotFound:
			return HostBrand{}, err
		}
		return HostBrand{}, nil
	})
}

// DomainVerified reports whether host is a verified custom domain: the
// certificate manager asks before requesting a certificate for it.
func (a *App) DomainVerified(ctx context.Context, host string) (bool, error) {
	h, err := a.BrandForHost(ctx, host)
	return h.OK, err
}

// loadEffectiveBrand is EffectiveBrand without the cache, through q (a
// transaction sees the accounts it has just created).
func loadEffectiveBrand(ctx context.Context, q store.Q, path string) (branding.Brand, bool, error) {
	chain, err := q.PathBrands(ctx, path)
	if err != nil {
		return branding.Brand{}, false, err
	}
	allowed := make([]bool, len(chain))
	branded := false
	for _, b := range chain {
		branded = branded || b.Set()
	}
	if !branded {
		return branding.Brand{}, false, nil
	}
	// The module fold costs a query: only when there is a brand to allow.
	levels, err := q.PathModuleLevels(ctx, path, tenancy.ModBranding)
	if err != nil {
		return branding.Brand{}, false, err
	}
	for i := range levels {
		allowed[i], _ = tenancy.ModuleOn(levels[:i+1], tenancy.ModBranding)
	}
	b, ok := branding.Effective(chain, allowed)
	return b, ok, nil
}
