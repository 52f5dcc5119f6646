package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/sqldb"
)

// Run runs the contract suite: every subtest gets a fresh store from open.
func Run(t *testing.T, open func(t testing.TB) domain.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s domain.Store)
	}{
		{"Seed", testSeed},
		{"Settings", testSettings},
		{"Referentials", testReferentials},
		{"Territory", testTerritory},
		{"Territories", testTerritories},
		{"CommunesOf", testCommunesOf},
		{"Perimeter", testPerimeter},
		{"Indicators", testIndicators},
		{"IndicatorValues", testIndicatorValues},
		{"Actors", testActors},
		{"ActorValidation", testActorValidation},
		{"ActorDelete", testActorDelete},
		{"ActionCRUD", testActionCRUD},
		{"ActionValidation", testActionValidation},
		{"ActionVersionConflict", testActionVersionConflict},
		{"ActionFilters", testActionFilters},
		{"ActionSortPage", testActionSortPage},
		{"TextSearch", testTextSearch},
		{"Fundings", testFundings},
		{"BulkIdempotent", testBulkIdempotent},
		{"BulkRollback", testBulkRollback},
		{"BulkInvalid", testBulkInvalid},
		{"BulkReplaceFundings", testBulkReplaceFundings},
		{"BulkValueDuplicates", testBulkValueDuplicates},
		{"BulkValueMixedPairs", testBulkValueMixedPairs},
		{"ValueStreamIsOneRead", testValueStreamIsOneRead},
		{"DataVersion", testDataVersion},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"Streams", testStreams},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var bg = context.Background()

// wantCode fails unless err is a domain error with code and, when fields
// are given, names each of them.
func wantCode(t *testing.T, err error, code string, fields ...string) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("error = %v (code %q), want code %q", err, domain.ErrorCode(err), code)
	}
	var de *domain.Error
	errors.As(err, &de)
	for _, f := range fields {
		found := false
		for _, fe := range de.Fields {
			if fe.Field == f {
				found = true
			}
		}
		if !found {
			t.Errorf("error %v does not name field %q", err, f)
		}
	}
}

func ids(as []domain.Action) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func sorted(xs []int64) []int64 {
	ys := slices.Clone(xs)
	slices.Sort(ys)
	return ys
}

func testSeed(t *testing.T, s domain.Store) {
	ref, err := s.Referentials(bg)
	must(t, err)
	for _, c := range []string{"parentalite", "petite_enfance", "mobilite"} {
		if !ref.Has(domain.RefTheme, c) {
			t.Errorf("theme %s not seeded", c)
		}
	}
	if got := ref.Codes(domain.RefTheme); got[0] != "parentalite" {
		t.Errorf("themes not in declared order: %v", got)
	}
	if ref.NeedIndicator("petite_enfance") != "pop_0_2" {
		t.Errorf("need of petite_enfance = %q", ref.NeedIndicator("petite_enfance"))
	}
	inds, err := s.Indicators(bg)
	must(t, err)
	if len(inds) != len(domain.DefaultIndicators()) {
		t.Errorf("%d indicators seeded, want %d", len(inds), len(domain.DefaultIndicators()))
	}
	pop, err := s.Indicator(bg, "population")
	must(t, err)
	if pop.Version != 1 || pop.OwnerOrg != domain.InstanceOrganisation || pop.Visibility != domain.VisibilityPublic || pop.CreatedAt.IsZero() {
		t.Errorf("population meta = %+v", pop.Meta)
	}
	if len(pop.Publics) != 1 || pop.Publics[0] != "tous_publics" {
		t.Errorf("population publics = %v", pop.Publics)
	}
	if s.Dialect() != "sqlite" && s.Dialect() != "postgres" {
		t.Errorf("Dialect() = %q", s.Dialect())
	}
}

func testSettings(t *testing.T, s domain.Store) {
	if _, ok, err := s.Setting(bg, "admin.token"); err != nil || ok {
		t.Fatalf("Setting on empty = %v, %v", ok, err)
	}
	must(t, s.SetSetting(bg, "admin.token", "a"))
	must(t, s.SetSetting(bg, "admin.token", "b"))
	v, ok, err := s.Setting(bg, "admin.token")
	if err != nil || !ok || v != "b" {
		t.Fatalf("Setting = %q, %v, %v", v, ok, err)
	}
}

func testReferentials(t *testing.T, s domain.Store) {
	must(t, s.PutRefEntry(bg, domain.RefEntry{Kind: domain.RefTheme, Code: "culture", Label: "Culture", Need: "population"}))
	wantCode(t, s.PutRefEntry(bg, domain.RefEntry{Kind: "colour", Code: "Bad Code", Label: ""}), domain.EINVALID, "kind", "code", "label")
	ref, err := s.Referentials(bg)
	must(t, err)
	codes := ref.Codes(domain.RefTheme)
	if codes[len(codes)-1] != "culture" {
		t.Errorf("new theme not appended: %v", codes)
	}
	must(t, s.PutRefEntry(bg, domain.RefEntry{Kind: domain.RefTheme, Code: "culture", Label: "Culture et patrimoine"}))
	ref, _ = s.Referentials(bg)
	if e, _ := ref.Get(domain.RefTheme, "culture"); e.Label != "Culture et patrimoine" {
		t.Errorf("label not replaced: %+v", e)
	}
}

func testTerritory(t *testing.T, s domain.Store) {
	var f Fixture
	f.LoadTerritories(t, s)
	tr, err := s.Territory(bg, "18033")
	must(t, err)
	if tr.Name != "Bourges" || tr.Type != domain.TypeCommune || tr.Departement != "18" || tr.Region != "R24" || tr.Parent != f.EPCI1 {
		t.Errorf("Territory(18033) = %+v", tr)
	}
	if tr.Population == nil || *tr.Population != 65000 || tr.PopYear != 2021 {
		t.Errorf("population = %v (%d), want latest 65000 (2021)", tr.Population, tr.PopYear)
	}
	if tr.Lat == nil || *tr.Lat != 47.08 || tr.Version != 1 || tr.Visibility != domain.VisibilityPublic {
		t.Errorf("lat/meta = %v %+v", tr.Lat, tr.Meta)
	}
	// Alias resolves to the current commune.
	al, err := s.Territory(bg, "18999")
	must(t, err)
	if al.Code != "18001" {
		t.Errorf("Territory(alias 18999) = %s, want 18001", al.Code)
	}
	_, err = s.Territory(bg, "99999")
	wantCode(t, err, domain.ENOTFOUND)
	ep, err := s.Territory(bg, f.EPCI1)
	must(t, err)
	if !slices.Equal(ep.Members, []string{"18001", "18033"}) {
		t.Errorf("EPCI members = %v", ep.Members)
	}
	dep, err := s.Territory(bg, "18")
	must(t, err)
	if len(dep.Members) != 4 || dep.Population == nil || *dep.Population != 300000 {
		t.Errorf("département = %v members, population %v", dep.Members, dep.Population)
	}
	if p, _ := s.Territory(bg, "18003"); p.Population != nil {
		t.Errorf("18003 has no population value, got %v", *p.Population)
	}
	g, err := s.TerritoryGeometry(bg, "18033")
	must(t, err)
	if !strings.Contains(string(g), "Point") {
		t.Errorf("geometry = %s", g)
	}
	_, err = s.TerritoryGeometry(bg, "18001")
	wantCode(t, err, domain.ENOTFOUND)
	as, err := s.Aliases(bg)
	must(t, err)
	if len(as) != 1 || as[0] != (domain.Alias{Code: "18999", Target: "18001", Name: "Ancienne commune", Reason: "commune-deleguee"}) {
		t.Errorf("Aliases = %+v", as)
	}
}

func codes(ts []domain.Territory) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Code
	}
	return out
}

func testTerritories(t *testing.T, s domain.Store) {
	var f Fixture
	f.LoadTerritories(t, s)
	cases := []struct {
		f    domain.TerritoryFilter
		want []string
		tot  int
	}{
		{domain.TerritoryFilter{Type: domain.TypeCommune}, []string{"18001", "18002", "18003", "18033", "75056"}, 5},
		{domain.TerritoryFilter{Type: domain.TypeCommune, Limit: 2, Offset: 1}, []string{"18002", "18003"}, 5},
		{domain.TerritoryFilter{Type: domain.TypeCommune, Offset: 4}, []string{"75056"}, 5},
		{domain.TerritoryFilter{Within: f.EPCI2}, []string{"18002", "18003"}, 2},
		{domain.TerritoryFilter{Within: "18", Type: domain.TypeEPCI}, []string{f.EPCI1, f.EPCI2}, 2},
		{domain.TerritoryFilter{Within: "R11", Type: domain.TypeDepartement}, []string{"75"}, 1},
		{domain.TerritoryFilter{Within: "75056"}, []string{"75101", "75102"}, 2},
		{domain.TerritoryFilter{Parent: "75056"}, []string{"75101", "75102"}, 2},
		{domain.TerritoryFilter{Text: "bourg"}, []string{f.EPCI1, "18033"}, 2},
		{domain.TerritoryFilter{Text: "18002"}, []string{"18002"}, 1},
		{domain.TerritoryFilter{Text: "100%"}, []string{}, 0},
	}
	for _, c := range cases {
		p, err := s.Territories(bg, c.f)
		must(t, err)
		got := codes(p.Items)
		want := slices.Clone(c.want)
		if c.f.Text == "bourg" {
			sort.Strings(want)
		}
		if !slices.Equal(got, want) || p.Total != c.tot {
			t.Errorf("Territories(%+v) = %v (total %d), want %v (total %d)", c.f, got, p.Total, want, c.tot)
		}
	}
	p, err := s.Territories(bg, domain.TerritoryFilter{Type: domain.TypeEPCI, WithMembers: true})
	must(t, err)
	if len(p.Items) != 2 || !slices.Equal(p.Items[1].Members, []string{"18002", "18003"}) {
		t.Errorf("WithMembers = %+v", p.Items)
	}
	p, _ = s.Territories(bg, domain.TerritoryFilter{Type: domain.TypeEPCI})
	if p.Items[0].Members != nil {
		t.Errorf("members filled without WithMembers")
	}
	_, err = s.Territories(bg, domain.TerritoryFilter{Within: "nope"})
	wantCode(t, err, domain.ENOTFOUND)
}

func testCommunesOf(t *testing.T, s domain.Store) {
	var f Fixture
	f.LoadTerritories(t, s)
	cases := map[string][]string{
		"18033":     {"18033"},
		"18999":     {"18001"}, // alias
		"75101":     {"75101"}, // arrondissement: itself
		f.EPCI1:     {"18001", "18033"},
		f.Perimeter: {"18001", "18002"},
		"18":        {"18001", "18002", "18003", "18033"},
		"R24":       {"18001", "18002", "18003", "18033"},
		"75":        {"75056"},
		"R11":       {"75056"},
	}
	for code, want := range cases {
		got, err := s.CommunesOf(bg, code)
		must(t, err)
		if !slices.Equal(got, want) {
			t.Errorf("CommunesOf(%s) = %v, want %v", code, got, want)
		}
	}
	_, err := s.CommunesOf(bg, "00000")
	wantCode(t, err, domain.ENOTFOUND)
}

func testPerimeter(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	p, err := s.Territory(bg, f.Perimeter)
	must(t, err)
	if p.Type != domain.TypePerimeter || !slices.Equal(p.Members, []string{"18001", "18002"}) || p.Version != 1 {
		t.Fatalf("perimeter = %+v", p)
	}
	// Replace its communes; an alias resolves.
	p.Members = []string{"18003", "18999"}
	must(t, s.SavePerimeter(bg, p))
	got, _ := s.CommunesOf(bg, f.Perimeter)
	if !slices.Equal(got, []string{"18001", "18003"}) {
		t.Errorf("after replace: %v", got)
	}
	p.Version = 1 // stale
	wantCode(t, s.SavePerimeter(bg, p), domain.ECONFLICT)
	wantCode(t, s.SavePerimeter(bg, &domain.Territory{Code: "X", Name: "X", Members: []string{"12345"}}), domain.EINVALID, "communes")
	wantCode(t, s.SavePerimeter(bg, &domain.Territory{Code: "Y", Name: ""}), domain.EINVALID, "name", "communes")
	wantCode(t, s.SavePerimeter(bg, &domain.Territory{Code: "18033", Name: "X", Members: []string{"18001"}}), domain.ECONFLICT)
	// Used by an action: conflict; then free it and delete.
	wantCode(t, s.DeletePerimeter(bg, f.Perimeter), domain.ECONFLICT)
	must(t, s.DeleteAction(bg, f.Actions[4]))
	must(t, s.DeletePerimeter(bg, f.Perimeter))
	_, err = s.Territory(bg, f.Perimeter)
	wantCode(t, err, domain.ENOTFOUND)
	wantCode(t, s.DeletePerimeter(bg, f.Perimeter), domain.ENOTFOUND)
	wantCode(t, s.DeletePerimeter(bg, "18"), domain.EINVALID)
}

func testIndicators(t *testing.T, s domain.Store) {
	ind := &domain.Indicator{Code: "creches", Label: "Places en crèche", Unit: "places", Publics: []string{"enfants_0_3"}}
	must(t, s.CreateIndicator(bg, ind))
	if ind.Version != 1 || ind.CreatedAt.IsZero() {
		t.Errorf("created meta = %+v", ind.Meta)
	}
	wantCode(t, s.CreateIndicator(bg, &domain.Indicator{Code: "creches", Label: "x"}), domain.ECONFLICT)
	wantCode(t, s.CreateIndicator(bg, &domain.Indicator{Code: "Bad Code", Publics: []string{"martiens"}}), domain.EINVALID, "code", "label", "publics")
	got, err := s.Indicator(bg, "creches")
	must(t, err)
	got.Label = "Places d'accueil du jeune enfant"
	must(t, s.UpdateIndicator(bg, got))
	if got.Version != 2 {
		t.Errorf("version after update = %d", got.Version)
	}
	stale := *ind
	stale.Label = "stale"
	wantCode(t, s.UpdateIndicator(bg, &stale), domain.ECONFLICT)
	again, _ := s.Indicator(bg, "creches")
	if again.Label != "Places d'accueil du jeune enfant" || again.Version != 2 {
		t.Errorf("stale update changed the row: %+v", again)
	}
	wantCode(t, s.UpdateIndicator(bg, &domain.Indicator{Code: "absent", Label: "x", Meta: domain.Meta{Version: 1}}), domain.ENOTFOUND)
	must(t, s.DeleteIndicator(bg, "creches"))
	_, err = s.Indicator(bg, "creches")
	wantCode(t, err, domain.ENOTFOUND)
	wantCode(t, s.DeleteIndicator(bg, "creches"), domain.ENOTFOUND)
}

func ivs(p domain.Page[domain.IndicatorValue]) []string {
	out := []string{}
	for _, v := range p.Items {
		out = append(out, fmt.Sprintf("%s/%s/%d=%g", v.Indicator, v.Territory, v.Year, v.Value))
	}
	return out
}

func testIndicatorValues(t *testing.T, s domain.Store) {
	var f Fixture
	f.LoadTerritories(t, s)
	// API upsert: replaces a value, adds one, resolves an alias.
	must(t, s.PutIndicatorValues(bg, []domain.IndicatorValue{
		{Territory: "18002", Indicator: "population", Year: 2021, Value: 210},
		{Territory: "18999", Indicator: "pop_0_2", Year: 2021, Value: 12},
	}))
	err := s.PutIndicatorValues(bg, []domain.IndicatorValue{{Territory: "18002", Indicator: "population", Year: 2022, Value: 1},
		{Territory: "00000", Indicator: "population", Year: 2021, Value: 1}})
	wantCode(t, err, domain.EINVALID, "territory")
	wantCode(t, s.PutIndicatorValues(bg, []domain.IndicatorValue{{Territory: "18002", Indicator: "inconnu", Year: 2021}}), domain.EINVALID, "indicator")
	wantCode(t, s.PutIndicatorValues(bg, []domain.IndicatorValue{{Territory: "18002", Indicator: "population", Year: 1500}}), domain.EINVALID, "year")
	cases := []struct {
		f    domain.IndicatorValueFilter
		want []string
	}{
		{domain.IndicatorValueFilter{Indicator: "population", Year: 2021, Territory: f.EPCI1},
			[]string{"population/18001/2021=500", "population/18033/2021=65000"}},
		{domain.IndicatorValueFilter{Indicator: "population", Territory: "18033"},
			[]string{"population/18033/2020=64000", "population/18033/2021=65000"}},
		{domain.IndicatorValueFilter{Territory: "18001"},
			[]string{"pop_0_2/18001/2021=12", "population/18001/2021=500"}},
		{domain.IndicatorValueFilter{Indicator: "population", Year: 2021, Territory: "18"},
			[]string{"population/18/2021=300000", "population/18001/2021=500", "population/18002/2021=210", "population/18033/2021=65000"}},
		{domain.IndicatorValueFilter{Indicator: "population", Year: 2021, Limit: 2, Offset: 1},
			[]string{"population/18001/2021=500", "population/18002/2021=210"}},
	}
	for _, c := range cases {
		p, err := s.IndicatorValues(bg, c.f)
		must(t, err)
		if got := ivs(p); !slices.Equal(got, c.want) {
			t.Errorf("IndicatorValues(%+v) = %v, want %v", c.f, got, c.want)
		}
	}
	p, _ := s.IndicatorValues(bg, domain.IndicatorValueFilter{Indicator: "population", Year: 2021, Limit: 2})
	if p.Total != 4 {
		t.Errorf("total = %d, want 4", p.Total)
	}
	must(t, s.DeleteIndicatorValue(bg, "18033", "population", 2021))
	wantCode(t, s.DeleteIndicatorValue(bg, "18033", "population", 2021), domain.ENOTFOUND)
	tr, _ := s.Territory(bg, "18033")
	if tr.Population == nil || *tr.Population != 64000 || tr.PopYear != 2020 {
		t.Errorf("population after deleting 2021 = %v (%d), want 64000 (2020)", tr.Population, tr.PopYear)
	}
	// Deleting the indicator deletes its values.
	must(t, s.DeleteIndicator(bg, "pop_0_2"))
	p, _ = s.IndicatorValues(bg, domain.IndicatorValueFilter{Territory: "18001"})
	if got := ivs(p); !slices.Equal(got, []string{"population/18001/2021=500"}) {
		t.Errorf("after DeleteIndicator: %v", got)
	}
}

func testActors(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	a, err := s.Actor(bg, f.CAF)
	must(t, err)
	if a.Name != "CAF du Cher" || a.Source != "import" || a.ExternalID != "caf18" || a.Version != 1 || a.Visibility != domain.VisibilityNetwork {
		t.Errorf("Actor = %+v", a)
	}
	b, err := s.ActorByExternalID(bg, "import", "caf18")
	must(t, err)
	if b.ID != f.CAF {
		t.Errorf("ActorByExternalID = %d", b.ID)
	}
	_, err = s.ActorByExternalID(bg, "import", "nope")
	wantCode(t, err, domain.ENOTFOUND)
	_, err = s.Actor(bg, 999999)
	wantCode(t, err, domain.ENOTFOUND)
	// Same external id in the same source: conflict.
	wantCode(t, s.CreateActor(bg, &domain.Actor{Name: "Autre", Type: "caf", Source: "import", ExternalID: "caf18"}), domain.ECONFLICT)
	// Filters.
	check := func(fl domain.ActorFilter, want ...int64) {
		t.Helper()
		p, err := s.Actors(bg, fl)
		must(t, err)
		got := []int64{}
		for _, a := range p.Items {
			got = append(got, a.ID)
		}
		if !slices.Equal(got, want) || p.Total != len(want) && fl.Limit == 0 {
			t.Errorf("Actors(%+v) = %v (total %d), want %v", fl, got, p.Total, want)
		}
	}
	check(domain.ActorFilter{}, f.CAF, f.Commune, f.Assoc)
	check(domain.ActorFilter{Type: "commune"}, f.Commune)
	check(domain.ActorFilter{Territory: f.EPCI1}, f.Commune, f.Assoc)
	check(domain.ActorFilter{Territory: "18001"}, f.Assoc)
	check(domain.ActorFilter{Text: "berry"}, f.Assoc)
	check(domain.ActorFilter{Sort: "name"}, f.Assoc, f.CAF, f.Commune)
	check(domain.ActorFilter{Sort: "-id", Limit: 1}, f.Assoc)
	_, err = s.Actors(bg, domain.ActorFilter{Sort: "name; DROP TABLE actors"})
	wantCode(t, err, domain.EINVALID, "sort")
	// Update with version check.
	a.Name = "Caisse d'allocations familiales du Cher"
	must(t, s.UpdateActor(bg, a))
	if a.Version != 2 {
		t.Errorf("version = %d", a.Version)
	}
	a.Version = 1
	a.Name = "stale"
	wantCode(t, s.UpdateActor(bg, a), domain.ECONFLICT)
	cur, _ := s.Actor(bg, f.CAF)
	if cur.Name != "Caisse d'allocations familiales du Cher" {
		t.Errorf("stale update overwrote: %q", cur.Name)
	}
	wantCode(t, s.UpdateActor(bg, &domain.Actor{ID: 999999, Name: "x", Type: "caf", Meta: domain.Meta{Version: 1}}), domain.ENOTFOUND)
}

func testActorValidation(t *testing.T, s domain.Store) {
	var f Fixture
	f.LoadTerritories(t, s)
	err := s.CreateActor(bg, &domain.Actor{Name: "", Type: "martien", SIREN: "123", Commune: "99999", Territory: "nowhere"})
	wantCode(t, err, domain.EINVALID, "name", "type", "siren", "commune", "territory")
	a := &domain.Actor{Name: "Mairie", Type: "commune", Commune: "18999"}
	must(t, s.CreateActor(bg, a))
	if a.Commune != "18001" {
		t.Errorf("alias commune not resolved: %s", a.Commune)
	}
	p, _ := s.Actors(bg, domain.ActorFilter{})
	if p.Total != 1 {
		t.Errorf("invalid actor was stored: %d actors", p.Total)
	}
}

func testActorDelete(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	err := s.DeleteActor(bg, f.Assoc) // operates actions
	wantCode(t, err, domain.ECONFLICT)
	if !strings.Contains(domain.ErrorMessage(err), "action") {
		t.Errorf("message = %q", domain.ErrorMessage(err))
	}
	wantCode(t, s.DeleteActor(bg, f.CAF), domain.ECONFLICT) // funds and operates
	free := &domain.Actor{Name: "Libre", Type: "autre"}
	must(t, s.CreateActor(bg, free))
	must(t, s.DeleteActor(bg, free.ID))
	wantCode(t, s.DeleteActor(bg, free.ID), domain.ENOTFOUND)
}

func testActionCRUD(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	a, err := s.Action(bg, f.Actions[0])
	must(t, err)
	if a.Title != "Lieu d'accueil enfants-parents" || a.OperatorID != f.Assoc || !slices.Equal(a.Themes, []string{"parentalite"}) ||
		!slices.Equal(a.Publics, []string{"parents", "enfants_0_3"}) || !slices.Equal(a.Labels, []string{"laep"}) ||
		!slices.Equal(a.Zone, []string{"18033"}) || !slices.Equal(a.Places, []string{"18033"}) || a.Capacity != 30 ||
		a.StartDate == nil || a.StartDate.String() != "2020-01-01" || a.EndDate.String() != "2022-12-31" ||
		a.Status != domain.StatusActive || a.Source != domain.SourceMaillage || a.Version != 1 {
		t.Errorf("Action = %+v", a)
	}
	if len(a.Fundings) != 1 || a.Fundings[0].Amount != 1000 || a.Fundings[0].FunderID != f.CAF {
		t.Errorf("Fundings = %+v", a.Fundings)
	}
	v, _ := s.Action(bg, f.Actions[3])
	if len(v.Roles) != 1 || v.Roles[0] != (domain.ActionRole{ActorID: f.CAF, Role: domain.RoleInform}) || v.StartDate != nil {
		t.Errorf("roles/dates = %+v %v", v.Roles, v.StartDate)
	}
	// Update: new zone (an alias resolves), roles replaced.
	a.Zone = []string{"18999"}
	a.Places = nil
	a.Roles = []domain.ActionRole{{ActorID: f.Commune, Role: domain.RoleCoordinate}}
	a.EndDate = nil
	must(t, s.UpdateAction(bg, a))
	if a.Version != 2 || !slices.Equal(a.Zone, []string{"18001"}) {
		t.Errorf("after update: version %d zone %v", a.Version, a.Zone)
	}
	b, _ := s.Action(bg, a.ID)
	if !slices.Equal(b.Zone, []string{"18001"}) || b.Places != nil || b.EndDate != nil || len(b.Roles) != 1 || b.Roles[0].ActorID != f.Commune {
		t.Errorf("stored after update: %+v", b)
	}
	p, _ := s.Actions(bg, domain.ActionFilter{Territory: "18033"})
	if slices.Contains(ids(p.Items), a.ID) {
		t.Errorf("territory links not replaced on update")
	}
	must(t, s.DeleteAction(bg, a.ID))
	_, err = s.Action(bg, a.ID)
	wantCode(t, err, domain.ENOTFOUND)
	wantCode(t, s.DeleteAction(bg, a.ID), domain.ENOTFOUND)
	fs, _ := s.Fundings(bg, domain.FundingFilter{Action: a.ID})
	if fs.Total != 0 {
		t.Errorf("fundings of a deleted action remain: %d", fs.Total)
	}
	wantCode(t, s.UpdateAction(bg, &domain.Action{ID: 999999, Title: "x", OperatorID: f.CAF, Themes: []string{"enfance"}, Zone: []string{"18"}, Meta: domain.Meta{Version: 1}}), domain.ENOTFOUND)
	// Only now may the association be deleted? No: it still operates others.
	wantCode(t, s.DeleteActor(bg, f.Assoc), domain.ECONFLICT)
}

func testActionValidation(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	err := s.CreateAction(bg, &domain.Action{Title: " ", OperatorID: 999999, Themes: []string{"astrologie"}, Publics: []string{"martiens"},
		Zone: []string{"00000"}, Places: []string{"18ABC", "99999"}, Capacity: -1, StartDate: date("2024-01-01"), EndDate: date("2023-01-01"),
		Status: "zombie", Roles: []domain.ActionRole{{ActorID: 999998, Role: domain.RoleInform}}})
	wantCode(t, err, domain.EINVALID, "title", "operator_id", "themes", "publics", "zone", "commune", "capacity", "end_date", "status", "roles")
	wantCode(t, s.CreateAction(bg, &domain.Action{Title: "x", OperatorID: f.CAF}), domain.EINVALID, "themes", "zone")
	p, _ := s.Actions(bg, domain.ActionFilter{})
	if p.Total != 5 {
		t.Errorf("invalid actions stored: %d", p.Total)
	}
	// Source + external id are unique.
	a := &domain.Action{Title: "x", OperatorID: f.CAF, Themes: []string{"enfance"}, Zone: []string{"18"}, Source: "import", ExternalID: "A1"}
	must(t, s.CreateAction(bg, a))
	b := *a
	b.ID = 0
	wantCode(t, s.CreateAction(bg, &b), domain.ECONFLICT)
}

func testActionVersionConflict(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	first, _ := s.Action(bg, f.Actions[2])
	second, _ := s.Action(bg, f.Actions[2])
	first.Capacity = 150
	must(t, s.UpdateAction(bg, first))
	second.Capacity = 999
	second.Title = "écrasé"
	wantCode(t, s.UpdateAction(bg, second), domain.ECONFLICT)
	cur, _ := s.Action(bg, f.Actions[2])
	if cur.Capacity != 150 || cur.Title != "Accès aux droits" || cur.Version != 2 {
		t.Errorf("stale update changed the row: %+v", cur)
	}
}

func testActionFilters(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	A := f.Actions
	cases := []struct {
		name string
		f    domain.ActionFilter
		want []int64
	}{
		{"all", domain.ActionFilter{}, A[:]},
		{"commune", domain.ActionFilter{Territory: "18033"}, []int64{A[0], A[1], A[2]}},
		{"commune in perimeter", domain.ActionFilter{Territory: "18001"}, []int64{A[1], A[2], A[4]}},
		{"alias", domain.ActionFilter{Territory: "18999"}, []int64{A[1], A[2], A[4]}},
		{"commune in EPCI2", domain.ActionFilter{Territory: "18003"}, []int64{A[2]}},
		{"epci", domain.ActionFilter{Territory: f.EPCI1}, []int64{A[0], A[1], A[2], A[4]}},
		{"epci2", domain.ActionFilter{Territory: f.EPCI2}, []int64{A[2], A[4]}},
		{"perimeter", domain.ActionFilter{Territory: f.Perimeter}, []int64{A[1], A[2], A[4]}},
		{"departement", domain.ActionFilter{Territory: "18"}, []int64{A[0], A[1], A[2], A[4]}},
		{"region", domain.ActionFilter{Territory: "R24"}, []int64{A[0], A[1], A[2], A[4]}},
		{"paris commune", domain.ActionFilter{Territory: "75056"}, []int64{A[3]}},
		{"arrondissement", domain.ActionFilter{Territory: "75101"}, []int64{A[3]}},
		{"other arrondissement", domain.ActionFilter{Territory: "75102"}, []int64{}},
		{"paris dep", domain.ActionFilter{Territory: "75"}, []int64{A[3]}},
		{"theme", domain.ActionFilter{Theme: "parentalite"}, []int64{A[0], A[3]}},
		{"theme prefix is not a match", domain.ActionFilter{Theme: "parental"}, []int64{}},
		{"theme underscore", domain.ActionFilter{Theme: "petite_enfance"}, []int64{A[1]}},
		{"public", domain.ActionFilter{Public: "parents"}, []int64{A[0], A[1]}},
		{"label", domain.ActionFilter{Label: "laep"}, []int64{A[0]}},
		{"year 2021", domain.ActionFilter{Year: 2021}, []int64{A[0], A[2], A[3], A[4]}},
		{"year 2023", domain.ActionFilter{Year: 2023}, []int64{A[1], A[2], A[3], A[4]}},
		{"year 2022 end day", domain.ActionFilter{Year: 2022}, []int64{A[0], A[2], A[3], A[4]}},
		{"operator", domain.ActionFilter{Operator: f.Assoc}, []int64{A[0], A[3], A[4]}},
		{"funder", domain.ActionFilter{Funder: f.CAF}, []int64{A[0], A[1]}},
		{"text title case", domain.ActionFilter{Text: "RELAIS"}, []int64{A[1]}},
		{"text description", domain.ActionFilter{Text: "mairies"}, []int64{A[2]}},
		{"text wildcard escaped", domain.ActionFilter{Text: "CAF_100%"}, []int64{A[2]}},
		{"text underscore literal", domain.ActionFilter{Text: "s_a"}, []int64{}},
		{"combined", domain.ActionFilter{Territory: "18", Theme: "parentalite", Year: 2021, Funder: f.CAF}, []int64{A[0]}},
	}
	for _, c := range cases {
		p, err := s.Actions(bg, c.f)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := sorted(ids(p.Items)); !slices.Equal(got, sorted(c.want)) || p.Total != len(c.want) {
			t.Errorf("%s: Actions(%+v) = %v (total %d), want %v", c.name, c.f, got, p.Total, sorted(c.want))
		}
	}
	_, err := s.Actions(bg, domain.ActionFilter{Territory: "nowhere"})
	wantCode(t, err, domain.ENOTFOUND)
}

func testActionSortPage(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	A := f.Actions
	cases := []struct {
		f    domain.ActionFilter
		want []int64
	}{
		{domain.ActionFilter{}, A[:]},
		{domain.ActionFilter{Sort: "-id"}, []int64{A[4], A[3], A[2], A[1], A[0]}},
		{domain.ActionFilter{Sort: "title"}, []int64{A[2], A[0], A[4], A[1], A[3]}},
		{domain.ActionFilter{Sort: "-capacity"}, []int64{A[2], A[0], A[4], A[1], A[3]}},
		{domain.ActionFilter{Sort: "capacity", Limit: 2}, []int64{A[3], A[1]}},
		{domain.ActionFilter{Sort: "capacity", Limit: 2, Offset: 2}, []int64{A[4], A[0]}},
		{domain.ActionFilter{Sort: "capacity", Offset: 4}, []int64{A[2]}},
		{domain.ActionFilter{Limit: 10, Offset: 10}, []int64{}},
	}
	for _, c := range cases {
		p, err := s.Actions(bg, c.f)
		must(t, err)
		if got := ids(p.Items); !slices.Equal(got, c.want) || p.Total != 5 || p.Limit != c.f.Limit || p.Offset != c.f.Offset {
			t.Errorf("Actions(%+v) = %v total %d, want %v total 5", c.f, got, p.Total, c.want)
		}
	}
	// start_date: NULLs sort consistently on both databases? Only compare dated ones.
	p, err := s.Actions(bg, domain.ActionFilter{Sort: "start_date", Year: 2020})
	must(t, err)
	_ = p
	_, err = s.Actions(bg, domain.ActionFilter{Sort: "title DESC; --"})
	wantCode(t, err, domain.EINVALID, "sort")
	p, err = s.Actions(bg, domain.ActionFilter{Sort: "-updated_at"})
	must(t, err)
	if len(p.Items) != 5 {
		t.Errorf("updated_at sort: %d items", len(p.Items))
	}
}

func testFundings(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	fu := &domain.Funding{ActionID: f.Actions[2], FunderID: f.Commune, Year: 2024, Amount: 2500.5}
	must(t, s.CreateFunding(bg, fu))
	got, err := s.Funding(bg, fu.ID)
	must(t, err)
	if got.Amount != 2500.5 || got.Year != 2024 || got.Version != 1 {
		t.Errorf("Funding = %+v", got)
	}
	wantCode(t, s.CreateFunding(bg, &domain.Funding{ActionID: f.Actions[2], FunderID: f.Commune, Year: 2024, Amount: 1}), domain.ECONFLICT)
	wantCode(t, s.CreateFunding(bg, &domain.Funding{ActionID: 999999, FunderID: 999999, Year: 1800, Amount: -1}), domain.EINVALID, "action_id", "funder_id", "year", "amount")
	p, _ := s.Fundings(bg, domain.FundingFilter{Funder: f.CAF})
	if p.Total != 2 {
		t.Errorf("fundings by CAF = %d", p.Total)
	}
	p, _ = s.Fundings(bg, domain.FundingFilter{Year: 2024})
	if p.Total != 1 || p.Items[0].ID != fu.ID {
		t.Errorf("fundings 2024 = %+v", p)
	}
	p, _ = s.Fundings(bg, domain.FundingFilter{Limit: 1, Offset: 1})
	if p.Total != 3 || len(p.Items) != 1 {
		t.Errorf("page = %+v", p)
	}
	got.Amount = 3000
	must(t, s.UpdateFunding(bg, got))
	got.Version = 1
	wantCode(t, s.UpdateFunding(bg, got), domain.ECONFLICT)
	again, _ := s.Funding(bg, fu.ID)
	if again.Amount != 3000 || again.Version != 2 {
		t.Errorf("after updates: %+v", again)
	}
	must(t, s.DeleteFunding(bg, fu.ID))
	wantCode(t, s.DeleteFunding(bg, fu.ID), domain.ENOTFOUND)
	_, err = s.Funding(bg, fu.ID)
	wantCode(t, err, domain.ENOTFOUND)
}

// importSet is what an importer would write.
func importSet(f *Fixture) ([]domain.Actor, func(actors []int64) []domain.Action) {
	actors := []domain.Actor{
		{Source: "import", ExternalID: "A1", Name: "Centre social Nord", Type: "centre_social", Commune: "18033"},
		{Source: "import", ExternalID: "A2", Name: "Mairie d'Achères", Type: "commune", Commune: "18001", SIREN: SIREN(21180001)},
	}
	actions := func(ids []int64) []domain.Action {
		return []domain.Action{
			{Source: "import", ExternalID: "X1", Title: "Accueil de loisirs", OperatorID: ids[0], Themes: []string{"enfance"},
				Publics: []string{"enfants_3_11"}, Labels: []string{"alsh"}, Zone: []string{"18033", f.EPCI2}, Capacity: 80, StartDate: date("2022-09-01")},
			{Source: "import", ExternalID: "X2", Title: "Point numérique", OperatorID: ids[1], Themes: []string{"numerique"},
				Zone: []string{"18999"}, Places: []string{"18001"}, Capacity: 12,
				Roles: []domain.ActionRole{{ActorID: ids[0], Role: domain.RoleAnimate}}},
		}
	}
	return actors, actions
}

func runImport(t *testing.T, s domain.Store, f *Fixture, amount float64) (actorIDs, actionIDs []int64) {
	t.Helper()
	b, err := s.Bulk(bg)
	must(t, err)
	defer b.Rollback()
	must(t, b.UpsertTerritories(bg, f.Territories()))
	must(t, b.SetMembers(bg, f.EPCI1, []string{"18033", "18001"}))
	must(t, b.SetMembers(bg, f.EPCI2, []string{"18002", "18003"}))
	must(t, b.UpsertAliases(bg, []domain.Alias{{Code: "18999", Target: "18001", Name: "Ancienne commune", Reason: "commune-deleguee"}}))
	must(t, b.UpsertIndicators(bg, []domain.Indicator{{Code: "creches", Label: "Places en crèche", Unit: "places"}}))
	_, err = b.PutIndicatorValues(bg, values([]domain.IndicatorValue{
		{Territory: "18033", Indicator: "creches", Year: 2022, Value: 120},
		{Territory: "18001", Indicator: "creches", Year: 2022, Value: 0},
	}))
	must(t, err)
	actors, actions := importSet(f)
	actorIDs, err = b.UpsertActors(bg, actors)
	must(t, err)
	acts := actions(actorIDs)
	actionIDs, err = b.UpsertActions(bg, acts)
	must(t, err)
	must(t, b.ReplaceFundings(bg, actionIDs, []domain.Funding{
		{ActionID: actionIDs[0], FunderID: actorIDs[1], Year: 2023, Amount: amount},
		{ActionID: actionIDs[1], FunderID: actorIDs[1], Year: 2023, Amount: 300},
	}))
	must(t, b.SetCentroids(bg, []domain.Centroid{{Code: "18001", Lat: 47.2, Lon: 2.3}}))
	must(t, b.Commit())
	return actorIDs, actionIDs
}

// Snapshot renders the store's content with ids and versions (not
// timestamps), to compare two stores or a store before and after.
func Snapshot(t *testing.T, s domain.Store) string {
	return snapshot(t, s)
}

// ImportSample runs a small import through Bulk (territories, members, an
// alias, an indicator and values, actors, actions, fundings, a centroid).
func ImportSample(t *testing.T, s domain.Store, f *Fixture) (actorIDs, actionIDs []int64) {
	return runImport(t, s, f, 1000)
}

func snapshot(t *testing.T, s domain.Store) string {
	t.Helper()
	var b strings.Builder
	for a, err := range s.AllActors(bg) {
		must(t, err)
		fmt.Fprintf(&b, "actor %d %s/%s %s %s %s v%d\n", a.ID, a.Source, a.ExternalID, a.Name, a.Type, a.Commune, a.Version)
	}
	for a, err := range s.AllActions(bg) {
		must(t, err)
		fmt.Fprintf(&b, "action %d %s/%s %s op%d %v %v %v %v %v %g %v %v v%d\n", a.ID, a.Source, a.ExternalID, a.Title, a.OperatorID,
			a.Themes, a.Publics, a.Labels, a.Zone, a.Places, a.Capacity, a.StartDate, a.EndDate, a.Version)
	}
	for f, err := range s.AllFundings(bg) {
		must(t, err)
		fmt.Fprintf(&b, "funding %d a%d f%d %d %g v%d\n", f.ID, f.ActionID, f.FunderID, f.Year, f.Amount, f.Version)
	}
	for v, err := range s.AllIndicatorValues(bg) {
		must(t, err)
		fmt.Fprintf(&b, "value %s %s %d %g\n", v.Indicator, v.Territory, v.Year, v.Value)
	}
	ts, err := s.Territories(bg, domain.TerritoryFilter{WithMembers: true})
	must(t, err)
	for _, tr := range ts.Items {
		lat := "-"
		if tr.Lat != nil {
			lat = fmt.Sprint(*tr.Lat)
		}
		fmt.Fprintf(&b, "territory %s %s %s %v lat %s v%d\n", tr.Code, tr.Type, tr.Name, tr.Members, lat, tr.Version)
	}
	for _, code := range []string{"18033", "18001", "18"} {
		p, err := s.Actions(bg, domain.ActionFilter{Territory: code})
		must(t, err)
		fmt.Fprintf(&b, "actions in %s: %v\n", code, sorted(ids(p.Items)))
	}
	return b.String()
}

func testBulkIdempotent(t *testing.T, s domain.Store) {
	var f Fixture
	actors1, actions1 := runImport(t, s, &f, 1000)
	first := snapshot(t, s)
	actors2, actions2 := runImport(t, s, &f, 1000)
	second := snapshot(t, s)
	if !slices.Equal(actors1, actors2) || !slices.Equal(actions1, actions2) {
		t.Errorf("ids changed on re-import: %v %v → %v %v", actors1, actions1, actors2, actions2)
	}
	if first != second {
		t.Errorf("re-import changed data:\n--- first\n%s--- second\n%s", first, second)
	}
	if !strings.Contains(first, "a"+fmt.Sprint(actions1[0])+" f"+fmt.Sprint(actors1[1])+" 2023 1000 v1") {
		t.Errorf("funding missing:\n%s", first)
	}
	a, _ := s.Action(bg, actions1[1])
	if !slices.Equal(a.Zone, []string{"18001"}) || len(a.Roles) != 1 {
		t.Errorf("alias in zone not resolved / roles: %+v", a)
	}
	p, _ := s.Actions(bg, domain.ActionFilter{Territory: "18002"})
	if !slices.Equal(ids(p.Items), []int64{actions1[0]}) {
		t.Errorf("imported zone not indexed: %v", ids(p.Items))
	}
	// A changed amount updates that funding only, bumping its version.
	runImport(t, s, &f, 1500)
	third := snapshot(t, s)
	if !strings.Contains(third, "2023 1500 v2") || !strings.Contains(third, "2023 300 v1") {
		t.Errorf("changed import:\n%s", third)
	}
	// An action whose zone changes is re-linked.
	b, err := s.Bulk(bg)
	must(t, err)
	acts := []domain.Action{{Source: "import", ExternalID: "X1", Title: "Accueil de loisirs", OperatorID: actors1[0], Themes: []string{"enfance"},
		Zone: []string{"75101"}, Capacity: 80}}
	got, err := b.UpsertActions(bg, acts)
	must(t, err)
	must(t, b.Commit())
	if got[0] != actions1[0] {
		t.Errorf("re-import id %d, want %d", got[0], actions1[0])
	}
	p, _ = s.Actions(bg, domain.ActionFilter{Territory: "18002"})
	if len(p.Items) != 0 {
		t.Errorf("old zone link remains: %v", ids(p.Items))
	}
	p, _ = s.Actions(bg, domain.ActionFilter{Territory: "75"})
	if !slices.Equal(ids(p.Items), []int64{actions1[0]}) {
		t.Errorf("new zone link missing: %v", ids(p.Items))
	}
	x, _ := s.Action(bg, actions1[0])
	if x.Version != 2 || x.Labels != nil {
		t.Errorf("changed action = %+v", x)
	}
}

func testBulkRollback(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	before := snapshot(t, s)
	dv, _ := s.DataVersion(bg)
	b, err := s.Bulk(bg)
	must(t, err)
	must(t, b.UpsertTerritories(bg, []domain.Territory{{Code: "18004", Type: domain.TypeCommune, Name: "Allogny", Departement: "18", Region: "R24"}}))
	_, err = b.UpsertActors(bg, []domain.Actor{{Source: "import", ExternalID: "Z", Name: "Z", Type: "autre"}})
	must(t, err)
	_, err = b.PutIndicatorValues(bg, values([]domain.IndicatorValue{{Territory: "18033", Indicator: "population", Year: 2021, Value: 1}}))
	must(t, err)
	must(t, b.Rollback())
	if after := snapshot(t, s); after != before {
		t.Errorf("rollback left changes:\n%s\nvs\n%s", before, after)
	}
	if dv2, _ := s.DataVersion(bg); dv2 != dv {
		t.Errorf("data version moved on rollback: %d → %d", dv, dv2)
	}
	// An error mid-import, then Rollback: nothing of it stays.
	b, err = s.Bulk(bg)
	must(t, err)
	_, err = b.UpsertActors(bg, []domain.Actor{{Source: "import", ExternalID: "Z", Name: "Z", Type: "autre"}})
	must(t, err)
	_, err = b.PutIndicatorValues(bg, values([]domain.IndicatorValue{
		{Territory: "18033", Indicator: "population", Year: 2021, Value: 1},
		{Territory: "00000", Indicator: "population", Year: 2021, Value: 1},
	}))
	wantCode(t, err, domain.EINVALID, "territory")
	b.Rollback()
	if after := snapshot(t, s); after != before {
		t.Errorf("failed import left changes")
	}
}

func testBulkInvalid(t *testing.T, s domain.Store) {
	var f Fixture
	f.LoadTerritories(t, s)
	b, err := s.Bulk(bg)
	must(t, err)
	defer b.Rollback()
	wantCode(t, b.UpsertTerritories(bg, []domain.Territory{{Code: "1", Type: "planete", Name: ""}}), domain.EINVALID, "type", "name")
	wantCode(t, b.SetMembers(bg, f.EPCI1, []string{"00000"}), domain.EINVALID, "communes")
	_, err = b.UpsertActors(bg, []domain.Actor{{Source: "import", ExternalID: "A", Name: "A", Type: "martien"}})
	wantCode(t, err, domain.EINVALID, "type")
	_, err = b.UpsertActors(bg, []domain.Actor{{Source: "import", Name: "Sans id", Type: "autre"}})
	wantCode(t, err, domain.EINVALID, "id")
	_, err = b.UpsertActions(bg, []domain.Action{{Source: "import", ExternalID: "Q", Title: "Q", OperatorID: 424242, Themes: []string{"enfance"}, Zone: []string{"nowhere"}}})
	wantCode(t, err, domain.EINVALID, "operator_id", "zone")
	_, err = b.PutIndicatorValues(bg, values([]domain.IndicatorValue{{Territory: "18033", Indicator: "inconnu", Year: 2021}}))
	wantCode(t, err, domain.EINVALID, "indicator")
	wantCode(t, b.UpsertIndicators(bg, []domain.Indicator{{Code: "X Y"}}), domain.EINVALID, "code", "label")
	wantCode(t, b.ReplaceFundings(bg, []int64{1}, []domain.Funding{{ActionID: 2, FunderID: 1, Year: 2020, Amount: 1}}), domain.EINVALID, "action_id")
	wantCode(t, b.UpsertAliases(bg, []domain.Alias{{Code: "18998", Target: "00000"}}), domain.EINVALID, "target")
	wantCode(t, b.SetCentroids(bg, []domain.Centroid{{Code: "00000", Lat: 95}}), domain.EINVALID, "territory", "lat")
	wantCode(t, b.PutGeometries(bg, []domain.Geometry{{Code: "00000", GeoJSON: []byte("{}")}}), domain.EINVALID, "code")
}

func testBulkReplaceFundings(t *testing.T, s domain.Store) {
	var f Fixture
	actors, actions := runImport(t, s, &f, 1000)
	b, err := s.Bulk(bg)
	must(t, err)
	// Action 0 loses its funding, action 1 gets a new year.
	must(t, b.ReplaceFundings(bg, actions, []domain.Funding{
		{ActionID: actions[1], FunderID: actors[1], Year: 2023, Amount: 300},
		{ActionID: actions[1], FunderID: actors[0], Year: 2024, Amount: 50},
	}))
	must(t, b.Commit())
	p, _ := s.Fundings(bg, domain.FundingFilter{})
	var got []string
	for _, fu := range p.Items {
		got = append(got, fmt.Sprintf("%d/%d/%d/%g/v%d", fu.ActionID-actions[0], fu.FunderID-actors[0], fu.Year, fu.Amount, fu.Version))
	}
	sort.Strings(got)
	want := []string{"1/0/2024/50/v1", "1/1/2023/300/v1"}
	if !slices.Equal(got, want) {
		t.Errorf("fundings = %v, want %v", got, want)
	}
}

func testDataVersion(t *testing.T, s domain.Store) {
	v0, err := s.DataVersion(bg)
	must(t, err)
	var f Fixture
	f.LoadTerritories(t, s)
	v1, _ := s.DataVersion(bg)
	if v1 <= v0 {
		t.Errorf("bulk commit did not move the data version: %d → %d", v0, v1)
	}
	a := &domain.Actor{Name: "A", Type: "autre"}
	must(t, s.CreateActor(bg, a))
	v2, _ := s.DataVersion(bg)
	if v2 <= v1 {
		t.Errorf("CreateActor did not move the data version")
	}
	wantCode(t, s.CreateActor(bg, &domain.Actor{Name: "", Type: "autre"}), domain.EINVALID, "name")
	v3, _ := s.DataVersion(bg)
	if v3 != v2 {
		t.Errorf("a failed write moved the data version")
	}
	must(t, s.DeleteActor(bg, a.ID))
	if v4, _ := s.DataVersion(bg); v4 <= v3 {
		t.Errorf("DeleteActor did not move the data version")
	}
}

func testConcurrentUpdates(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	for round := 0; round < 5; round++ {
		base, err := s.Action(bg, f.Actions[0])
		must(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := *base
				a.Fundings = nil
				a.Capacity = float64(1000*round + i)
				errs[i] = s.UpdateAction(bg, &a)
			}()
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch domain.ErrorCode(err) {
			case "":
				ok++
			case domain.ECONFLICT:
				conflicts++
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 || conflicts != 1 {
			t.Fatalf("round %d: %d succeeded, %d conflicts; want exactly one winner", round, ok, conflicts)
		}
		cur, _ := s.Action(bg, f.Actions[0])
		if cur.Version != base.Version+1 {
			t.Errorf("version %d, want %d", cur.Version, base.Version+1)
		}
	}
}

func testStreams(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	var last int64
	n := 0
	for a, err := range s.AllActions(bg) {
		must(t, err)
		if a.ID <= last {
			t.Errorf("AllActions not ordered by id")
		}
		last = a.ID
		n++
		if n == 2 {
			break // stopping early must not leak or fail
		}
	}
	var prev string
	cnt := 0
	for v, err := range s.AllIndicatorValues(bg) {
		must(t, err)
		k := fmt.Sprintf("%s|%06d|%s", v.Indicator, v.Year, v.Territory)
		if k <= prev {
			t.Errorf("AllIndicatorValues out of order: %s after %s", k, prev)
		}
		prev = k
		cnt++
	}
	if cnt != 6 {
		t.Errorf("%d values streamed, want 6", cnt)
	}
	m := 0
	for _, err := range s.AllFundings(bg) {
		must(t, err)
		m++
	}
	if m != 2 {
		t.Errorf("%d fundings streamed", m)
	}
}

// testBulkValueDuplicates streams repeated keys into an empty table (the
// PostgreSQL COPY fast path) and into a filled one: the last value wins.
func testBulkValueDuplicates(t *testing.T, s domain.Store) {
	var f Fixture
	for round := 0; round < 2; round++ {
		b, err := s.Bulk(bg)
		must(t, err)
		must(t, b.UpsertTerritories(bg, f.Territories()))
		var vs []domain.IndicatorValue
		for i := 0; i < 3; i++ {
			for _, c := range []string{"18033", "18001", "18002", "18003", "75056"} {
				vs = append(vs, domain.IndicatorValue{Territory: c, Indicator: "population", Year: 2020, Value: float64(100*round + 10*i + len(c))})
			}
		}
		vs = append(vs, domain.IndicatorValue{Territory: "18033", Indicator: "population", Year: 2021, Value: 7})
		n, err := b.PutIndicatorValues(bg, values(vs))
		must(t, err)
		if n != len(vs) {
			t.Errorf("round %d: n = %d, want %d", round, n, len(vs))
		}
		must(t, b.Commit())
		p, err := s.IndicatorValues(bg, domain.IndicatorValueFilter{Indicator: "population"})
		must(t, err)
		want := []string{}
		for _, c := range []string{"18001", "18002", "18003", "18033", "75056"} {
			want = append(want, fmt.Sprintf("population/%s/2020=%d", c, 100*round+20+5))
		}
		want = append(want, "population/18033/2021=7")
		if got := ivs(p); !slices.Equal(got, want) {
			t.Errorf("round %d: %v, want %v", round, got, want)
		}
	}
}

// testBulkValueMixedPairs interleaves, in one stream, values of an
// (indicator, year) pair that already has values (upserted) with values of
// pairs that have none (the PostgreSQL COPY path), with repeated keys on both
// sides and more than a chunk of the former, so that COPY segments alternate
// with upserts; then a second stream in the same transaction repeats a pair
// the first one created. The last value of every key wins.
func testBulkValueMixedPairs(t *testing.T, s domain.Store) {
	var f Fixture
	f.LoadTerritories(t, s)
	must(t, s.PutIndicatorValues(bg, []domain.IndicatorValue{{Territory: "18001", Indicator: "population", Year: 2020, Value: 1}}))
	want := map[string]float64{}
	for v, err := range s.AllIndicatorValues(bg) {
		must(t, err)
		want[fmt.Sprintf("%s/%s/%d", v.Indicator, v.Territory, v.Year)] = v.Value
	}
	codes := []string{"18001", "18002", "18003", "18033", "75056"}
	var vs []domain.IndicatorValue
	add := func(v domain.IndicatorValue) {
		vs = append(vs, v)
		want[fmt.Sprintf("%s/%s/%d", v.Indicator, v.Territory, v.Year)] = v.Value
	}
	for i := range 2*sqldb.ValueChunk + 10 {
		if i%2 == 0 {
			add(domain.IndicatorValue{Territory: codes[i%5], Indicator: "population", Year: 2020, Value: float64(i)})
		} else {
			add(domain.IndicatorValue{Territory: codes[(i/2)%5], Indicator: "population", Year: 2000 + (i/10)%20, Value: float64(i)})
		}
	}
	b, err := s.Bulk(bg)
	must(t, err)
	n, err := b.PutIndicatorValues(bg, values(vs))
	must(t, err)
	if n != len(vs) {
		t.Errorf("n = %d, want %d", n, len(vs))
	}
	second := []domain.IndicatorValue{
		{Territory: "18002", Indicator: "population", Year: 2001, Value: -1},
		{Territory: "18003", Indicator: "population", Year: 2030, Value: -2},
		{Territory: "18003", Indicator: "population", Year: 2030, Value: -3},
	}
	vs = vs[:0]
	for _, v := range second {
		add(v)
	}
	_, err = b.PutIndicatorValues(bg, values(vs))
	must(t, err)
	must(t, b.Commit())
	got := map[string]float64{}
	for v, err := range s.AllIndicatorValues(bg) {
		must(t, err)
		got[fmt.Sprintf("%s/%s/%d", v.Indicator, v.Territory, v.Year)] = v.Value
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected value %s", k)
		}
	}
}

// testValueStreamIsOneRead: AllIndicatorValues reads one state of the
// database although it queries pair after pair: values committed while it
// streams (here into a pair it reads later) are not mixed in; the next
// stream has them.
func testValueStreamIsOneRead(t *testing.T, s domain.Store) {
	var f Fixture
	f.LoadTerritories(t, s)
	must(t, s.PutIndicatorValues(bg, []domain.IndicatorValue{
		{Territory: "18001", Indicator: "population", Year: 2001, Value: 1},
		{Territory: "18002", Indicator: "population", Year: 2001, Value: 2},
		{Territory: "18001", Indicator: "population", Year: 2098, Value: 4},
	}))
	count := func() int {
		n := 0
		for _, err := range s.AllIndicatorValues(bg) {
			must(t, err)
			n++
		}
		return n
	}
	before := count()
	n := 0
	for _, err := range s.AllIndicatorValues(bg) {
		must(t, err)
		if n == 0 {
			// into the last pair, which the stream queries later
			must(t, s.PutIndicatorValues(bg, []domain.IndicatorValue{{Territory: "18003", Indicator: "population", Year: 2098, Value: 3}}))
		}
		n++
	}
	if n != before {
		t.Errorf("the stream read %d values, %d before the concurrent write: it mixed two states", n, before)
	}
	if after := count(); after != before+1 {
		t.Errorf("the next stream reads %d values, want %d", after, before+1)
	}
}
