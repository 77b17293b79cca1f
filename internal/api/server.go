// Package api is the REST API v1 (DESIGN.md §3): JSON over HTTP under
// /api/v1, described by the OpenAPI document built from the same route table
// that registers the handlers, so the two cannot drift apart.
package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/live"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/tunnel"
)

// Server serves the API.
type Server struct {
	App *app.App
	Log *slog.Logger
	// Live serves WebRTC and LL-HLS (api/live.go); nil answers 409.
	Live *live.Service
	// Traffic meters the bytes delivered to live viewers.
	Traffic *live.Meter
	// Agents is the P&P tunnel (api/agent.go); nil answers 409.
	Agents *tunnel.Server
}

// HandlerFunc is an API handler: it returns an error instead of writing one,
// so every failure goes through the same error table.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one API operation: method, path, documentation and handler.
type Route struct {
	Method  string
	Path    string // relative to /api/v1, with {name} wildcards
	Summary string
	Tag     string
	Public  bool // no authentication needed
	// AdminOnly refuses video roles (Guard, Viewer); routes of the admin
	// tags are admin-only whatever this says (see adminTags).
	AdminOnly bool
	Request   any // a value of the request body type, for the schema
	Response  any // a value of the response body type, for the schema
	Query     []Param
	Handler   func(s *Server) HandlerFunc
}

// Param documents a query parameter.
type Param struct{ Name, Type, Description string }

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Register adds every route to mux.
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range Routes() {
		h := rt.Handler(s)
		pattern := rt.Method + " " + Prefix + rt.Path
		switch {
		case rt.Public:
			mux.Handle(pattern, s.wrap(h))
		case rt.adminOnly():
			mux.Handle(pattern, s.wrap(s.authed(adminOnly(h))))
		default:
			mux.Handle(pattern, s.wrap(s.authed(h)))
		}
	}
	mux.Handle("GET "+Prefix+"/openapi.json", s.wrap(s.openAPI))
	// Anything else under /api/ is an API 404 in the API's error format.
	mux.Handle(Prefix+"/", s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return &errs.Error{Kind: errs.NotFound, Code: "route_not_found", Message: "no such API route: " + r.Method + " " + r.URL.Path}
	}))
}

func (s *Server) wrap(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := app.WithRemote(r.Context(), httpx.ClientIP(r))
		r = r.WithContext(app.WithClient(ctx, app.ClientInfo{UserAgent: r.UserAgent(), Host: r.Host}))
		if err := httpx.CheckQuery(r); err != nil {
			httpx.WriteError(w, r, s.Log, err)
			return
		}
		if err := h(w, r); err != nil {
			httpx.WriteError(w, r, s.Log, err)
		}
	})
}

type actorKey struct{}

// authed resolves the caller before the handler runs.
func (s *Server) authed(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		token, fromCookie := httpx.Token(r)
		actor, err := s.App.Authenticate(r.Context(), token)
		if err != nil {
			return err
		}
		// api_access governs programmatic clients. Only a session that the
		// portal's own sign-in form opened, sent back as the cookie, is the
		// portal's page script; the token of POST /auth/login, or a portal
		// session sent as a Bearer token, is a script whatever the header.
		if err := s.App.CheckAPIAccess(app.WithCookieAuth(r.Context(), fromCookie && actor.PortalSession), actor); err != nil {
			return err
		}
		if actor.NeedsTOTP && !totpOpen(r.URL.Path) {
			return app.ErrTOTPEnrolment
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, actor)))
	}
}

// actor is the authenticated caller of the request.
func actor(r *http.Request) tenancy.Actor {
	a, _ := r.Context().Value(actorKey{}).(tenancy.Actor)
	return a
}
