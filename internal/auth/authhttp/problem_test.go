package authhttp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"maillage/internal/api"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

type problemBody struct {
	Type, Title, Code, Detail, Instance string
	Status                              int
}

func decodeProblem(t *testing.T, res response) problemBody {
	t.Helper()
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%d: Content-Type %q, want application/problem+json: %s", res.status, ct, res.body)
	}
	var p problemBody
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatalf("%d: %v: %s", res.status, err, res.body)
	}
	return p
}

// apiProblem is what the API itself writes for a status and code.
func apiProblem(t *testing.T, status int, code string) problemBody {
	t.Helper()
	rec := httptest.NewRecorder()
	api.WriteProblem(rec, httptest.NewRequest("GET", "/x", nil), api.Problem{Status: status, Code: code})
	var p problemBody
	must(t, json.Unmarshal(rec.Body.Bytes(), &p))
	return p
}

// TestMiddlewareProblems: the refusals of the auth middleware have the
// API's format (French title, typed), and a method the path does not have
// is a 405 with Allow, not a policy refusal.
func TestMiddlewareProblems(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)

		for _, c := range []struct {
			name   string
			res    response
			status int
			code   string
		}{
			{"public", e.anon().do("GET", "/api/v1/admin/users", nil), http.StatusUnauthorized, domain.EUNAUTHORIZED},
			{"observer", e.token(domain.RoleObserver).do("POST", "/api/v1/actors", map[string]any{}), http.StatusForbidden, domain.EFORBIDDEN},
		} {
			if c.res.status != c.status {
				t.Fatalf("%s: status %d, want %d: %s", c.name, c.res.status, c.status, c.res.body)
			}
			got, want := decodeProblem(t, c.res), apiProblem(t, c.status, c.code)
			if got.Title != want.Title || got.Type != want.Type || got.Code != c.code || got.Status != c.status {
				t.Errorf("%s: title %q type %q code %q status %d, want title %q type %q (as the API)",
					c.name, got.Title, got.Type, got.Code, got.Status, want.Title, want.Type)
			}
			if got.Instance == "" || got.Detail == "" {
				t.Errorf("%s: no instance or detail: %+v", c.name, got)
			}
		}

		admin := e.token(domain.RoleAdmin)
		for _, c := range []struct{ method, path, allow string }{
			{"POST", "/api/v1/indicator-values", "GET, PUT"},
			{"PATCH", "/api/v1/actors/1", "GET, PUT, DELETE"},
			{"PATCH", "/api/v1/actors", "GET, POST"},
		} {
			res := admin.do(c.method, c.path, map[string]any{})
			if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != c.allow {
				t.Errorf("%s %s: %d Allow %q, want 405 Allow %q: %s", c.method, c.path, res.status, res.header.Get("Allow"), c.allow, res.body)
				continue
			}
			if p := decodeProblem(t, res); p.Title != "Méthode non permise" || p.Type != "urn:maillage:problem:method_not_allowed" {
				t.Errorf("%s %s: %+v", c.method, c.path, p)
			}
		}
		web := e.login(domain.RoleAdmin)
		if res := web.do("PATCH", "/actions", "csrf_token="+web.csrf); res.status != http.StatusMethodNotAllowed || !strings.Contains(res.header.Get("Allow"), "GET") {
			t.Errorf("PATCH /actions: %d Allow %q, want 405", res.status, res.header.Get("Allow"))
		}
	})
}

// TestRouteWithoutPolicyNeverRuns: a state-changing route registered on
// the mux but missing from auth.Routes is refused (403, or 405 when its path
// is a route of another method) and its handler never runs.
func TestRouteWithoutPolicyNeverRuns(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		ran := 0
		mux := http.NewServeMux()
		h := func(w http.ResponseWriter, r *http.Request) { ran++ }
		mux.HandleFunc("POST /sans-politique", h)
		mux.HandleFunc("POST /territoires/{code}", h) // GET has a policy, POST has none
		mux.HandleFunc("PATCH /api/v1/actors/{id}", h)
		srv := httptest.NewServer(e.h.Service().Middleware(mux))
		defer srv.Close()
		for _, c := range []struct {
			method, path string
			status       int
		}{
			{"POST", "/sans-politique", http.StatusForbidden},
			{"POST", "/territoires/18", http.StatusMethodNotAllowed},
			{"PATCH", "/api/v1/actors/1", http.StatusMethodNotAllowed},
		} {
			req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader("{}"))
			must(t, err)
			res, err := http.DefaultClient.Do(req)
			must(t, err)
			res.Body.Close()
			if res.StatusCode != c.status {
				t.Errorf("%s %s: %d, want %d", c.method, c.path, res.StatusCode, c.status)
			}
		}
		if ran != 0 {
			t.Errorf("a route without policy ran %d times", ran)
		}
	})
}
