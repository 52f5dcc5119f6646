// Package mapsvg draws Maillage's maps and charts as hand-written SVG on the
// server: choropleth maps of communes from stored GeoJSON geometries, point
// overlays, bar and line charts and network graphs. Output is deterministic
// (golden-tested), light (integer coordinates, relative path commands,
// geometries simplified to the display scale) and accessible (role="img",
// a title and a description; each page also shows a data table).
package mapsvg

import (
	"bytes"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/simplify"
)

// Feature is one territory outline to draw.
type Feature struct {
	Code     string
	Name     string
	Geometry orb.Geometry // WGS84 lon/lat
}

// ParseGeometry decodes a GeoJSON geometry object (as stored by
// Store.TerritoryGeometry); a Feature or FeatureCollection is accepted too.
func ParseGeometry(b []byte) (orb.Geometry, error) {
	g, err := geojson.UnmarshalGeometry(b)
	if err == nil && g.Coordinates != nil {
		return g.Geometry(), nil
	}
	if f, ferr := geojson.UnmarshalFeature(b); ferr == nil && f.Geometry != nil {
		return f.Geometry, nil
	}
	if fc, ferr := geojson.UnmarshalFeatureCollection(b); ferr == nil && len(fc.Features) > 0 {
		var mp orb.MultiPolygon
		for _, f := range fc.Features {
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				mp = append(mp, g)
			case orb.MultiPolygon:
				mp = append(mp, g...)
			}
		}
		return mp, nil
	}
	return nil, err
}

// Basemap is a set of outlines projected to a pixel grid and simplified to
// it, ready to be drawn many times with different colours. It is immutable
// and safe for concurrent use; callers cache it per territory.
type Basemap struct {
	Width, Height int
	Codes         []string
	Names         []string
	paths         [][]byte // "d" attribute per feature
	index         map[string]int
	// projection parameters
	minLon, maxLat, kx, ky float64
}

// Margin is the blank border around the drawing, in pixels.
const Margin = 4

// NewBasemap projects features into a box width pixels wide (height follows
// the territory's shape) with an equirectangular projection scaled by the
// cosine of the mean latitude (good enough at département scale), then
// simplifies each outline with Douglas-Peucker at tolerance pixels (0.6 is a
// good default) and rounds coordinates to whole pixels.
func NewBasemap(features []Feature, width int, tolerance float64) *Basemap {
	bm := &Basemap{Width: width, index: map[string]int{}}
	bound := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, f := range features {
		if f.Geometry == nil {
			continue
		}
		bound = bound.Union(f.Geometry.Bound())
	}
	if math.IsInf(bound.Min[0], 1) {
		bm.Height = width / 2
		return bm
	}
	lat0 := (bound.Min[1] + bound.Max[1]) / 2
	c := math.Cos(lat0 * math.Pi / 180)
	spanX := (bound.Max[0] - bound.Min[0]) * c
	spanY := bound.Max[1] - bound.Min[1]
	if spanX <= 0 {
		spanX = 1e-6
	}
	inner := float64(width - 2*Margin)
	k := inner / spanX
	if spanY*k > inner*1.4 { // very tall territories: cap the height
		k = inner * 1.4 / spanY
	}
	bm.Height = int(math.Ceil(spanY*k)) + 2*Margin
	bm.minLon, bm.maxLat, bm.kx, bm.ky = bound.Min[0], bound.Max[1], k*c, k
	dp := simplify.DouglasPeucker(tolerance)
	for _, f := range features {
		if f.Geometry == nil {
			continue
		}
		g := projectGeometry(f.Geometry, bm.project)
		g = dp.Simplify(orb.Clone(g))
		d := pathData(g)
		if len(d) == 0 {
			continue
		}
		bm.index[f.Code] = len(bm.Codes)
		bm.Codes = append(bm.Codes, f.Code)
		bm.Names = append(bm.Names, f.Name)
		bm.paths = append(bm.paths, d)
	}
	return bm
}

// Project returns the pixel position of a WGS84 point.
func (bm *Basemap) Project(lon, lat float64) (x, y float64) {
	p := bm.project(orb.Point{lon, lat})
	return p[0], p[1]
}

func (bm *Basemap) project(p orb.Point) orb.Point {
	return orb.Point{Margin + (p[0]-bm.minLon)*bm.kx, Margin + (bm.maxLat-p[1])*bm.ky}
}

// Len returns the number of drawable features.
func (bm *Basemap) Len() int { return len(bm.Codes) }

// Has reports whether the basemap holds an outline for code.
func (bm *Basemap) Has(code string) bool { _, ok := bm.index[code]; return ok }

func projectGeometry(g orb.Geometry, f func(orb.Point) orb.Point) orb.Geometry {
	switch g := g.(type) {
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = projectRing(r, f)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = projectGeometry(p, f).(orb.Polygon)
		}
		return out
	case orb.Collection:
		var mp orb.MultiPolygon
		for _, x := range g {
			switch y := projectGeometry(x, f).(type) {
			case orb.Polygon:
				mp = append(mp, y)
			case orb.MultiPolygon:
				mp = append(mp, y...)
			}
		}
		return mp
	}
	return orb.MultiPolygon{}
}

func projectRing(r orb.Ring, f func(orb.Point) orb.Point) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = f(p)
	}
	return out
}

// pathData writes rings as "M x y l dx dy ... z" with integer coordinates,
// dropping points that round onto the previous one and rings that collapse.
func pathData(g orb.Geometry) []byte {
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	}
	var b []byte
	for _, p := range polys {
		for _, r := range p {
			pts := make([][2]int, 0, len(r))
			for _, q := range r {
				x, y := int(math.Round(q[0])), int(math.Round(q[1]))
				if n := len(pts); n > 0 && pts[n-1] == [2]int{x, y} {
					continue
				}
				pts = append(pts, [2]int{x, y})
			}
			if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
				pts = pts[:len(pts)-1]
			}
			if len(pts) < 3 {
				continue
			}
			b = append(b, 'M')
			b = strconv.AppendInt(b, int64(pts[0][0]), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(pts[0][1]), 10)
			b = append(b, 'l')
			for i := 1; i < len(pts); i++ {
				dx, dy := pts[i][0]-pts[i-1][0], pts[i][1]-pts[i-1][1]
				if i > 1 && dx >= 0 {
					b = append(b, ' ')
				}
				b = strconv.AppendInt(b, int64(dx), 10)
				if dy >= 0 {
					b = append(b, ' ')
				}
				b = strconv.AppendInt(b, int64(dy), 10)
			}
			b = append(b, 'z')
		}
	}
	return b
}

// escape writes s with XML special characters escaped.
func escape(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			buf.WriteString("&lt;")
		case '>':
			buf.WriteString("&gt;")
		case '&':
			buf.WriteString("&amp;")
		case '"':
			buf.WriteString("&#34;")
		case '\'':
			buf.WriteString("&#39;")
		default:
			buf.WriteByte(c)
		}
	}
}
