package app

import (
	"context"

	"github.com/vigilo/vigilo/internal/branding"
)

// PageBrand is what a page shows of a brand: the product name and, when an
// account's brand is in force, the addresses of its logo, favicon and
// colours (each versioned, so browsers may keep them for ever).
type PageBrand struct {
	Product    string
	AccountID  int64 // whose brand; 0: the installation's default
	LogoURL    string
	FaviconURL string
	ThemeURL   string
}

// PageBrandFor is the brand of a page: the effective brand of the account at
// accountPath (the signed-in user's, or a share's sharer); before sign-in,
// the brand of the verified custom domain in host; otherwise the operator's
// own brand, or the installation's name when the operator set none. A
// failure to load falls back to the default: a page must always render.
func (a *App) PageBrandFor(ctx context.Context, accountPath, host string) (PageBrand, error) {
	var b branding.Brand
	var ok bool
	var err error
	switch {
	case accountPath != "":
		b, ok, err = a.EffectiveBrand(ctx, accountPath)
	default:
		var h HostBrand
		if h, err = a.BrandForHost(ctx, host); err == nil {
			b, ok = h.Brand, h.OK
		}
		if err == nil && !ok {
			var root string
			if root, err = a.rootPath(ctx); err == nil {
				b, ok, err = a.EffectiveBrand(ctx, root)
			}
		}
	}
	if err != nil || !ok {
		return PageBrand{Product: a.Config.Product}, err
	}
	return PageBrandOf(b), nil
}

// PageBrandOf is the page view of a brand.
func PageBrandOf(b branding.Brand) PageBrand {
	p := PageBrand{Product: b.ProductName, AccountID: b.AccountID, ThemeURL: BrandAssetPath(b, "theme.css")}
	if b.Logo.Type != "" {
		p.LogoURL = BrandAssetPath(b, "logo")
	}
	if b.Favicon.Type != "" {
		p.FaviconURL = BrandAssetPath(b, "favicon")
	}
	return p
}

// rootPath is the operator's account path, loaded once (the root never
// changes while the process runs).
func (a *App) rootPath(ctx context.Context) (string, error) {
	c := &a.brands
	c.mu.Lock()
	p := c.root
	c.mu.Unlock()
	if p != "" {
		return p, nil
	}
	root, err := a.Store.R().RootAccount(ctx)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.root = root.Path
	c.mu.Unlock()
	return root.Path, nil
}

// PageBrandOfAccount is PageBrandFor the account id (a share's sharer,
// for its public page).
func (a *App) PageBrandOfAccount(ctx context.Context, id int64, host string) (PageBrand, error) {
	acct, err := a.Store.R().Account(ctx, id)
	if err != nil {
		return a.PageBrandFor(ctx, "", host)
	}
	return a.PageBrandFor(ctx, acct.Path, host)
}
