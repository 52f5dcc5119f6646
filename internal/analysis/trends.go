package analysis

import (
	"runtime"
	"sort"
	"sync"
)

// defaultTrendYears is the number of years covered by default.
const defaultTrendYears = 10

// trendYears returns the years available for the request: funding years and
// years of the need indicator, plus the analysis year, the last N of them.
func (q *scopeReq) trendYears() []int {
	set := map[int]bool{q.p.Year: true}
	if q.p.TrendYears < 0 {
		return []int{q.p.Year}
	}
	for _, y := range q.s.FundingYears {
		set[y] = true
	}
	for _, y := range q.s.indicatorYears(q.needInd) {
		if y > 0 {
			set[y] = true
		}
	}
	var ys []int
	for y := range set {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	n := q.p.TrendYears
	if n == 0 {
		n = defaultTrendYears
	}
	if len(ys) > n {
		ys = ys[len(ys)-n:]
	}
	return ys
}

// figures flattens a year's results into named figures.
func (c *core) figures() map[string]float64 {
	m := map[string]float64{
		"need":                   c.summary.Need,
		"supply":                 c.summary.Supply,
		"ratio_per_1000":         c.summary.RatioPer1000,
		"accessibility_per_1000": 1000 * c.summary.Accessibility,
		"white_zones":            float64(c.summary.WhiteZones),
		"uncovered":              c.summary.Uncovered,
		"under_served":           float64(c.summary.UnderServed),
		"need_unknown":           float64(c.summary.NeedUnknown),
		"actions":                float64(c.summary.Actions),
		"funding_total":          c.funding.Total,
		"caf_share":              c.funding.CAFShare,
		"hhi":                    c.funding.HHI,
		"funded_actions":         float64(c.funding.FundedActions),
		"single_funder_actions":  float64(c.funding.SingleFunderTotal),
		"overlaps":               float64(c.overlapsTotal),
		"network_nodes":          float64(c.network.Nodes),
		"network_edges":          float64(c.network.Edges),
		"network_density":        c.network.Density,
		"network_components":     float64(c.network.Components),
	}
	if c.funding.PartnerPerCAFEuro != nil {
		m["partner_per_caf_euro"] = *c.funding.PartnerPerCAFEuro
	}
	if c.equity.Gini != nil {
		m["gini"] = *c.equity.Gini
	}
	if c.equity.Theil != nil {
		m["theil"] = *c.equity.Theil
	}
	if c.equity.Spearman != nil {
		m["spearman"] = *c.equity.Spearman
	}
	return m
}

// trends computes every figure for each available year and its change from
// the previous year of the series. cur is the analysis year's result.
func (q *scopeReq) trends(cur *core, years []int) Trends {
	tr := Trends{Years: []int{}, Points: []TrendPoint{}}
	if q.p.TrendYears < 0 {
		return tr
	}
	cores := make([]*core, len(years))
	var wg sync.WaitGroup
	next := make(chan int)
	workers := min(runtime.GOMAXPROCS(0), 2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cores[i] = q.run(years[i], false)
			}
		}()
	}
	for i, y := range years {
		if y == q.p.Year {
			cores[i] = cur
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	tr.Years = years
	var prev map[string]float64
	for i, y := range years {
		f := cores[i].figures()
		pt := TrendPoint{Year: y, Figures: f}
		if prev != nil {
			pt.Change = map[string]float64{}
			for k, v := range f {
				if pv, ok := prev[k]; ok {
					pt.Change[k] = v - pv
				}
			}
		}
		tr.Points = append(tr.Points, pt)
		prev = f
	}
	return tr
}
