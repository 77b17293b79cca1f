package web

import (
	"net/http"
	"strconv"

	"github.com/vigilo/vigilo/internal/branding"
	"github.com/vigilo/vigilo/internal/httpx"
)

// A brand's logo, favicon and colours are public: the sign-in page shows
// them before anyone signs in. Only accounts that set a brand have them.
// Pages link them with the brand's version (?v=), so they are cached for a
// year and a changed brand is a new address.

func (p *Portal) registerBrandAssets(mux *http.ServeMux) {
	mux.HandleFunc("GET /brand/{id}/logo", p.brandImage(func(b branding.Brand) branding.Image { return b.Logo }))
	mux.HandleFunc("GET /brand/{id}/favicon", p.brandImage(func(b branding.Brand) branding.Image { return b.Favicon }))
	mux.HandleFunc("GET /brand/{id}/theme.css", p.brandTheme)
}

func (p *Portal) assetBrand(w http.ResponseWriter, r *http.Request) (branding.Brand, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return branding.Brand{}, false
	}
	b, err := p.App.BrandAsset(r.Context(), id)
	if err != nil {
		http.Error(w, http.StatusText(httpx.StatusOf(err)), httpx.StatusOf(err))
		return b, false
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	return b, true
}

func (p *Portal) brandImage(part func(branding.Brand) branding.Image) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, ok := p.assetBrand(w, r)
		if !ok {
			return
		}
		img := part(b)
		if img.Type == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", img.Type) // image/png or image/jpeg: re-encoded by us
		_, _ = w.Write(img.Data)
	}
}

// brandTheme sets the layout's colour variables; the colours were checked
// as #rrggbb when stored, so nothing else reaches the stylesheet.
func (p *Portal) brandTheme(w http.ResponseWriter, r *http.Request) {
	b, ok := p.assetBrand(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	css := ":root {"
	if c, err := branding.ParseColor(b.PrimaryColor); err == nil {
		css += " --brand-primary: " + c + ";"
	}
	if c, err := branding.ParseColor(b.AccentColor); err == nil {
		css += " --accent: " + c + ";"
	}
	_, _ = w.Write([]byte(css + " }\n"))
}
