package analysis

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"maillage/internal/domain"
)

// Params are the parameters of one analysis. Zero values take the documented
// defaults; Analyse returns the resolved parameters in Result.Params so that
// a result can be reproduced.
type Params struct {
	// Scope is a territory code: commune, EPCI, département, région ("R24"),
	// custom perimeter, or "FR" for every commune.
	Scope string `json:"scope"`
	// Themes of the analysis (all themes when empty).
	Themes []string `json:"themes"`
	// Publics: only actions serving one of these publics count (all when empty).
	Publics []string `json:"publics"`
	// Year of the analysis (default: the latest funding year, else the
	// current year).
	Year int `json:"year"`
	// Need overrides the theme → indicator mapping (NeedIndicator of the
	// theme referential).
	Need string `json:"need,omitempty"`
	// RadiusKm overrides the catchment radius d0 of every theme.
	RadiusKm float64 `json:"radius_km,omitempty"`
	// ThemeRadiusKm sets d0 per theme (default DefaultRadiusKm).
	ThemeRadiusKm map[string]float64 `json:"theme_radius_km,omitempty"`
	// NeedRate is the need-rate indicator of the equity rank correlation
	// (default taux_pauvrete).
	NeedRate string `json:"need_rate"`
	// Comparable is k, the number of comparable territories (default 5).
	Comparable int `json:"comparable"`
	// ComparableIndicators is the profile used to find comparable territories
	// (default DefaultComparableIndicators).
	ComparableIndicators []string `json:"comparable_indicators"`
	// MaxList caps the long lists (overlaps, network nodes and edges;
	// default 200; totals are always given).
	MaxList int `json:"max_list"`
	// Trends: years to cover (default: every funding year and every year of
	// the need indicator, and Year: the last 10 of them). Negative: no trends.
	TrendYears int `json:"trend_years"`
	// Resolved (filled by Analyse).
	NeedIndicator string  `json:"need_indicator"`
	Radius        float64 `json:"radius_used_km"`
}

// DefaultComparableIndicators is the default profile of comparable
// territories: size (log of population), age structure and family structure
// as shares of the population, poverty rate and CAF coverage.
var DefaultComparableIndicators = []string{
	domain.IndicatorPopulation,
	domain.IndicatorPop0to2,
	domain.IndicatorPop3to10,
	domain.IndicatorPop11to17,
	domain.IndicatorPop18to24,
	domain.IndicatorFamiliesWithChildren,
	domain.IndicatorSingleParentFamilies,
	domain.IndicatorPovertyRate,
	domain.IndicatorCAFBeneficiaries,
}

// rateIndicators are averaged (population-weighted) over a group's communes
// instead of summed, and not divided by population in a profile.
var rateIndicators = map[string]bool{domain.IndicatorPovertyRate: true}

// IsRate reports whether an indicator is a rate (a share, a percentage)
// rather than a count. Codes starting with "taux_" or "part_" are rates.
func IsRate(code string) bool {
	return rateIndicators[code] || strings.HasPrefix(code, "taux_") || strings.HasPrefix(code, "part_")
}

// ScopeFrance is the scope of every commune of the database.
const ScopeFrance = "FR"

// TypeFrance is the territory type reported for ScopeFrance.
const TypeFrance domain.TerritoryType = "pays"

func (s *Snapshot) allCommunes() []int32 {
	out := make([]int32, s.N)
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

// scopeReq is a resolved request.
type scopeReq struct {
	s          *Snapshot
	p          Params
	scope      []int32 // commune indexes, sorted
	scopeName  string
	scopeType  domain.TerritoryType
	themeMask  uint64
	publicMask uint64
	needInd    string
	radius     float64
	inScope    []bool

	baseOnce sync.Once
	baseVal  *reqBase

	reachOnce sync.Once
	reachVal  []int32
	// supplyYears holds S_j per year (dense, reach communes filled), set
	// before the per-year runs start.
	supplyYears map[int][]float64
	// years are the trend years (set by Analyse before the runs).
	years []int
}

func (s *Snapshot) defaultYear() int {
	if n := len(s.FundingYears); n > 0 {
		return s.FundingYears[n-1]
	}
	return time.Now().Year()
}

// resolve checks and completes the parameters.
func (s *Snapshot) resolve(p Params) (*scopeReq, error) {
	var v domain.Validation
	q := &scopeReq{s: s}
	p.Scope = strings.TrimSpace(p.Scope)
	if p.Scope == "" {
		v.Add("scope", "obligatoire : un code de territoire (commune, EPCI, département, région, périmètre, ou FR pour toute la France)")
	} else if strings.EqualFold(p.Scope, ScopeFrance) {
		p.Scope = ScopeFrance
		q.scope = s.allCommunes()
		q.scopeName, q.scopeType = "France entière", TypeFrance
	} else if i := s.CommuneIndex(p.Scope); i >= 0 {
		q.scope = []int32{i}
		q.scopeName, q.scopeType = s.Name[i], domain.TypeCommune
		p.Scope = s.Code[i]
	} else if g, ok := s.Group(p.Scope); ok {
		q.scope = g.Members
		q.scopeName, q.scopeType = g.Name, g.Type
	} else {
		return nil, domain.Errorf(domain.ENOTFOUND, "territoire inconnu : %q (code INSEE de commune, SIREN d'EPCI, code de département, « R » + code de région ou code de périmètre)", p.Scope)
	}
	themes := slices.Clone(p.Themes)
	sort.Strings(themes)
	themes = slices.Compact(themes)
	p.Themes = themes
	for _, t := range themes {
		bit, ok := s.themeBit[t]
		if !ok {
			v.Add("theme", "thématique inconnue %q (attendu : %s)", t, strings.Join(s.Themes, ", "))
		}
		q.themeMask |= bit
	}
	if len(themes) == 0 {
		q.themeMask = ^uint64(0)
	}
	pubs := slices.Clone(p.Publics)
	sort.Strings(pubs)
	pubs = slices.Compact(pubs)
	p.Publics = pubs
	for _, pc := range pubs {
		bit, ok := s.publicBit[pc]
		if !ok {
			v.Add("public", "public inconnu %q (attendu : %s)", pc, strings.Join(s.Publics, ", "))
		}
		if pc == "tous_publics" {
			bit = s.allPublics
		}
		q.publicMask |= bit
	}
	if len(pubs) == 0 {
		q.publicMask = s.allPublics
	}
	if p.Year == 0 {
		p.Year = s.defaultYear()
	}
	if p.Year < 1900 || p.Year > 2200 {
		v.Add("year", "année invalide %d", p.Year)
	}
	// Need indicator: --need, else the themes' common indicator, else population.
	switch {
	case p.Need != "":
		q.needInd = p.Need
		if !s.HasIndicator(p.Need) && !domain.IsCode(p.Need) {
			v.Add("need", "indicateur invalide %q", p.Need)
		}
	case len(themes) == 0:
		q.needInd = domain.IndicatorPopulation
	default:
		q.needInd = s.Ref.NeedIndicator(themes[0])
		for _, t := range themes[1:] {
			if s.Ref.NeedIndicator(t) != q.needInd {
				q.needInd = domain.IndicatorPopulation
				break
			}
		}
	}
	// Radius: --radius, else the themes' radius (the largest when they differ).
	switch {
	case p.RadiusKm < 0 || math.IsNaN(p.RadiusKm) || p.RadiusKm > 200:
		v.Add("radius", "rayon invalide %v km (entre 0 et 200)", p.RadiusKm)
	case p.RadiusKm > 0:
		q.radius = p.RadiusKm
	default:
		q.radius = 0
		for _, t := range themes {
			r := DefaultRadiusKm
			if x, ok := p.ThemeRadiusKm[t]; ok && x > 0 && x <= 200 {
				r = x
			}
			q.radius = math.Max(q.radius, r)
		}
		if q.radius == 0 {
			q.radius = DefaultRadiusKm
		}
	}
	if p.NeedRate == "" {
		p.NeedRate = domain.IndicatorPovertyRate
	}
	if p.Comparable == 0 {
		p.Comparable = 5
	}
	if len(p.ComparableIndicators) == 0 {
		p.ComparableIndicators = DefaultComparableIndicators
	}
	if p.MaxList == 0 {
		p.MaxList = 200
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	p.NeedIndicator, p.Radius = q.needInd, q.radius
	q.p = p
	q.inScope = make([]bool, s.N)
	for _, i := range q.scope {
		q.inScope[i] = true
	}
	return q, nil
}

// yearDays returns the first and last day (days since 1970) of a year.
func yearDays(y int) (int32, int32) {
	a := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	b := time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC).Unix() / 86400
	return int32(a), int32(b)
}

// filter selects the actions of a request for one year.
type filter struct {
	themes, publics uint64
	from, to        int32
}

func (q *scopeReq) filter(year int) filter {
	a, b := yearDays(year)
	return filter{q.themeMask, q.publicMask, a, b}
}

func (s *Snapshot) match(f filter, a int32) bool {
	return s.ActThemes[a]&f.themes != 0 && s.ActPublics[a]&f.publics != 0 && s.ActStart[a] <= f.to && s.ActEnd[a] >= f.from
}

// matchAnyYear ignores the period (fundings are selected by their own year).
func (s *Snapshot) matchAnyYear(f filter, a int32) bool {
	return s.ActThemes[a]&f.themes != 0 && s.ActPublics[a]&f.publics != 0
}
