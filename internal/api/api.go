// Package api serves Maillage's JSON API under /api/v1.
//
// Every route is declared once, in a route table (Route values added with
// Server.add): the ServeMux is built from that table and so is the OpenAPI
// document served at /api/v1/openapi.json, so a route cannot exist without a
// description. Handlers are thin over domain.Store: they decode, validate with
// the domain rules, call the store and encode; domain error codes map to HTTP
// statuses in one place (problem.go).
//
// Authentication is a middleware that sets the request's domain.Principal
// (see auth.go): until accounts exist it knows the admin token; the accounts
// work adds Authenticators (sessions, personal API tokens) and an Authorize
// policy through Options, without touching the handlers.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"maillage/internal/analysis"
	"maillage/internal/domain"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// DefaultMaxBodyBytes limits request bodies (indicator value batches are the
// largest legitimate ones).
const DefaultMaxBodyBytes = 8 << 20

// Options configure the API.
type Options struct {
	// Logger receives internal errors; nil means slog.Default().
	Logger *slog.Logger
	// Authenticators are asked in order for the request's principal; the
	// first that answers a non-nil principal or an error wins. nil means
	// []Authenticator{AdminToken{Settings: store}}.
	Authenticators []Authenticator
	// Authorize decides whether the principal may call the route; nil means
	// DefaultAuthorize (reads open, writes need a principal).
	Authorize func(r *http.Request, p *domain.Principal, rt *Route) error
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Analysis is the analysis engine shared with the web interface, for
	// the analysis routes (analysis.go); nil: those routes load their own.
	Analysis *analysis.Engine
	// Routes are more routes for the table (the accounts routes of
	// internal/auth/authhttp), described in the OpenAPI document like the others.
	Routes []*Route
}

// Server is the JSON API: an http.Handler built from its route table.
type Server struct {
	store  domain.Store
	opts   Options
	log    *slog.Logger
	routes []*Route
	mux    *http.ServeMux
	spec   []byte
}

// New builds the API over a store.
func New(store domain.Store, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Authenticators == nil {
		opts.Authenticators = []Authenticator{AdminToken{Settings: store}}
	}
	if opts.Authorize == nil {
		opts.Authorize = DefaultAuthorize
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s := &Server{store: store, opts: opts, log: opts.Logger, mux: http.NewServeMux()}

	// The route table: one call per resource family.
	s.territoryRoutes()
	s.indicatorRoutes()
	s.actorRoutes()
	s.actionRoutes()
	s.fundingRoutes()
	s.referentialRoutes()
	s.exportRoutes()
	// The core routes refuse query parameters they do not declare (a typo
	// such as ?thme= must not silently return everything).
	for _, rt := range s.routes {
		rt.strictQuery = true
	}
	s.registerAnalysisRoutes()
	s.registerDiagnosticRoutes()
	for _, rt := range opts.Routes {
		s.add(rt)
	}
	s.add(&Route{
		Method: "GET", Path: "/openapi.json", Tag: "meta", Kind: "meta", OperationID: "getOpenAPI",
		Summary:  "Document OpenAPI 3.1 de cette API",
		Response: map[string]any{},
		Handle: func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-cache")
			_, err := w.Write(s.spec)
			return err
		},
	})

	for _, rt := range s.routes {
		if err := rt.check(); err != nil {
			return nil, err
		}
		s.mux.Handle(rt.Pattern(), s.wrap(rt))
	}
	// Anything else under the prefix: 404 or 405 as problem+json.
	s.mux.HandleFunc(Prefix+"/", s.notFound)

	spec, err := s.openAPI()
	if err != nil {
		return nil, err
	}
	s.spec = spec
	return s, nil
}

// ServeHTTP authenticates the request, then dispatches it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if domain.PrincipalFrom(r.Context()) == nil {
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if p != nil {
			r = r.WithContext(domain.WithPrincipal(r.Context(), p))
		}
	}
	s.mux.ServeHTTP(w, r)
}

// Routes returns the route table (for the OpenAPI coverage test and the
// accounts policy table test).
func (s *Server) Routes() []*Route { return s.routes }

// Patterns returns the ServeMux patterns registered, in registration order.
func (s *Server) Patterns() []string {
	out := make([]string, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.Pattern()
	}
	return out
}

// Handler returns the handler and the pattern the mux dispatches r to
// (the pattern is Prefix+"/" for unknown routes).
func (s *Server) Handler(r *http.Request) (http.Handler, string) { return s.mux.Handler(r) }

// OpenAPIDocument returns the generated OpenAPI document (JSON).
func (s *Server) OpenAPIDocument() []byte { return s.spec }

// add appends a route to the table. Paths are relative to Prefix.
func (s *Server) add(rt *Route) { s.routes = append(s.routes, rt) }

// wrap turns a route into an http.Handler: body limit, authorization, then
// the handler; a returned error is written as problem+json.
func (s *Server) wrap(rt *Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
		}
		if err := s.opts.Authorize(r, domain.PrincipalFrom(r.Context()), rt); err != nil {
			s.writeError(w, r, err)
			return
		}
		if rt.strictQuery {
			if err := rt.checkQuery(r); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if err := rt.Handle(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// notFound answers unknown paths under the prefix, and 405 with Allow when
// the path exists for other methods.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		probe := r.Clone(context.Background())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != Prefix+"/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, &httpError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Message: "Méthode " + r.Method + " non permise sur " + r.URL.Path + " (permises : " + strings.Join(allow, ", ") + ")"})
		return
	}
	s.writeError(w, r, &httpError{Status: http.StatusNotFound, Code: domain.ENOTFOUND,
		Message: "Aucune route de l'API ne correspond à " + r.URL.Path + " (voir " + Prefix + "/openapi.json)"})
}
