package demo

import (
	"bytes"
	"math"
	"strconv"
)

// The demo département lies on a local plane measured in kilometres around
// (originLat, originLon), converted to WGS84 by an equirectangular projection
// (exact enough over 100 km for maps and distances).
const (
	originLat   = 46.62
	originLon   = 2.86
	kmPerDegLat = 110.57
)

var kmPerDegLon = 111.32 * math.Cos(originLat*math.Pi/180)

type pt struct{ X, Y float64 }

func toLatLon(p pt) (lat, lon float64) {
	return originLat + p.Y/kmPerDegLat, originLon + p.X/kmPerDegLon
}

func dist(a, b pt) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// outline returns the département's outline: a convex 24-gon, an ellipse
// slightly flattened on its south-east side, counter-clockwise.
func outline() []pt {
	const n = 24
	out := make([]pt, n)
	for i := range n {
		a := 2 * math.Pi * float64(i) / n
		rx, ry := semiX, semiY
		// A gentle, convex asymmetry: narrower in the south.
		if math.Sin(a) < 0 {
			ry *= 0.9
		}
		out[i] = pt{rx * math.Cos(a), ry * math.Sin(a)}
	}
	return out
}

const (
	semiX = 50.0 // km, west–east half-width
	semiY = 36.0 // km, south–north half-height
)

// insideOutline reports whether p lies in the convex polygon poly (CCW).
func insideOutline(poly []pt, p pt) bool {
	for i := range poly {
		a, b := poly[i], poly[(i+1)%len(poly)]
		if (b.X-a.X)*(p.Y-a.Y)-(b.Y-a.Y)*(p.X-a.X) < 0 {
			return false
		}
	}
	return true
}

// clipHalfPlane keeps the part of the convex polygon poly closer to s than to
// o (Sutherland–Hodgman against the perpendicular bisector of s and o).
func clipHalfPlane(poly []pt, s, o pt) []pt {
	// Points p with (p - m)·(o - s) <= 0 are on s's side.
	m := pt{(s.X + o.X) / 2, (s.Y + o.Y) / 2}
	d := pt{o.X - s.X, o.Y - s.Y}
	side := func(p pt) float64 { return (p.X-m.X)*d.X + (p.Y-m.Y)*d.Y }
	var out []pt
	for i := range poly {
		cur, next := poly[i], poly[(i+1)%len(poly)]
		sc, sn := side(cur), side(next)
		if sc <= 0 {
			out = append(out, cur)
		}
		if (sc < 0 && sn > 0) || (sc > 0 && sn < 0) {
			t := sc / (sc - sn)
			out = append(out, pt{cur.X + t*(next.X-cur.X), cur.Y + t*(next.Y-cur.Y)})
		}
	}
	return out
}

// voronoi returns the Voronoi cell of every site clipped to the convex
// outline: convex polygons that tile the outline without overlapping.
func voronoi(outline []pt, sites []pt) [][]pt {
	cells := make([][]pt, len(sites))
	for i, s := range sites {
		cell := append([]pt(nil), outline...)
		for j, o := range sites {
			if i == j || dist(s, o) > 60 {
				continue
			}
			cell = clipHalfPlane(cell, s, o)
		}
		cells[i] = cell
	}
	return cells
}

// centroid returns the area centroid of a simple polygon.
func centroid(poly []pt) pt {
	var a, cx, cy float64
	for i := range poly {
		p, q := poly[i], poly[(i+1)%len(poly)]
		cr := p.X*q.Y - q.X*p.Y
		a += cr
		cx += (p.X + q.X) * cr
		cy += (p.Y + q.Y) * cr
	}
	if a == 0 {
		return poly[0]
	}
	return pt{cx / (3 * a), cy / (3 * a)}
}

// area returns the area of a polygon in km².
func area(poly []pt) float64 {
	var a float64
	for i := range poly {
		p, q := poly[i], poly[(i+1)%len(poly)]
		a += p.X*q.Y - q.X*p.Y
	}
	return math.Abs(a) / 2
}

// Haversine returns the great-circle distance in km between two WGS84 points.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0088
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// ring writes a closed GeoJSON ring [[lon,lat],...] with 5 decimals.
func ring(b *bytes.Buffer, poly []pt) {
	b.WriteByte('[')
	for i := 0; i <= len(poly); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		lat, lon := toLatLon(poly[i%len(poly)])
		b.WriteByte('[')
		b.WriteString(strconv.FormatFloat(round5(lon), 'f', -1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(round5(lat), 'f', -1, 64))
		b.WriteByte(']')
	}
	b.WriteByte(']')
}

func round5(f float64) float64 { return math.Round(f*1e5) / 1e5 }

// polygonJSON returns a GeoJSON Polygon geometry.
func polygonJSON(poly []pt) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"Polygon","coordinates":[`)
	ring(&b, poly)
	b.WriteString(`]}`)
	return b.Bytes()
}

// multiPolygonJSON returns a GeoJSON MultiPolygon of several convex cells
// (an EPCI: the cells of its communes).
func multiPolygonJSON(polys [][]pt) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"MultiPolygon","coordinates":[`)
	for i, p := range polys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		ring(&b, p)
		b.WriteByte(']')
	}
	b.WriteString(`]}`)
	return b.Bytes()
}
