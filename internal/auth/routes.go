package auth

import (
	"fmt"
	"net/http"
	"sort"
)

// Rule is the policy of a route: the class and action it exercises, or Open
// for routes anyone may call (login, invitation acceptance, static files).
type Rule struct {
	Class  Class
	Action Action
	Open   bool
	// SignedIn routes need a signed-in person whatever the class (logout,
	// organisation switch).
	SignedIn bool
	// NewSession routes (login, invitation acceptance) open a new session
	// and act with no authority of the current one: they need no per-session
	// token (cross-site requests are still refused by CrossOriginProtection).
	NewSession bool
}

func r(c Class, a Action) Rule { return Rule{Class: c, Action: a} }

// signedIn is a rule that also needs a signed-in person (the analysis works
// on the records every organisation shares, not on public ones only).
func signedIn(c Class, a Action) Rule { return Rule{Class: c, Action: a, SignedIn: true} }

var open = Rule{Open: true}

var newSession = Rule{Open: true, NewSession: true}

// Routes maps every route pattern of Maillage (API and web, as registered
// on their ServeMux) to its rule. It is THE route policy: the middleware
// refuses a state-changing request whose route is not listed here, and
// TestEveryRouteHasAPolicy fails when a registered route is missing.
var Routes = map[string]Rule{
	// JSON API: meta.
	"GET /api/v1/openapi.json": open,

	// JSON API: reference data.
	"GET /api/v1/territories":                                        r(Reference, Read),
	"GET /api/v1/territories/{code}":                                 r(Reference, Read),
	"GET /api/v1/territories/{code}/children":                        r(Reference, Read),
	"GET /api/v1/territories/{code}/members":                         r(Reference, Read),
	"GET /api/v1/territories/{code}/geometry":                        r(Reference, Read),
	"GET /api/v1/territories/{code}/indicators":                      r(Reference, Read),
	"POST /api/v1/territories":                                       r(Reference, Create),
	"PUT /api/v1/territories/{code}":                                 r(Reference, Update),
	"DELETE /api/v1/territories/{code}":                              r(Reference, Delete),
	"GET /api/v1/indicators":                                         r(Reference, Read),
	"POST /api/v1/indicators":                                        r(Reference, Create),
	"GET /api/v1/indicators/{code}":                                  r(Reference, Read),
	"PUT /api/v1/indicators/{code}":                                  r(Reference, Update),
	"DELETE /api/v1/indicators/{code}":                               r(Reference, Delete),
	"GET /api/v1/indicator-values":                                   r(Reference, Read),
	"PUT /api/v1/indicator-values":                                   r(Reference, Update),
	"DELETE /api/v1/indicator-values/{territory}/{indicator}/{year}": r(Reference, Delete),
	"GET /api/v1/referentials":                                       r(Reference, Read),
	"POST /api/v1/referentials":                                      r(Reference, Create),

	// JSON API: data.
	"GET /api/v1/actors":           r(Data, Read),
	"POST /api/v1/actors":          r(Data, Create),
	"GET /api/v1/actors/{id}":      r(Data, Read),
	"PUT /api/v1/actors/{id}":      r(Data, Update),
	"DELETE /api/v1/actors/{id}":   r(Data, Delete),
	"GET /api/v1/actions":          r(Data, Read),
	"POST /api/v1/actions":         r(Data, Create),
	"GET /api/v1/actions/{id}":     r(Data, Read),
	"PUT /api/v1/actions/{id}":     r(Data, Update),
	"DELETE /api/v1/actions/{id}":  r(Data, Delete),
	"GET /api/v1/fundings":         r(Data, Read),
	"POST /api/v1/fundings":        r(Data, Create),
	"GET /api/v1/fundings/{id}":    r(Data, Read),
	"PUT /api/v1/fundings/{id}":    r(Data, Update),
	"DELETE /api/v1/fundings/{id}": r(Data, Delete),
	"GET /api/v1/exports/{kind}":   r(Data, Export),
	"GET /api/v1/analysis":         signedIn(Data, Read),
	"GET /api/v1/analysis/explain": signedIn(Data, Read),

	// JSON API: accounts (internal/auth/authapi).
	"POST /api/v1/auth/login":                       newSession,
	"POST /api/v1/auth/logout":                      open,
	"GET /api/v1/auth/me":                           r(Account, Read),
	"POST /api/v1/auth/me/org":                      r(Account, Update),
	"POST /api/v1/auth/password":                    r(Account, Update),
	"GET /api/v1/auth/invitations/{token}":          open,
	"POST /api/v1/auth/invitations/{token}":         newSession,
	"GET /api/v1/auth/tokens":                       r(Account, Read),
	"POST /api/v1/auth/tokens":                      r(Account, Create),
	"DELETE /api/v1/auth/tokens/{id}":               r(Account, Delete),
	"GET /api/v1/auth/me/export":                    r(Account, Export),
	"DELETE /api/v1/auth/me":                        r(Account, Delete),
	"GET /api/v1/admin/organisations":               r(Administration, Read),
	"POST /api/v1/admin/organisations":              r(Administration, Create),
	"PUT /api/v1/admin/organisations/{id}":          r(Administration, Update),
	"GET /api/v1/admin/users":                       r(Administration, Read),
	"DELETE /api/v1/admin/users/{id}":               r(Administration, Delete),
	"PUT /api/v1/admin/memberships":                 r(Administration, Update),
	"DELETE /api/v1/admin/memberships/{user}/{org}": r(Administration, Delete),
	"POST /api/v1/admin/invitations":                r(Administration, Create),
	"POST /api/v1/admin/partnerships":               r(Administration, Create),
	"DELETE /api/v1/admin/partnerships/{a}/{b}":     r(Administration, Delete),
	"GET /api/v1/admin/audit":                       r(Administration, Read),
	"GET /api/v1/admin/audit/export":                r(Administration, Export),

	// Web interface (internal/web).
	"GET /static/{hash}/{path...}":             open,
	"GET /{$}":                                 r(Data, Read),
	"GET /territoires":                         r(Reference, Read),
	"GET /territoires/{code}":                  r(Reference, Read),
	"GET /actions":                             r(Data, Read),
	"GET /actions/nouvelle":                    r(Data, Create),
	"POST /actions/nouvelle":                   r(Data, Create),
	"GET /actions/{id}":                        r(Data, Read),
	"GET /actions/{id}/modifier":               r(Data, Update),
	"POST /actions/{id}/modifier":              r(Data, Update),
	"GET /exports/actions/{format}":            r(Data, Export),
	"GET /analyse":                             signedIn(Data, Read),
	"GET /analyse/explication":                 signedIn(Data, Read),
	"GET /public":                              open,
	"GET /public/{code}":                       open,
	"GET /diagnostics":                         r(Data, Read),
	"GET /conventions":                         r(Data, Read),
	"GET /administration":                      r(Administration, Read),
	"POST /administration/organisations":       r(Administration, Create),
	"POST /administration/invitations":         r(Administration, Create),
	"GET /administration/journal":              r(Administration, Read),
	"GET /administration/journal/export":       r(Administration, Export),
	"GET /administration/imports":              r(Administration, Read),
	"POST /administration/imports":             r(Administration, Create),
	"GET /administration/imports/{job}":        r(Administration, Read),
	"GET /administration/imports/{job}/rejets": r(Administration, Export),
	"GET /accessibilite":                       open,
	"GET /donnees":                             open,
	"GET /":                                    open, // the "page not found" page

	// Web interface: diagnostics, governance bodies, conventions, steering.
	"GET /conventions/{id}":                           r(Data, Read),
	"GET /diagnostics/{id}":                           r(Data, Read),
	"GET /diagnostics/{id}/rapport":                   r(Data, Export),
	"GET /diagnostics/{id}/restitution":               r(Data, Read),
	"GET /instances":                                  r(Data, Read),
	"GET /instances/{id}":                             r(Data, Read),
	"GET /pilotage":                                   r(Data, Read),
	"POST /administration/roles":                      r(Administration, Update),
	"POST /conventions/{id}/fiches/{fid}/mesures":     r(Data, Create),
	"POST /diagnostics/{id}/activites":                r(Data, Create),
	"POST /diagnostics/{id}/constats":                 r(Data, Create),
	"POST /diagnostics/{id}/constats/{fid}/position":  r(Data, Create),
	"POST /diagnostics/{id}/etape":                    r(Data, Update),
	"POST /diagnostics/{id}/portrait":                 r(Data, Create),
	"POST /diagnostics/{id}/restitution":              r(Data, Create),
	"POST /diagnostics/{id}/restitution/{rid}/examen": r(Data, Create),
	"POST /diagnostics/{id}/restitution/{rid}/points": r(Data, Create),
	"POST /instances/{id}/decisions/{did}/suivi":      r(Data, Update),

	// Web interface: accounts pages (internal/auth/authhttp).
	"GET /connexion":                    open,
	"POST /connexion":                   newSession,
	"POST /deconnexion":                 Rule{Open: true},
	"GET /invitation/{token}":           open,
	"POST /invitation/{token}":          newSession,
	"GET /compte":                       r(Account, Read),
	"POST /compte/mot-de-passe":         r(Account, Update),
	"POST /compte/organisation":         r(Account, Update),
	"POST /compte/jetons":               r(Account, Create),
	"POST /compte/jetons/{id}/revoquer": r(Account, Delete),
}

// RoutePatterns returns the patterns of the table, sorted.
func RoutePatterns() []string {
	out := make([]string, 0, len(Routes))
	for p := range Routes {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// routeMux resolves a request to its pattern in Routes with the ServeMux's
// own matching rules (most specific pattern wins, {$}, {path...}).
// Patterns that conflict with another (a ServeMux would panic) are left out
// and returned as errors, which TestRoutesTable reports.
func newRouteMux() (*http.ServeMux, []error) {
	m := http.NewServeMux()
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	var errs []error
	for _, p := range RoutePatterns() {
		func() {
			defer func() {
				if v := recover(); v != nil {
					errs = append(errs, fmt.Errorf("%v", v))
				}
			}()
			m.Handle(p, nop)
		}()
	}
	return m, errs
}
