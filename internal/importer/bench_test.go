package importer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/testutil"
)

// BenchmarkNationalIndicators imports $MAILLAGE_BENCH_INDICATORS (a long
// indicator file, with the national catalogue beside it in
// $MAILLAGE_BENCH_CATALOGUE) into a fresh SQLite store holding the real COG.
// Run briefly: go test -run XXX -bench NationalIndicators -benchtime 1x.
func BenchmarkNationalIndicators(b *testing.B) {
	values, cat := os.Getenv("MAILLAGE_BENCH_INDICATORS"), os.Getenv("MAILLAGE_BENCH_CATALOGUE")
	if values == "" {
		b.Skip("MAILLAGE_BENCH_INDICATORS not set")
	}
	data := testutil.SharedData(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := benchStore(b)
		if _, err := ImportCOG(context.Background(), s, filepath.Join(data, "cog"), Options{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := ImportIndicators(context.Background(), s, cat, values, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.Written)/b.Elapsed().Seconds(), "values/s")
	}
}

// BenchmarkNationalActions imports the template directory
// $MAILLAGE_BENCH_ACTIONS into a fresh SQLite store holding the real COG.
func BenchmarkNationalActions(b *testing.B) {
	dir := os.Getenv("MAILLAGE_BENCH_ACTIONS")
	if dir == "" {
		b.Skip("MAILLAGE_BENCH_ACTIONS not set")
	}
	data := testutil.SharedData(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := benchStore(b)
		if _, err := ImportCOG(context.Background(), s, filepath.Join(data, "cog"), Options{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := ImportActions(context.Background(), s, dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.kind("actions").Written)/b.Elapsed().Seconds(), "actions/s")
	}
}

// benchStore opens a fresh SQLite store, or PostgreSQL when
// MAILLAGE_BENCH_DB=postgres.
func benchStore(b *testing.B) domain.Store {
	if os.Getenv("MAILLAGE_BENCH_DB") == "postgres" {
		return storetest.OpenPostgres(b)
	}
	return storetest.OpenSQLite(b)
}
