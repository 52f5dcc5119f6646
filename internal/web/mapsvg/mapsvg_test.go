package mapsvg

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"maillage/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestBreaksQuantiles(t *testing.T) {
	got := Breaks([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, Quantiles)
	want := []float64{2, 4, 6, 8, 10}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("quantile breaks = %v, want %v", got, want)
	}
	// duplicates merge
	got = Breaks([]float64{1, 1, 1, 1, 5}, 4, Quantiles)
	if !reflect.DeepEqual(got, []float64{1, 5}) {
		t.Fatalf("breaks with ties = %v, want [1 5]", got)
	}
	if Breaks(nil, 5, Quantiles) != nil {
		t.Fatal("no values must give no breaks")
	}
}

func TestBreaksJenks(t *testing.T) {
	// three obvious groups
	vs := []float64{1, 2, 3, 20, 21, 22, 100, 101}
	got := Breaks(vs, 3, Jenks)
	want := []float64{3, 22, 101}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("jenks breaks = %v, want %v", got, want)
	}
	if c := ClassOf(21, got); c != 1 {
		t.Fatalf("class of 21 = %d, want 1", c)
	}
	if c := ClassOf(math.NaN(), got); c != -1 {
		t.Fatalf("class of NaN = %d, want -1", c)
	}
}

func TestFormatNumber(t *testing.T) {
	for _, c := range []struct {
		v    float64
		d    int
		want string
	}{
		{1234567.891, 0, "1\u202f234\u202f568"},
		{12.5, 1, "12,5"},
		{12.0, 2, "12"},
		{-3.25, 2, "−3,25"},
		{999, 0, "999"},
	} {
		if got := FormatNumber(c.v, c.d); got != c.want {
			t.Errorf("FormatNumber(%v, %d) = %q, want %q", c.v, c.d, got, c.want)
		}
	}
}

func square(x, y, s float64) orb.Polygon {
	return orb.Polygon{orb.Ring{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		dir := t.ArtifactDir()
		os.WriteFile(filepath.Join(dir, name), got, 0o644)
		t.Fatalf("%s differs from the golden file; got written to %s", name, dir)
	}
	wellFormed(t, got)
}

func wellFormed(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
	}
}

func TestChoroplethGolden(t *testing.T) {
	feats := []Feature{
		{Code: "A", Name: "Alpha", Geometry: square(2.0, 47.0, 0.1)},
		{Code: "B", Name: "Bêta & fils", Geometry: square(2.1, 47.0, 0.1)},
		{Code: "C", Name: "Gamma", Geometry: square(2.0, 47.1, 0.1)},
		{Code: "D", Name: "Delta", Geometry: square(2.1, 47.1, 0.1)},
	}
	bm := NewBasemap(feats, 200, 0.6)
	svg := bm.Render(Choropleth{ID: "t", Title: "Population par commune, 2024", Desc: "Source : INSEE", Unit: "habitants",
		Values: map[string]float64{"A": 100, "B": 2500, "C": 40000}, Classes: 3,
		Points: []Point{{Lon: 2.05, Lat: 47.05, Label: "Une action"}}})
	golden(t, "choropleth.svg", svg)
	s := string(svg)
	for _, want := range []string{`role="img"`, `<title id="t-t">Population par commune, 2024</title>`, "Bêta &amp; fils : 2\u202f500 habitants", "Delta : donnée manquante", "donnée manquante</text>"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestChartsGolden(t *testing.T) {
	line := LineChart(Chart{ID: "l", Title: "Évolution", Unit: "%"}, []Series{
		{Name: "Commune", Points: []XY{{2021, 12.5}, {2022, 13}, {2023, 14.2}}},
		{Name: "Département", Points: []XY{{2021, 11}, {2022, 11.4}, {2023, 11.9}}},
	})
	golden(t, "line.svg", line)
	bar := BarChart(Chart{ID: "b", Title: "Financements", Unit: "€"}, []Bar{{"CAF du Cher", 120000}, {"Commune", 30000}})
	golden(t, "bar.svg", bar)
}

// TestCherUnder300KB draws the real Cher (286 communes) and checks that the
// map stays light.
func TestCherUnder300KB(t *testing.T) {
	dir := testutil.SharedData(t)
	b, err := os.ReadFile(filepath.Join(dir, "geo", "communes-2024-mathieulebasic", "dep18.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Geometry   json.RawMessage `json:"geometry"`
			Properties struct {
				Code string `json:"code_territoire"`
				Name string `json:"libelle_territoire"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	var feats []Feature
	values := map[string]float64{}
	for i, f := range fc.Features {
		g, err := ParseGeometry(f.Geometry)
		if err != nil {
			t.Fatalf("feature %d: %v", i, err)
		}
		code := strings.TrimPrefix(f.Properties.Code, "com")
		feats = append(feats, Feature{Code: code, Name: f.Properties.Name, Geometry: g})
		values[code] = float64((i * 7919) % 5000)
	}
	bm := NewBasemap(feats, 640, 0.6)
	if bm.Len() != 286 {
		t.Fatalf("basemap holds %d communes, want 286", bm.Len())
	}
	svg := bm.Render(Choropleth{ID: "cher", Title: "Cher", Values: values, Unit: "habitants"})
	wellFormed(t, svg)
	if n := strings.Count(string(svg), "<path "); n != 286 {
		t.Fatalf("%d paths, want 286", n)
	}
	t.Logf("Cher map: %d bytes", len(svg))
	if len(svg) >= 300*1024 {
		t.Fatalf("Cher map is %d bytes, want under 300 KB", len(svg))
	}
	os.WriteFile(filepath.Join(t.ArtifactDir(), "cher.svg"), svg, 0o644)
}

func BenchmarkCherRender(b *testing.B) {
	dir := testutil.SharedData(b)
	raw, _ := os.ReadFile(filepath.Join(dir, "geo", "communes-2024-mathieulebasic", "dep18.geojson"))
	var fc struct {
		Features []struct {
			Geometry json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	json.Unmarshal(raw, &fc)
	var feats []Feature
	values := map[string]float64{}
	for i, f := range fc.Features {
		g, _ := ParseGeometry(f.Geometry)
		code := string(rune('A'+i%26)) + string(rune('A'+i/26))
		feats = append(feats, Feature{Code: code, Name: code, Geometry: g})
		values[code] = float64(i)
	}
	bm := NewBasemap(feats, 640, 0.6)
	for b.Loop() {
		bm.Render(Choropleth{ID: "c", Title: "Cher", Values: values})
	}
}
