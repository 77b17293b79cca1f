// Package sharepage serves share links to people without an account: the
// public player page GET /s/{token} and the media behind it. Every request
// goes through app.OpenShare, which decides again as the sharer, so a link
// stops the moment it expires, is revoked, or its maker loses the right.
package sharepage

import (
	_ "embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/live"
)

//go:embed share.html
var pageHTML string

var page = template.Must(template.New("share").Parse(pageHTML))

// Handler serves /s/….
type Handler struct {
	App *app.App
	Log *slog.Logger
	// Live serves the media of live shares (live.go); nil answers 409.
	Live *live.Service
	// Traffic meters the bytes delivered to live share viewers.
	Traffic *live.Meter
}

// Register adds the public share routes.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /s/{token}", h.page)
	mux.HandleFunc("GET /s/{token}/video", h.video)
	h.registerLive(mux)
}

type pageData struct {
	Product, Title, Kind, Base, Start, Duration, Expires, Error string
	// Brand is the sharer's brand (its integrator's, inherited), or the
	// custom domain's when the link is unknown or gone.
	Brand app.PageBrand
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	sh, err := h.App.OpenShare(r.Context(), token, true)
	d := pageData{}
	status := http.StatusOK
	var berr error
	if err == nil {
		d.Brand, berr = h.App.PageBrandOfAccount(r.Context(), sh.Share.AccountID, r.Host)
	} else {
		d.Brand, berr = h.App.PageBrandFor(r.Context(), "", r.Host)
	}
	if berr != nil {
		h.Log.Warn("share page brand", "err", berr) // the page still renders, unbranded
	}
	d.Product = d.Brand.Product
	if err != nil {
		status = httpx.StatusOf(err)
		if status >= 500 {
			h.Log.Error("share page", "err", err)
			d.Error = "Something went wrong; try again later"
		} else if e, ok := errs.As(err); ok {
			d.Error = upper(e.Message)
		}
	} else {
		d.Kind, d.Base, d.Title = sh.Share.Kind, "/s/"+token, sh.Camera.Name
		d.Expires = sh.Share.ExpiresAt.UTC().Format("2 Jan 2006 15:04 UTC")
		if sh.Share.Kind == "clip" {
			d.Title = sh.Clip.Name
			d.Start = sh.Clip.Start.UTC().Format("2 Jan 2006 15:04:05 UTC")
			d.Duration = sh.Clip.Duration.Round(time.Second).String()
		}
	}
	h2 := w.Header()
	h2.Set("Content-Type", "text/html; charset=utf-8")
	h2.Set("Cache-Control", "no-store")
	h2.Set("Referrer-Policy", "no-referrer") // the token is in the URL
	w.WriteHeader(status)
	if err := page.Execute(w, d); err != nil {
		h.Log.Warn("share page", "err", err)
	}
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// video serves a clip share's MP4 with Range; the bytes count as the
// camera's traffic.
func (h *Handler) video(w http.ResponseWriter, r *http.Request) {
	cf, err := h.App.OpenSharedClip(r.Context(), r.PathValue("token"))
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	defer cf.File.Close()
	w.Header().Set("Referrer-Policy", "no-referrer")
	n := httpx.ServeVideo(w, r, cf.File, "clip.mp4", cf.Clip.UpdatedAt, "inline")
	h.App.MeterTraffic(r.Context(), cf.Clip.CameraID, n)
}
