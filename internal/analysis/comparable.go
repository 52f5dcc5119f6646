package analysis

import (
	"math"
	"sort"
	"strings"

	"maillage/internal/domain"
)

type cmpKey struct {
	typ  domain.TerritoryType
	year int
	inds string
}

// profiles holds the z-scored indicator profiles of every territory of a type.
type profiles struct {
	codes []string
	names []string
	pos   map[string]int
	z     [][]float64 // [territory][dimension], NaN when missing
}

// profileValue is one raw profile value: log10 of the population, a rate as
// is, a count divided by the population.
func profileValue(ind string, v, pop float64) float64 {
	switch {
	case ind == domain.IndicatorPopulation:
		if v > 0 {
			return math.Log10(v)
		}
		return math.NaN()
	case IsRate(ind):
		return v
	default:
		if pop > 0 {
			return v / pop
		}
		return math.NaN()
	}
}

// groupValue returns a group's value of an indicator for the latest year ≤
// year: its own value if it has one, else aggregated from its communes (sum
// of counts, population-weighted mean of rates); with the population of the
// communes that have a value.
func (s *Snapshot) groupValue(g *Group, ind string, year int, vec, pop *needVec) (float64, float64) {
	if m := s.groupValues[ind][g.Code]; m != nil {
		best := -1
		for y := range m {
			if y <= year && y > best {
				best = y
			}
		}
		if best >= 0 {
			if pm := s.groupValues[domain.IndicatorPopulation][g.Code]; pm != nil {
				if p, ok := pm[best]; ok {
					return m[best], p
				}
			}
			sp := 0.0
			for _, c := range g.Members {
				sp += pop.at(c)
			}
			return m[best], sp
		}
	}
	sum, sp, n := 0.0, 0.0, 0
	for _, c := range g.Members {
		if !vec.known(c) {
			continue
		}
		p := pop.at(c)
		if IsRate(ind) {
			if p > 0 {
				sum += vec.val[c] * p
				sp += p
				n++
			}
		} else {
			sum += vec.val[c]
			sp += p
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	if IsRate(ind) {
		return sum / sp, sp
	}
	return sum, sp
}

func (s *Snapshot) profilesFor(typ domain.TerritoryType, year int, inds []string) *profiles {
	k := cmpKey{typ, year, strings.Join(inds, ",")}
	s.cmpMu.Lock()
	if p, ok := s.cmpMemo[k]; ok {
		s.cmpMu.Unlock()
		return p
	}
	s.cmpMu.Unlock()
	pr := &profiles{pos: map[string]int{}}
	pop := s.needVec(domain.IndicatorPopulation, year)
	var raw [][]float64
	if typ == domain.TypeCommune {
		vecs := make([]*needVec, len(inds))
		for d, ind := range inds {
			vecs[d] = s.needVec(ind, year)
		}
		for i := 0; i < s.N; i++ {
			row := make([]float64, len(inds))
			for d, ind := range inds {
				v := vecs[d].val[i]
				if math.IsNaN(v) {
					row[d] = v
				} else {
					row[d] = profileValue(ind, v, pop.at(int32(i)))
				}
			}
			pr.pos[s.Code[i]] = len(pr.codes)
			pr.codes = append(pr.codes, s.Code[i])
			pr.names = append(pr.names, s.Name[i])
			raw = append(raw, row)
		}
	} else {
		vecs := make([]*needVec, len(inds))
		for d, ind := range inds {
			vecs[d] = s.needVec(ind, year)
		}
		for gi := range s.Groups {
			g := &s.Groups[gi]
			if g.Type != typ {
				continue
			}
			row := make([]float64, len(inds))
			_, gpop := s.groupValue(g, domain.IndicatorPopulation, year, pop, pop)
			for d, ind := range inds {
				v, _ := s.groupValue(g, ind, year, vecs[d], pop)
				if math.IsNaN(v) {
					row[d] = v
				} else if ind == domain.IndicatorPopulation {
					row[d] = profileValue(ind, v, v)
				} else {
					row[d] = profileValue(ind, v, gpop)
				}
			}
			pr.pos[g.Code] = len(pr.codes)
			pr.codes = append(pr.codes, g.Code)
			pr.names = append(pr.names, g.Name)
			raw = append(raw, row)
		}
	}
	// z-scores per dimension over the territories that have a value.
	for d := range inds {
		var sum, sq float64
		n := 0
		for _, row := range raw {
			if v := row[d]; !math.IsNaN(v) {
				sum += v
				n++
			}
		}
		mean := 0.0
		if n > 0 {
			mean = sum / float64(n)
		}
		for _, row := range raw {
			if v := row[d]; !math.IsNaN(v) {
				sq += (v - mean) * (v - mean)
			}
		}
		sd := 0.0
		if n > 1 {
			sd = math.Sqrt(sq / float64(n))
		}
		for _, row := range raw {
			if sd == 0 {
				row[d] = math.NaN()
			} else if !math.IsNaN(row[d]) {
				row[d] = (row[d] - mean) / sd
			}
		}
	}
	pr.z = raw
	s.cmpMu.Lock()
	if len(s.cmpMemo) > 16 {
		clear(s.cmpMemo)
	}
	s.cmpMemo[k] = pr
	s.cmpMu.Unlock()
	return pr
}

// comparable returns the k territories of the scope's type nearest to it
// (Euclidean distance between z-scored profiles). Dimensions missing for the
// scope are dropped; a candidate must share at least half of the remaining
// ones, and its distance is rescaled by √(D/used) so that missing values
// neither help nor hurt.
func (q *scopeReq) comparable(year int) []Comparable {
	s := q.s
	k := q.p.Comparable
	if k <= 0 {
		return nil
	}
	pr := s.profilesFor(q.scopeType, year, q.p.ComparableIndicators)
	me, ok := pr.pos[q.p.Scope]
	if !ok {
		return nil
	}
	zs := pr.z[me]
	var dims []int
	for d, v := range zs {
		if !math.IsNaN(v) {
			dims = append(dims, d)
		}
	}
	D := len(dims)
	if D == 0 {
		return nil
	}
	need := (D + 1) / 2
	type cand struct {
		i    int
		d    float64
		used int
	}
	var cs []cand
	for t, row := range pr.z {
		if t == me {
			continue
		}
		sum, used := 0.0, 0
		for _, d := range dims {
			if v := row[d]; !math.IsNaN(v) {
				sum += (v - zs[d]) * (v - zs[d])
				used++
			}
		}
		if used < need {
			continue
		}
		cs = append(cs, cand{t, math.Sqrt(sum * float64(D) / float64(used)), used})
	}
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].d != cs[b].d {
			return cs[a].d < cs[b].d
		}
		return pr.codes[cs[a].i] < pr.codes[cs[b].i]
	})
	if len(cs) > k {
		cs = cs[:k]
	}
	out := make([]Comparable, len(cs))
	for i, c := range cs {
		out[i] = Comparable{Code: pr.codes[c.i], Name: pr.names[c.i], Distance: c.d, Indicators: c.used}
	}
	return out
}
