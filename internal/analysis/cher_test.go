package analysis_test

import (
	"context"
	"path/filepath"
	"testing"

	"maillage/internal/analysis"
	"maillage/internal/domain"
	"maillage/internal/importer"
	"maillage/internal/store/storetest"
	"maillage/internal/testutil"
)

// TestCher runs the analysis on the real COG of the Cher (all of France is
// imported; the Cher communes get their centroids from the 2024 outlines)
// with a handful of actions, on both databases.
func TestCher(t *testing.T) {
	data := testutil.SharedData(t)
	if testing.Short() {
		t.Skip("imports the whole COG")
	}
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if _, err := importer.ImportCOG(ctx, s, filepath.Join(data, "cog"), importer.Options{}); err != nil {
			t.Fatal(err)
		}
		if _, err := importer.ImportGeo(ctx, s, filepath.Join(data, "geo", "communes-2024-mathieulebasic", "dep18.geojson"), importer.Options{}); err != nil {
			t.Fatal(err)
		}
		actor := func(name, typ string) int64 {
			a := domain.Actor{Name: name, Type: typ}
			if err := s.CreateActor(ctx, &a); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		caf := actor("CAF du Cher", "caf")
		bourges := actor("Ville de Bourges", "commune")
		csoc := actor("Centre social du Val d'Auron", "centre_social")
		assoc := actor("École des parents du Cher", "association")
		action := func(a domain.Action) int64 {
			a.Themes = []string{a.Themes[0]}
			if err := s.CreateAction(ctx, &a); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		laep := action(domain.Action{Title: "LAEP de Bourges", OperatorID: csoc, Themes: []string{"parentalite"}, Publics: []string{"parents", "enfants_0_3"},
			Places: []string{"18033"}, Zone: []string{"241800507"}, Capacity: 60})
		action(domain.Action{Title: "Café des parents", OperatorID: assoc, Themes: []string{"parentalite"}, Publics: []string{"parents"},
			Places: []string{"18033"}, Zone: []string{"18033"}, Capacity: 30})
		action(domain.Action{Title: "Accueil jeunes Terres du Haut Berry", OperatorID: assoc, Themes: []string{"jeunesse"},
			Zone: []string{"200066330"}, Capacity: 120})
		for _, f := range []domain.Funding{
			{ActionID: laep, FunderID: caf, Year: 2024, Amount: 30000},
			{ActionID: laep, FunderID: bourges, Year: 2024, Amount: 10000},
		} {
			if err := s.CreateFunding(ctx, &f); err != nil {
				t.Fatal(err)
			}
		}

		snap, err := analysis.Load(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if snap.N < 34000 {
			t.Fatalf("snapshot has %d communes", snap.N)
		}
		r, err := analysis.Analyse(snap, analysis.Params{Scope: "18", Themes: []string{"parentalite"}, Need: "population", Year: 2024})
		if err != nil {
			t.Fatal(err)
		}
		if r.Scope.Communes < 280 || r.Scope.Name != "Cher" {
			t.Fatalf("scope = %+v", r.Scope)
		}
		// Bourges holds the supply: 90 places. A commune has accessibility
		// exactly when it lies within 15 km of Bourges' centroid.
		bi := snap.CommuneIndex("18033")
		within, white := 0, map[string]bool{}
		for _, z := range r.WhiteZones {
			white[z.Code] = true
		}
		for _, c := range r.Communes {
			i := snap.CommuneIndex(c.Code)
			d := analysis.Haversine(snap.Lat[bi], snap.Lon[bi], snap.Lat[i], snap.Lon[i])
			if c.Code == "18033" && c.Supply != 90 {
				t.Errorf("Bourges supply = %v", c.Supply)
			}
			if (c.Accessibility > 0) != (d < 15) {
				t.Errorf("%s %s at %.1f km: accessibility %v", c.Code, c.Name, d, c.Accessibility)
			}
			if d < 15 {
				within++
			}
			if white[c.Code] != (d >= 15 && c.Need > 0) {
				t.Errorf("%s %s at %.1f km: white zone %v", c.Code, c.Name, d, white[c.Code])
			}
		}
		if within < 10 || within > 40 {
			t.Errorf("%d communes within 15 km of Bourges", within)
		}
		// Saint-Doulchard borders Bourges; Saint-Amand-Montrond (≈ 40 km
		// south) and Vierzon (≈ 30 km north-west) are white zones, Vierzon
		// first: its 25,068 inhabitants are the largest uncovered need.
		if !white["18197"] || !white["18279"] || white["18205"] {
			t.Errorf("white zones: Saint-Amand %v, Vierzon %v, Saint-Doulchard %v", white["18197"], white["18279"], white["18205"])
		}
		if r.WhiteZones[0].Code != "18279" {
			t.Errorf("largest white zone = %+v, want Vierzon", r.WhiteZones[0])
		}
		// Σ A_i·P_i = Σ S_j: all of Bourges' neighbours are in the Cher.
		sum := 0.0
		for _, c := range r.Communes {
			sum += c.Accessibility * c.Need
		}
		if d := sum - 90; d > 1e-6 || d < -1e-6 {
			t.Errorf("Σ A·P = %v, want 90", sum)
		}
		// The two parentalité actions in Bourges overlap: different operators,
		// publics {parents, enfants_0_3} and {parents} (Jaccard ½), the café's
		// zone (Bourges, the smaller) lies inside the LAEP's (Bourges Plus),
		// so they share Bourges' 64,186 inhabitants.
		if r.OverlapsTotal != 1 || r.Overlaps[0].SharedPopulation != 64186 {
			t.Errorf("overlaps = %d %+v", r.OverlapsTotal, r.Overlaps)
		}
		// Funding 2024: 40,000 €, 75 % CAF, HHI 0.75² + 0.25² = 0.625; the LAEP
		// is spread over Bourges Plus (all in the Cher).
		if f := r.Funding; f.Total < 39999.99 || f.Total > 40000.01 || f.CAFShare < 0.7499 || f.CAFShare > 0.7501 || f.HHI < 0.6249 || f.HHI > 0.6251 {
			t.Errorf("funding = %+v", f)
		}
		if !r.Network.CAF.Present || r.Network.Nodes != 4 {
			t.Errorf("network = %+v", r.Network)
		}
		// Explain Saint-Doulchard: its accessibility comes from Bourges.
		e, err := analysis.Explain(snap, "18205", "parentalite", analysis.Params{Need: "population", Year: 2024})
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Catchment) != 1 || e.Catchment[0].Code != "18033" || len(e.Catchment[0].Actions) != 2 || e.Catchment[0].DistanceKm > 15 {
			t.Errorf("explain = %+v", e.Catchment)
		}
		// The EPCI-wide jeunesse action spreads over its 30 communes.
		rj, err := analysis.Analyse(snap, analysis.Params{Scope: "200066330", Themes: []string{"jeunesse"}, Need: "population", Year: 2024})
		if err != nil {
			t.Fatal(err)
		}
		if len(rj.Communes) != 30 || rj.Summary.Supply < 119.999 || rj.Summary.Supply > 120.001 {
			t.Errorf("Terres du Haut Berry: %d communes, supply %v", len(rj.Communes), rj.Summary.Supply)
		}
		// Comparable EPCI exist (population only is known everywhere).
		if len(rj.Comparable) != 5 {
			t.Errorf("comparable = %+v", rj.Comparable)
		}
	})
}
