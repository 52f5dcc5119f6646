package store_test

import (
	"context"
	"fmt"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// Per-row costs of the bulk path on each database, for quick comparisons
// (go test -bench . -benchtime 20000x ./internal/store/). The national-size
// comparison with the CLIs is internal/store/bench (see BENCHMARKS.md).
func BenchmarkBulk(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) domain.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(db.name+"/UpsertActions", func(b *testing.B) {
			s := db.open(b)
			var f storetest.Fixture
			f.LoadTerritories(b, s)
			ctx := context.Background()
			op := &domain.Actor{Name: "Opérateur", Type: "association"}
			if err := s.CreateActor(ctx, op); err != nil {
				b.Fatal(err)
			}
			as := make([]domain.Action, b.N)
			for i := range as {
				as[i] = domain.Action{Source: "bench", ExternalID: fmt.Sprint(i), Title: fmt.Sprintf("Action %d", i), OperatorID: op.ID,
					Themes: []string{"parentalite", "enfance"}, Publics: []string{"parents"}, Zone: []string{"18033"}, Places: []string{"18001"}, Capacity: 10}
			}
			b.ResetTimer()
			tx, err := s.Bulk(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.UpsertActions(ctx, as); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		})
		b.Run(db.name+"/PutIndicatorValues", func(b *testing.B) {
			s := db.open(b)
			var f storetest.Fixture
			ctx := context.Background()
			tx, err := s.Bulk(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if err := tx.UpsertTerritories(ctx, f.Territories()); err != nil {
				b.Fatal(err)
			}
			var codes, inds []string
			for _, t := range f.Territories() {
				codes = append(codes, t.Code)
			}
			for _, ind := range domain.DefaultIndicators() {
				inds = append(inds, ind.Code)
			}
			if b.N > len(codes)*401*len(inds) {
				b.Skip("b.N above the distinct keys available")
			}
			b.ResetTimer()
			_, err = tx.PutIndicatorValues(ctx, func(yield func(domain.IndicatorValue) bool) {
				for i := 0; i < b.N; i++ {
					// Distinct keys, in indicator, year, territory order.
					v := domain.IndicatorValue{Indicator: inds[i/(len(codes)*401)], Year: 1800 + i/len(codes)%401, Territory: codes[i%len(codes)], Value: float64(i)}
					if !yield(v) {
						return
					}
				}
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
