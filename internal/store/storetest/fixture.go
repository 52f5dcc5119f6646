package storetest

import (
	"context"
	"fmt"
	"testing"

	"maillage/internal/domain"
)

// SIREN returns a valid SIREN (Luhn key) starting with the 8 digits of n.
func SIREN(n int) string {
	base := fmt.Sprintf("%08d", n%100000000)
	for d := 0; d <= 9; d++ {
		s := base + string(rune('0'+d))
		if domain.IsSIREN(s) {
			return s
		}
	}
	panic("unreachable")
}

// Fixture is a small territory loaded through Bulk: two régions, two
// départements, Bourges and three villages in the Cher, Paris and two of its
// arrondissements, two EPCI, an alias, a perimeter, populations, three
// actors, five actions and two fundings.
type Fixture struct {
	EPCI1, EPCI2        string // EPCI1: 18033 + 18001; EPCI2: 18002 + 18003
	Perimeter           string // 18001 + 18002
	CAF, Commune, Assoc int64
	Actions             [5]int64 // see Load
}

func ptr[T any](v T) *T { return &v }

func date(s string) *domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

// Territories returns the fixture's territories.
func (f *Fixture) Territories() []domain.Territory {
	f.EPCI1, f.EPCI2 = SIREN(20001801), SIREN(20001802)
	return []domain.Territory{
		{Code: "R24", Type: domain.TypeRegion, Name: "Centre-Val de Loire"},
		{Code: "R11", Type: domain.TypeRegion, Name: "Île-de-France"},
		{Code: "18", Type: domain.TypeDepartement, Name: "Cher", Region: "R24"},
		{Code: "75", Type: domain.TypeDepartement, Name: "Paris", Region: "R11"},
		{Code: "18033", Type: domain.TypeCommune, Name: "Bourges", Departement: "18", Region: "R24", Parent: f.EPCI1, Lat: ptr(47.08), Lon: ptr(2.4)},
		{Code: "18001", Type: domain.TypeCommune, Name: "Achères", Departement: "18", Region: "R24", Parent: f.EPCI1},
		{Code: "18002", Type: domain.TypeCommune, Name: "Ainay-le-Vieil", Departement: "18", Region: "R24", Parent: f.EPCI2},
		{Code: "18003", Type: domain.TypeCommune, Name: "Les Aix-d'Angillon", Departement: "18", Region: "R24", Parent: f.EPCI2},
		{Code: "75056", Type: domain.TypeCommune, Name: "Paris", Departement: "75", Region: "R11"},
		{Code: "75101", Type: domain.TypeArrondissement, Name: "Paris 1er Arrondissement", Departement: "75", Region: "R11", Parent: "75056"},
		{Code: "75102", Type: domain.TypeArrondissement, Name: "Paris 2e Arrondissement", Departement: "75", Region: "R11", Parent: "75056"},
		{Code: f.EPCI1, Type: domain.TypeEPCI, Name: "Bourges Plus", Departement: "18", Region: "R24", SIREN: f.EPCI1},
		{Code: f.EPCI2, Type: domain.TypeEPCI, Name: "CC Terres du Haut Berry", Departement: "18", Region: "R24", SIREN: f.EPCI2},
	}
}

// LoadTerritories loads territories, members, an alias (18999 → 18001),
// a geometry and populations through one bulk transaction.
func (f *Fixture) LoadTerritories(t testing.TB, s domain.Store) {
	t.Helper()
	ctx := context.Background()
	b, err := s.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Rollback()
	must(t, b.UpsertTerritories(ctx, f.Territories()))
	must(t, b.SetMembers(ctx, f.EPCI1, []string{"18033", "18001"}))
	must(t, b.SetMembers(ctx, f.EPCI2, []string{"18002", "18003"}))
	must(t, b.UpsertAliases(ctx, []domain.Alias{{Code: "18999", Target: "18001", Name: "Ancienne commune", Reason: "commune-deleguee"}}))
	must(t, b.PutGeometries(ctx, []domain.Geometry{{Code: "18033", GeoJSON: []byte(`{"type":"Point","coordinates":[2.4,47.08]}`)}}))
	n, err := b.PutIndicatorValues(ctx, values([]domain.IndicatorValue{
		{Territory: "18033", Indicator: "population", Year: 2020, Value: 64000},
		{Territory: "18033", Indicator: "population", Year: 2021, Value: 65000},
		{Territory: "18001", Indicator: "population", Year: 2021, Value: 500},
		{Territory: "18002", Indicator: "population", Year: 2021, Value: 200},
		{Territory: "18", Indicator: "population", Year: 2021, Value: 300000},
		{Territory: "18033", Indicator: "pop_0_2", Year: 2021, Value: 2100},
	}))
	must(t, err)
	if n != 6 {
		t.Fatalf("PutIndicatorValues wrote %d values, want 6", n)
	}
	must(t, b.Commit())
	f.Perimeter = "CTG-NORD"
	must(t, s.SavePerimeter(ctx, &domain.Territory{Code: f.Perimeter, Name: "CTG Nord", Members: []string{"18001", "18002"}}))
}

func values(vs []domain.IndicatorValue) func(func(domain.IndicatorValue) bool) {
	return func(yield func(domain.IndicatorValue) bool) {
		for _, v := range vs {
			if !yield(v) {
				return
			}
		}
	}
}

// Load loads territories, then actors and actions through the API methods:
//
//	Actions[0] parentalité at Bourges (zone 18033), LAEP, 2020–2022, capacity 30, funded by the CAF in 2021
//	Actions[1] petite enfance on EPCI1, from 2023, capacity 10, funded by the CAF in 2023
//	Actions[2] accès aux droits on the whole département 18, no dates, capacity 100
//	Actions[3] vacances in Paris 1er (75101), capacity 5
//	Actions[4] jeunesse on the perimeter, capacity 20
func (f *Fixture) Load(t testing.TB, s domain.Store) {
	t.Helper()
	ctx := context.Background()
	f.LoadTerritories(t, s)
	caf := &domain.Actor{Name: "CAF du Cher", Type: "caf", ExternalID: "caf18", Source: "import"}
	com := &domain.Actor{Name: "Ville de Bourges", Type: "commune", Commune: "18033", Territory: "18033"}
	asso := &domain.Actor{Name: "Association Familles en Berry", Type: "association", Commune: "18001"}
	for _, a := range []*domain.Actor{caf, com, asso} {
		must(t, s.CreateActor(ctx, a))
	}
	f.CAF, f.Commune, f.Assoc = caf.ID, com.ID, asso.ID
	acts := []*domain.Action{
		{Title: "Lieu d'accueil enfants-parents", Description: "Accueil libre des parents et jeunes enfants", OperatorID: asso.ID,
			Themes: []string{"parentalite"}, Publics: []string{"parents", "enfants_0_3"}, Labels: []string{"laep"},
			Zone: []string{"18033"}, Places: []string{"18033"}, Capacity: 30, StartDate: date("2020-01-01"), EndDate: date("2022-12-31")},
		{Title: "Relais petite enfance", OperatorID: com.ID, Themes: []string{"petite_enfance"}, Publics: []string{"parents"},
			Labels: []string{"ram_rpe"}, Zone: []string{f.EPCI1}, Capacity: 10, StartDate: date("2023-01-01")},
		{Title: "Accès aux droits", Description: "Permanences CAF_100% dans les mairies", OperatorID: caf.ID,
			Themes: []string{"acces_aux_droits"}, Publics: []string{"tous_publics"}, Zone: []string{"18"}, Capacity: 100},
		{Title: "Vacances familles", OperatorID: asso.ID, Themes: []string{"vacances_loisirs", "parentalite"}, Publics: []string{"familles"},
			Zone: []string{"75101"}, Capacity: 5, Roles: []domain.ActionRole{{ActorID: caf.ID, Role: domain.RoleInform}}},
		{Title: "Promeneurs du Net", OperatorID: asso.ID, Themes: []string{"jeunesse"}, Publics: []string{"adolescents_12_17"},
			Labels: []string{"promeneurs_du_net"}, Zone: []string{f.Perimeter}, Capacity: 20},
	}
	for i, a := range acts {
		must(t, s.CreateAction(ctx, a))
		f.Actions[i] = a.ID
	}
	must(t, s.CreateFunding(ctx, &domain.Funding{ActionID: f.Actions[0], FunderID: caf.ID, Year: 2021, Amount: 1000}))
	must(t, s.CreateFunding(ctx, &domain.Funding{ActionID: f.Actions[1], FunderID: caf.ID, Year: 2023, Amount: 500}))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
