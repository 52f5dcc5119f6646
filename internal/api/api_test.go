package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"maillage/internal/api"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestAPI runs every route's happy path and errors on both databases, over
// real HTTP, validating each exchange against the OpenAPI document; it ends
// by checking that every route of the table was exercised.
func TestAPI(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		e := newEnv(t, s)
		fx := loadFixture(t, s)
		t.Run("auth", func(t *testing.T) { e.t = t; testAuth(e, fx) })
		t.Run("territories", func(t *testing.T) { e.t = t; testTerritories(e) })
		t.Run("perimeters", func(t *testing.T) { e.t = t; testPerimeters(e) })
		t.Run("indicators", func(t *testing.T) { e.t = t; testIndicators(e) })
		t.Run("referentials", func(t *testing.T) { e.t = t; testReferentials(e) })
		t.Run("actors", func(t *testing.T) { e.t = t; testActors(e, fx) })
		t.Run("actions", func(t *testing.T) { e.t = t; testActions(e, fx) })
		t.Run("fundings", func(t *testing.T) { e.t = t; testFundings(e, fx) })
		t.Run("validation", func(t *testing.T) { e.t = t; testValidation(e, fx) })
		t.Run("versions", func(t *testing.T) { e.t = t; testVersions(e, fx) })
		t.Run("concurrency", func(t *testing.T) { e.t = t; testConcurrentUpdates(e, fx) })
		t.Run("exports", func(t *testing.T) { e.t = t; testExports(e, fx) })
		t.Run("misc", func(t *testing.T) { e.t = t; testMisc(e) })
		e.t = t
		// Every route was exercised, with a success and with an error.
		for _, rt := range e.api.Routes() {
			if rt.Kind == "analysis" || ownTested[rt.Kind] {
				continue // the analysis work tests its own routes
			}
			key := rt.Method + " " + api.Prefix + rt.Path
			st := e.exercised[key]
			if st == nil {
				t.Errorf("route %s never exercised", key)
				continue
			}
			ok, bad := false, false
			for code := range st {
				if code < 300 {
					ok = true
				} else {
					bad = true
				}
			}
			if !ok {
				t.Errorf("route %s: no successful exchange in the tests (%v)", key, st)
			}
			noError := rt.Method == "GET" && (rt.Path == "/openapi.json" || rt.Path == "/referentials" || rt.Path == "/indicators")
			if !bad && !noError {
				t.Errorf("route %s: no error exchange in the tests (%v)", key, st)
			}
		}
	})
}

func newAction(fx fixture, title string, mod func(a *domain.Action)) domain.Action {
	a := domain.Action{Title: title, OperatorID: fx.caf, Themes: []string{"parentalite"}, Publics: []string{"parents"},
		Zone: []string{"18033"}, Capacity: 20}
	if mod != nil {
		mod(&a)
	}
	return a
}

func (e *tenv) createAction(a domain.Action) domain.Action {
	e.t.Helper()
	var out domain.Action
	e.do("POST", "/api/v1/actions", a, e.auth()).expect(201).decode(&out)
	return out
}

func date(s string) *domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

func testAuth(e *tenv, fx fixture) {
	t := e.t
	body := domain.Actor{Name: "Sans jeton", Type: "association"}
	r := e.do("POST", "/api/v1/actors", body, nil).expect(401)
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
	r.problem()
	e.do("POST", "/api/v1/actors", body, hdr{"Authorization": "Bearer mla_faux"}).expect(401).problem()
	e.do("POST", "/api/v1/actors", body, hdr{"Authorization": "Bearer autre-chose"}).expect(401)
	e.do("DELETE", fmt.Sprintf("/api/v1/actors/%d", fx.caf), nil, nil).expect(401)
	e.do("PUT", "/api/v1/indicator-values", "[]", nil).expect(401)
	// Nothing was written.
	var l api.List[domain.Actor]
	e.do("GET", "/api/v1/actors?q=Sans+jeton", nil, nil).expect(200).decode(&l)
	if l.Total != 0 {
		t.Errorf("an unauthenticated write went through: %+v", l.Items)
	}
	// Reads are open.
	e.do("GET", fmt.Sprintf("/api/v1/actors/%d", fx.caf), nil, nil).expect(200)
}

func testTerritories(e *tenv) {
	t := e.t
	var d api.TerritoryDetail
	e.do("GET", "/api/v1/territories/18", nil, nil).expect(200).decode(&d)
	if d.Code != "18" || d.Name != "Cher" || d.Type != domain.TypeDepartement {
		t.Errorf("département 18: %+v", d)
	}
	for _, c := range []string{"18033", "18001", "18002"} {
		if !contains(d.Members, c) {
			t.Errorf("département 18 communes %v lack %s", d.Members, c)
		}
	}
	if contains(d.Members, "36044") {
		t.Errorf("département 18 lists 36044")
	}
	var raw map[string]any
	e.do("GET", "/api/v1/territories/18033", nil, nil).expect(200).decode(&raw)
	for _, k := range []string{"code", "name", "type", "population"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("GET /territories/18033 lacks %q: %v", k, raw)
		}
	}
	if raw["population"] != 64668.0 {
		t.Errorf("population of 18033 = %v", raw["population"])
	}
	e.do("GET", "/api/v1/territories/241800507", nil, nil).expect(200).decode(&d)
	if len(d.Members) != 2 || !contains(d.Members, "18033") || !contains(d.Members, "18001") {
		t.Errorf("EPCI communes: %v", d.Members)
	}
	// Alias → the current commune, said so.
	d = api.TerritoryDetail{}
	e.do("GET", "/api/v1/territories/18999", nil, nil).expect(200).decode(&d)
	if d.Code != "18033" || d.RequestedCode != "18999" || d.AliasOf != "18033" {
		t.Errorf("alias 18999: code %s requested %s alias_of %s", d.Code, d.RequestedCode, d.AliasOf)
	}
	e.do("GET", "/api/v1/territories/99999", nil, nil).expect(404).problem()

	// Lists and filters.
	var l api.List[domain.Territory]
	e.do("GET", "/api/v1/territories?type=commune", nil, nil).expect(200).decode(&l)
	if l.Total != 4 || len(l.Items) != 4 {
		t.Errorf("communes: total %d, %d items", l.Total, len(l.Items))
	}
	e.do("GET", "/api/v1/territories?type=commune&within=241800507", nil, nil).expect(200).decode(&l)
	if l.Total != 2 {
		t.Errorf("communes within EPCI: %d", l.Total)
	}
	e.do("GET", "/api/v1/territories?text=bourges", nil, nil).expect(200).decode(&l)
	if l.Total < 1 || l.Items[0].Code != "18033" && l.Items[0].Code != "241800507" {
		t.Errorf("text bourges: %+v", l.Items)
	}
	e.do("GET", "/api/v1/territories?type=commune&limit=1&offset=1", nil, nil).expect(200).decode(&l)
	if l.Total != 4 || len(l.Items) != 1 || l.Links.Next == "" || l.Links.Prev == "" {
		t.Errorf("paging: %+v", l)
	}
	e.do("GET", "/api/v1/territories?type=pays", nil, nil).expect(400).expectFields("type")
	e.do("GET", "/api/v1/territories?within=00000", nil, nil).expect(400).expectFields("within")
	e.do("GET", "/api/v1/territories?type=epci&with_members=true", nil, nil).expect(200).decode(&l)
	if l.Total != 2 || len(l.Items[0].Members) == 0 {
		t.Errorf("with_members: %+v", l.Items)
	}

	// Children.
	codes := func(ts []domain.Territory) []string {
		var out []string
		for _, x := range ts {
			out = append(out, x.Code)
		}
		return out
	}
	e.do("GET", "/api/v1/territories/18/children", nil, nil).expect(200).decode(&l)
	got := codes(l.Items)
	if fmt.Sprint(got) != "[200034700 241800507 18001 18002 18033]" {
		t.Errorf("children of 18: %v", got)
	}
	e.do("GET", "/api/v1/territories/R24/children", nil, nil).expect(200).decode(&l)
	if fmt.Sprint(codes(l.Items)) != "[18 36]" {
		t.Errorf("children of R24: %v", codes(l.Items))
	}
	e.do("GET", "/api/v1/territories/241800507/children", nil, nil).expect(200).decode(&l)
	if fmt.Sprint(codes(l.Items)) != "[18001 18033]" {
		t.Errorf("children of EPCI: %v", codes(l.Items))
	}
	e.do("GET", "/api/v1/territories/nope/children", nil, nil).expect(404)

	// Members.
	e.do("GET", "/api/v1/territories/241800507/members", nil, nil).expect(200).decode(&l)
	if fmt.Sprint(codes(l.Items)) != "[18001 18033]" || l.Total != 2 {
		t.Errorf("members of EPCI: %v", codes(l.Items))
	}
	e.do("GET", "/api/v1/territories/R24/members?limit=2", nil, nil).expect(200).decode(&l)
	if l.Total != 4 || len(l.Items) != 2 {
		t.Errorf("members of R24: total %d, %v", l.Total, codes(l.Items))
	}
	e.do("GET", "/api/v1/territories/nope/members", nil, nil).expect(404)

	// Geometry.
	var f api.Feature
	r := e.do("GET", "/api/v1/territories/18033/geometry", nil, nil).expect(200)
	r.decode(&f)
	if f.Type != "Feature" || f.ID != "18033" || !strings.Contains(string(f.Geometry), "Polygon") || f.Properties.Name != "Bourges" {
		t.Errorf("feature: %+v", f)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("geometry content type %q", ct)
	}
	e.do("GET", "/api/v1/territories/18001/geometry", nil, nil).expect(404).problem()

	// Indicator values of a territory: a group gives its communes' values.
	var vl api.List[domain.IndicatorValue]
	e.do("GET", "/api/v1/territories/241800507/indicators?indicator=population", nil, nil).expect(200).decode(&vl)
	if vl.Total != 2 {
		t.Errorf("values of EPCI: %+v", vl.Items)
	}
	e.do("GET", "/api/v1/territories/18033/indicators?year=2021", nil, nil).expect(200).decode(&vl)
	if vl.Total != 1 || vl.Items[0].Value != 64668 {
		t.Errorf("values of 18033: %+v", vl.Items)
	}
	e.do("GET", "/api/v1/territories/18033/indicators?year=deux", nil, nil).expect(400).expectFields("year")
}

func testPerimeters(e *tenv) {
	t := e.t
	p := map[string]any{"code": "ctg_nord", "type": "perimetre", "name": "CTG Nord", "communes": []string{"241800507", "18002"}}
	var d api.TerritoryDetail
	r := e.do("POST", "/api/v1/territories", p, e.auth()).expect(201)
	r.decode(&d)
	if d.Type != domain.TypePerimeter || len(d.Members) != 3 {
		t.Errorf("perimeter: %+v", d)
	}
	if r.Header.Get("Location") != "/api/v1/territories/ctg_nord" {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	e.do("POST", "/api/v1/territories", p, e.auth()).expect(409).problem()
	e.do("POST", "/api/v1/territories", map[string]any{"code": "x", "type": "commune", "name": "X", "communes": []string{"18033"}}, e.auth()).
		expect(400).expectFields("type")
	e.do("POST", "/api/v1/territories", map[string]any{"code": "y", "name": "", "communes": []string{"00000"}}, e.auth()).
		expect(400).expectFields("name", "communes")
	// Actions of the perimeter's communes are selected by its code.
	var l api.List[domain.Action]
	e.do("GET", "/api/v1/actions?territory=ctg_nord", nil, nil).expect(200).decode(&l)

	// Update with its version.
	p["name"] = "CTG Nord (2025)"
	p["communes"] = []string{"18033"}
	e.do("PUT", "/api/v1/territories/ctg_nord", p, e.auth()).expect(428).expectFields("version")
	p["version"] = d.Version
	e.do("PUT", "/api/v1/territories/ctg_nord", p, e.auth()).expect(200).decode(&d)
	if d.Name != "CTG Nord (2025)" || len(d.Members) != 1 {
		t.Errorf("updated perimeter: %+v", d)
	}
	p["name"] = "périmé"
	e.do("PUT", "/api/v1/territories/ctg_nord", p, e.auth()).expect(409)
	e.do("PUT", "/api/v1/territories/18", p, e.auth()).expect(400).expectFields("type")
	e.do("PUT", "/api/v1/territories/nope", p, e.auth()).expect(404)
	e.do("DELETE", "/api/v1/territories/18", nil, e.auth()).expect(400)
	e.do("DELETE", "/api/v1/territories/ctg_nord", nil, e.auth()).expect(204)
	e.do("DELETE", "/api/v1/territories/ctg_nord", nil, e.auth()).expect(404)
	e.do("GET", "/api/v1/territories/ctg_nord", nil, nil).expect(404)
}

func testIndicators(e *tenv) {
	t := e.t
	var il api.IndicatorList
	e.do("GET", "/api/v1/indicators", nil, nil).expect(200).decode(&il)
	if il.Total < 9 {
		t.Errorf("default catalogue: %d indicators", il.Total)
	}
	ind := domain.Indicator{Code: "places_creche", Label: "Places en crèche", Unit: "places", Source: "CAF", Publics: []string{"enfants_0_3"}}
	var got domain.Indicator
	e.do("POST", "/api/v1/indicators", ind, e.auth()).expect(201).decode(&got)
	if got.Version != 1 || got.Code != "places_creche" {
		t.Errorf("created indicator: %+v", got)
	}
	e.do("POST", "/api/v1/indicators", ind, e.auth()).expect(409)
	e.do("POST", "/api/v1/indicators", domain.Indicator{Code: "Bad Code", Publics: []string{"martiens"}}, e.auth()).
		expect(400).expectFields("code", "label", "publics")
	r := e.do("GET", "/api/v1/indicators/places_creche", nil, nil).expect(200)
	if r.Header.Get("ETag") != `"1"` {
		t.Errorf("ETag %q", r.Header.Get("ETag"))
	}
	e.do("GET", "/api/v1/indicators/inconnu", nil, nil).expect(404)
	got.Label = "Places d'accueil du jeune enfant"
	e.do("PUT", "/api/v1/indicators/places_creche", got, e.auth()).expect(200).decode(&got)
	if got.Version != 2 || got.Label != "Places d'accueil du jeune enfant" {
		t.Errorf("updated: %+v", got)
	}
	got.Version = 1
	e.do("PUT", "/api/v1/indicators/places_creche", got, e.auth()).expect(409)
	e.do("PUT", "/api/v1/indicators/inconnu", got, e.auth()).expect(400).expectFields("code")
	got.Code = ""
	e.do("PUT", "/api/v1/indicators/inconnu", got, e.auth()).expect(404)

	// Values: all or nothing, errors name the element and field.
	vals := []domain.IndicatorValue{
		{Territory: "18033", Indicator: "places_creche", Year: 2023, Value: 420},
		{Territory: "18001", Indicator: "places_creche", Year: 23, Value: 0},
	}
	e.do("PUT", "/api/v1/indicator-values", vals, e.auth()).expect(400).expectFields("[1].year")
	vals[1] = domain.IndicatorValue{Territory: "00000", Indicator: "places_creche", Year: 2023, Value: 1}
	r = e.do("PUT", "/api/v1/indicator-values", vals, e.auth())
	if r.Status != 400 {
		t.Errorf("unknown territory in values: %d %s", r.Status, r.Body)
	}
	var vl api.List[domain.IndicatorValue]
	e.do("GET", "/api/v1/indicator-values?indicator=places_creche", nil, nil).expect(200).decode(&vl)
	if vl.Total != 0 {
		t.Errorf("a rejected batch wrote %d values", vl.Total)
	}
	vals[1] = domain.IndicatorValue{Territory: "18999", Indicator: "places_creche", Year: 2024, Value: 430} // alias
	vals = append(vals, domain.IndicatorValue{Territory: "18002", Indicator: "places_creche", Year: 2023, Value: 12},
		domain.IndicatorValue{Territory: "36044", Indicator: "places_creche", Year: 2023, Value: 300})
	var pr api.PutValuesResult
	e.do("PUT", "/api/v1/indicator-values", vals, e.auth()).expect(200).decode(&pr)
	if pr.Written != 4 {
		t.Errorf("written %d", pr.Written)
	}
	e.do("GET", "/api/v1/indicator-values?indicator=places_creche&territory=241800507", nil, nil).expect(200).decode(&vl)
	if vl.Total != 2 {
		t.Errorf("values in EPCI: %+v", vl.Items)
	}
	e.do("GET", "/api/v1/indicator-values?indicator=places_creche&territory=18&year=2023", nil, nil).expect(200).decode(&vl)
	if vl.Total != 2 {
		t.Errorf("values in 18 for 2023: %+v", vl.Items)
	}
	e.do("GET", "/api/v1/indicator-values?territory=nowhere", nil, nil).expect(400).expectFields("territory")
	e.do("PUT", "/api/v1/indicator-values", `{"territory":"18033"}`, e.auth()).expect(400)
	e.do("DELETE", "/api/v1/indicator-values/36044/places_creche/2023", nil, e.auth()).expect(204)
	e.do("DELETE", "/api/v1/indicator-values/36044/places_creche/2023", nil, e.auth()).expect(404)
	e.do("DELETE", "/api/v1/indicator-values/36044/places_creche/deux", nil, e.auth()).expect(400)
	e.do("DELETE", "/api/v1/indicators/places_creche", nil, e.auth()).expect(204)
	e.do("DELETE", "/api/v1/indicators/places_creche", nil, e.auth()).expect(404)
	e.do("GET", "/api/v1/indicator-values?indicator=places_creche", nil, nil).expect(200).decode(&vl)
	if vl.Total != 0 {
		t.Errorf("values survive their indicator: %d", vl.Total)
	}
}

func testReferentials(e *tenv) {
	t := e.t
	var rs api.ReferentialSet
	e.do("GET", "/api/v1/referentials", nil, nil).expect(200).decode(&rs)
	if len(rs.Themes) < 14 || len(rs.Publics) < 11 || len(rs.ActorTypes) < 12 || len(rs.Labels) == 0 {
		t.Errorf("referentials: %d themes %d publics %d actor types %d labels", len(rs.Themes), len(rs.Publics), len(rs.ActorTypes), len(rs.Labels))
	}
	if rs.Themes[0].Code != "parentalite" || rs.Themes[0].Need != "familles_enfants" {
		t.Errorf("first theme %+v", rs.Themes[0])
	}
	entry := domain.RefEntry{Kind: "theme", Code: "culture", Label: "Culture", Need: "population"}
	e.do("POST", "/api/v1/referentials", entry, e.auth()).expect(201)
	e.do("POST", "/api/v1/referentials", entry, e.auth()).expect(409)
	e.do("POST", "/api/v1/referentials", domain.RefEntry{Kind: "planete", Code: "Mars!", Label: ""}, e.auth()).
		expect(400).expectFields("kind", "code", "label")
	e.do("POST", "/api/v1/referentials", domain.RefEntry{Kind: "label", Code: "x", Label: "X", Need: "population"}, e.auth()).
		expect(400).expectFields("need")
	e.do("GET", "/api/v1/referentials", nil, nil).expect(200).decode(&rs)
	if rs.Themes[len(rs.Themes)-1].Code != "culture" {
		t.Errorf("new theme not last: %+v", rs.Themes[len(rs.Themes)-1])
	}
	// The new theme is usable at once.
	e.createAction(domain.Action{Title: "Atelier théâtre", OperatorID: 1, Themes: []string{"culture"}, Zone: []string{"36044"}})
}

func testActors(e *tenv, fx fixture) {
	t := e.t
	a := domain.Actor{Name: "Centre social Les Gibjoncs", Type: "centre_social", SIREN: "130025265", Commune: "18033"}
	var got domain.Actor
	r := e.do("POST", "/api/v1/actors", a, e.auth()).expect(201)
	r.decode(&got)
	if got.ID == 0 || got.Version != 1 || got.OwnerOrg != 1 || got.Visibility != domain.VisibilityNetwork || got.Source != "maillage" {
		t.Errorf("created actor: %+v", got)
	}
	if r.Header.Get("Location") != "/api/v1/actors/"+strconv.FormatInt(got.ID, 10) {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	var l api.List[domain.Actor]
	e.do("GET", "/api/v1/actors?territory=241800507&sort=name", nil, nil).expect(200).decode(&l)
	if l.Total != 3 || l.Items[0].Name != "CAF du Cher" {
		t.Errorf("actors in EPCI by name: %+v", l.Items)
	}
	e.do("GET", "/api/v1/actors?type=association", nil, nil).expect(200).decode(&l)
	if l.Total != 1 || l.Items[0].ID != fx.assoc {
		t.Errorf("associations: %+v", l.Items)
	}
	e.do("GET", "/api/v1/actors?q=gibjoncs", nil, nil).expect(200).decode(&l)
	if l.Total != 1 {
		t.Errorf("q=gibjoncs: %+v", l.Items)
	}
	e.do("GET", "/api/v1/actors?sort=age", nil, nil).expect(400).expectFields("sort")
	e.do("GET", "/api/v1/actors?territory=xx", nil, nil).expect(400).expectFields("territory")
	e.do("GET", "/api/v1/actors/999999", nil, nil).expect(404)
	e.do("GET", "/api/v1/actors/abc", nil, nil).expect(404)
	got.Name = "Centre social des Gibjoncs"
	var up domain.Actor
	e.do("PUT", fmt.Sprintf("/api/v1/actors/%d", got.ID), got, e.auth()).expect(200).decode(&up)
	if up.Version != 2 || up.Name != got.Name || up.Source != "maillage" {
		t.Errorf("updated actor: %+v", up)
	}
	e.do("PUT", "/api/v1/actors/999999", got, e.auth()).expect(404)
	// An actor operating an action cannot be deleted.
	act := e.createAction(newAction(fx, "Accueil de loisirs", func(a *domain.Action) { a.OperatorID = got.ID }))
	e.do("DELETE", fmt.Sprintf("/api/v1/actors/%d", got.ID), nil, e.auth()).expect(409).problem()
	e.do("DELETE", fmt.Sprintf("/api/v1/actions/%d", act.ID), nil, e.auth()).expect(204)
	e.do("DELETE", fmt.Sprintf("/api/v1/actors/%d", got.ID), nil, e.auth()).expect(204)
	e.do("GET", fmt.Sprintf("/api/v1/actors/%d", got.ID), nil, nil).expect(404)
	e.do("DELETE", fmt.Sprintf("/api/v1/actors/%d", got.ID), nil, e.auth()).expect(404)
}

func testActions(e *tenv, fx fixture) {
	t := e.t
	// A set of actions to filter.
	bourges := e.createAction(newAction(fx, "LAEP Bourges", func(a *domain.Action) {
		a.Labels = []string{"laep"}
		a.StartDate, a.EndDate = date("2020-01-01"), date("2021-12-31")
		a.Capacity = 30
	}))
	epci := e.createAction(newAction(fx, "Relais petite enfance intercommunal", func(a *domain.Action) {
		a.Themes = []string{"petite_enfance"}
		a.Publics = []string{"enfants_0_3"}
		a.Zone = []string{"241800507"}
		a.StartDate = date("2022-09-01")
		a.Capacity = 80
		a.Roles = []domain.ActionRole{{ActorID: fx.commune, Role: domain.RoleCoordinate}}
	}))
	indre := e.createAction(newAction(fx, "Parentalité à Châteauroux", func(a *domain.Action) {
		a.OperatorID = fx.assoc
		a.Zone = []string{"36044"}
		a.Description = "Groupes de parole pour parents"
		a.Capacity = 10
	}))
	ainay := e.createAction(newAction(fx, "Jeunesse Ainay", func(a *domain.Action) {
		a.Themes = []string{"jeunesse"}
		a.Zone = nil
		a.Places = []string{"18002"}
		a.Capacity = 5
	}))
	// A funding by the commune on the EPCI action.
	var fu domain.Funding
	e.do("POST", "/api/v1/fundings", domain.Funding{ActionID: epci.ID, FunderID: fx.commune, Year: 2023, Amount: 15000}, e.auth()).expect(201).decode(&fu)

	list := func(q string) api.List[domain.Action] {
		t.Helper()
		var l api.List[domain.Action]
		e.do("GET", "/api/v1/actions?"+q, nil, nil).expect(200).decode(&l)
		return l
	}
	has := func(q string, want ...domain.Action) {
		t.Helper()
		l := list(q)
		for _, w := range want {
			if !contains(idsOf(l.Items), w.ID) {
				t.Errorf("?%s: %q missing (got %s)", q, w.Title, titles(l.Items))
			}
		}
	}
	hasNot := func(q string, not ...domain.Action) {
		t.Helper()
		l := list(q)
		for _, w := range not {
			if contains(idsOf(l.Items), w.ID) {
				t.Errorf("?%s: %q should not be there", q, w.Title)
			}
		}
	}
	// Territory: an EPCI selects its communes' actions, and a commune the
	// actions of the EPCI it belongs to; a département all of them.
	has("territory=241800507", bourges, epci)
	hasNot("territory=241800507", indre, ainay)
	has("territory=18033", bourges, epci)
	has("territory=18", bourges, epci, ainay)
	hasNot("territory=18", indre)
	has("territory=R24", bourges, epci, ainay, indre)
	has("territory=18999", bourges) // alias
	has("territory=36", indre)
	hasNot("territory=36", bourges)
	// Theme, public, label.
	has("theme=petite_enfance", epci)
	hasNot("theme=petite_enfance", bourges, indre)
	has("public=enfants_0_3", epci)
	hasNot("public=enfants_0_3", bourges)
	has("label=laep", bourges)
	hasNot("label=laep", epci)
	// Year intersects the period; undated actions always.
	has("year=2021", bourges, indre)
	hasNot("year=2021", epci)
	has("year=2023", epci, indre)
	hasNot("year=2023", bourges)
	// Operator and funder.
	has(fmt.Sprintf("operator=%d", fx.assoc), indre)
	hasNot(fmt.Sprintf("operator=%d", fx.assoc), bourges)
	has(fmt.Sprintf("funder=%d", fx.commune), epci)
	hasNot(fmt.Sprintf("funder=%d", fx.commune), bourges, indre)
	// Text in title or description.
	has("q=groupes+de+parole", indre)
	hasNot("q=groupes+de+parole", bourges)
	has("q=laep", bourges)
	// Combined.
	l := list("territory=18&theme=parentalite&year=2021")
	if l.Total != 1 || l.Items[0].ID != bourges.ID {
		t.Errorf("combined filter: %s", titles(l.Items))
	}
	// Sort.
	l = list("territory=R24&sort=title")
	for i := 1; i < len(l.Items); i++ {
		if l.Items[i-1].Title > l.Items[i].Title {
			t.Errorf("sort=title: %s", titles(l.Items))
			break
		}
	}
	l = list("territory=R24&sort=-capacity")
	for i := 1; i < len(l.Items); i++ {
		if l.Items[i-1].Capacity < l.Items[i].Capacity {
			t.Errorf("sort=-capacity: %s", titles(l.Items))
			break
		}
	}
	l = list("sort=-title")
	for i := 1; i < len(l.Items); i++ {
		if l.Items[i-1].Title < l.Items[i].Title {
			t.Errorf("sort=-title: %s", titles(l.Items))
			break
		}
	}
	// Pagination: totals and links.
	all := list("")
	if all.Total < 4 {
		t.Fatalf("total %d", all.Total)
	}
	seen := map[int64]bool{}
	next := "/api/v1/actions?limit=2&sort=id"
	pages := 0
	for next != "" && pages < 20 {
		var p api.List[domain.Action]
		r := e.do("GET", next, nil, nil).expect(200)
		r.decode(&p)
		if p.Total != all.Total || p.Limit != 2 || len(p.Items) > 2 {
			t.Errorf("page %s: total %d limit %d items %d", next, p.Total, p.Limit, len(p.Items))
		}
		if r.Header.Get("X-Total-Count") != strconv.Itoa(all.Total) {
			t.Errorf("X-Total-Count %q", r.Header.Get("X-Total-Count"))
		}
		for _, a := range p.Items {
			if seen[a.ID] {
				t.Errorf("action %d on two pages", a.ID)
			}
			seen[a.ID] = true
		}
		next = p.Links.Next
		pages++
	}
	if len(seen) != all.Total {
		t.Errorf("paging saw %d actions of %d", len(seen), all.Total)
	}
	l = list("limit=500&offset=1000")
	if len(l.Items) != 0 || l.Total != all.Total || l.Links.Prev == "" {
		t.Errorf("beyond the end: %+v", l)
	}
	e.do("GET", "/api/v1/actions?limit=501", nil, nil).expect(400).expectFields("limit")
	e.do("GET", "/api/v1/actions?limit=0&offset=-1&year=abc&operator=x&sort=prix", nil, nil).expect(400).
		expectFields("limit", "offset", "year", "operator", "sort")
	e.do("GET", "/api/v1/actions?territory=00000", nil, nil).expect(400).expectFields("territory")

	// One action: with its fundings and roles.
	var got domain.Action
	r := e.do("GET", fmt.Sprintf("/api/v1/actions/%d", epci.ID), nil, nil).expect(200)
	r.decode(&got)
	if len(got.Fundings) != 1 || got.Fundings[0].Amount != 15000 || len(got.Roles) != 1 || got.Roles[0].Role != "coordinate" {
		t.Errorf("action with fundings and roles: %+v", got)
	}
	if r.Header.Get("ETag") != strconv.Quote(strconv.FormatInt(got.Version, 10)) {
		t.Errorf("ETag %q for version %d", r.Header.Get("ETag"), got.Version)
	}
	e.do("GET", "/api/v1/actions/0", nil, nil).expect(404)
	e.do("GET", "/api/v1/actions/99999999", nil, nil).expect(404).problem()

	// Update (the GET body sent back as is, fundings included: ignored).
	got.Title = "RPE intercommunal"
	var up domain.Action
	e.do("PUT", fmt.Sprintf("/api/v1/actions/%d", epci.ID), got, e.auth()).expect(200).decode(&up)
	if up.Title != "RPE intercommunal" || up.Version != got.Version+1 || len(up.Fundings) != 1 {
		t.Errorf("updated action: %+v", up)
	}
	e.do("PUT", "/api/v1/actions/99999999", got, e.auth()).expect(404)
	e.do("DELETE", fmt.Sprintf("/api/v1/actions/%d", ainay.ID), nil, e.auth()).expect(204)
	e.do("DELETE", fmt.Sprintf("/api/v1/actions/%d", ainay.ID), nil, e.auth()).expect(404)
}

func testFundings(e *tenv, fx fixture) {
	t := e.t
	a := e.createAction(newAction(fx, "CLAS Bourges", nil))
	var f domain.Funding
	r := e.do("POST", "/api/v1/fundings", domain.Funding{ActionID: a.ID, FunderID: fx.caf, Year: 2024, Amount: 12000.5}, e.auth()).expect(201)
	r.decode(&f)
	if f.ID == 0 || f.Version != 1 {
		t.Errorf("funding: %+v", f)
	}
	e.do("POST", "/api/v1/fundings", domain.Funding{ActionID: a.ID, FunderID: fx.caf, Year: 2024, Amount: 1}, e.auth()).expect(409)
	e.do("POST", "/api/v1/fundings", domain.Funding{FunderID: 999999, Year: 1800, Amount: -3}, e.auth()).
		expect(400).expectFields("action_id", "funder_id", "year", "amount")
	e.do("POST", "/api/v1/fundings", domain.Funding{ActionID: a.ID, FunderID: fx.assoc, Year: 2025, Amount: 800}, e.auth()).expect(201)
	var l api.List[domain.Funding]
	e.do("GET", fmt.Sprintf("/api/v1/fundings?action=%d", a.ID), nil, nil).expect(200).decode(&l)
	if l.Total != 2 {
		t.Errorf("fundings of action: %d", l.Total)
	}
	e.do("GET", fmt.Sprintf("/api/v1/fundings?action=%d&funder=%d", a.ID, fx.assoc), nil, nil).expect(200).decode(&l)
	if l.Total != 1 || l.Items[0].Amount != 800 {
		t.Errorf("by funder: %+v", l.Items)
	}
	e.do("GET", fmt.Sprintf("/api/v1/fundings?action=%d&year=2024", a.ID), nil, nil).expect(200).decode(&l)
	if l.Total != 1 || l.Items[0].Year != 2024 {
		t.Errorf("by year: %+v", l.Items)
	}
	e.do("GET", "/api/v1/fundings?funder=abc", nil, nil).expect(400).expectFields("funder")
	e.do("GET", fmt.Sprintf("/api/v1/fundings/%d", f.ID), nil, nil).expect(200)
	e.do("GET", "/api/v1/fundings/99999999", nil, nil).expect(404)
	f.Amount = 13000
	e.do("PUT", fmt.Sprintf("/api/v1/fundings/%d", f.ID), f, hdr{"Authorization": "Bearer " + e.token}).expect(200).decode(&f)
	if f.Amount != 13000 || f.Version != 2 {
		t.Errorf("updated funding %+v", f)
	}
	e.do("PUT", "/api/v1/fundings/99999999", f, e.auth()).expect(404)
	e.do("DELETE", fmt.Sprintf("/api/v1/fundings/%d", f.ID), nil, e.auth()).expect(204)
	e.do("DELETE", fmt.Sprintf("/api/v1/fundings/%d", f.ID), nil, e.auth()).expect(404)
}

func testValidation(e *tenv, fx fixture) {
	t := e.t
	// Every bad field is named.
	bad := domain.Action{Title: " ", OperatorID: 999999, Themes: []string{"astrologie"}, Publics: []string{"martiens"},
		Zone: []string{"99999"}, Capacity: -1, Status: "finie",
		StartDate: date("2024-06-01"), EndDate: date("2024-01-01")}
	r := e.do("POST", "/api/v1/actions", bad, e.auth()).expect(400)
	r.expectFields("title", "operator_id", "themes", "publics", "zone", "capacity", "status", "end_date")
	if !strings.Contains(string(r.Body), "astrologie") {
		t.Errorf("the reason does not name the bad value: %s", r.Body)
	}
	e.do("POST", "/api/v1/actors", domain.Actor{Name: "X", Type: "ovni", SIREN: "123456789"}, e.auth()).
		expect(400).expectFields("type", "siren")
	// Unknown fields, at any depth.
	e.do("POST", "/api/v1/actions", `{"title":"x","operator_id":1,"themes":["enfance"],"zone":["18033"],"capcity":3}`, e.auth()).
		expect(400).expectFields("capcity")
	e.do("POST", "/api/v1/actions", fmt.Sprintf(`{"title":"x","operator_id":%d,"themes":["enfance"],"zone":["18033"],"roles":[{"actor_id":1,"role":"finance","rank":2}]}`, fx.caf), e.auth()).
		expect(400).expectFields("roles[0].rank")
	// Wrong types, bad dates, bad JSON, empty body, wrong media type.
	e.do("POST", "/api/v1/actions", `{"title":"x","capacity":"beaucoup"}`, e.auth()).expect(400).expectFields("capacity")
	e.do("POST", "/api/v1/actions", `{"title":"x","start_date":"32/13/2024"}`, e.auth()).expect(400)
	e.do("POST", "/api/v1/actions", `{"title":`, e.auth()).expect(400).problem()
	e.do("POST", "/api/v1/actions", `{"title":"a"} {"title":"b"}`, e.auth()).expect(400)
	e.do("POST", "/api/v1/actions", ``, e.auth()).expect(400)
	h := e.auth()
	h["Content-Type"] = "text/plain"
	e.do("POST", "/api/v1/actors", `{"name":"x"}`, h).expect(415)
	// Body size is limited.
	big := `[` + strings.Repeat(`{"territory":"18033","indicator":"population","year":2021,"value":1},`, 150000) + `{}]`
	e.do("PUT", "/api/v1/indicator-values", big, e.auth()).expect(413).problem()
	// A valid action in French date format is accepted.
	var a domain.Action
	e.do("POST", "/api/v1/actions", fmt.Sprintf(`{"title":"Ludothèque","operator_id":%d,"themes":["enfance"],"zone":["18033"],"start_date":"01/09/2024"}`, fx.caf), e.auth()).
		expect(201).decode(&a)
	if a.StartDate == nil || a.StartDate.String() != "2024-09-01" {
		t.Errorf("start date %v", a.StartDate)
	}
}

func testVersions(e *tenv, fx fixture) {
	t := e.t
	a := e.createAction(newAction(fx, "Médiation familiale", nil))
	path := fmt.Sprintf("/api/v1/actions/%d", a.ID)
	// Missing version: 428, nothing written.
	noVersion := a
	noVersion.Version = 0
	noVersion.Title = "sans version"
	e.do("PUT", path, noVersion, e.auth()).expect(428).expectFields("version")
	// Version by If-Match.
	h := e.auth()
	h["If-Match"] = `"1"`
	noVersion.Title = "Médiation familiale (If-Match)"
	var up domain.Action
	e.do("PUT", path, noVersion, h).expect(200).decode(&up)
	if up.Version != 2 {
		t.Errorf("version after If-Match update: %d", up.Version)
	}
	// A stale version: 409, the record unchanged.
	stale := a
	stale.Title = "écrasement"
	r := e.do("PUT", path, stale, e.auth()).expect(409)
	if p := r.problem(); p.Code != domain.ECONFLICT {
		t.Errorf("409 code %q", p.Code)
	}
	var cur domain.Action
	e.do("GET", path, nil, nil).expect(200).decode(&cur)
	if cur.Title != "Médiation familiale (If-Match)" || cur.Version != 2 {
		t.Errorf("a stale update changed the record: %+v", cur)
	}
	e.do("PUT", path, stale, h).expect(409) // If-Match "1" is stale too
	h["If-Match"] = `"2"`
	e.do("PUT", path, stale, h).expect(400).expectFields("version") // body 1, header 2
	h["If-Match"] = `W/"x"`
	e.do("PUT", path, noVersion, h).expect(400).expectFields("If-Match")
	// Actors and fundings too.
	var act domain.Actor
	e.do("GET", fmt.Sprintf("/api/v1/actors/%d", fx.assoc), nil, nil).expect(200).decode(&act)
	act.Version = 0
	e.do("PUT", fmt.Sprintf("/api/v1/actors/%d", fx.assoc), act, e.auth()).expect(428)
	act.Version = 99
	e.do("PUT", fmt.Sprintf("/api/v1/actors/%d", fx.assoc), act, e.auth()).expect(409)
}

// testConcurrentUpdates sends two PUTs with the same version at once: one
// wins, the other gets 409, and the winner's write is what is stored.
func testConcurrentUpdates(e *tenv, fx fixture) {
	t := e.t
	for round := range 5 {
		a := e.createAction(newAction(fx, fmt.Sprintf("Concurrence %d", round), nil))
		path := fmt.Sprintf("/api/v1/actions/%d", a.ID)
		var wg sync.WaitGroup
		results := make([]*result, 2)
		for i := range 2 {
			b := a
			b.Title = fmt.Sprintf("écrit par %d", i)
			wg.Go(func() { results[i] = e.do("PUT", path, b, e.auth()) })
		}
		wg.Wait()
		codes := []int{results[0].Status, results[1].Status}
		winner := -1
		switch {
		case codes[0] == 200 && codes[1] == 409:
			winner = 0
		case codes[0] == 409 && codes[1] == 200:
			winner = 1
		default:
			t.Fatalf("round %d: statuses %v, want one 200 and one 409", round, codes)
		}
		var cur domain.Action
		e.do("GET", path, nil, nil).expect(200).decode(&cur)
		if cur.Title != fmt.Sprintf("écrit par %d", winner) || cur.Version != 2 {
			t.Errorf("round %d: stored %q v%d, winner %d", round, cur.Title, cur.Version, winner)
		}
	}
}

func testExports(e *tenv, fx fixture) {
	t := e.t
	r := e.do("GET", "/api/v1/exports/actions?format=csv&territory=241800507", nil, nil).expect(200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("csv content type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="maillage-actions.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !strings.HasPrefix(string(r.Body), "\ufeff") || !strings.Contains(string(r.Body), ";") || !strings.Contains(string(r.Body), "LAEP Bourges") {
		t.Errorf("csv export: %.300s", r.Body)
	}
	if strings.Contains(string(r.Body), "Châteauroux") {
		t.Errorf("territory filter ignored by the export: %.500s", r.Body)
	}
	r = e.do("GET", "/api/v1/exports/actions?format=geojson", nil, nil).expect(200)
	if !strings.Contains(string(r.Body), "FeatureCollection") {
		t.Errorf("geojson export: %.200s", r.Body)
	}
	r = e.do("GET", "/api/v1/exports/actors?format=xlsx", nil, nil).expect(200)
	if !strings.HasPrefix(string(r.Body), "PK") {
		t.Errorf("xlsx export is not a zip: %.20q", r.Body)
	}
	e.do("GET", "/api/v1/exports/territories?format=json", nil, nil).expect(200)
	e.do("GET", "/api/v1/exports/fundings", nil, nil).expect(200)
	e.do("GET", "/api/v1/exports/indicators?format=xlsx&year=2021", nil, nil).expect(200)
	e.do("GET", "/api/v1/exports/actions?format=pdf", nil, nil).expect(400).expectFields("format")
	e.do("GET", "/api/v1/exports/fundings?format=geojson", nil, nil).expect(400).expectFields("format")
	e.do("GET", "/api/v1/exports/actions?territory=nowhere", nil, nil).expect(400).expectFields("territory")
	e.do("GET", "/api/v1/exports/actions?theme=astrologie", nil, nil).expect(400).expectFields("theme")
	e.do("GET", "/api/v1/exports/secrets", nil, nil).expect(404)
}

func testMisc(e *tenv) {
	t := e.t
	r := e.do("GET", "/api/v1/nothing-here", nil, nil).expect(404)
	r.problem()
	r = e.do("PATCH", "/api/v1/actions/1", "{}", e.auth()).expect(405)
	if allow := r.Header.Get("Allow"); allow != "GET, PUT, DELETE" {
		t.Errorf("Allow %q", allow)
	}
	r = e.do("GET", "/api/v1/openapi.json", nil, nil).expect(200)
	if !strings.Contains(string(r.Body), `"openapi": "3.1.0"`) {
		t.Errorf("openapi.json: %.100s", r.Body)
	}
	_ = http.StatusOK
}
