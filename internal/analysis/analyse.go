package analysis

import (
	"slices"
	"sort"
)

// accOut holds the E2SFCA figures of the scope communes (aligned with
// scopeReq.scope) plus the dense intermediate arrays (for explain).
type accOut struct {
	need     *needVec
	supply   []float64 // S_i, scope-aligned
	acc      []float64 // A_i, scope-aligned
	nb       *neighbours
	sDense   []float64 // S_j for j within reach
	dDense   []float64 // D_j = Σ_k W(d_kj)·P_k
	rDense   []float64 // R_j = S_j / D_j
	reachSet []int32   // every j within d0 of a scope commune
}

// supplyAt returns S_j: the capacity of the matching actions located in j.
func (s *Snapshot) supplyAt(j int32, f filter) float64 {
	sum := 0.0
	for e := s.cSupOff[j]; e < s.cSupOff[j+1]; e++ {
		if s.cSupThemes[e]&f.themes == 0 {
			continue
		}
		a := s.cSupAct[e]
		if s.match(f, a) {
			sum += s.ActCapacity[a] * s.cSupShare[e]
		}
	}
	for _, g := range s.groupsOf(j) {
		gc := 0.0
		for e := s.gSupOff[g]; e < s.gSupOff[g+1]; e++ {
			if s.gSupThemes[e]&f.themes != 0 && s.match(f, s.gSupAct[e]) {
				gc += s.ActCapacity[s.gSupAct[e]]
			}
		}
		if gc != 0 {
			sum += gc * s.groupShare(j, g)
		}
	}
	return sum
}

// access computes the enhanced 2SFCA over every commune within reach of the
// scope and reports it for the scope:
//
//	R_j = S_j / Σ_{k: d_kj ≤ d0} W(d_kj)·P_k,   A_i = Σ_{j: d_ij ≤ d0} W(d_ij)·R_j
func (q *scopeReq) access(year int) *accOut {
	s := q.s
	f := q.filter(year)
	o := &accOut{need: s.needVec(q.needInd, year), nb: s.neighbours(q.radius)}
	o.reachSet = q.reach(o.nb)
	sup := q.supplyYears[year]
	if sup == nil {
		sup = make([]float64, s.N)
		for _, j := range o.reachSet {
			sup[j] = s.supplyAt(j, f)
		}
	}
	o.sDense = sup
	o.dDense = make([]float64, s.N)
	o.rDense = make([]float64, s.N)
	for _, j := range o.reachSet {
		sj := o.sDense[j]
		if sj == 0 {
			continue
		}
		idx, _, w := o.nb.of(j)
		d := 0.0
		for t, k := range idx {
			d += w[t] * o.need.at(k)
		}
		o.dDense[j] = d
		if d > 0 {
			o.rDense[j] = sj / d
		}
	}
	o.supply = make([]float64, len(q.scope))
	o.acc = make([]float64, len(q.scope))
	for t, i := range q.scope {
		o.supply[t] = o.sDense[i]
		idx, _, w := o.nb.of(i)
		a := 0.0
		for u, j := range idx {
			a += w[u] * o.rDense[j]
		}
		o.acc[t] = a
	}
	return o
}

// reach returns every commune within d0 of a scope commune (computed once).
func (q *scopeReq) reach(nb *neighbours) []int32 {
	q.reachOnce.Do(func() {
		seen := make([]bool, q.s.N)
		for _, i := range q.scope {
			idx, _, _ := nb.of(i)
			for _, j := range idx {
				if !seen[j] {
					seen[j] = true
					q.reachVal = append(q.reachVal, j)
				}
			}
		}
	})
	return q.reachVal
}

// precomputeSupply computes S_j of every commune within reach for several
// years in one pass over the supply lists (instead of one pass per year).
func (q *scopeReq) precomputeSupply(years []int) {
	s := q.s
	reach := q.reach(s.neighbours(q.radius))
	type span struct{ from, to int32 }
	spans := make([]span, len(years))
	out := make([][]float64, len(years))
	for k, y := range years {
		spans[k].from, spans[k].to = yearDays(y)
		out[k] = make([]float64, s.N)
	}
	// Capacity spread over whole groups: summed per group and year first.
	ng := len(s.Groups)
	gcap := make([][]float64, len(years))
	for k := range gcap {
		gcap[k] = make([]float64, ng)
	}
	gdone := make([]bool, ng)
	for _, j := range reach {
		for e := s.cSupOff[j]; e < s.cSupOff[j+1]; e++ {
			if s.cSupThemes[e]&q.themeMask == 0 {
				continue
			}
			a := s.cSupAct[e]
			h := &s.hot[a]
			if h.publics&q.publicMask == 0 {
				continue
			}
			v := s.ActCapacity[a] * s.cSupShare[e]
			for k, sp := range spans {
				if h.start <= sp.to && h.end >= sp.from {
					out[k][j] += v
				}
			}
		}
		for _, g := range s.groupsOf(j) {
			if !gdone[g] {
				gdone[g] = true
				for e := s.gSupOff[g]; e < s.gSupOff[g+1]; e++ {
					if s.gSupThemes[e]&q.themeMask == 0 {
						continue
					}
					a := s.gSupAct[e]
					h := &s.hot[a]
					if h.publics&q.publicMask == 0 {
						continue
					}
					for k, sp := range spans {
						if h.start <= sp.to && h.end >= sp.from {
							gcap[k][g] += s.ActCapacity[a]
						}
					}
				}
			}
			sh := s.groupShare(j, g)
			for k := range spans {
				if v := gcap[k][g]; v != 0 {
					out[k][j] += v * sh
				}
			}
		}
	}
	q.supplyYears = map[int][]float64{}
	for k, y := range years {
		q.supplyYears[y] = out[k]
	}
}

// scopeActions returns the actions touching the scope (by zone or supply
// place) that match the themes and publics, sorted; active says which of them
// run in the year; share is the part of each action's supply (and funding)
// located in the scope.
func (q *scopeReq) scopeActions() (acts []int32, share []float64) {
	s := q.s
	f := q.filter(q.p.Year)
	// Groups touching the scope, with the scope's share of their population.
	gshare := map[int32]float64{}
	for _, c := range q.scope {
		for _, g := range s.groupsOf(c) {
			gshare[g] += s.groupShare(c, g)
		}
	}
	if len(q.scope) > 2000 {
		// Large scope: dense arrays over all actions.
		sh := make([]float64, len(s.ActID))
		mark := make([]bool, len(s.ActID))
		for _, c := range q.scope {
			for e := s.cSupOff[c]; e < s.cSupOff[c+1]; e++ {
				if s.cSupThemes[e]&f.themes != 0 {
					a := s.cSupAct[e]
					sh[a] += s.cSupShare[e]
					mark[a] = true
				}
			}
			for e := s.cZoneOff[c]; e < s.cZoneOff[c+1]; e++ {
				if s.cZoneThemes[e]&f.themes != 0 {
					mark[s.cZoneAct[e]] = true
				}
			}
		}
		for g, gs := range gshare {
			for e := s.gSupOff[g]; e < s.gSupOff[g+1]; e++ {
				if s.gSupThemes[e]&f.themes != 0 {
					a := s.gSupAct[e]
					sh[a] += gs
					mark[a] = true
				}
			}
			for e := s.gZoneOff[g]; e < s.gZoneOff[g+1]; e++ {
				if s.gZoneThemes[e]&f.themes != 0 {
					mark[s.gZoneAct[e]] = true
				}
			}
		}
		for a, m := range mark {
			if m && s.matchAnyYear(f, int32(a)) {
				acts = append(acts, int32(a))
				share = append(share, sh[a])
			}
		}
	} else {
		shm := map[int32]float64{}
		for _, c := range q.scope {
			for e := s.cSupOff[c]; e < s.cSupOff[c+1]; e++ {
				a := s.cSupAct[e]
				if s.cSupThemes[e]&f.themes != 0 && s.matchAnyYear(f, a) {
					shm[a] += s.cSupShare[e]
				}
			}
			for e := s.cZoneOff[c]; e < s.cZoneOff[c+1]; e++ {
				a := s.cZoneAct[e]
				if s.cZoneThemes[e]&f.themes != 0 && s.matchAnyYear(f, a) {
					shm[a] += 0
				}
			}
		}
		for g, gs := range gshare {
			for e := s.gSupOff[g]; e < s.gSupOff[g+1]; e++ {
				a := s.gSupAct[e]
				if s.gSupThemes[e]&f.themes != 0 && s.matchAnyYear(f, a) {
					shm[a] += gs
				}
			}
			for e := s.gZoneOff[g]; e < s.gZoneOff[g+1]; e++ {
				a := s.gZoneAct[e]
				if s.gZoneThemes[e]&f.themes != 0 && s.matchAnyYear(f, a) {
					shm[a] += 0
				}
			}
		}
		acts = make([]int32, 0, len(shm))
		for a := range shm {
			acts = append(acts, a)
		}
		sort.Slice(acts, func(i, j int) bool { return acts[i] < acts[j] })
		share = make([]float64, len(acts))
		for i, a := range acts {
			share[i] = shm[a]
		}
	}
	return acts, share
}

// reqBase is what a request computes once for all years: the scope's
// actions, their share in the scope, and the candidate overlap pairs.
type reqBase struct {
	acts          []int32
	share         []float64
	overlapCounts map[int]int // overlaps per year (trend years and the analysis year)
	overlapTop    []pairRec   // the analysis year's largest overlaps (max_list)
}

func (q *scopeReq) base() *reqBase {
	q.baseOnce.Do(func() {
		b := &reqBase{}
		b.acts, b.share = q.scopeActions()
		years := q.years
		if !slices.Contains(years, q.p.Year) {
			years = append(slices.Clone(years), q.p.Year)
		}
		b.overlapCounts, b.overlapTop = q.overlapPairs(b.acts, years, q.p.Year, q.p.MaxList)
		q.baseVal = b
	})
	return q.baseVal
}

// core is everything computed for one year.
type core struct {
	acc           *accOut
	summary       Summary
	communes      []CommuneFigure
	white         []WhiteZone
	under         []UnderServed
	unknown       []CommuneRef
	funding       FundingSummary
	overlaps      []Overlap
	overlapsTotal int
	network       Network
	equity        Equity
}

// run computes the figures of one year; full adds the lists and the
// betweenness that trends do not need.
func (q *scopeReq) run(year int, full bool) *core {
	s := q.s
	c := &core{}
	o := q.access(year)
	c.acc = o
	var sumP, sumS, sumAP float64
	for t, i := range q.scope {
		p := o.need.at(i)
		sumP += p
		sumS += o.supply[t]
		sumAP += o.acc[t] * p
	}
	sm := &c.summary
	sm.Need, sm.Supply = sumP, sumS
	if sumP > 0 {
		sm.Ratio = sumS / sumP
		sm.RatioPer1000 = 1000 * sm.Ratio
		sm.Accessibility = sumAP / sumP
	}
	threshold := sm.Ratio / 2
	c.communes = make([]CommuneFigure, len(q.scope))
	for t, i := range q.scope {
		p := o.need.at(i)
		cf := CommuneFigure{Code: s.Code[i], Name: s.Name[i], Population: s.Pop[i], Need: p,
			NeedUnknown: !o.need.known(i), Supply: o.supply[t], Accessibility: o.acc[t], AccessibilityPer1000: 1000 * o.acc[t]}
		if !cf.NeedUnknown {
			cf.NeedYear = int(o.need.year[i])
		} else {
			c.unknown = append(c.unknown, CommuneRef{s.Code[i], s.Name[i]})
		}
		c.communes[t] = cf
		if p > 0 && o.acc[t] == 0 {
			c.white = append(c.white, WhiteZone{Code: cf.Code, Name: cf.Name, Uncovered: p, Population: s.Pop[i]})
			sm.Uncovered += p
		}
		if p > 0 && o.acc[t] < threshold {
			c.under = append(c.under, UnderServed{Code: cf.Code, Name: cf.Name, Need: p, Accessibility: o.acc[t],
				AccessibilityPer1000: 1000 * o.acc[t], Threshold: threshold, WhiteZone: o.acc[t] == 0})
		}
	}
	sort.SliceStable(c.white, func(a, b int) bool {
		if c.white[a].Uncovered != c.white[b].Uncovered {
			return c.white[a].Uncovered > c.white[b].Uncovered
		}
		return c.white[a].Code < c.white[b].Code
	})
	sort.SliceStable(c.under, func(a, b int) bool {
		if c.under[a].Accessibility != c.under[b].Accessibility {
			return c.under[a].Accessibility < c.under[b].Accessibility
		}
		if c.under[a].Need != c.under[b].Need {
			return c.under[a].Need > c.under[b].Need
		}
		return c.under[a].Code < c.under[b].Code
	})
	sm.WhiteZones, sm.UnderServed, sm.NeedUnknown = len(c.white), len(c.under), len(c.unknown)

	base := q.base()
	acts, share := base.acts, base.share
	f := q.filter(year)
	active := make([]bool, len(acts))
	for i, a := range acts {
		active[i] = s.match(f, a)
		if active[i] {
			sm.Actions++
		}
	}
	c.funding = q.funding(year, acts, share, full)
	limit := q.p.MaxList
	if !full {
		limit = 0
	}
	c.overlaps, c.overlapsTotal = q.overlaps(year, limit)
	c.network = q.network(year, acts, active, full)
	c.equity = q.equity(year, o)
	return c
}

// Analyse runs the complementarity analysis of a scope.
func Analyse(s *Snapshot, p Params) (*Result, error) {
	q, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	year := q.p.Year
	years := q.trendYears()
	q.years = years
	q.precomputeSupply(years)
	c := q.run(year, true)
	r := &Result{
		Params:        q.p,
		DataVersion:   s.DataVersion,
		Scope:         ScopeInfo{Code: q.p.Scope, Name: q.scopeName, Type: string(q.scopeType), Communes: len(q.scope)},
		Summary:       c.summary,
		Communes:      c.communes,
		WhiteZones:    nonNil(c.white),
		UnderServed:   nonNil(c.under),
		NeedUnknown:   nonNil(c.unknown),
		Overlaps:      nonNil(c.overlaps),
		OverlapsTotal: c.overlapsTotal,
		Funding:       c.funding,
		Network:       c.network,
		Equity:        c.equity,
	}
	r.Trends = q.trends(c, years)
	r.Comparable = nonNil(q.comparable(year))
	return r, nil
}

func nonNil[T any](x []T) []T {
	if x == nil {
		return []T{}
	}
	return x
}
