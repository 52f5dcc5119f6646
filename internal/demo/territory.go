package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"maillage/internal/domain"
)

// The demo département uses code "96": a valid shape for INSEE commune codes
// (96001…96060 pass domain.IsCommuneCode) that INSEE has never assigned
// (metropolitan départements stop at 95, overseas ones are 971–976, 99 is
// foreign countries), so importing the real COG later never collides with
// it. Its région is "R96" (no INSEE région has code 96). Public-body SIRENs
// follow the real patterns with département 96 (communes 2196…, EPCI 2496…,
// département council 2296…), which the real SIRENE register does not hold.
const (
	DeptCode   = "96"
	DeptName   = "Val-de-Maille"
	RegionCode = "R96"
	RegionName = "Marches-du-Centre"
	// Source is the source of every demo actor and action (upsert key with
	// their external ids, so rebuilding the demo updates it in place).
	Source = "demo"
	// CTGCode is the custom perimeter of the demo's CTG.
	CTGCode = "CTG-96-NORD"
	// Years of the demo's indicators and fundings.
	FirstYear = 2021
	LastYear  = 2023
	// Radius is the catchment radius (km) the demo's white zones are built for.
	Radius = 15.0
)

// Commune is a demo commune with its place on the local plane.
type Commune struct {
	domain.Territory
	pos     pt
	cell    []pt
	rank    int     // population rank, 1 = largest
	urban   float64 // 0 (deep rural) … 1 (town centre)
	growth  float64 // yearly population change
	basePop float64 // population of the last year
	Corner  bool    // in the rural corner left without family services
}

// EPCI is a demo intercommunalité.
type EPCI struct {
	domain.Territory
	Seat  string // commune code of its seat
	Short string // "du Pays de Saulay"
	Kind  string // "CA" or "CC"
	seed  pt
}

func luhnKey(prefix string) string {
	for d := '0'; d <= '9'; d++ {
		if domain.IsSIREN(prefix + string(d)) {
			return prefix + string(d)
		}
	}
	panic("unreachable")
}

// buildTerritories lays out the communes, EPCI, département and région.
func (d *Dataset) buildTerritories(r *rand.Rand) {
	poly := outline()
	// Sites: best-candidate sampling (evenly spread, irregular) inside the
	// outline shrunk by 8 %, so every cell has a sensible shape.
	const n = 60
	var sites []pt
	for len(sites) < n {
		var best pt
		bestD := -1.0
		for range 30 {
			c := pt{(r.Float64()*2 - 1) * semiX, (r.Float64()*2 - 1) * semiY}
			if !insideOutline(poly, pt{c.X / 0.92, c.Y / 0.92}) {
				continue
			}
			md := math.Inf(1)
			for _, s := range sites {
				md = math.Min(md, dist(s, c))
			}
			if md > bestD {
				best, bestD = c, md
			}
		}
		if bestD >= 0 {
			sites = append(sites, best)
		}
	}
	// Main towns: the préfecture west of centre, a sous-préfecture in the
	// north, a third town in the west. Each takes the nearest site.
	anchors := []pt{{-14, 2}, {10, 20}, {-36, -12}}
	rankOf := make([]int, n)
	taken := map[int]bool{}
	for i, a := range anchors {
		bi := -1
		for j, s := range sites {
			if !taken[j] && (bi < 0 || dist(s, a) < dist(sites[bi], a)) {
				bi = j
			}
		}
		taken[bi] = true
		rankOf[bi] = i + 1
	}
	pref := sites[slices.Index(rankOf, 1)]
	// Remaining ranks: the rural corner (east, x ≥ 33 km) gets the smallest
	// villages; suburbs of the préfecture get the next ranks; the rest is
	// shuffled, with a pull towards the towns.
	type cand struct {
		i     int
		score float64
	}
	var rest []cand
	for j, s := range sites {
		if taken[j] {
			continue
		}
		score := r.Float64() * 40
		score += dist(s, pref) * 0.8
		if s.X >= cornerX {
			score += 1000 + s.X
		}
		rest = append(rest, cand{j, score})
	}
	slices.SortFunc(rest, func(a, b cand) int { return cmp.Compare(a.score, b.score) })
	for k, c := range rest {
		rankOf[c.i] = len(anchors) + 1 + k
	}
	cells := voronoi(poly, sites)

	// Codes: 96001… in the order of names, as INSEE numbers communes
	// alphabetically.
	names := newNameGen(r)
	type raw struct {
		name string
		i    int
	}
	raws := make([]raw, n)
	for i := range raws {
		raws[i] = raw{names.next(), i}
	}
	slices.SortFunc(raws, func(a, b raw) int { return cmp.Compare(collate(a.name), collate(b.name)) })

	d.Communes = make([]*Commune, n)
	for k, rw := range raws {
		i := rw.i
		code := fmt.Sprintf("%s%03d", DeptCode, k+1)
		rank := rankOf[i]
		pop := 60000.0
		if rank > 1 {
			pop = 60000 * math.Pow(float64(rank), -1.25) * (0.85 + 0.3*r.Float64())
		}
		pop = math.Round(pop)
		c := centroid(cells[i])
		lat, lon := toLatLon(c)
		lat, lon = round5(lat), round5(lon)
		urban := math.Min(1, math.Log10(pop/200)/math.Log10(300))
		growth := 0.002 + 0.006*r.Float64() - 0.004
		corner := c.X >= cornerX
		if corner {
			growth = -0.006 - 0.004*r.Float64()
		}
		d.Communes[i] = &Commune{
			Territory: domain.Territory{
				Code: code, Type: domain.TypeCommune, Name: rw.name,
				Departement: DeptCode, Region: RegionCode,
				SIREN: luhnKey("2196" + fmt.Sprintf("%04d", k+1)),
				Lat:   &lat, Lon: &lon,
			},
			pos: c, cell: cells[i], rank: rank, basePop: pop, urban: urban, growth: growth, Corner: corner,
		}
	}
	// Keep communes in code order from now on.
	slices.SortFunc(d.Communes, func(a, b *Commune) int { return cmp.Compare(a.Code, b.Code) })

	// EPCI: one communauté d'agglomération around the préfecture and three
	// communautés de communes; each commune joins the EPCI of the nearest
	// seed (seeds weighted so the agglomération stays compact).
	town := func(rank int) *Commune {
		for _, c := range d.Communes {
			if c.rank == rank {
				return c
			}
		}
		return nil
	}
	p1, p2, p3 := town(1), town(2), town(3)
	eastSeat := d.Communes[0]
	for _, c := range d.Communes {
		// The bourg-centre of the east: the largest commune with 18 ≤ x < 30.
		if c.pos.X >= 18 && c.pos.X < 30 && (eastSeat.pos.X < 18 || eastSeat.pos.X >= 30 || c.rank < eastSeat.rank) {
			eastSeat = c
		}
	}
	d.EPCIs = []*EPCI{
		{Kind: "CA", Seat: p1.Code, Short: "Agglomération " + elision(p1.Name), seed: p1.pos},
		{Kind: "CC", Seat: p2.Code, Short: "du Pays " + elision(p2.Name), seed: p2.pos},
		{Kind: "CC", Seat: p3.Code, Short: "Val " + elision(p3.Name), seed: p3.pos},
		{Kind: "CC", Seat: eastSeat.Code, Short: "des Confins de la Maille", seed: pt{34, -6}},
	}
	weights := []float64{1.05, 1, 1.35, 0.95}
	for k, e := range d.EPCIs {
		code := luhnKey(fmt.Sprintf("2496%04d", 101+k))
		name := "Communauté de communes " + e.Short
		if e.Kind == "CA" {
			name = "Communauté d'agglomération " + e.Short[len("Agglomération "):]
		}
		e.Territory = domain.Territory{Code: code, Type: domain.TypeEPCI, Name: name,
			Departement: DeptCode, Region: RegionCode, SIREN: code}
	}
	for _, c := range d.Communes {
		best, bestD := 0, math.Inf(1)
		for k, e := range d.EPCIs {
			dd := dist(c.pos, e.seed) / weights[k]
			if dd < bestD {
				best, bestD = k, dd
			}
		}
		// The rural corner belongs to the eastern CC.
		if c.Corner {
			best = 3
		}
		c.Parent = d.EPCIs[best].Code
		d.EPCIs[best].Members = append(d.EPCIs[best].Members, c.Code)
	}
	d.Departement = domain.Territory{Code: DeptCode, Type: domain.TypeDepartement, Name: DeptName,
		Region: RegionCode, SIREN: luhnKey("22960000")}
	d.Region = domain.Territory{Code: RegionCode, Type: domain.TypeRegion, Name: RegionName}
	for _, c := range d.Communes {
		d.Departement.Members = append(d.Departement.Members, c.Code)
	}
	d.Region.Members = d.Departement.Members
	d.outline = poly
}

// cornerX is the west edge (km) of the rural corner.
const cornerX = 33.0

// collate orders French names the way a directory does: accents ignored.
func collate(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'É':
			r = 'E'
		case 'à', 'â':
			r = 'a'
		case 'î', 'ï':
			r = 'i'
		case 'ô':
			r = 'o'
		case 'û', 'ù':
			r = 'u'
		case 'ç':
			r = 'c'
		}
		out = append(out, r)
	}
	return string(out)
}

// geometries returns the outlines of every demo territory.
func (d *Dataset) geometries() []domain.Geometry {
	var gs []domain.Geometry
	for _, c := range d.Communes {
		gs = append(gs, domain.Geometry{Code: c.Code, GeoJSON: polygonJSON(c.cell)})
	}
	for _, e := range d.EPCIs {
		var cells [][]pt
		for _, m := range e.Members {
			cells = append(cells, d.commune(m).cell)
		}
		gs = append(gs, domain.Geometry{Code: e.Code, GeoJSON: multiPolygonJSON(cells)})
	}
	gs = append(gs, domain.Geometry{Code: DeptCode, GeoJSON: polygonJSON(d.outline)})
	gs = append(gs, domain.Geometry{Code: RegionCode, GeoJSON: polygonJSON(d.outline)})
	return gs
}

// buildIndicators computes the nine default indicators for every commune
// and year, plus sums (and a population-weighted poverty rate) for the EPCI,
// the département and the région.
func (d *Dataset) buildIndicators(r *rand.Rand) {
	type agg struct{ sum [9]float64 }
	codes := []string{
		domain.IndicatorPopulation, domain.IndicatorPop0to2, domain.IndicatorPop3to10,
		domain.IndicatorPop11to17, domain.IndicatorPop18to24, domain.IndicatorFamiliesWithChildren,
		domain.IndicatorSingleParentFamilies, domain.IndicatorPovertyRate, domain.IndicatorCAFBeneficiaries,
	}
	groups := map[string]*[LastYear - FirstYear + 1]agg{}
	groupOf := func(code string) *[LastYear - FirstYear + 1]agg {
		g := groups[code]
		if g == nil {
			g = new([LastYear - FirstYear + 1]agg)
			groups[code] = g
		}
		return g
	}
	for _, c := range d.Communes {
		base := c.pop2023()
		// Per-commune structure, stable over the years with small drift.
		u := c.urban
		s0_2 := 0.026 + 0.008*u + 0.004*r.Float64()
		s3_10 := 0.085 + 0.012*r.Float64()
		s11_17 := 0.078 + 0.012*r.Float64()
		s18_24 := 0.045 + 0.05*u + 0.01*r.Float64()
		famRate := 0.105 + 0.025*r.Float64()
		mono := 0.17 + 0.13*u + 0.04*r.Float64()
		pov := 9 + 11*u*u + 4*r.Float64()
		if c.Corner {
			pov += 5 // rural poverty of the corner: need without services
			mono += 0.03
		}
		caf := 0.16 + 0.08*u + 0.03*r.Float64()
		for y := FirstYear; y <= LastYear; y++ {
			k := float64(y - LastYear)
			pop := math.Round(base * math.Pow(1+c.growth, k))
			drift := 1 + 0.01*k*(r.Float64()-0.5)
			fam := math.Round(pop * famRate * drift)
			vals := [9]float64{
				pop,
				math.Round(pop * s0_2 * drift),
				math.Round(pop * s3_10 * drift),
				math.Round(pop * s11_17 * drift),
				math.Round(pop * s18_24 * drift),
				fam,
				math.Round(fam * mono * drift),
				math.Round((pov+0.3*k*(r.Float64()-0.3))*10) / 10,
				math.Round(pop * caf * drift),
			}
			for i, v := range vals {
				d.Indicators = append(d.Indicators, domain.IndicatorValue{Territory: c.Code, Indicator: codes[i], Year: y, Value: v})
			}
			for _, g := range []string{c.Parent, DeptCode, RegionCode} {
				a := &groupOf(g)[y-FirstYear]
				for i, v := range vals {
					if codes[i] == domain.IndicatorPovertyRate {
						a.sum[i] += v * pop
					} else {
						a.sum[i] += v
					}
				}
			}
		}
	}
	var gcodes []string
	for g := range groups {
		gcodes = append(gcodes, g)
	}
	slices.Sort(gcodes)
	for _, g := range gcodes {
		for yi, a := range groups[g] {
			for i, v := range a.sum {
				if codes[i] == domain.IndicatorPovertyRate {
					v = math.Round(v/a.sum[0]*10) / 10
				}
				d.Indicators = append(d.Indicators, domain.IndicatorValue{Territory: g, Indicator: codes[i], Year: FirstYear + yi, Value: v})
			}
		}
	}
	for _, c := range d.Communes {
		p := c.pop2023()
		c.Population = &p
		c.PopYear = LastYear
	}
	for _, e := range d.EPCIs {
		p := groups[e.Code][LastYear-FirstYear].sum[0]
		e.Population, e.PopYear = &p, LastYear
	}
	p := groups[DeptCode][LastYear-FirstYear].sum[0]
	d.Departement.Population, d.Departement.PopYear = &p, LastYear
	d.Region.Population, d.Region.PopYear = &p, LastYear
}

// pop2023 is the commune's population in the last year.
func (c *Commune) pop2023() float64 {
	if c.Population != nil {
		return *c.Population
	}
	return c.basePop
}

func itoa(i int) string { return strconv.Itoa(i) }
