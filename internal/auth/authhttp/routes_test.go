package authhttp_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"maillage/internal/api"
	"maillage/internal/auth"
	"maillage/internal/auth/authhttp"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/testutil"
)

// webPatterns returns the patterns the web interface registers, read from
// its source (internal/web does not list them otherwise).
func webPatterns(t *testing.T) []string {
	dir := filepath.Join(testutil.ModuleRoot(), "internal", "web")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	must(t, err)
	re := regexp.MustCompile(`mux\.Handle(?:Func)?\("([A-Z]+ /[^"]*)"`)
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		must(t, err)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			out = append(out, m[1])
		}
	}
	if len(out) < 5 {
		t.Fatalf("found only %d web routes in %s: the scan is broken", len(out), dir)
	}
	return out
}

// allPatterns returns every route of Maillage: the API's table (with the
// accounts routes), the web interface, the accounts pages.
func allPatterns(t *testing.T, e *env) []string {
	var opts api.Options
	e.h.APIOptions(&opts)
	srv, err := api.New(e.h.Store(), opts)
	must(t, err)
	out := append(srv.Patterns(), webPatterns(t)...)
	out = append(out, authhttp.PagePatterns...)
	sort.Strings(out)
	return out
}

var pathValues = map[string]string{
	"id": "999999", "code": "99999", "kind": "actions", "format": "csv", "token": "inv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"hash": "0", "path...": "x.css", "territory": "99999", "indicator": "x", "year": "2020", "user": "999999", "org": "999999",
	"a": "999998", "b": "999999", "fid": "999999", "rid": "999999",
}

var wildcard = regexp.MustCompile(`\{([a-z_.]+)\}`)

func concretePath(pattern string) string {
	_, path, _ := strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	return wildcard.ReplaceAllStringFunc(path, func(w string) string {
		if v, ok := pathValues[w[1:len(w)-1]]; ok {
			return v
		}
		return "999999"
	})
}

// TestEveryRouteHasAPolicy walks every registered route with every role
// (and the public) and checks the answer against the policy table: allowed
// routes do not answer 401/403 or redirect to the login page; refused ones
// do (401 or login redirect for the public, 403 for the others). It fails
// when a route has no entry in auth.Routes.
func TestEveryRouteHasAPolicy(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		patterns := allPatterns(t, e)
		for _, p := range patterns {
			if _, ok := auth.Routes[p]; !ok {
				t.Errorf("route %q has no policy in auth.Routes", p)
			}
		}
		if t.Failed() {
			return
		}
		roles := append([]string{domain.RolePublic}, func() []string {
			var r []string
			for _, p := range people {
				r = append(r, p.role)
			}
			return r
		}()...)
		checked := 0
		for _, role := range roles {
			for _, pattern := range patterns {
				if pattern == "GET /" {
					continue // the not-found page: any path
				}
				method, _, _ := strings.Cut(pattern, " ")
				c := e.anon()
				var pr *domain.Principal
				if role != domain.RolePublic {
					c = e.login(role)
					pr = &domain.Principal{UserID: e.Users[role], Role: role, OrgID: 1}
				}
				rule := auth.Routes[pattern]
				allowed := auth.CheckRule(pr, rule) == nil
				var body any
				if method != "GET" {
					if strings.HasPrefix(pattern, method+" /api/") {
						body = map[string]any{}
					} else {
						body = "x=1&csrf_token=" + c.csrf
					}
				}
				res := c.do(method, concretePath(pattern), body)
				toLogin := res.status == http.StatusSeeOther && strings.HasPrefix(res.header.Get("Location"), auth.LoginPath)
				refused := res.status == http.StatusUnauthorized || res.status == http.StatusForbidden || toLogin
				if rule.Open {
					// Open routes may still refuse bad credentials (login with
					// an empty body): only the policy's own refusals count.
					refused = toLogin || strings.Contains(string(res.body), "Votre rôle") || strings.Contains(string(res.body), "Connectez-vous")
				}
				switch {
				case allowed && refused:
					t.Errorf("%s as %s: allowed by the policy, answered %d %s", pattern, role, res.status, trim(res.body))
				case !allowed && !refused:
					t.Errorf("%s as %s: refused by the policy, answered %d %s", pattern, role, res.status, trim(res.body))
				case !allowed && role == domain.RolePublic && res.status == http.StatusForbidden:
					t.Errorf("%s as the public: want 401 or the login page, got 403", pattern)
				case !allowed && role != domain.RolePublic && res.status != http.StatusForbidden:
					t.Errorf("%s as %s: want 403, got %d", pattern, role, res.status)
				}
				checked++
			}
		}
		t.Logf("%d routes × %d roles checked", len(patterns), len(roles))
		_ = checked
	})
}

func trim(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
