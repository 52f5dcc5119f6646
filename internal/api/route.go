package api

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"maillage/internal/domain"
)

// HandlerFunc is an API handler: it writes the success response itself and
// returns an error for anything else (written as problem+json by the caller).
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one entry of the route table: what the ServeMux dispatches and
// what the OpenAPI document describes.
type Route struct {
	Method      string // GET, POST, PUT, DELETE
	Path        string // relative to Prefix, with {wildcards}: "/actions/{id}"
	OperationID string // unique, camelCase
	Tag         string // OpenAPI tag (resource family)
	// Kind names the resource for the authorization policy: territory,
	// indicator, indicator_value, actor, action, funding, referential,
	// export, meta, analysis. The method gives the operation (GET read,
	// POST create, PUT update, DELETE delete; exports: export).
	Kind        string
	Summary     string // one line (French)
	Description string // optional, longer (French)
	// Params describes query parameters, and path parameters when their
	// type is not string (a path parameter without entry is a string).
	Params []Param
	// Body is a value of the request body's Go type (nil: no body); its JSON
	// schema is derived by reflection.
	Body any
	// Response is a value of the success body's Go type (nil: no body).
	Response any
	// ResponseType is the success media type when Response is JSON of
	// another type than application/json (application/geo+json).
	ResponseType string
	// Status is the success status (0: 200, or 204 when Response is nil).
	Status int
	// Produces lists the success media types when they are not JSON
	// (exports); the schema is then left open.
	Produces []string
	// Write marks state-changing routes: they need a principal (see Authorize).
	Write bool
	// Conditional says the route takes the record version (If-Match or body
	// "version") and answers 409/428.
	Conditional bool
	// ETag says the GET route answers the record version as ETag and 304 Not
	// Modified to a matching If-None-Match.
	ETag   bool
	Handle HandlerFunc

	strictQuery bool // refuse undeclared query parameters (core routes)
}

// Param is a query or path parameter.
type Param struct {
	Name        string
	In          string // "query" (default) or "path"
	Type        string // "string" (default), "integer", "number", "boolean"
	Description string
	Enum        []string
	Required    bool
	Minimum     *float64
	Maximum     *float64
}

// Pattern is the ServeMux pattern of the route.
func (rt *Route) Pattern() string { return rt.Method + " " + Prefix + rt.Path }

// SuccessStatus is the status of a successful answer.
func (rt *Route) SuccessStatus() int {
	switch {
	case rt.Status != 0:
		return rt.Status
	case rt.Response == nil && rt.Produces == nil:
		return http.StatusNoContent
	}
	return http.StatusOK
}

var wildcard = regexp.MustCompile(`\{([a-z_]+)\}`)

// pathParams returns the wildcard names of the path, in order.
func (rt *Route) pathParams() []string {
	var out []string
	for _, m := range wildcard.FindAllStringSubmatch(rt.Path, -1) {
		out = append(out, m[1])
	}
	return out
}

// check rejects an incomplete route, so that the table cannot hold a route
// the OpenAPI document would describe badly.
func (rt *Route) check() error {
	switch rt.Method {
	case "GET", "POST", "PUT", "DELETE":
	default:
		return fmt.Errorf("api: route %s: method %q", rt.Path, rt.Method)
	}
	if !strings.HasPrefix(rt.Path, "/") || rt.OperationID == "" || rt.Summary == "" || rt.Tag == "" || rt.Handle == nil {
		return fmt.Errorf("api: route %s %s: path, operation id, tag, summary and handler are required", rt.Method, rt.Path)
	}
	if rt.Write == (rt.Method == "GET") {
		return fmt.Errorf("api: route %s %s: only non-GET routes are writes", rt.Method, rt.Path)
	}
	for _, p := range rt.Params {
		if p.In == "path" && !strings.Contains(rt.Path, "{"+p.Name+"}") {
			return fmt.Errorf("api: route %s %s: path parameter %q not in the path", rt.Method, rt.Path, p.Name)
		}
	}
	return nil
}

// checkQuery refuses query parameters the route does not declare.
func (rt *Route) checkQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	var known []string
	for _, p := range rt.Params {
		if p.In == "" || p.In == "query" {
			known = append(known, p.Name)
		}
	}
	var bad []domain.FieldError
	for name := range r.URL.Query() {
		if !slices.Contains(known, name) {
			reason := "paramètre inconnu"
			if len(known) > 0 {
				reason += " (attendus : " + strings.Join(known, ", ") + ")"
			}
			bad = append(bad, fieldErr(name, reason))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.SortFunc(bad, func(a, b domain.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return badRequest("Paramètres de requête inconnus.", bad...)
}

func ptr[T any](v T) *T { return &v }
