package demo

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(Seed), Generate(Seed)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two generations with the same seed differ")
	}
	c := Generate(Seed + 1)
	if reflect.DeepEqual(a.Actions, c.Actions) {
		t.Fatal("another seed gives the same actions")
	}
}

func TestDemoContent(t *testing.T) {
	d := Generate(Seed)
	ref := domain.DefaultReferentials()
	if n := len(d.Communes); n < 55 || n > 65 {
		t.Errorf("%d communes, want about 60", n)
	}
	if n := len(d.EPCIs); n < 3 || n > 4 {
		t.Errorf("%d EPCI, want 3 or 4", n)
	}
	// Every commune in exactly one EPCI, and its Parent says which.
	seen := map[string]string{}
	for _, e := range d.EPCIs {
		if !domain.IsSIREN(e.Code) {
			t.Errorf("EPCI %s: invalid SIREN", e.Code)
		}
		if len(e.Members) < 3 {
			t.Errorf("EPCI %s has only %d communes", e.Name, len(e.Members))
		}
		for _, m := range e.Members {
			if prev, ok := seen[m]; ok {
				t.Errorf("commune %s in %s and %s", m, prev, e.Code)
			}
			seen[m] = e.Code
		}
	}
	var pops []float64
	var total float64
	for _, c := range d.Communes {
		if seen[c.Code] == "" || seen[c.Code] != c.Parent {
			t.Errorf("commune %s: EPCI %q, parent %q", c.Code, seen[c.Code], c.Parent)
		}
		if !domain.IsCommuneCode(c.Code) || domain.DepartementOfCommune(c.Code) != DeptCode {
			t.Errorf("bad commune code %q", c.Code)
		}
		if err := c.Territory.Validate(); err != nil {
			t.Errorf("commune %s: %v", c.Code, err)
		}
		if !domain.IsSIREN(c.SIREN) {
			t.Errorf("commune %s: invalid SIREN %s", c.Code, c.SIREN)
		}
		pops = append(pops, *c.Population)
		total += *c.Population
	}
	sort.Float64s(pops)
	if max := pops[len(pops)-1]; max < 45000 || max > 75000 {
		t.Errorf("largest town %v, want about 60,000", max)
	}
	if min := pops[0]; min < 100 || min > 600 {
		t.Errorf("smallest village %v, want a few hundred", min)
	}
	if med := pops[len(pops)/2]; med < 500 || med > 2500 {
		t.Errorf("median commune %v: not a Zipf-like distribution", med)
	}
	// The cells tile the outline: their areas add up to the outline's.
	var cells float64
	for _, c := range d.Communes {
		cells += area(c.cell)
	}
	if out := area(d.outline); math.Abs(cells-out) > 1e-6*out {
		t.Errorf("cells cover %.3f km², outline %.3f km²", cells, out)
	}
	// Actors: every type, valid SIRENs, valid against the referentials.
	types := map[string]int{}
	ids := map[string]bool{}
	for i := range d.Actors {
		a := d.Actors[i]
		if err := a.Validate(ref); err != nil {
			t.Errorf("actor %s: %v", a.ExternalID, err)
		}
		if a.SIREN == "" || !domain.IsSIREN(a.SIREN) {
			t.Errorf("actor %s: SIREN %q", a.ExternalID, a.SIREN)
		}
		if ids[a.ExternalID] {
			t.Errorf("duplicate actor id %s", a.ExternalID)
		}
		ids[a.ExternalID] = true
		types[a.Type]++
	}
	if n := len(d.Actors); n < 35 || n > 50 {
		t.Errorf("%d actors, want about 40", n)
	}
	for _, typ := range []string{"caf", "commune", "epci", "departement", "region", "etat", "association", "centre_social", "evs", "etablissement_scolaire", "entreprise"} {
		if types[typ] == 0 {
			t.Errorf("no actor of type %s", typ)
		}
	}
	// Actions: about 200, valid, every operator exists, every theme used.
	if n := len(d.Actions); n < 180 || n > 230 {
		t.Errorf("%d actions, want about 200", n)
	}
	themes := map[string]bool{}
	actionIDs := map[string]bool{}
	for _, a := range d.Actions {
		x := a.Action
		x.OperatorID = 1
		if err := x.Validate(ref); err != nil {
			t.Errorf("action %s: %v", a.ExternalID, err)
		}
		if !ids[a.Operator] {
			t.Errorf("action %s: unknown operator %s", a.ExternalID, a.Operator)
		}
		for k := range a.Roles {
			if !ids[k] {
				t.Errorf("action %s: unknown role holder %s", a.ExternalID, k)
			}
		}
		for _, th := range a.Themes {
			themes[th] = true
		}
		actionIDs[a.ExternalID] = true
	}
	for _, th := range ref.Codes(domain.RefTheme) {
		if !themes[th] {
			t.Errorf("no action of theme %s", th)
		}
	}
	// Fundings over the three years, by CAF and partners.
	years := map[int]bool{}
	funders := map[string]bool{}
	for _, f := range d.Fundings {
		if !actionIDs[f.Action] || !ids[f.Funder] {
			t.Errorf("funding %+v: unknown action or funder", f)
		}
		if f.Amount <= 0 {
			t.Errorf("funding %+v: amount", f)
		}
		years[f.Year] = true
		funders[f.Funder] = true
	}
	for y := FirstYear; y <= LastYear; y++ {
		if !years[y] {
			t.Errorf("no funding in %d", y)
		}
	}
	for _, f := range []string{"caf-96", "cd-96", "ddets-96", "region-96", "epci-1"} {
		if !funders[f] {
			t.Errorf("%s funds nothing", f)
		}
	}
	// Indicators: 9 per commune and year.
	if want := len(d.Communes) * 9 * (LastYear - FirstYear + 1); countCommuneValues(d) != want {
		t.Errorf("%d commune values, want %d", countCommuneValues(d), want)
	}
}

func countCommuneValues(d *Dataset) int {
	n := 0
	for _, v := range d.Indicators {
		if domain.IsCommuneCode(v.Territory) {
			n++
		}
	}
	return n
}

// snapshot is what a store holds of the demo, without database ids and
// timestamps, for comparisons.
type snapshot struct {
	Territories []string
	Members     map[string][]string
	Actors      []string
	Actions     []string
	Fundings    []string
	Values      int
}

func takeSnapshot(t *testing.T, s domain.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	var snap snapshot
	snap.Members = map[string][]string{}
	ts, err := s.Territories(ctx, domain.TerritoryFilter{WithMembers: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ts.Items {
		lat, lon := 0.0, 0.0
		if x.Lat != nil {
			lat, lon = *x.Lat, *x.Lon
		}
		pop := 0.0
		if x.Population != nil {
			pop = *x.Population
		}
		snap.Territories = append(snap.Territories, fmt.Sprintf("%s|%s|%s|%s|%s|%.5f|%.5f|%.0f", x.Code, x.Type, x.Name, x.Departement, x.Parent, lat, lon, pop))
		if len(x.Members) > 0 {
			snap.Members[x.Code] = x.Members
		}
	}
	ext := map[int64]string{}
	for a, err := range s.AllActors(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ext[a.ID] = a.ExternalID
		snap.Actors = append(snap.Actors, fmt.Sprintf("%s|%s|%s|%s|%s|%s", a.ExternalID, a.Name, a.Type, a.SIREN, a.Commune, a.Visibility))
	}
	actExt := map[int64]string{}
	for a, err := range s.AllActions(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		actExt[a.ID] = a.ExternalID
		snap.Actions = append(snap.Actions, fmt.Sprintf("%s|%s|%s|%v|%v|%v|%v|%v|%v|%s|%s|%s|%s", a.ExternalID, a.Title, ext[a.OperatorID],
			a.Themes, a.Publics, a.Labels, a.Zone, a.Places, a.Capacity, date(a.StartDate), date(a.EndDate), a.Status, a.Visibility))
	}
	for f, err := range s.AllFundings(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		snap.Fundings = append(snap.Fundings, fmt.Sprintf("%s|%s|%d|%.2f", actExt[f.ActionID], ext[f.FunderID], f.Year, f.Amount))
	}
	for _, l := range [][]string{snap.Actors, snap.Actions, snap.Fundings} {
		slices.Sort(l)
	}
	for _, err := range s.AllIndicatorValues(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		snap.Values++
	}
	return snap
}

func date(d *domain.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func TestBuild(t *testing.T) {
	var mu sync.Mutex
	snaps := map[string]snapshot{}
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if ok, err := Loaded(ctx, s); err != nil || ok {
			t.Fatalf("Loaded on an empty store: %v, %v", ok, err)
		}
		if err := Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		if ok, err := Loaded(ctx, s); err != nil || !ok {
			t.Fatalf("Loaded after Build: %v, %v", ok, err)
		}
		d := Generate(Seed)
		first := takeSnapshot(t, s)
		if len(first.Actions) != len(d.Actions) || len(first.Actors) != len(d.Actors) || len(first.Fundings) != len(d.Fundings) {
			t.Fatalf("store holds %d actions, %d actors, %d fundings; want %d, %d, %d",
				len(first.Actions), len(first.Actors), len(first.Fundings), len(d.Actions), len(d.Actors), len(d.Fundings))
		}
		if first.Values < len(d.Indicators) {
			t.Errorf("store holds %d indicator values, want at least %d", first.Values, len(d.Indicators))
		}
		communes, err := s.CommunesOf(ctx, DeptCode)
		if err != nil || len(communes) != len(d.Communes) {
			t.Fatalf("CommunesOf(%s) = %d communes, %v", DeptCode, len(communes), err)
		}
		for _, e := range d.EPCIs {
			got, err := s.CommunesOf(ctx, e.Code)
			if err != nil || !reflect.DeepEqual(got, e.Members) {
				t.Errorf("CommunesOf(%s) = %v, %v; want %v", e.Code, got, err, e.Members)
			}
		}
		ctg, err := s.CommunesOf(ctx, CTGCode)
		if err != nil || !reflect.DeepEqual(ctg, d.Perimeters[0].Members) {
			t.Errorf("CTG perimeter = %v, %v", ctg, err)
		}
		if g, err := s.TerritoryGeometry(ctx, d.Communes[0].Code); err != nil || !strings.Contains(string(g), "Polygon") {
			t.Errorf("geometry of %s: %.60s, %v", d.Communes[0].Code, g, err)
		}
		// Building again changes nothing (idempotent --force).
		if err := Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		if again := takeSnapshot(t, s); !reflect.DeepEqual(first, again) {
			t.Error("a second Build changed the data")
		}
		// A stale demo action (from an older demo version) goes at the next Build.
		tx, err := s.Bulk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		old := d.Actions[0].Action
		old.ExternalID, old.OperatorID = "act-old", 0
		for a, err := range s.AllActors(ctx) {
			if err == nil && old.OperatorID == 0 {
				old.OperatorID = a.ID
			}
		}
		if _, err := tx.UpsertActions(ctx, []domain.Action{old}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		if again := takeSnapshot(t, s); !reflect.DeepEqual(first, again) {
			t.Error("Build did not remove a stale demo action")
		}
		checkWhiteZone(t, s)
		mu.Lock()
		snaps[s.Dialect()] = first
		mu.Unlock()
	})
	if a, b := snaps["sqlite"], snaps["postgres"]; a.Actions != nil && b.Actions != nil && !reflect.DeepEqual(a, b) {
		t.Error("the demo differs between SQLite and PostgreSQL")
	}
}

// checkWhiteZone reads the demo back and asserts that some commune with
// families has no parentalité action placed within Radius km, nor in the zone
// of a placeless parentalité action within Radius km: a white zone.
func checkWhiteZone(t *testing.T, s domain.Store) {
	t.Helper()
	ctx := context.Background()
	ts, err := s.Territories(ctx, domain.TerritoryFilter{Within: DeptCode, Type: domain.TypeCommune})
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string][2]float64{}
	for _, c := range ts.Items {
		if c.Lat == nil {
			t.Fatalf("commune %s has no centroid", c.Code)
		}
		pos[c.Code] = [2]float64{*c.Lat, *c.Lon}
	}
	near := func(a, b string) bool {
		p, q := pos[a], pos[b]
		return Haversine(p[0], p[1], q[0], q[1]) <= Radius
	}
	vals, err := s.IndicatorValues(ctx, domain.IndicatorValueFilter{Indicator: domain.IndicatorFamiliesWithChildren, Territory: DeptCode, Year: LastYear})
	if err != nil {
		t.Fatal(err)
	}
	need := map[string]float64{}
	for _, v := range vals.Items {
		need[v.Territory] = v.Value
	}
	acts, err := s.Actions(ctx, domain.ActionFilter{Theme: "parentalite", Year: LastYear, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if acts.Total < 20 {
		t.Fatalf("only %d parentalité actions", acts.Total)
	}
	served := map[string]bool{}
	for _, a := range acts.Items {
		var at []string
		if len(a.Places) > 0 {
			at = a.Places
		} else {
			for _, z := range a.Zone {
				cs, err := s.CommunesOf(ctx, z)
				if err != nil {
					t.Fatal(err)
				}
				at = append(at, cs...)
			}
		}
		for c := range pos {
			for _, p := range at {
				if near(c, p) {
					served[c] = true
				}
			}
		}
	}
	var white []string
	for c := range pos {
		if !served[c] && need[c] > 0 {
			white = append(white, c)
		}
	}
	slices.Sort(white)
	t.Logf("white zones (parentalité, %g km): %v", Radius, white)
	if len(white) == 0 {
		t.Error("no white zone: every commune has a parentalité action within reach")
	}
	if len(white) > len(pos)/4 {
		t.Errorf("%d white communes of %d: the demo is too empty", len(white), len(pos))
	}
	// Overlaps: two operators, same theme, same EPCI zone.
	byZone := map[string]map[int64]bool{}
	for _, a := range acts.Items {
		for _, z := range a.Zone {
			if domain.IsSIREN(z) {
				if byZone[z] == nil {
					byZone[z] = map[int64]bool{}
				}
				byZone[z][a.OperatorID] = true
			}
		}
	}
	overlap := false
	for _, ops := range byZone {
		overlap = overlap || len(ops) >= 2
	}
	if !overlap {
		t.Error("no EPCI with two parentalité operators")
	}
}
