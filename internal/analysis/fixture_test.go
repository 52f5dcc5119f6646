package analysis

import (
	"math"
	"testing"

	"maillage/internal/domain"
)

// dLat10 is 10 km along a meridian in degrees (R = 6371 km).
const dLat10 = 0.08993216059187305

func fp(x float64) *float64 { return &x }

func date(s string) *domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

// commune returns a commune territory on the meridian 2°E, km kilometres north of 47°N.
func commune(code, name string, km, pop float64) domain.Territory {
	return domain.Territory{Code: code, Type: domain.TypeCommune, Name: name, Population: fp(pop),
		Lat: fp(47 + km/10*dLat10), Lon: fp(2)}
}

// data is a small data set that tests turn into a snapshot.
type data struct {
	communes []domain.Territory
	groups   []domain.Territory
	actors   []domain.Actor
	actions  []domain.Action
	fundings []domain.Funding
	values   []domain.IndicatorValue
}

func (d *data) build(t testing.TB) *Snapshot {
	t.Helper()
	b := NewBuilder(nil)
	b.DataVersion = 7
	for i := range d.communes {
		b.AddTerritory(&d.communes[i])
	}
	for i := range d.groups {
		b.AddTerritory(&d.groups[i])
	}
	for i := range d.actors {
		b.AddActor(&d.actors[i])
	}
	for i := range d.actions {
		b.AddAction(&d.actions[i])
	}
	for i := range d.fundings {
		b.AddFunding(&d.fundings[i])
	}
	for _, v := range d.values {
		b.AddIndicatorValue(v.Territory, v.Indicator, v.Year, v.Value)
	}
	s, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lineData: communes A, B, C on a line 10 km apart (A at 0, B at 10, C at
// 20 km), D far away (60 km) and E (100 km) with no need value; an EPCI of
// A, B, C and a département of all five.
//
//	need (familles_enfants, 2023): A 100, B 200, C 100, D 50, E unknown
//	population:                    A 1000, B 2000, C 1000, D 500, E 300
func lineData() *data {
	d := &data{}
	d.communes = []domain.Territory{
		commune("18001", "Alpha", 0, 1000),
		commune("18002", "Bravo", 10, 2000),
		commune("18003", "Charlie", 20, 1000),
		commune("18004", "Delta", 60, 500),
		commune("18005", "Echo", 100, 300),
	}
	d.groups = []domain.Territory{
		{Code: "200000172", Type: domain.TypeEPCI, Name: "CC Alpha-Charlie", Members: []string{"18001", "18002", "18003"}},
		{Code: "18", Type: domain.TypeDepartement, Name: "Cher", Members: []string{"18001", "18002", "18003", "18004", "18005"}},
	}
	d.actors = []domain.Actor{
		{ID: 1, Name: "CAF du Cher", Type: "caf"},
		{ID: 2, Name: "Commune d'Alpha", Type: "commune"},
		{ID: 3, Name: "Département du Cher", Type: "departement"},
		{ID: 4, Name: "Association Parents", Type: "association"},
		{ID: 5, Name: "Centre social Bravo", Type: "centre_social"},
		{ID: 6, Name: "Association isolée", Type: "association"},
	}
	for _, v := range []struct {
		c string
		x float64
	}{{"18001", 100}, {"18002", 200}, {"18003", 100}, {"18004", 50}} {
		d.values = append(d.values, domain.IndicatorValue{Territory: v.c, Indicator: "familles_enfants", Year: 2023, Value: v.x})
	}
	return d
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

func figure(t *testing.T, r *Result, code string) CommuneFigure {
	t.Helper()
	for _, c := range r.Communes {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("commune %s not in result", code)
	return CommuneFigure{}
}
