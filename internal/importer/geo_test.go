package importer

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"maillage/internal/domain"
	"maillage/internal/testutil"
)

func TestCentroid(t *testing.T) {
	square := func(x0, y0, s float64, ccw bool) orb.Ring {
		r := orb.Ring{{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}, {x0, y0}}
		if !ccw {
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
		}
		return r
	}
	cases := []struct {
		name string
		g    orb.Geometry
		want orb.Point
		area float64
	}{
		{"square", orb.Polygon{square(0, 0, 2, true)}, orb.Point{1, 1}, 4},
		{"clockwise square", orb.Polygon{square(0, 0, 2, false)}, orb.Point{1, 1}, 4},
		// A 4×4 square with a 2×2 hole in its right half: the centroid
		// moves left. Area 16-4=12; x = (16·2 - 4·3)/12 = 5/3.
		{"hole", orb.Polygon{square(0, 0, 4, true), square(2, 1, 2, false)}, orb.Point{5.0 / 3, 2}, 12},
		{"hole same orientation", orb.Polygon{square(0, 0, 4, true), square(2, 1, 2, true)}, orb.Point{5.0 / 3, 2}, 12},
		// Two squares, areas 1 and 9: weighted by area.
		{"multipolygon", orb.MultiPolygon{{square(0, 0, 1, true)}, {square(10, 0, 3, true)}}, orb.Point{(0.5*1 + 11.5*9) / 10, (0.5*1 + 1.5*9) / 10}, 10},
		// Far from the origin (Lambert-like magnitudes stay precise).
		{"offset", orb.Polygon{square(2.39, 47.08, 0.01, true)}, orb.Point{2.395, 47.085}, 0.0001},
	}
	for _, c := range cases {
		got, area := Centroid(c.g)
		if math.Abs(got[0]-c.want[0]) > 1e-9 || math.Abs(got[1]-c.want[1]) > 1e-9 || math.Abs(area-c.area) > 1e-9 {
			t.Errorf("%s: centroid %v area %v, want %v %v", c.name, got, area, c.want, c.area)
		}
	}
}

func squareFeature(props string, x, y, s float64) string {
	return fmt.Sprintf(`{"type":"Feature","properties":%s,"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`,
		props, x, y, x+s, y, x+s, y+s, x, y+s, x, y)
}

func collection(features ...string) string {
	return `{"type":"FeatureCollection","name":"test","features":[` + strings.Join(features, ",") + `]}`
}

func TestGeoAndPoints(t *testing.T) {
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		seedCOG(t, s)
		dir := t.TempDir()
		// Property spellings of the sources: code, INSEE_COM, c_arinsee (a
		// number), code_territoire ("com" + code); an old code (18123,
		// merged into Baugy) whose outline must not replace Baugy's.
		p := writeFile(t, dir, "communes.geojson", collection(
			squareFeature(`{"code":"18033","nom":"Bourges"}`, 2.3, 47.0, 0.2),
			squareFeature(`{"INSEE_COM":"18023"}`, 2.7, 47.0, 0.2),
			squareFeature(`{"c_arinsee":75101,"l_ar":"1er Ardt"}`, 2.33, 48.86, 0.01),
			squareFeature(`{"code_territoire":"com200066330","libelle_territoire":"CC Terres du Haut Berry"}`, 2.4, 47.2, 0.3),
			squareFeature(`{"code":"18123"}`, 2.75, 47.05, 0.05),
		))
		rep, err := ImportGeo(ctx, s, p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		k := rep.kind("contours")
		if k.Created != 4 || k.Skipped != 1 || k.Written != 4 {
			t.Fatalf("report %+v", k)
		}
		if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "code 18123 : commune fusionnée, rattachée à 18023 Baugy") {
			t.Fatalf("warnings %q", rep.Warnings)
		}
		tr, _ := s.Territory(ctx, "18033")
		if tr.Lat == nil || math.Abs(*tr.Lat-47.1) > 1e-9 || math.Abs(*tr.Lon-2.4) > 1e-9 {
			t.Fatalf("Bourges centroid %v %v", tr.Lat, tr.Lon)
		}
		if g, err := s.TerritoryGeometry(ctx, "18023"); err != nil || !strings.Contains(string(g), "2.7") {
			t.Fatalf("Baugy geometry %s, %v", g, err)
		}
		// Explicit centroid (official chef-lieu), then the outline again:
		// the point is kept.
		pts := writeFile(t, dir, "chefs-lieux.csv", "code;latitude;longitude\n18033;47,0811;2,3987\n")
		if rep, err := ImportPoints(ctx, s, pts, Options{}); err != nil || rep.Updated != 1 {
			t.Fatalf("points %+v, %v", rep, err)
		}
		p2 := writeFile(t, dir, "bourges.geojson", collection(squareFeature(`{"code":"18033"}`, 2.31, 47.0, 0.2)))
		if _, err := ImportGeo(ctx, s, p2, Options{}); err != nil {
			t.Fatal(err)
		}
		if tr, _ := s.Territory(ctx, "18033"); *tr.Lat != 47.0811 || *tr.Lon != 2.3987 {
			t.Fatalf("explicit centroid overwritten: %v %v", *tr.Lat, *tr.Lon)
		}
		// Baugy's centroid was computed: a new outline moves it.
		p3 := writeFile(t, dir, "baugy.geojson", collection(squareFeature(`{"code":"18023"}`, 2.8, 47.0, 0.2)))
		if _, err := ImportGeo(ctx, s, p3, Options{}); err != nil {
			t.Fatal(err)
		}
		if tr, _ := s.Territory(ctx, "18023"); math.Abs(*tr.Lon-2.9) > 1e-9 {
			t.Fatalf("computed centroid not updated: %v", *tr.Lon)
		}
		// Re-import of the same file: unchanged.
		rep, err = ImportGeo(ctx, s, p3, Options{})
		if err != nil || rep.Unchanged != 1 || rep.Written != 0 {
			t.Fatalf("re-import %+v, %v", rep, err)
		}
	})
}

func TestGeoBadInput(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	seedCOG(t, s)
	cases := []struct {
		name, data string
		want       []string
	}{
		{"unknown code", collection(squareFeature(`{"code":"18033"}`, 2, 47, 1), squareFeature(`{"code":"18999"}`, 2, 47, 1)),
			[]string{"x.geojson, élément 2, champ « code » : code de territoire inconnu \"18999\""}},
		{"no code", collection(squareFeature(`{"nom":"Bourges"}`, 2, 47, 1)), []string{"élément 1, champ « properties » : aucun code"}},
		{"lambert", collection(squareFeature(`{"code":"18033"}`, 650000, 6680000, 1000)), []string{"élément 1, champ « geometry »", "Lambert 93"}},
		{"point", collection(`{"type":"Feature","properties":{"code":"18033"},"geometry":{"type":"Point","coordinates":[2.4,47.1]}}`), []string{"import points"}},
		{"duplicate", collection(squareFeature(`{"code":"18033"}`, 2, 47, 1), squareFeature(`{"code":"18033"}`, 2, 47, 1)), []string{"élément 2", "en double (éléments 1 et 2)"}},
		{"not geojson", `[1,2]`, []string{"x.geojson : une FeatureCollection GeoJSON est attendue"}},
		{"truncated", `{"type":"FeatureCollection","features":[` + squareFeature(`{"code":"18033"}`, 2, 47, 1), []string{"x.geojson"}},
	}
	before := count(t, s)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "x.geojson", c.data)
			_, err := ImportGeo(ctx, s, p, Options{})
			wantErr(t, err, c.want...)
			if after := count(t, s); after != before {
				t.Fatalf("written: %+v → %+v", before, after)
			}
			if g, _ := s.TerritoryGeometry(ctx, "18033"); g != nil {
				t.Fatal("a geometry was written")
			}
		})
	}
	// With --skip-invalid: the good feature is written, the other rejected.
	dir := t.TempDir()
	p := writeFile(t, dir, "x.geojson", cases[0].data)
	rep, err := ImportGeo(ctx, s, p, Options{SkipInvalid: true})
	if err != nil || rep.Written != 1 || rep.Rejected != 1 || len(rep.RejectsFiles) != 1 {
		t.Fatalf("%+v, %v", rep, err)
	}
}

func TestPointsBadInput(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	seedCOG(t, s)
	cases := []struct {
		name, data string
		want       []string
	}{
		{"swapped", "territory;lat;lon\n18033;2,39;47,08\n18001;147,2;2,5\n", []string{"p.csv, ligne 3, champ « lat » : latitude hors bornes 147.2", "inversées"}},
		{"lon", "territory;lat;lon\n18033;47,08;200\n", []string{"p.csv, ligne 2, champ « lon » : longitude hors bornes 200"}},
		{"lambert", "territory;lat;lon\n18033;6680000;650000\n", []string{"ligne 2, champ « lat »", "Lambert 93"}},
		{"bad number", "territory;lat;lon\n18033;47°05';2,39\n", []string{`ligne 2, champ « lat » : nombre invalide "47°05'"`}},
		{"missing column", "code;lat\n18033;47\n", []string{"p.csv, ligne 1, champ « lon » : colonne obligatoire absente"}},
		{"unknown", "territory;lat;lon\n99999;47;2\n", []string{"ligne 2, champ « territory » : code de territoire inconnu"}},
	}
	before := count(t, s)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ImportPoints(ctx, s, writeFile(t, t.TempDir(), "p.csv", c.data), Options{})
			wantErr(t, err, c.want...)
			if tr, _ := s.Territory(ctx, "18033"); tr.Lat != nil {
				t.Fatal("a centroid was written")
			}
			if after := count(t, s); after != before {
				t.Fatalf("written: %+v → %+v", before, after)
			}
		})
	}
}

// TestGeoReal imports the real Cher outlines of 2018 (four communes merged
// since then) and 2024, and the EPCI outlines.
func TestGeoReal(t *testing.T) {
	data := testutil.SharedData(t)
	if testing.Short() {
		t.Skip("needs the full COG")
	}
	s := openSQLite(t)
	ctx := context.Background()
	if _, err := ImportCOG(ctx, s, filepath.Join(data, "cog"), Options{}); err != nil {
		t.Fatal(err)
	}
	rep, err := ImportGeo(ctx, s, filepath.Join(data, "geo/communes-2018-gregoiredavid/communes-18-cher.geojson"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := rep.kind("contours")
	if k.Read != 290 || k.Written != 286 || k.Skipped != 4 {
		t.Fatalf("2018 Cher: %+v\n%v", k, rep.Warnings)
	}
	rep, err = ImportGeo(ctx, s, filepath.Join(data, "geo/communes-2024-mathieulebasic/dep18.geojson"), Options{})
	if err != nil || rep.kind("contours").Updated != 286 {
		t.Fatalf("2024 Cher: %+v, %v", rep.kind("contours"), err)
	}
	rep, err = ImportGeo(ctx, s, filepath.Join(data, "geo/epci-2025-mathieulebasic/dep18.geojson"), Options{})
	if err != nil || rep.kind("contours").Created != 18 {
		t.Fatalf("EPCI: %+v, %v", rep, err)
	}
	rep, err = ImportGeo(ctx, s, filepath.Join(data, "geo/paris/arrondissements.geojson"), Options{})
	if err != nil || rep.kind("contours").Created != 20 {
		t.Fatalf("Paris: %+v, %v", rep, err)
	}
	bourges, _ := s.Territory(ctx, "18033")
	// Bourges lies around 47.08 N, 2.40 E.
	if math.Abs(*bourges.Lat-47.08) > 0.05 || math.Abs(*bourges.Lon-2.40) > 0.05 {
		t.Fatalf("Bourges centroid %v %v", *bourges.Lat, *bourges.Lon)
	}
}
