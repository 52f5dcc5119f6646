package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"maillage/internal/api"
	"maillage/internal/domain"
)

// tenv is an API served over real HTTP on a real store, whose every exchange
// is validated against the OpenAPI document.
type tenv struct {
	t      *testing.T
	s      domain.Store
	api    *api.Server
	url    string
	token  string
	router routers.Router
	// exercised records the operations the test called (pattern → statuses).
	mu        sync.Mutex
	exercised map[string]map[int]bool
}

func init() {
	// XLSX exports are binary: kin-openapi checks their media type only.
	openapi3filter.RegisterBodyDecoder("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", openapi3filter.FileBodyDecoder)
}

func newEnv(t *testing.T, s domain.Store) *tenv {
	t.Helper()
	ctx := context.Background()
	tok, err := api.NewAdminToken(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	a, err := api.New(s, api.Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(a)
	t.Cleanup(ts.Close)
	doc, err := openapi3.NewLoader().LoadFromData(a.OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &tenv{t: t, s: s, api: a, url: ts.URL, token: tok, router: router, exercised: map[string]map[int]bool{}}
}

type result struct {
	t      *testing.T
	req    string
	Status int
	Header http.Header
	Body   []byte
}

// decode reads the JSON body into v.
func (r *result) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("%s: decoding %q: %v", r.req, r.Body, err)
	}
}

// expect fails the test unless the status is want.
func (r *result) expect(want int) *result {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("%s: status %d, want %d; body: %s", r.req, r.Status, want, r.Body)
	}
	return r
}

// problem decodes a problem+json answer.
func (r *result) problem() api.Problem {
	r.t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		r.t.Fatalf("%s: content type %q, want application/problem+json; body %s", r.req, ct, r.Body)
	}
	var p api.Problem
	r.decode(&p)
	if p.Status != r.Status || p.Title == "" || p.Code == "" {
		r.t.Errorf("%s: incomplete problem %+v", r.req, p)
	}
	return p
}

// fields returns the field names of a problem's errors.
func (r *result) fields() []string {
	r.t.Helper()
	var out []string
	for _, f := range r.problem().Errors {
		out = append(out, f.Field)
	}
	return out
}

// expectFields fails unless the problem names each of the fields.
func (r *result) expectFields(fields ...string) {
	r.t.Helper()
	got := r.fields()
	for _, f := range fields {
		found := false
		for _, g := range got {
			if g == f {
				found = true
			}
		}
		if !found {
			r.t.Errorf("%s: errors %v do not name %q; body %s", r.req, got, f, r.Body)
		}
	}
}

// Header options for do.
type hdr map[string]string

// auth is the admin token header.
func (e *tenv) auth() hdr { return hdr{"Authorization": "Bearer " + e.token} }

// do sends a request (body: nil, a string of raw JSON, or a value to encode)
// and validates the exchange against the OpenAPI document.
func (e *tenv) do(method, path string, body any, h hdr) *result {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &result{t: e.t, req: method + " " + path, Status: resp.StatusCode, Header: resp.Header, Body: out}
	e.validate(req, raw, r)
	return r
}

// validate checks the exchange against the document: the response always,
// the request when the API accepted it.
func (e *tenv) validate(req *http.Request, raw []byte, r *result) {
	e.t.Helper()
	ctx := context.Background()
	vreq := req.Clone(ctx)
	vreq.Body = io.NopCloser(bytes.NewReader(raw))
	route, params, err := e.router.FindRoute(vreq)
	if err != nil {
		if r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed {
			e.t.Errorf("%s: no route in the OpenAPI document (%v), yet answered %d", r.req, err, r.Status)
		}
		return
	}
	e.mu.Lock()
	key := route.Method + " " + route.Path
	if e.exercised[key] == nil {
		e.exercised[key] = map[int]bool{}
	}
	e.exercised[key][r.Status] = true
	e.mu.Unlock()
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && r.Status < 400 {
		e.t.Errorf("%s: the API accepted (%d) a request the OpenAPI document rejects: %v", r.req, r.Status, err)
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: r.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	rin.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
		e.t.Errorf("%s: response %d does not match the OpenAPI document: %v\nbody: %.400s", r.req, r.Status, err, r.Body)
	}
}

// fixture loads a small real-looking territory: région R24, départements
// 18 and 36, two EPCI, four communes, an alias, a geometry, populations,
// and three actors.
type fixture struct {
	caf, assoc, commune int64 // actor ids
}

func loadFixture(t *testing.T, s domain.Store) fixture {
	t.Helper()
	ctx := context.Background()
	b, err := s.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Rollback()
	ter := func(code string, typ domain.TerritoryType, name, dep, parent string) domain.Territory {
		return domain.Territory{Code: code, Type: typ, Name: name, Departement: dep, Region: "R24", Parent: parent}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.UpsertTerritories(ctx, []domain.Territory{
		ter("R24", domain.TypeRegion, "Centre-Val de Loire", "", ""),
		ter("18", domain.TypeDepartement, "Cher", "18", ""),
		ter("36", domain.TypeDepartement, "Indre", "36", ""),
		ter("241800507", domain.TypeEPCI, "CA Bourges Plus", "18", ""),
		ter("200034700", domain.TypeEPCI, "CC Terres du Haut Berry", "18", ""),
		ter("18033", domain.TypeCommune, "Bourges", "18", "241800507"),
		ter("18001", domain.TypeCommune, "Achères", "18", "241800507"),
		ter("18002", domain.TypeCommune, "Ainay-le-Vieil", "18", "200034700"),
		ter("36044", domain.TypeCommune, "Châteauroux", "36", ""),
	}))
	must(b.SetMembers(ctx, "241800507", []string{"18033", "18001"}))
	must(b.SetMembers(ctx, "200034700", []string{"18002"}))
	must(b.UpsertAliases(ctx, []domain.Alias{{Code: "18999", Target: "18033", Name: "Ancienne commune", Reason: "commune-deleguee"}}))
	must(b.PutGeometries(ctx, []domain.Geometry{{Code: "18033", GeoJSON: []byte(`{"type":"Polygon","coordinates":[[[2.3,47.0],[2.5,47.0],[2.5,47.2],[2.3,47.0]]]}`)}}))
	n, err := b.PutIndicatorValues(ctx, func(yield func(domain.IndicatorValue) bool) {
		for _, v := range []domain.IndicatorValue{
			{Territory: "18033", Indicator: "population", Year: 2021, Value: 64668},
			{Territory: "18001", Indicator: "population", Year: 2021, Value: 150},
			{Territory: "18002", Indicator: "population", Year: 2021, Value: 190},
			{Territory: "36044", Indicator: "population", Year: 2021, Value: 43079},
		} {
			if !yield(v) {
				return
			}
		}
	})
	must(err)
	if n != 4 {
		t.Fatalf("fixture: %d values written", n)
	}
	must(b.Commit())
	var f fixture
	for _, a := range []struct {
		id         *int64
		name, typ  string
		commune    string
		territoryC string
	}{
		{&f.caf, "CAF du Cher", "caf", "18033", ""},
		{&f.assoc, "Association Familles de l'Indre", "association", "36044", ""},
		{&f.commune, "Commune de Bourges", "commune", "18033", "18033"},
	} {
		act := domain.Actor{Name: a.name, Type: a.typ, Commune: a.commune, Territory: a.territoryC}
		must(s.CreateActor(ctx, &act))
		*a.id = act.ID
	}
	return f
}

// contains reports whether s holds x.
func contains[T comparable](s []T, x T) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func idsOf(as []domain.Action) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func titles(as []domain.Action) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Title
	}
	return strings.Join(out, ",")
}
