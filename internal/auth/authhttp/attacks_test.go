package authhttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"maillage/internal/api"
	"maillage/internal/auth"
	"maillage/internal/auth/authhttp"
	"maillage/internal/auth/authtest"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

var visibilities = []domain.Visibility{domain.VisibilityPrivate, domain.VisibilityPartners, domain.VisibilityNetwork, domain.VisibilityPublic}

// canSee is the visibility rule written out independently of auth.Visible:
// who (role acting for org, with partners) sees a record of owner with vis.
func (e *env) canSee(role string, vis domain.Visibility, owner int64) bool {
	org := map[string]int64{domain.RoleAdmin: 1, domain.RoleCAFStaff: e.CAF, domain.RolePartnerEditor: e.Partner,
		domain.RolePartnerReader: e.Partner, domain.RoleObserver: e.Other}[role]
	switch {
	case role == domain.RoleAdmin:
		return true
	case vis == domain.VisibilityPublic:
		return true
	case role == domain.RolePublic:
		return false
	case vis == domain.VisibilityNetwork:
		return true
	case owner == org:
		return true
	case vis == domain.VisibilityPartners:
		return (org == e.CAF && owner == e.Partner) || (org == e.Partner && owner == e.CAF)
	}
	return false
}

func (e *env) clientFor(role string) *client {
	if role == domain.RolePublic {
		return e.anon()
	}
	return e.login(role)
}

var allRoles = []string{domain.RolePublic, domain.RoleAdmin, domain.RoleCAFStaff, domain.RolePartnerEditor, domain.RolePartnerReader, domain.RoleObserver}

func listIDs(t *testing.T, res response) []int64 {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	var l api.List[struct {
		ID int64 `json:"id"`
	}]
	must(t, json.Unmarshal(res.body, &l))
	if l.Total != len(l.Items) {
		t.Fatalf("total %d for %d items (page too small?)", l.Total, len(l.Items))
	}
	var ids []int64
	for _, it := range l.Items {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestIDORReads: another organisation's record the policy hides answers 404
// by id (API and web), is absent from lists, filters and exports, and its
// count does not leak.
func TestIDORReads(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		orgs := []int64{1, e.CAF, e.Partner, e.Other}
		for _, role := range allRoles {
			c := e.clientFor(role)
			var want []int64
			for _, org := range orgs {
				for _, v := range visibilities {
					id := e.Actions[org][v]
					see := e.canSee(role, v, org)
					if see {
						want = append(want, id)
					}
					wantStatus := map[bool]int{true: 200, false: 404}[see]
					for _, path := range []string{"/api/v1/actions/%d", "/actions/%d"} {
						res := c.do("GET", fmt.Sprintf(path, id), nil)
						if res.status != wantStatus {
							t.Errorf("%s GET "+path+" (org %d, %s) = %d, want %d", role, id, org, v, res.status, wantStatus)
						}
					}
				}
			}
			slices.Sort(want)
			for _, q := range []string{"", "?theme=parentalite", "?q=Action", "?territory=18033", "?territory=18", "?sort=-title", "?year=2024"} {
				sep := "?"
				if q != "" {
					sep = "&"
				}
				got := listIDs(t, c.do("GET", "/api/v1/actions"+q+sep+"limit=500", nil))
				if !slices.Equal(got, want) {
					t.Errorf("%s GET /api/v1/actions%s = %v, want %v", role, q, got, want)
				}
			}
			// Fundings follow their own visibility (the same as their action's here).
			got := listIDs(t, c.do("GET", "/api/v1/fundings?limit=500", nil))
			if len(got) != len(want) {
				t.Errorf("%s sees %d fundings, want %d", role, len(got), len(want))
			}
			// Exports: every format, API and web.
			for _, path := range []string{"/api/v1/exports/actions?format=csv", "/api/v1/exports/actions?format=json", "/exports/actions/csv"} {
				res := c.do("GET", path, nil)
				if res.status != http.StatusOK {
					t.Errorf("%s GET %s = %d %s", role, path, res.status, trim(res.body))
					continue
				}
				for _, org := range orgs {
					for _, v := range visibilities {
						title := fmt.Sprintf("Action o%d %s", org, v)
						if has := strings.Contains(string(res.body), title); has != e.canSee(role, v, org) {
							t.Errorf("%s export %s: %q present = %v", role, path, title, has)
						}
					}
				}
			}
		}
	})
}

// TestIDORWrites: writes to another organisation's records are refused
// (403 when visible, 404 when not), and a created record belongs to the
// writer's organisation.
func TestIDORWrites(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		ed := e.login(domain.RolePartnerEditor)
		get := func(id int64) map[string]any {
			var m map[string]any
			res := e.login(domain.RoleAdmin).do("GET", fmt.Sprintf("/api/v1/actions/%d", id), nil)
			must(t, json.Unmarshal(res.body, &m))
			return m
		}
		update := func(c *client, id int64) response {
			m := get(id)
			m["title"] = "Modifié par un autre"
			delete(m, "fundings")
			return c.do("PUT", fmt.Sprintf("/api/v1/actions/%d", id), m)
		}
		cases := []struct {
			c      *client
			who    string
			id     int64
			status int
		}{
			{ed, "editor→CAF network", e.Actions[e.CAF][domain.VisibilityNetwork], 403},
			{ed, "editor→CAF partners", e.Actions[e.CAF][domain.VisibilityPartners], 403},
			{ed, "editor→CAF private", e.Actions[e.CAF][domain.VisibilityPrivate], 404},
			{ed, "editor→Other private", e.Actions[e.Other][domain.VisibilityPrivate], 404},
			{ed, "editor→Other public", e.Actions[e.Other][domain.VisibilityPublic], 403},
			{e.login(domain.RolePartnerReader), "reader→own org", e.Actions[e.Partner][domain.VisibilityNetwork], 403},
			{e.login(domain.RoleObserver), "observer→own org", e.Actions[e.Other][domain.VisibilityPrivate], 403},
			{e.login(domain.RoleCAFStaff), "caf→partner public", e.Actions[e.Partner][domain.VisibilityPublic], 403},
			{e.anon(), "public→public", e.Actions[e.CAF][domain.VisibilityPublic], 401},
			{ed, "editor→own", e.Actions[e.Partner][domain.VisibilityPrivate], 200},
		}
		for _, c := range cases {
			if res := update(c.c, c.id); res.status != c.status {
				t.Errorf("PUT %s: %d %s, want %d", c.who, res.status, trim(res.body), c.status)
			}
			if c.status != 200 {
				if title := get(c.id)["title"]; title == "Modifié par un autre" {
					t.Errorf("PUT %s changed the record", c.who)
				}
			}
		}
		for _, c := range []struct {
			id     int64
			status int
		}{{e.Actions[e.CAF][domain.VisibilityNetwork], 403}, {e.Actions[e.CAF][domain.VisibilityPrivate], 404}, {e.Actions[e.Partner][domain.VisibilityPublic], 204}} {
			if res := ed.do("DELETE", fmt.Sprintf("/api/v1/actions/%d", c.id), nil); res.status != c.status {
				t.Errorf("DELETE action %d: %d %s, want %d", c.id, res.status, trim(res.body), c.status)
			}
		}
		// Web form write on another organisation's action.
		form := url.Values{"csrf_token": {ed.csrf}, "title": {"x"}}.Encode()
		if res := ed.do("POST", fmt.Sprintf("/actions/%d/modifier", e.Actions[e.CAF][domain.VisibilityPrivate]), form); res.status != 404 {
			t.Errorf("web POST on invisible action: %d", res.status)
		}
		if res := ed.do("POST", fmt.Sprintf("/actions/%d/modifier", e.Actions[e.CAF][domain.VisibilityNetwork]), form); res.status != 403 && res.status != 400 {
			t.Errorf("web POST on another org's action: %d", res.status)
		} else if get(e.Actions[e.CAF][domain.VisibilityNetwork])["title"] == "x" {
			t.Error("web POST changed another org's action")
		}
		// Funding on an invisible action; creating for another organisation.
		res := ed.do("POST", "/api/v1/fundings", map[string]any{"action_id": e.Actions[e.CAF][domain.VisibilityPrivate], "funder_id": e.Actors[e.Partner], "year": 2024, "amount": 1})
		if res.status != 404 {
			t.Errorf("funding on an invisible action: %d %s", res.status, trim(res.body))
		}
		res = ed.do("POST", "/api/v1/actions", map[string]any{"title": "Nouvelle", "operator_id": e.Actors[e.Partner], "themes": []string{"parentalite"},
			"zone": []string{"18033"}, "owner_org": e.CAF, "visibility": "private"})
		if res.status != 201 {
			t.Fatalf("create: %d %s", res.status, res.body)
		}
		var created domain.Action
		must(t, json.Unmarshal(res.body, &created))
		if created.OwnerOrg != e.Partner {
			t.Errorf("created action owned by %d, want the editor's organisation %d", created.OwnerOrg, e.Partner)
		}
		// Every write above that succeeded is in the audit log with before and after.
		acc := e.acc
		p, err := acc.Audit(bg, domain.AuditFilter{Kind: "action", Action: "update", UserID: e.Users[domain.RolePartnerEditor]})
		must(t, err)
		if p.Total != 1 || !strings.Contains(string(p.Items[0].Before), "Action o") || !strings.Contains(string(p.Items[0].After), "Modifié par un autre") {
			t.Errorf("audit of the update: %+v", p.Items)
		}
		p, _ = acc.Audit(bg, domain.AuditFilter{Kind: "action", Action: "create", UserID: e.Users[domain.RolePartnerEditor]})
		if p.Total != 1 || p.Items[0].OrgID != e.Partner || p.Items[0].Address == "" {
			t.Errorf("audit of the create: %+v", p.Items)
		}
		p, _ = acc.Audit(bg, domain.AuditFilter{Kind: "action", Action: "delete"})
		if p.Total != 1 {
			t.Errorf("audit of deletes: %d entries, want 1", p.Total)
		}
	})
}

// TestCrossSitePost: state-changing requests from another site, or with a
// session cookie but without the session's token, are refused.
func TestCrossSitePost(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		body := map[string]any{"title": "CSRF", "operator_id": e.Actors[e.CAF], "themes": []string{"parentalite"}, "zone": []string{"18033"}}
		c := e.login(domain.RoleCAFStaff)
		cases := []struct {
			name   string
			header map[string]string
			csrf   string
		}{
			{"Origin of another site", map[string]string{"Origin": "https://evil.example"}, c.csrf},
			{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, c.csrf},
			{"no token", nil, ""},
			{"wrong token", nil, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
			{"another session's token", nil, e.login(domain.RoleCAFStaff).csrf},
		}
		for _, tc := range cases {
			x := *c
			x.header = http.Header{}
			for k, v := range tc.header {
				x.header.Set(k, v)
			}
			x.csrf = tc.csrf
			if res := x.do("POST", "/api/v1/actions", body); res.status != http.StatusForbidden {
				t.Errorf("%s: API POST = %d, want 403", tc.name, res.status)
			}
			form := url.Values{"title": {"CSRF"}, "csrf_token": {tc.csrf}}.Encode()
			if res := x.do("POST", "/actions/nouvelle", form); res.status != http.StatusForbidden {
				t.Errorf("%s: web POST = %d, want 403", tc.name, res.status)
			}
			if res := x.do("POST", "/deconnexion", form); res.status != http.StatusForbidden {
				t.Errorf("%s: logout POST = %d, want 403", tc.name, res.status)
			}
		}
		// Login from another site is refused too (login CSRF).
		x := e.anon()
		x.header.Set("Origin", "https://evil.example")
		if res := x.do("POST", "/api/v1/auth/login", map[string]string{"email": e.Emails[domain.RoleCAFStaff], "password": password}); res.status != http.StatusForbidden {
			t.Errorf("cross-site login = %d", res.status)
		}
		// With the token and a same-origin request, it works.
		if res := c.do("POST", "/api/v1/actions", body); res.status != http.StatusCreated {
			t.Errorf("legitimate POST = %d %s", res.status, trim(res.body))
		}
		page, _ := e.s.Actions(bg, domain.ActionFilter{Text: "CSRF"})
		if page.Total != 1 {
			t.Errorf("%d actions titled CSRF, want 1 (only the legitimate one)", page.Total)
		}
	})
}

func sessionCookie(t *testing.T, c *client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == auth.SessionCookie {
			return ck.Value
		}
	}
	return ""
}

// TestSessionFixation: a cookie set before login is never adopted; every
// login gets a new id; cookies are HttpOnly and SameSite=Lax; logout and
// password change end sessions; idle and absolute expiry.
func TestSessionFixation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		fixed, _ := auth.NewToken(auth.PrefixSession)
		c := e.anon()
		u, _ := url.Parse(e.srv.URL)
		c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookie, Value: fixed, Path: "/"}})
		res := c.do("POST", "/api/v1/auth/login", map[string]string{"email": e.Emails[domain.RoleCAFStaff], "password": password})
		if res.status != 200 {
			t.Fatalf("login %d", res.status)
		}
		var me authhttp.Me
		must(t, json.Unmarshal(res.body, &me))
		c.csrf = me.CSRFToken
		got := sessionCookie(t, c, e.srv.URL)
		if got == "" || got == fixed {
			t.Fatalf("session cookie after login = %q (fixed %q)", got, fixed)
		}
		sc := res.header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(sc, want) {
				t.Errorf("Set-Cookie %q lacks %s", sc, want)
			}
		}
		if strings.Contains(sc, "Secure") {
			t.Errorf("Secure cookie on plain HTTP without --secure-cookies: %q", sc)
		}
		// The attacker's value authenticates nobody.
		att := e.anon()
		att.hc.Jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookie, Value: fixed, Path: "/"}})
		if res := att.do("GET", "/api/v1/auth/me", nil); res.status != http.StatusUnauthorized {
			t.Errorf("fixed cookie: /auth/me = %d", res.status)
		}
		// A second login gives another id.
		c2 := e.login(domain.RoleCAFStaff)
		if sessionCookie(t, c2, e.srv.URL) == got {
			t.Error("two logins share a session id")
		}
		// Logout ends the session server-side: the old cookie is dead.
		stolen := got
		if res := c.do("POST", "/api/v1/auth/logout", map[string]any{}); res.status != 204 {
			t.Fatalf("logout %d", res.status)
		}
		att2 := e.anon()
		att2.hc.Jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookie, Value: stolen, Path: "/"}})
		if res := att2.do("GET", "/api/v1/auth/me", nil); res.status != http.StatusUnauthorized {
			t.Errorf("cookie after logout: %d", res.status)
		}
		// Password change ends every session but the new one.
		c3 := e.login(domain.RoleCAFStaff)
		res = c3.do("POST", "/api/v1/auth/password", map[string]string{"current_password": password, "new_password": "un autre mot de passe long"})
		if res.status != 204 {
			t.Fatalf("password change %d %s", res.status, res.body)
		}
		if res := c2.do("GET", "/api/v1/auth/me", nil); res.status != http.StatusUnauthorized {
			t.Errorf("other session after password change: %d", res.status)
		}
		if res := c3.do("GET", "/api/v1/auth/me", nil); res.status != 200 {
			t.Errorf("new session after password change: %d", res.status)
		}
		// Idle and absolute expiry.
		svc := e.h.Service()
		start := time.Now()
		svc.Now = func() time.Time { return start }
		c4 := e.anon()
		res = c4.do("POST", "/api/v1/auth/login", map[string]string{"email": e.Emails[domain.RoleCAFStaff], "password": "un autre mot de passe long"})
		if res.status != 200 {
			t.Fatalf("login: %d", res.status)
		}
		for i, step := range []time.Duration{110 * time.Minute, 220 * time.Minute, 330 * time.Minute, 440 * time.Minute, 550 * time.Minute, 660 * time.Minute, 715 * time.Minute} {
			svc.Now = func() time.Time { return start.Add(step) }
			if res := c4.do("GET", "/api/v1/auth/me", nil); res.status != 200 {
				t.Fatalf("step %d (%s): active session refused: %d", i, step, res.status)
			}
		}
		svc.Now = func() time.Time { return start.Add(12*time.Hour + time.Minute) }
		if res := c4.do("GET", "/api/v1/auth/me", nil); res.status != http.StatusUnauthorized {
			t.Errorf("after the absolute expiry: %d", res.status)
		}
		svc.Now = func() time.Time { return start }
		c5 := e.anon()
		c5.do("POST", "/api/v1/auth/login", map[string]string{"email": e.Emails[domain.RoleCAFStaff], "password": "un autre mot de passe long"})
		svc.Now = func() time.Time { return start.Add(2*time.Hour + time.Minute) }
		if res := c5.do("GET", "/api/v1/auth/me", nil); res.status != http.StatusUnauthorized {
			t.Errorf("after 2 h idle: %d", res.status)
		}
		svc.Now = time.Now
		// The web interface sends the public to the login page for account pages.
		if res := e.anon().do("GET", "/compte", nil); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/connexion") {
			t.Errorf("/compte as the public: %d %s", res.status, res.header.Get("Location"))
		}
	})
}

// TestStoredXSS stores the payloads in every text field of an actor and an
// action; they come back unchanged in JSON (application/json, nosniff) and
// escaped in HTML.
func TestStoredXSS(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		c := e.login(domain.RoleCAFStaff)
		for i, p := range authtest.XSSPayloads {
			res := c.do("POST", "/api/v1/actors", map[string]any{"name": p, "type": "association", "external_id": p, "visibility": "public"})
			if res.status != 201 {
				t.Fatalf("actor with payload %d: %d %s", i, res.status, res.body)
			}
			var actor domain.Actor
			must(t, json.Unmarshal(res.body, &actor))
			res = c.do("POST", "/api/v1/actions", map[string]any{"title": p, "description": p, "external_id": p, "operator_id": actor.ID,
				"themes": []string{"parentalite"}, "zone": []string{"18033"}, "visibility": "public"})
			if res.status != 201 {
				t.Fatalf("action with payload %d: %d %s", i, res.status, res.body)
			}
			var action domain.Action
			must(t, json.Unmarshal(res.body, &action))
			res = e.anon().do("GET", fmt.Sprintf("/api/v1/actions/%d", action.ID), nil)
			var back domain.Action
			must(t, json.Unmarshal(res.body, &back))
			if back.Title != p || back.Description != p || back.ExternalID != p {
				t.Errorf("payload %d changed in JSON: %+v", i, back)
			}
			if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || res.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("JSON answer served as %q, nosniff %q", ct, res.header.Get("X-Content-Type-Options"))
			}
			for _, path := range []string{fmt.Sprintf("/actions/%d", action.ID), "/actions?q=" + url.QueryEscape(p), "/actions"} {
				html := e.anon().do("GET", path, nil)
				if html.status != 200 {
					t.Errorf("GET %s: %d", path, html.status)
					continue
				}
				if strings.Contains(string(html.body), p) && strings.ContainsAny(p, "<>\"'") {
					t.Errorf("payload %d appears unescaped in %s", i, path)
				}
				if csp := html.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("CSP of %s: %q", path, csp)
				}
			}
		}
		// A payload in the login and account pages.
		res := e.anon().do("GET", "/connexion?retour="+url.QueryEscape(authtest.XSSPayloads[1]), nil)
		if strings.Contains(string(res.body), authtest.XSSPayloads[1]) {
			t.Error("login page reflects the return path unescaped")
		}
	})
}

// TestSQLInjection sends the payloads in every filter of the lists: no
// database error leaks, no hidden row appears.
func TestSQLInjection(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		c := e.login(domain.RolePartnerReader)
		visible := len(listIDs(t, c.do("GET", "/api/v1/actions?limit=500", nil)))
		routes := map[string][]string{
			"/api/v1/actions":          {"territory", "theme", "public", "label", "year", "operator", "funder", "q", "sort", "offset", "limit"},
			"/api/v1/actors":           {"type", "territory", "q", "sort"},
			"/api/v1/fundings":         {"action", "funder", "year"},
			"/api/v1/territories":      {"type", "parent", "text", "within"},
			"/api/v1/indicator-values": {"indicator", "territory", "year"},
			"/api/v1/indicators":       {"q"},
			"/actions":                 {"territoire", "theme", "public", "q", "label", "annee", "page"},
		}
		for path, params := range routes {
			for _, param := range params {
				for _, p := range authtest.SQLPayloads {
					res := c.do("GET", path+"?"+param+"="+url.QueryEscape(p)+"&limit=500", nil)
					for _, m := range authtest.SQLErrorMarkers {
						if strings.Contains(string(res.body), m) && !strings.HasPrefix(path, "/actions") {
							t.Errorf("%s?%s=%q leaks %q: %s", path, param, p, m, trim(res.body))
						}
					}
					if res.status >= 500 {
						t.Errorf("%s?%s=%q: %d %s", path, param, p, res.status, trim(res.body))
					}
					if path == "/api/v1/actions" && res.status == 200 {
						if n := len(listIDs(t, res)); n > visible {
							t.Errorf("%s?%s=%q returned %d rows, more than the %d visible", path, param, p, n, visible)
						}
					}
				}
			}
		}
		// The tables are still there.
		if n := len(listIDs(t, c.do("GET", "/api/v1/actions?limit=500", nil))); n != visible {
			t.Errorf("after the payloads: %d actions, want %d", n, visible)
		}
	})
}

// TestBruteForce: failures are slowed then locked, per account and per
// address, with the same answer whether the account exists or not.
func TestBruteForce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		email := e.Emails[domain.RolePartnerEditor]
		try := func(email, pw string) response {
			return e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": pw})
		}
		var bodies []string
		for i := 0; i < auth.AccountThrottle.LockAfter; i++ {
			e.mu.Lock()
			e.slept = nil
			e.mu.Unlock()
			res := try(email, fmt.Sprintf("mauvais %d", i))
			if res.status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d %s", i, res.status, res.body)
			}
			bodies = append(bodies, strings.ReplaceAll(string(res.body), "", ""))
			e.mu.Lock()
			slowed := len(e.slept) > 0 && e.slept[0] > 0
			e.mu.Unlock()
			if i < auth.AccountThrottle.Free && slowed {
				t.Errorf("attempt %d slowed", i)
			}
			if i > auth.AccountThrottle.Free && !slowed {
				t.Errorf("attempt %d not slowed", i)
			}
		}
		// Locked, even with the right password.
		if res := try(email, password); res.status != http.StatusForbidden || !strings.Contains(string(res.body), "Trop de tentatives") {
			t.Fatalf("after %d failures, right password: %d %s", auth.AccountThrottle.LockAfter, res.status, res.body)
		}
		// Unknown account: the same answer as a wrong password.
		unknown := try("personne@nulle-part.test", "mauvais")
		if unknown.status != http.StatusUnauthorized || string(unknown.body) != bodies[0] {
			t.Errorf("unknown account: %d %s, wrong password: %s", unknown.status, unknown.body, bodies[0])
		}
		// Unknown accounts are locked the same way (no enumeration by lock).
		for i := 0; i < auth.AccountThrottle.LockAfter; i++ {
			try("fantome@nulle-part.test", "x")
		}
		if res := try("fantome@nulle-part.test", "x"); res.status != http.StatusForbidden {
			t.Errorf("unknown account not locked: %d", res.status)
		}
		// Per address: many accounts from one address.
		for i := 0; i < auth.AddressThrottle.LockAfter; i++ {
			try(fmt.Sprintf("u%d@spray.test", i), "x")
		}
		if res := try(e.Emails[domain.RoleObserver], password); res.status != http.StatusForbidden {
			t.Errorf("address not locked after password spraying: %d", res.status)
		}
		// Failures are in the audit log.
		p, err := e.acc.Audit(bg, domain.AuditFilter{Action: "login_failed"})
		must(t, err)
		if p.Total < auth.AccountThrottle.LockAfter {
			t.Errorf("%d login_failed entries", p.Total)
		}
		// The web form gives the same message.
		res := e.anon().do("POST", "/connexion", url.Values{"email": {"autre@nulle-part.test"}, "password": {"x"}}.Encode())
		if !strings.Contains(string(res.body), "Trop de tentatives") {
			t.Errorf("web login from the locked address: %d", res.status)
		}
	})
}

// TestInvitations: tampered, expired and reused links are refused with one
// message; a good one creates the account and opens a session.
func TestInvitations(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		admin := e.login(domain.RoleAdmin)
		res := admin.do("POST", "/api/v1/admin/invitations", map[string]any{"email": "Nouvelle@Partenaire.test", "org_id": e.Partner, "role": "partner_editor"})
		if res.status != 201 {
			t.Fatalf("invite: %d %s", res.status, res.body)
		}
		var ni authhttp.NewInvitation
		must(t, json.Unmarshal(res.body, &ni))
		tok := ni.Link[strings.LastIndex(ni.Link, "/")+1:]
		if !strings.HasPrefix(tok, auth.PrefixInvitation) {
			t.Fatalf("link %s", ni.Link)
		}
		tampered := tok[:len(tok)-1] + string("AB"[strings.IndexByte("AB", tok[len(tok)-1])+1&1])
		if tok[len(tok)-1] != 'A' && tok[len(tok)-1] != 'B' {
			tampered = tok[:len(tok)-1] + "A"
		}
		anon := e.anon()
		var msgs []string
		for _, bad := range []string{tampered, "inv_x", "' OR 1=1 --", tok + "A"} {
			r := anon.do("GET", "/api/v1/auth/invitations/"+url.PathEscape(bad), nil)
			if r.status != 404 {
				t.Errorf("invitation %q: %d", bad, r.status)
			}
			r = anon.do("POST", "/api/v1/auth/invitations/"+url.PathEscape(bad), map[string]string{"password": "un mot de passe long"})
			if r.status != 404 {
				t.Errorf("accept %q: %d", bad, r.status)
			}
			var pb map[string]any
			json.Unmarshal(r.body, &pb)
			msgs = append(msgs, fmt.Sprint(pb["detail"]))
		}
		// Expired.
		svc := e.h.Service()
		svc.Now = func() time.Time { return time.Now().Add(auth.InvitationTTL + time.Minute) }
		if r := anon.do("GET", "/api/v1/auth/invitations/"+tok, nil); r.status != 404 {
			t.Errorf("expired invitation: %d", r.status)
		}
		if r := anon.do("GET", "/invitation/"+tok, nil); r.status != 404 {
			t.Errorf("expired invitation page: %d", r.status)
		}
		svc.Now = time.Now
		// Weak password refused, the link stays usable.
		if r := anon.do("POST", "/api/v1/auth/invitations/"+tok, map[string]string{"password": "court"}); r.status != 400 {
			t.Errorf("weak password: %d %s", r.status, r.body)
		}
		r := anon.do("POST", "/api/v1/auth/invitations/"+tok, map[string]string{"name": "Nouvelle", "password": "un mot de passe long"})
		if r.status != 200 {
			t.Fatalf("accept: %d %s", r.status, r.body)
		}
		var me authhttp.Me
		must(t, json.Unmarshal(r.body, &me))
		if me.Principal == nil || me.Principal.Role != domain.RolePartnerEditor || me.Principal.OrgID != e.Partner || me.User.Email != "nouvelle@partenaire.test" {
			t.Errorf("after acceptance: %+v", me.Principal)
		}
		anon.csrf = me.CSRFToken
		if r := anon.do("GET", "/api/v1/auth/me", nil); r.status != 200 {
			t.Errorf("session after acceptance: %d", r.status)
		}
		// Reuse.
		r = e.anon().do("POST", "/api/v1/auth/invitations/"+tok, map[string]string{"password": "encore un mot de passe"})
		if r.status != 404 {
			t.Errorf("reused invitation: %d", r.status)
		}
		var pb map[string]any
		json.Unmarshal(r.body, &pb)
		msgs = append(msgs, fmt.Sprint(pb["detail"]))
		for _, m := range msgs {
			if m != msgs[0] {
				t.Errorf("invitation messages differ: %q vs %q", m, msgs[0])
			}
		}
		// Only administrators invite.
		if r := e.login(domain.RoleCAFStaff).do("POST", "/api/v1/admin/invitations", map[string]any{"email": "x@y.test", "org_id": e.CAF, "role": "admin"}); r.status != 403 {
			t.Errorf("caf_staff invites: %d", r.status)
		}
	})
}

// TestAPITokens: tokens have their owner's rights, are shown once, stop
// working when revoked or when the owner leaves the organisation.
func TestAPITokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		owner := e.login(domain.RolePartnerEditor)
		res := owner.do("POST", "/api/v1/auth/tokens", map[string]string{"name": "import nocturne"})
		var nt authhttp.NewToken
		must(t, json.Unmarshal(res.body, &nt))
		script := e.anon()
		script.bearer = nt.Token
		if r := script.do("GET", fmt.Sprintf("/api/v1/actions/%d", e.Actions[e.Partner][domain.VisibilityPrivate]), nil); r.status != 200 {
			t.Errorf("token reads its org's private action: %d", r.status)
		}
		if r := script.do("GET", fmt.Sprintf("/api/v1/actions/%d", e.Actions[e.Other][domain.VisibilityPrivate]), nil); r.status != 404 {
			t.Errorf("token reads another org's private action: %d", r.status)
		}
		// Writes with a token need no CSRF token (no cookie is involved).
		r := script.do("POST", "/api/v1/actions", map[string]any{"title": "Par script", "operator_id": e.Actors[e.Partner], "themes": []string{"parentalite"}, "zone": []string{"18033"}})
		if r.status != 201 {
			t.Errorf("token write: %d %s", r.status, r.body)
		}
		// The list shows no secret.
		r = owner.do("GET", "/api/v1/auth/tokens", nil)
		if strings.Contains(string(r.body), nt.Token) || strings.Contains(string(r.body), auth.HashToken(nt.Token)) {
			t.Error("token list leaks the token or its hash")
		}
		// Another person cannot revoke it.
		if r := e.login(domain.RolePartnerReader).do("DELETE", fmt.Sprintf("/api/v1/auth/tokens/%d", nt.APIToken.ID), nil); r.status != 404 {
			t.Errorf("revoke another's token: %d", r.status)
		}
		if r := owner.do("DELETE", fmt.Sprintf("/api/v1/auth/tokens/%d", nt.APIToken.ID), nil); r.status != 204 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		if r := script.do("GET", "/api/v1/auth/me", nil); r.status != 401 {
			t.Errorf("revoked token: %d", r.status)
		}
		if r := script.do("GET", "/api/v1/actions", nil); r.status != 401 {
			t.Errorf("revoked token on a public route: %d (must not fall back to the public)", r.status)
		}
		// Owner leaves the organisation: the token dies with the membership.
		res = owner.do("POST", "/api/v1/auth/tokens", map[string]string{"name": "deux"})
		must(t, json.Unmarshal(res.body, &nt))
		script.bearer = nt.Token
		must(t, e.acc.DeleteMembership(bg, e.Users[domain.RolePartnerEditor], e.Partner))
		if r := script.do("GET", "/api/v1/auth/me", nil); r.status != 401 {
			t.Errorf("token of a former member: %d", r.status)
		}
		// Junk tokens.
		for _, junk := range []string{"mlg_", "mlg_' OR 1=1 --", "mla_x", "n'importe quoi"} {
			script.bearer = junk
			if r := script.do("GET", "/api/v1/actions", nil); r.status != 401 {
				t.Errorf("junk token %q: %d", junk, r.status)
			}
		}
		// The bootstrap admin token keeps working.
		tok, err := api.NewAdminToken(bg, e.s)
		must(t, err)
		script.bearer = tok
		if r := script.do("GET", fmt.Sprintf("/api/v1/actions/%d", e.Actions[e.Other][domain.VisibilityPrivate]), nil); r.status != 200 {
			t.Errorf("admin token: %d", r.status)
		}
	})
}

// TestAccountDeletion: a person exports their data and deletes their
// account; their records stay, owned by their organisation.
func TestAccountDeletion(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		c := e.login(domain.RolePartnerEditor)
		r := c.do("POST", "/api/v1/actions", map[string]any{"title": "Action d'une partante", "operator_id": e.Actors[e.Partner], "themes": []string{"parentalite"}, "zone": []string{"18033"}, "visibility": "private"})
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var a domain.Action
		must(t, json.Unmarshal(r.body, &a))
		r = c.do("GET", "/api/v1/auth/me/export", nil)
		var pd auth.PersonalData
		must(t, json.Unmarshal(r.body, &pd))
		if r.status != 200 || pd.User == nil || pd.User.Email != e.Emails[domain.RolePartnerEditor] || len(pd.Memberships) != 1 || len(pd.Audit) == 0 {
			t.Fatalf("export: %d %+v", r.status, pd)
		}
		if strings.Contains(string(r.body), "argon2") {
			t.Error("the export contains the password hash")
		}
		if r := c.do("DELETE", "/api/v1/auth/me", map[string]string{"password": "pas le bon"}); r.status != 400 {
			t.Errorf("deletion with a wrong password: %d", r.status)
		}
		if r := c.do("DELETE", "/api/v1/auth/me", map[string]string{"password": password}); r.status != 204 {
			t.Fatalf("deletion: %d %s", r.status, r.body)
		}
		if r := c.do("GET", "/api/v1/auth/me", nil); r.status != 401 {
			t.Errorf("session after deletion: %d", r.status)
		}
		if r := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": e.Emails[domain.RolePartnerEditor], "password": password}); r.status != 401 {
			t.Errorf("login after deletion: %d", r.status)
		}
		// The record stays, owned by the organisation, readable by a colleague.
		r = e.login(domain.RolePartnerReader).do("GET", fmt.Sprintf("/api/v1/actions/%d", a.ID), nil)
		var back domain.Action
		json.Unmarshal(r.body, &back)
		if r.status != 200 || back.OwnerOrg != e.Partner {
			t.Errorf("record after deletion: %d owner %d", r.status, back.OwnerOrg)
		}
	})
}
