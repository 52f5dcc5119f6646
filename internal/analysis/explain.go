package analysis

import (
	"strings"

	"maillage/internal/domain"
)

// Contribution is an action's part of a commune's supply S_j.
type Contribution struct {
	ActionRef
	Capacity     float64 `json:"capacity"`
	Share        float64 `json:"share"`        // part of the capacity located in the commune
	Contribution float64 `json:"contribution"` // capacity × share
	How          string  `json:"how"`          // "lieu" (place) or "zone" (spread over the zone ∝ population)
}

// DemandTerm is one commune k in the denominator of R_j.
type DemandTerm struct {
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	DistanceKm  float64 `json:"distance_km"`
	Weight      float64 `json:"weight"`
	Need        float64 `json:"need"`
	NeedYear    int     `json:"need_year,omitempty"`
	NeedUnknown bool    `json:"need_unknown"`
	Term        float64 `json:"term"` // W(d_kj)·P_k
}

// CatchmentTerm is one supply commune j within d0 of the explained commune.
type CatchmentTerm struct {
	Code         string         `json:"code"`
	Name         string         `json:"name"`
	DistanceKm   float64        `json:"distance_km"`  // d_ij
	Weight       float64        `json:"weight"`       // W(d_ij)
	Supply       float64        `json:"supply"`       // S_j
	Demand       float64        `json:"demand"`       // D_j = Σ_k W(d_kj)·P_k
	Ratio        float64        `json:"ratio"`        // R_j = S_j / D_j
	Contribution float64        `json:"contribution"` // W(d_ij)·R_j
	Actions      []Contribution `json:"actions"`
	DemandTerms  []DemandTerm   `json:"demand_terms"`
}

// Explanation shows what produced a commune's figures for a theme.
type Explanation struct {
	Params               Params          `json:"params"`
	DataVersion          int64           `json:"data_version"`
	Commune              CommuneRef      `json:"commune"`
	Theme                string          `json:"theme"`
	NeedIndicator        string          `json:"need_indicator"`
	RadiusKm             float64         `json:"radius_km"`
	Need                 DemandTerm      `json:"need"` // P_i (distance 0, weight 1)
	Supply               float64         `json:"supply"`
	SupplyActions        []Contribution  `json:"supply_actions"`
	Accessibility        float64         `json:"accessibility"`
	AccessibilityPer1000 float64         `json:"accessibility_per_1000"`
	Neighbours           int             `json:"neighbours"` // communes within d0 (itself included)
	Catchment            []CatchmentTerm `json:"catchment"`  // supply communes within d0 (S_j > 0)
	Formula              string          `json:"formula"`
}

// Explain returns the actions, indicator values, distances and weights that
// produce A_i, S_j and R_j for a commune and a theme. p.Scope may be empty
// (the commune itself); p.Themes is replaced by the theme.
func Explain(s *Snapshot, commune, theme string, p Params) (*Explanation, error) {
	ci := s.CommuneIndex(strings.TrimSpace(commune))
	if ci < 0 {
		return nil, domain.Errorf(domain.ENOTFOUND, "commune inconnue : %q", commune)
	}
	if theme == "" {
		return nil, domain.Errorf(domain.EINVALID, "thématique obligatoire pour expliquer un chiffre (--theme)")
	}
	p.Scope = s.Code[ci]
	p.Themes = []string{theme}
	p.TrendYears = -1
	q, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	year := q.p.Year
	f := q.filter(year)
	o := q.access(year)
	e := &Explanation{Params: q.p, DataVersion: s.DataVersion, Commune: CommuneRef{s.Code[ci], s.Name[ci]},
		Theme: theme, NeedIndicator: q.needInd, RadiusKm: q.radius,
		Supply: o.supply[0], Accessibility: o.acc[0], AccessibilityPer1000: 1000 * o.acc[0],
		Formula: "R_j = S_j / Σ_k W(d_kj)·P_k ; A_i = Σ_j W(d_ij)·R_j ; W(d) = (exp(-½(d/d0)²) − exp(-½)) / (1 − exp(-½)) si d ≤ d0, 0 sinon"}
	e.Need = s.demandTerm(o, ci, 0, 1)
	e.SupplyActions = s.contributions(ci, f)
	idx, dist, w := o.nb.of(ci)
	e.Neighbours = len(idx)
	e.Catchment = []CatchmentTerm{}
	for t, j := range idx {
		if o.sDense[j] == 0 {
			continue
		}
		ct := CatchmentTerm{Code: s.Code[j], Name: s.Name[j], DistanceKm: dist[t], Weight: w[t],
			Supply: o.sDense[j], Demand: o.dDense[j], Ratio: o.rDense[j], Contribution: w[t] * o.rDense[j],
			Actions: s.contributions(j, f)}
		kidx, kdist, kw := o.nb.of(j)
		for u, k := range kidx {
			ct.DemandTerms = append(ct.DemandTerms, s.demandTerm(o, k, kdist[u], kw[u]))
		}
		e.Catchment = append(e.Catchment, ct)
	}
	return e, nil
}

func (s *Snapshot) demandTerm(o *accOut, k int32, d, w float64) DemandTerm {
	t := DemandTerm{Code: s.Code[k], Name: s.Name[k], DistanceKm: d, Weight: w, Need: o.need.at(k), NeedUnknown: !o.need.known(k)}
	if !t.NeedUnknown {
		t.NeedYear = int(o.need.year[k])
	}
	t.Term = w * t.Need
	return t
}

func (s *Snapshot) contributions(j int32, f filter) []Contribution {
	out := []Contribution{}
	for e := s.cSupOff[j]; e < s.cSupOff[j+1]; e++ {
		a := s.cSupAct[e]
		if !s.match(f, a) {
			continue
		}
		how := "zone"
		if s.hasPlaces(a) {
			how = "lieu"
		}
		out = append(out, Contribution{ActionRef: s.actionRef(a), Capacity: s.ActCapacity[a], Share: s.cSupShare[e],
			Contribution: s.ActCapacity[a] * s.cSupShare[e], How: how})
	}
	for _, g := range s.groupsOf(j) {
		sh := s.groupShare(j, g)
		for e := s.gSupOff[g]; e < s.gSupOff[g+1]; e++ {
			a := s.gSupAct[e]
			if s.match(f, a) {
				out = append(out, Contribution{ActionRef: s.actionRef(a), Capacity: s.ActCapacity[a], Share: sh,
					Contribution: s.ActCapacity[a] * sh, How: "zone"})
			}
		}
	}
	return out
}

// hasPlaces reports whether an action's supply sits in its place communes.
func (s *Snapshot) hasPlaces(a int32) bool { return s.actPlaced[a] }
