package demo

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// polygon rings in lon/lat; a multipolygon is a list of polygons, each a
// list of rings (the first is the outer ring).
type multiPolygon [][][][2]float64

type geoFeature struct {
	Properties map[string]any `json:"properties"`
	Geometry   struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

func readFeatures(path string) ([]geoFeature, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []geoFeature `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, err
	}
	return fc.Features, nil
}

func (f *geoFeature) multiPolygon() multiPolygon {
	switch f.Geometry.Type {
	case "Polygon":
		var p [][][2]float64
		if json.Unmarshal(f.Geometry.Coordinates, &p) == nil {
			return multiPolygon{p}
		}
	case "MultiPolygon":
		var mp multiPolygon
		if json.Unmarshal(f.Geometry.Coordinates, &mp) == nil {
			return mp
		}
	}
	return nil
}

func propString(p map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := p[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ""
}

// contains tests a point against every ring (even–odd rule, so holes work).
func (mp multiPolygon) contains(lon, lat float64) bool {
	in := false
	for _, poly := range mp {
		for _, ring := range poly {
			for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
				a, b := ring[i], ring[j]
				if (a[1] > lat) != (b[1] > lat) && lon < (b[0]-a[0])*(lat-a[1])/(b[1]-a[1])+a[0] {
					in = !in
				}
			}
		}
	}
	return in
}

func (mp multiPolygon) bbox() (minLon, minLat, maxLon, maxLat float64) {
	minLon, minLat, maxLon, maxLat = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, poly := range mp {
		for _, p := range poly[0] {
			minLon, maxLon = math.Min(minLon, p[0]), math.Max(maxLon, p[0])
			minLat, maxLat = math.Min(minLat, p[1]), math.Max(maxLat, p[1])
		}
	}
	return
}

// centroid returns the area centroid of the largest polygon's outer ring.
func (mp multiPolygon) centroid() (lat, lon float64, ok bool) {
	best, bestA := -1, 0.0
	for i, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		if a := math.Abs(ringArea(poly[0])); a > bestA {
			best, bestA = i, a
		}
	}
	if best < 0 {
		return 0, 0, false
	}
	ring := mp[best][0]
	var a, cx, cy float64
	for i := range ring {
		p, q := ring[i], ring[(i+1)%len(ring)]
		cr := p[0]*q[1] - q[0]*p[1]
		a += cr
		cx += (p[0] + q[0]) * cr
		cy += (p[1] + q[1]) * cr
	}
	if a == 0 {
		return 0, 0, false
	}
	return cy / (3 * a), cx / (3 * a), true
}

func ringArea(r [][2]float64) float64 {
	var a float64
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		a += p[0]*q[1] - q[0]*p[1]
	}
	return a / 2
}

// writePoints writes points.csv: the centroid of each commune's outline
// where GeoDir has one (communes-2024-mathieulebasic, communes-2018-…),
// else a deterministic random point inside its département's outline
// (rejection sampling seeded by the commune code); communes without either
// (collectivités d'outre-mer) get no point.
func (g *nationalGen) writePoints(rep *NationalReport) error {
	communeOutlines := map[string]multiPolygon{}
	depOutlines := map[string]multiPolygon{}
	if g.opts.GeoDir != "" {
		for _, pattern := range []string{"communes-2024-mathieulebasic/*.geojson", "communes-2018-gregoiredavid/*.geojson"} {
			files, _ := filepath.Glob(filepath.Join(g.opts.GeoDir, pattern))
			for _, file := range files {
				fs, err := readFeatures(file)
				if err != nil {
					return err
				}
				for _, f := range fs {
					code := strings.TrimPrefix(propString(f.Properties, "code_territoire", "code"), "com")
					if _, done := communeOutlines[code]; !done && code != "" {
						communeOutlines[code] = f.multiPolygon()
					}
				}
			}
		}
		for _, name := range []string{"departements/departements-version-simplifiee.geojson", "departements/departements-avec-outre-mer.geojson"} {
			fs, err := readFeatures(filepath.Join(g.opts.GeoDir, name))
			if err != nil {
				if os.IsNotExist(err) {
					continue
				}
				return err
			}
			for _, f := range fs {
				code := propString(f.Properties, "code")
				if _, done := depOutlines[code]; !done && code != "" {
					depOutlines[code] = f.multiPolygon()
				}
			}
		}
	}
	f, err := createCSV(g.opts.OutDir, "points.csv", "territory;lat;lon")
	if err != nil {
		return err
	}
	var line []byte
	for _, c := range g.communes {
		lat, lon, ok := 0.0, 0.0, false
		if mp := communeOutlines[c.Code]; mp != nil {
			lat, lon, ok = mp.centroid()
			if ok {
				rep.PointsFromOutlines++
			}
		}
		if !ok {
			if mp := depOutlines[c.Departement]; mp != nil {
				lat, lon, ok = samplePoint(mp, g.opts.Seed, c.Code)
				if ok {
					rep.PointsSampled++
				}
			}
		}
		if !ok {
			rep.PointsMissing++
			continue
		}
		line = line[:0]
		line = append(line, c.Code...)
		line = append(line, ';')
		line = strconv.AppendFloat(line, math.Round(lat*1e5)/1e5, 'f', -1, 64)
		line = append(line, ';')
		line = strconv.AppendFloat(line, math.Round(lon*1e5)/1e5, 'f', -1, 64)
		line = append(line, '\n')
		f.w.Write(line)
		rep.Points++
	}
	return f.close()
}

// samplePoint draws a point inside mp, seeded by the code.
func samplePoint(mp multiPolygon, seed uint64, code string) (lat, lon float64, ok bool) {
	h := fnv.New64a()
	h.Write([]byte(code))
	r := rand.New(rand.NewPCG(seed, h.Sum64()))
	minLon, minLat, maxLon, maxLat := mp.bbox()
	for range 2000 {
		x := minLon + r.Float64()*(maxLon-minLon)
		y := minLat + r.Float64()*(maxLat-minLat)
		if mp.contains(x, y) {
			return y, x, true
		}
	}
	return 0, 0, false
}
