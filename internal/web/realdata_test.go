package web_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"maillage/internal/analysis"
	"maillage/internal/importer"
	"maillage/internal/store/storetest"
	"maillage/internal/testutil"
	"maillage/internal/web"
)

// TestRealCherPortrait imports the real COG (all of France) and the Cher's
// commune outlines, then checks the Cher's portrait: 286 communes on the
// map, the map under 300 KB, and how long the first (cold) and a second
// (warm) request take.
func TestRealCherPortrait(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the whole COG: skipped with -short")
	}
	dir := testutil.SharedData(t)
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	if _, err := importer.ImportCOG(ctx, s, filepath.Join(dir, "cog"), importer.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.ImportGeo(ctx, s, filepath.Join(dir, "geo", "communes-2024-mathieulebasic", "dep18.geojson"), importer.Options{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	eng, err := analysis.NewEngine(ctx, s) // the server loads it at start and shares it
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("analysis snapshot of the COG: %v", time.Since(start))
	h, err := web.New(s, web.Options{Analysis: eng})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	start = time.Now()
	r := get(t, srv, "/territoires/18")
	cold := time.Since(start)
	must(t, r, 200, "Cher", "Centre-Val de Loire", "Population municipale par commune")
	start = time.Now()
	get(t, srv, "/territoires/18?indicateur=population")
	warm := time.Since(start)
	svg := regexp.MustCompile(`(?s)<svg[^>]*class="carte".*?</svg>`).FindString(r.body)
	if n := strings.Count(svg, "<path "); n != 286 {
		t.Fatalf("Cher map: %d communes, want 286", n)
	}
	if len(svg) >= 300*1024 {
		t.Fatalf("Cher map: %d bytes, want under 300 KB", len(svg))
	}
	t.Logf("Cher portrait: page %d bytes, map %d bytes; first request %v (cold caches), second %v", len(r.body), len(svg), cold, warm)

	// the analysis of a whole région keeps a bounded page
	start = time.Now()
	r = get(t, srv, "/analyse?perimetre=R24&thematique=parentalite")
	must(t, r, 200, "communes au plus faible accès (sur ")
	t.Logf("analysis of Centre-Val de Loire: page %d bytes in %v", len(r.body), time.Since(start))
}
