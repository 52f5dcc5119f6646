package analysis_test

import (
	"context"
	"testing"
	"time"

	"maillage/internal/analysis"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestEngineReload: the engine serves its snapshot without waiting and
// replaces it in the background once the data version moves.
func TestEngineReload(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		b, err := s.Bulk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pop := 1000.0
		lat, lon := 47.0, 2.4
		if err := b.UpsertTerritories(ctx, []domain.Territory{{Code: "18033", Type: domain.TypeCommune, Name: "Bourges", Departement: "18", Population: &pop, Lat: &lat, Lon: &lon}}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.PutIndicatorValues(ctx, func(yield func(domain.IndicatorValue) bool) {
			yield(domain.IndicatorValue{Territory: "18033", Indicator: "population", Year: 2023, Value: pop})
		}); err != nil {
			t.Fatal(err)
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		eng, err := analysis.NewEngine(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		eng.CheckInterval = 10 * time.Millisecond
		first := eng.Snapshot()
		if len(first.ActID) != 0 || first.N != 1 {
			t.Fatalf("first snapshot: %v", first)
		}
		op := domain.Actor{Name: "CAF du Cher", Type: "caf"}
		if err := s.CreateActor(ctx, &op); err != nil {
			t.Fatal(err)
		}
		a := domain.Action{Title: "LAEP", OperatorID: op.ID, Themes: []string{"parentalite"}, Places: []string{"18033"}, Capacity: 12}
		if err := s.CreateAction(ctx, &a); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			time.Sleep(20 * time.Millisecond)
			snap := eng.Snapshot() // never blocks: the old one until the new one is ready
			if len(snap.ActID) == 1 {
				if snap.DataVersion == first.DataVersion {
					t.Errorf("new snapshot with the old data version %d", snap.DataVersion)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the engine did not reload after the data changed")
			}
		}
		r, err := eng.Analyse(analysis.Params{Scope: "18033", Themes: []string{"parentalite"}, Need: "population"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Communes[0].Supply != 12 || r.Communes[0].Accessibility != 12.0/1000 {
			t.Errorf("after reload: %+v", r.Communes[0])
		}
	})
}

// TestEngineCatchUp: with checks far apart, CatchUp after a write brings
// the new data at once, and calls during a check are not lost.
func TestEngineCatchUp(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		pop := 1000.0
		lat, lon := 47.0, 2.4
		b, err := s.Bulk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.UpsertTerritories(ctx, []domain.Territory{{Code: "18033", Type: domain.TypeCommune, Name: "Bourges", Departement: "18", Population: &pop, Lat: &lat, Lon: &lon}}); err != nil {
			t.Fatal(err)
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		eng, err := analysis.NewEngine(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		eng.CheckInterval = time.Hour
		op := domain.Actor{Name: "CAF du Cher", Type: "caf"}
		if err := s.CreateActor(ctx, &op); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			a := domain.Action{Title: "LAEP", OperatorID: op.ID, Themes: []string{"parentalite"}, Places: []string{"18033"}, Capacity: 12}
			if err := s.CreateAction(ctx, &a); err != nil {
				t.Fatal(err)
			}
			eng.CatchUp()
			want := i + 1
			deadline := time.Now().Add(20 * time.Second)
			for len(eng.Snapshot().ActID) != want {
				if time.Now().After(deadline) {
					t.Fatalf("after CatchUp: %d actions in the snapshot, want %d", len(eng.Snapshot().ActID), want)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		v, err := s.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := eng.Snapshot().DataVersion; got != v {
			t.Errorf("snapshot version %d, data version %d", got, v)
		}
	})
}
