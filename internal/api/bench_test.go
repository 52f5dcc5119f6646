package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"maillage/internal/api"
	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// BenchmarkListActions measures GET /api/v1/actions over real HTTP on the
// demo département plus 5,000 more actions (about 5,200 in all), on both
// databases:
//
//	go test ./internal/api -run '^$' -bench ListActions -benchtime 200x
func BenchmarkListActions(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			var s domain.Store
			if db == "sqlite" {
				s = storetest.OpenSQLite(b)
			} else {
				s = storetest.OpenPostgres(b)
			}
			dep := benchData(b, s, 5000)
			a, err := api.New(s, api.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			ts := httptest.NewServer(a)
			defer ts.Close()
			for _, q := range []string{
				"territory=" + dep + "&limit=50",
				"territory=" + dep + "&limit=500",
				"territory=" + dep + "&theme=parentalite&year=2024&sort=title&limit=50",
				"q=atelier&limit=50",
			} {
				b.Run(q, func(b *testing.B) {
					url := ts.URL + "/api/v1/actions?" + q
					for b.Loop() {
						resp, err := http.Get(url)
						if err != nil {
							b.Fatal(err)
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							b.Fatalf("%s: %d", q, resp.StatusCode)
						}
					}
				})
			}
		})
	}
}

// benchData loads the demo and n more actions spread over its communes; it
// returns the département code.
func benchData(b *testing.B, s domain.Store, n int) string {
	ctx := context.Background()
	if err := demo.Build(ctx, s); err != nil {
		b.Fatal(err)
	}
	deps, err := s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeDepartement})
	if err != nil || deps.Total == 0 {
		b.Fatalf("demo département: %v", err)
	}
	communes, err := s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeCommune})
	if err != nil {
		b.Fatal(err)
	}
	actors, err := s.Actors(ctx, domain.ActorFilter{Limit: 100})
	if err != nil || actors.Total == 0 {
		b.Fatalf("demo actors: %v", err)
	}
	themes := []string{"parentalite", "petite_enfance", "jeunesse", "animation_vie_sociale", "acces_aux_droits"}
	as := make([]domain.Action, n)
	for i := range as {
		start, _ := domain.ParseDate(fmt.Sprintf("%d-09-01", 2020+i%5))
		as[i] = domain.Action{
			Source: "bench", ExternalID: fmt.Sprint(i),
			Title:      fmt.Sprintf("Atelier %d", i),
			OperatorID: actors.Items[i%len(actors.Items)].ID,
			Themes:     []string{themes[i%len(themes)]},
			Publics:    []string{"parents"},
			Zone:       []string{communes.Items[i%len(communes.Items)].Code},
			Capacity:   float64(i % 40),
			StartDate:  &start,
		}
	}
	tx, err := s.Bulk(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.UpsertActions(ctx, as); err != nil {
		tx.Rollback()
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return deps.Items[0].Code
}
