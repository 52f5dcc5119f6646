package authhttp_test

import (
	"fmt"
	"strings"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestAuditTrail: logins, failures, exports, writes and administration are
// in the audit log, which administrators read and export and nobody else.
func TestAuditTrail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": e.Emails[domain.RoleObserver], "password": "mauvais"})
		obs := e.login(domain.RoleObserver)
		if r := obs.do("GET", "/api/v1/exports/actions?format=csv", nil); r.status != 200 {
			t.Fatalf("export %d", r.status)
		}
		if r := obs.do("GET", "/exports/actions/csv", nil); r.status != 200 {
			t.Fatalf("web export %d", r.status)
		}
		caf := e.login(domain.RoleCAFStaff)
		id := e.Actions[e.CAF][domain.VisibilityPrivate]
		if r := caf.do("DELETE", fmt.Sprintf("/api/v1/actions/%d", id), nil); r.status != 204 {
			t.Fatalf("delete %d %s", r.status, r.body)
		}
		admin := e.login(domain.RoleAdmin)
		admin.do("POST", "/api/v1/admin/partnerships", map[string]any{"org_a": e.Partner, "org_b": e.Other})
		for _, c := range []struct {
			q    string
			user int64
		}{
			{"action=login_failed", e.Users[domain.RoleObserver]},
			{"action=login", e.Users[domain.RoleObserver]},
			{"action=export", e.Users[domain.RoleObserver]},
			{"action=delete&kind=action", e.Users[domain.RoleCAFStaff]},
			{"action=create&kind=partnership", e.Users[domain.RoleAdmin]},
		} {
			r := admin.do("GET", "/api/v1/admin/audit?"+c.q, nil)
			if r.status != 200 || !strings.Contains(string(r.body), fmt.Sprintf(`"user_id":%d`, c.user)) {
				t.Errorf("audit ?%s: %d %.300s", c.q, r.status, r.body)
			}
		}
		r := admin.do("GET", "/api/v1/admin/audit?action=export", nil)
		if strings.Count(string(r.body), `"action":"export"`) < 2 {
			t.Errorf("exports through the API and the web are not both audited: %.500s", r.body)
		}
		r = admin.do("GET", fmt.Sprintf("/api/v1/admin/audit?kind=action&action=delete"), nil)
		if !strings.Contains(string(r.body), `"before":{`) || !strings.Contains(string(r.body), "Action o") {
			t.Errorf("delete entry without the record before: %.500s", r.body)
		}
		csv := admin.do("GET", "/api/v1/admin/audit/export", nil)
		if csv.status != 200 || !strings.HasPrefix(string(csv.body), "\ufeffid;date;") || !strings.Contains(string(csv.body), "login_failed") {
			t.Errorf("audit export: %d %.200s", csv.status, csv.body)
		}
		for _, role := range []string{domain.RoleCAFStaff, domain.RoleObserver, domain.RolePartnerEditor} {
			if r := e.login(role).do("GET", "/api/v1/admin/audit", nil); r.status != 403 {
				t.Errorf("%s reads the audit log: %d", role, r.status)
			}
		}
		if r := e.anon().do("GET", "/api/v1/admin/audit/export", nil); r.status != 401 {
			t.Errorf("the public exports the audit log: %d", r.status)
		}
	})
}
