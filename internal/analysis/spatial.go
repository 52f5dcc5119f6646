package analysis

import (
	"math"
	"sort"
)

// EarthRadiusKm is the mean Earth radius used by the haversine distance.
const EarthRadiusKm = 6371.0

// DefaultRadiusKm is the default catchment radius d0.
const DefaultRadiusKm = 15.0

// Haversine returns the great-circle distance in km between two points given
// in degrees.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// wHalf is exp(-1/2), the Gaussian value at d = d0.
var wHalf = math.Exp(-0.5)

// Weight is the Gaussian distance decay of the enhanced 2SFCA:
// W(d) = (exp(-½(d/d0)²) − exp(-½)) / (1 − exp(-½)) for d ≤ d0, else 0.
// W(0) = 1 and W(d0) = 0.
func Weight(d, d0 float64) float64 {
	if d > d0 || d0 <= 0 {
		return 0
	}
	x := d / d0
	return (math.Exp(-0.5*x*x) - wHalf) / (1 - wHalf)
}

// grid is a spatial index over commune centroids: cells of cellDeg degrees.
type grid struct {
	cells map[int64][2]int32 // cell key → [start, end) in idx
	idx   []int32
	lat   []float64
	lon   []float64
}

const cellDeg = 0.1

func cellKey(la, lo int64) int64 { return la<<32 ^ (lo & 0xffffffff) }

func newGrid(lat, lon []float64) *grid {
	g := &grid{cells: map[int64][2]int32{}, lat: lat, lon: lon}
	type kv struct {
		key int64
		i   int32
	}
	var all []kv
	for i := range lat {
		if math.IsNaN(lat[i]) || math.IsNaN(lon[i]) {
			continue
		}
		all = append(all, kv{cellKey(int64(math.Floor(lat[i]/cellDeg)), int64(math.Floor(lon[i]/cellDeg))), int32(i)})
	}
	sort.Slice(all, func(a, b int) bool {
		if all[a].key != all[b].key {
			return all[a].key < all[b].key
		}
		return all[a].i < all[b].i
	})
	g.idx = make([]int32, len(all))
	for k := 0; k < len(all); {
		j := k
		for j < len(all) && all[j].key == all[k].key {
			g.idx[j] = all[j].i
			j++
		}
		g.cells[all[k].key] = [2]int32{int32(k), int32(j)}
		k = j
	}
	return g
}

// within calls fn for every commune within r km of (la, lo).
func (g *grid) within(la, lo, r float64, fn func(j int32, d float64)) {
	dLat := r / (EarthRadiusKm * math.Pi / 180)
	maxLat := math.Min(89.9, math.Abs(la)+dLat)
	dLon := dLat / math.Cos(maxLat*math.Pi/180)
	la0, la1 := int64(math.Floor((la-dLat)/cellDeg)), int64(math.Floor((la+dLat)/cellDeg))
	lo0, lo1 := int64(math.Floor((lo-dLon)/cellDeg)), int64(math.Floor((lo+dLon)/cellDeg))
	for a := la0; a <= la1; a++ {
		for b := lo0; b <= lo1; b++ {
			c, ok := g.cells[cellKey(a, b)]
			if !ok {
				continue
			}
			for _, j := range g.idx[c[0]:c[1]] {
				if d := Haversine(la, lo, g.lat[j], g.lon[j]); d <= r {
					fn(j, d)
				}
			}
		}
	}
}

// neighbours lists, for every commune, the communes within a radius (itself
// included, at distance 0), with the distance and the 2SFCA weight.
type neighbours struct {
	radius float64
	off    []int32
	idx    []int32
	dist   []float64
	w      []float64
}

func (nb *neighbours) of(i int32) (idx []int32, dist, w []float64) {
	a, b := nb.off[i], nb.off[i+1]
	return nb.idx[a:b], nb.dist[a:b], nb.w[a:b]
}

// maxCachedRadii bounds the neighbour-list cache (the default radius is kept).
const maxCachedRadii = 4

// neighbours returns the (cached) neighbour lists for radius r.
func (s *Snapshot) neighbours(r float64) *neighbours {
	s.mu.Lock()
	defer s.mu.Unlock()
	if nb, ok := s.nbrCache[r]; ok {
		return nb
	}
	nb := &neighbours{radius: r, off: make([]int32, s.N+1)}
	type pair struct {
		j int32
		d float64
	}
	var buf []pair
	for i := 0; i < s.N; i++ {
		buf = buf[:0]
		if math.IsNaN(s.Lat[i]) || math.IsNaN(s.Lon[i]) {
			buf = append(buf, pair{int32(i), 0})
		} else {
			s.grid.within(s.Lat[i], s.Lon[i], r, func(j int32, d float64) {
				if j == int32(i) {
					d = 0
				}
				buf = append(buf, pair{j, d})
			})
		}
		sort.Slice(buf, func(a, b int) bool { return buf[a].j < buf[b].j })
		for _, p := range buf {
			nb.idx = append(nb.idx, p.j)
			nb.dist = append(nb.dist, p.d)
			nb.w = append(nb.w, Weight(p.d, r))
		}
		nb.off[i+1] = int32(len(nb.idx))
	}
	if len(s.nbrOrder) >= maxCachedRadii {
		for k, old := range s.nbrOrder {
			if old != DefaultRadiusKm {
				delete(s.nbrCache, old)
				s.nbrOrder = append(s.nbrOrder[:k], s.nbrOrder[k+1:]...)
				break
			}
		}
	}
	s.nbrCache[r] = nb
	s.nbrOrder = append(s.nbrOrder, r)
	return nb
}
