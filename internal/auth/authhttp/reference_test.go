package authhttp_test

import (
	"strings"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestIDORReference: a private indicator or perimeter of an organisation is
// invisible to others (by code, in lists, through values); public reference
// data stays open to all.
func TestIDORReference(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		caf := e.login(domain.RoleCAFStaff)
		if r := caf.do("POST", "/api/v1/indicators", map[string]any{"code": "taux_secret", "label": "Taux interne", "visibility": "private"}); r.status != 201 {
			t.Fatalf("create indicator: %d %s", r.status, r.body)
		}
		if r := caf.do("PUT", "/api/v1/indicator-values", []map[string]any{{"territory": "18033", "indicator": "taux_secret", "year": 2024, "value": 42.5}}); r.status >= 300 {
			t.Fatalf("put values: %d %s", r.status, r.body)
		}
		if r := caf.do("POST", "/api/v1/territories", map[string]any{"code": "CTG-PRIVE", "name": "Périmètre de travail", "communes": []string{"18001"}, "visibility": "private"}); r.status != 201 {
			t.Fatalf("create perimeter: %d %s", r.status, r.body)
		}
		for _, role := range allRoles {
			c := e.clientFor(role)
			see := role == domain.RoleAdmin || role == domain.RoleCAFStaff
			want := map[bool]int{true: 200, false: 404}[see]
			for _, path := range []string{"/api/v1/indicators/taux_secret", "/api/v1/territories/CTG-PRIVE"} {
				if r := c.do("GET", path, nil); r.status != want {
					t.Errorf("%s GET %s = %d, want %d", role, path, r.status, want)
				}
			}
			for _, path := range []string{"/api/v1/indicators", "/api/v1/indicator-values?territory=18033&limit=500", "/api/v1/territories?type=perimetre&text=P%C3%A9rim%C3%A8tre", "/api/v1/territories/18033/indicators",
				"/api/v1/exports/indicators?format=json"} {
				r := c.do("GET", path, nil)
				if r.status != 200 {
					t.Errorf("%s GET %s = %d", role, path, r.status)
					continue
				}
				if has := strings.Contains(string(r.body), "taux_secret") || strings.Contains(string(r.body), "CTG-PRIVE"); has != see {
					t.Errorf("%s GET %s: private reference data present = %v", role, path, has)
				}
			}
			if r := c.do("GET", "/api/v1/territories/18033", nil); r.status != 200 {
				t.Errorf("%s GET a public commune: %d", role, r.status)
			}
		}
	})
}
