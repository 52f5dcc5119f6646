package authhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"maillage/internal/auth/authhttp"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

func init() {
	// CSV answers use ";" (Excel in French): checked as files, not parsed.
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.FileBodyDecoder)
}

// TestOpenAPIAccounts: the accounts routes are in the OpenAPI document, and
// their answers match it.
func TestOpenAPIAccounts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		res := e.anon().do("GET", "/api/v1/openapi.json", nil)
		doc, err := openapi3.NewLoader().LoadFromData(res.body)
		must(t, err)
		must(t, doc.Validate(context.Background()))
		for _, p := range []string{"/auth/login", "/auth/me", "/auth/tokens", "/auth/tokens/{id}", "/auth/invitations/{token}", "/auth/password",
			"/auth/me/export", "/admin/organisations", "/admin/users", "/admin/invitations", "/admin/audit", "/admin/audit/export", "/admin/partnerships"} {
			if doc.Paths.Find(p) == nil && doc.Paths.Find("/api/v1"+p) == nil {
				t.Errorf("OpenAPI document lacks %s", p)
			}
		}
		router, err := legacy.NewRouter(doc)
		must(t, err)
		check := func(c *client, method, path string, body any) response {
			t.Helper()
			r := c.do(method, path, body)
			var raw []byte
			if body != nil {
				raw, _ = json.Marshal(body)
			}
			req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(raw))
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			validate(t, router, req, raw, r)
			return r
		}
		admin := e.login(domain.RoleAdmin)
		check(e.anon(), "POST", "/api/v1/auth/login", map[string]string{"email": "x@y.test", "password": "mauvais"})
		check(admin, "GET", "/api/v1/auth/me", nil)
		check(e.anon(), "GET", "/api/v1/auth/me", nil)
		tok := check(admin, "POST", "/api/v1/auth/tokens", map[string]string{"name": "n"})
		var nt authhttp.NewToken
		must(t, json.Unmarshal(tok.body, &nt))
		check(admin, "GET", "/api/v1/auth/tokens", nil)
		check(admin, "DELETE", fmt.Sprintf("/api/v1/auth/tokens/%d", nt.APIToken.ID), nil)
		check(admin, "GET", "/api/v1/admin/organisations", nil)
		check(admin, "POST", "/api/v1/admin/organisations", map[string]any{"name": "Commune de Vierzon"})
		check(admin, "GET", "/api/v1/admin/users", nil)
		inv := check(admin, "POST", "/api/v1/admin/invitations", map[string]any{"email": "a@b.test", "org_id": e.CAF, "role": "observer"})
		var ni authhttp.NewInvitation
		must(t, json.Unmarshal(inv.body, &ni))
		token := ni.Link[strings.LastIndex(ni.Link, "/")+1:]
		check(e.anon(), "GET", "/api/v1/auth/invitations/"+token, nil)
		check(e.anon(), "POST", "/api/v1/auth/invitations/"+token, map[string]string{"password": "un mot de passe long"})
		check(admin, "GET", "/api/v1/admin/audit?limit=5", nil)
		check(admin, "GET", "/api/v1/admin/audit/export", nil)
		check(admin, "GET", "/api/v1/auth/me/export", nil)
		check(e.login(domain.RoleCAFStaff), "GET", "/api/v1/admin/audit", nil)
	})
}

func validate(t *testing.T, router routers.Router, req *http.Request, raw []byte, r response) {
	t.Helper()
	ctx := context.Background()
	req.Body = io.NopCloser(bytes.NewReader(raw))
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && r.status < 400 {
		t.Errorf("%s %s: accepted (%d) a request the document rejects: %v", req.Method, req.URL.Path, r.status, err)
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	rin.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
		t.Errorf("%s %s: answer %d does not match the document: %v\n%.300s", req.Method, req.URL.Path, r.status, err, r.body)
	}
}
