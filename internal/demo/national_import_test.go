package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"maillage/internal/domain"
	"maillage/internal/importer"
	"maillage/internal/store/storetest"
	"maillage/internal/testutil"
)

// TestNationalImports imports a reduced national set (one département) with
// the real importers, as its README says: COG, points, indicators with their
// catalogue, then actors/actions/fundings.
func TestNationalImports(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the whole COG")
	}
	data := testutil.SharedData(t)
	dir := t.TempDir()
	rep, err := National(context.Background(), NationalOptions{
		COGDir: filepath.Join(data, "cog"), GeoDir: filepath.Join(data, "geo"), OutDir: dir,
		Actions: 3000, Departements: []string{"18"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	step := func(name string, fn func() (*importer.Report, error)) {
		t.Helper()
		start := time.Now()
		if _, err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %s", name, time.Since(start).Round(time.Millisecond))
	}
	step("cog", func() (*importer.Report, error) {
		return importer.ImportCOG(ctx, s, filepath.Join(data, "cog"), importer.Options{})
	})
	step("points", func() (*importer.Report, error) {
		return importer.ImportPoints(ctx, s, filepath.Join(dir, "points.csv"), importer.Options{})
	})
	step("indicators", func() (*importer.Report, error) {
		return importer.ImportIndicators(ctx, s, filepath.Join(dir, "indicators-catalogue.csv"), filepath.Join(dir, "indicators.csv"), importer.Options{})
	})
	step("actions", func() (*importer.Report, error) { return importer.ImportActions(ctx, s, dir, importer.Options{}) })
	acts, err := s.Actions(ctx, domain.ActionFilter{Limit: 1})
	if err != nil || acts.Total != rep.Actions {
		t.Errorf("%d actions imported, want %d (%v)", acts.Total, rep.Actions, err)
	}
	fs, err := s.Fundings(ctx, domain.FundingFilter{Limit: 1})
	if err != nil || fs.Total != rep.Fundings {
		t.Errorf("%d fundings imported, want %d (%v)", fs.Total, rep.Fundings, err)
	}
	vals, err := s.IndicatorValues(ctx, domain.IndicatorValueFilter{Territory: "18", Limit: 1})
	if err != nil || vals.Total < rep.Values {
		t.Errorf("%d indicator values for the Cher, want %d (%v)", vals.Total, rep.Values, err)
	}
	bourges, err := s.Territory(ctx, "18033")
	if err != nil || bourges.Lat == nil || *bourges.Lat < 46.9 || *bourges.Lat > 47.2 {
		t.Errorf("Bourges centroid: %+v, %v", bourges, err)
	}
}
