package web

import (
	"context"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"maillage/internal/domain"
	"maillage/internal/web/mapsvg"
)

// cache keeps what is costly to rebuild (projected outlines, aggregated
// indicator values) until the data version moves.
type cache struct {
	mu       sync.Mutex
	version  int64
	basemaps map[string]*mapsvg.Basemap
	tdata    map[string]*territoryData
	pages    map[string]*cachedPage
	values   map[string]any // small derived values (referential lists, action maps)
}

func (h *handler) cacheGet(key string) (any, bool) {
	h.cache.mu.Lock()
	defer h.cache.mu.Unlock()
	v, ok := h.cache.values[key]
	return v, ok
}

func (h *handler) cachePut(key string, v any) {
	h.cache.mu.Lock()
	defer h.cache.mu.Unlock()
	if len(h.cache.values) >= cacheMax {
		h.cache.values = map[string]any{}
	}
	h.cache.values[key] = v
}

// principalKey distinguishes cached values that depend on what the visitor
// may see (the store filters reads by organisation and role).
func principalKey(ctx context.Context) string {
	p := domain.PrincipalFrom(ctx)
	if p == nil {
		return "public"
	}
	return strconv.FormatInt(p.OrgID, 10) + "/" + p.Role + "/" + strconv.FormatInt(p.UserID, 10)
}

// cachedPage is a rendered page body (without the layout, which depends on
// the visitor) for pages whose content does not depend on who asks.
type cachedPage struct {
	p       page
	status  int
	content template.HTML
	anon    atomic.Pointer[[]byte] // the whole page for visitors without a session
}

func newCache() *cache {
	return &cache{basemaps: map[string]*mapsvg.Basemap{}, tdata: map[string]*territoryData{}, pages: map[string]*cachedPage{}, values: map[string]any{}}
}

func (h *handler) cachedPage(key string) *cachedPage {
	h.cache.mu.Lock()
	defer h.cache.mu.Unlock()
	return h.cache.pages[key]
}

func (h *handler) storePage(key string, c *cachedPage) {
	h.cache.mu.Lock()
	defer h.cache.mu.Unlock()
	if len(h.cache.pages) >= cacheMax {
		h.cache.pages = map[string]*cachedPage{}
		h.cache.values = map[string]any{}
	}
	h.cache.pages[key] = c
}

const cacheMax = 512

// sync empties the caches when the data version moved, and returns the
// version the request works at.
func (h *handler) sync(ctx context.Context) int64 {
	v, err := h.s.DataVersion(ctx)
	h.cache.mu.Lock()
	defer h.cache.mu.Unlock()
	if err != nil {
		return h.cache.version
	}
	if v != h.cache.version {
		h.cache.version = v
		h.cache.basemaps = map[string]*mapsvg.Basemap{}
		h.cache.tdata = map[string]*territoryData{}
		h.cache.pages = map[string]*cachedPage{}
		h.cache.values = map[string]any{}
	}
	return v
}

// pageKey is the page cache key of a page computed at data version ver: a
// page computed while a write moved the version is stored under the old
// version's key, which no later request looks up.
func pageKey(ver int64, key string) string {
	return strconv.FormatInt(ver, 10) + "|" + key
}

// territoryData holds a territory's indicator values: per commune and
// aggregated over its communes.
type territoryData struct {
	T        *domain.Territory
	Communes []domain.Territory // its communes, by name
	// ByCommune[indicator][year][commune]
	ByCommune map[string]map[int]map[string]float64
	// Agg[indicator][year]: sum for counts, population-weighted mean for rates
	Agg map[string]map[int]float64
}

// isRate reports whether an indicator is a rate (averaged, not summed).
func isRate(ind *domain.Indicator) bool {
	if ind == nil {
		return false
	}
	switch ind.Unit {
	case "%", "pourcent", "taux", "‰", "pour 1000", "ratio", "€", "euros", "indice":
		return true
	}
	return false
}

// loadTerritory reads (or takes from the cache) the data of a territory.
func (h *handler) loadTerritory(ctx context.Context, code string, inds map[string]*domain.Indicator) (*territoryData, error) {
	h.cache.mu.Lock()
	td := h.cache.tdata[code]
	h.cache.mu.Unlock()
	if td != nil {
		return td, nil
	}
	t, err := h.s.Territory(ctx, code)
	if err != nil {
		return nil, err
	}
	td = &territoryData{T: t, ByCommune: map[string]map[int]map[string]float64{}, Agg: map[string]map[int]float64{}}
	if t.Type == domain.TypeCommune || t.Type == domain.TypeArrondissement {
		td.Communes = []domain.Territory{*t}
	} else {
		pg, err := h.s.Territories(ctx, domain.TerritoryFilter{Within: t.Code, Type: domain.TypeCommune})
		if err != nil {
			return nil, err
		}
		td.Communes = pg.Items
		sort.Slice(td.Communes, func(i, j int) bool { return td.Communes[i].Name < td.Communes[j].Name })
	}
	// One read per indicator, a few at a time: the reads of a département
	// (~86,000 values on the national set) use the store's reader pool
	// instead of one connection.
	codes := make([]string, 0, len(inds))
	for c := range inds {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	fs := make([]domain.IndicatorValueFilter, len(codes))
	for i, c := range codes {
		fs[i] = domain.IndicatorValueFilter{Territory: t.Code, Indicator: c}
	}
	if len(fs) == 0 {
		fs = []domain.IndicatorValueFilter{{Territory: t.Code}}
	}
	own, err := h.readValues(ctx, td, fs)
	if err != nil {
		return nil, err
	}
	aggregate(td, inds, own)
	h.cache.mu.Lock()
	if len(h.cache.tdata) >= cacheMax {
		h.cache.tdata = map[string]*territoryData{}
	}
	h.cache.tdata[code] = td
	h.cache.mu.Unlock()
	return td, nil
}

// readValues reads indicator values of a territory's communes into
// td.ByCommune and returns the group's own values (indicator → year →
// value), which win over the aggregate of its communes. The filters are
// read concurrently (readers at most), then merged in their order.
func (h *handler) readValues(ctx context.Context, td *territoryData, fs []domain.IndicatorValueFilter) (map[string]map[int]float64, error) {
	res := make([][]domain.IndicatorValue, len(fs))
	errs := make([]error, len(fs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(readers, len(fs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(fs) || ctx.Err() != nil {
					return
				}
				f := fs[i]
				// One read without a limit: paging with LIMIT/OFFSET made the
				// store count and skip the values once per page.
				f.Offset, f.Limit = 0, 0
				pg, err := h.s.IndicatorValues(ctx, f)
				res[i], errs[i] = pg.Items, err
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	own := map[string]map[int]float64{}
	group := td.T.Type != domain.TypeCommune && td.T.Type != domain.TypeArrondissement
	for i, items := range res {
		if errs[i] != nil {
			return nil, errs[i]
		}
		for _, v := range items {
			if v.Territory == td.T.Code && group {
				// The group's own value (an official figure for the EPCI or
				// the département) wins over the sum of its communes below.
				if own[v.Indicator] == nil {
					own[v.Indicator] = map[int]float64{}
				}
				own[v.Indicator][v.Year] = v.Value
				continue
			}
			byYear := td.ByCommune[v.Indicator]
			if byYear == nil {
				byYear = map[int]map[string]float64{}
				td.ByCommune[v.Indicator] = byYear
			}
			m := byYear[v.Year]
			if m == nil {
				m = map[string]float64{}
				byYear[v.Year] = m
			}
			m[v.Territory] = v.Value
		}
	}
	return own, nil
}

// readers is how many indicator reads of one page run at once (the SQLite
// store keeps at least four reader connections).
const readers = 4

// aggregate fills td.Agg from td.ByCommune: sums for counts, means weighted
// by population for rates; the group's own values win.
func aggregate(td *territoryData, inds map[string]*domain.Indicator, own map[string]map[int]float64) {
	pop := td.ByCommune[domain.IndicatorPopulation]
	for code, byYear := range td.ByCommune {
		agg := map[int]float64{}
		rate := isRate(inds[code])
		for y, m := range byYear {
			if rate {
				var sw, s float64
				pm := nearestYear(pop, y)
				for c, v := range m {
					w := 1.0
					if pm != nil {
						if p, ok := pm[c]; ok {
							w = p
						}
					}
					sw += w
					s += w * v
				}
				if sw > 0 {
					agg[y] = s / sw
				}
			} else {
				s := 0.0
				for _, v := range m {
					s += v
				}
				agg[y] = s
			}
		}
		td.Agg[code] = agg
	}
	for code, byYear := range own {
		if td.Agg[code] == nil {
			td.Agg[code] = map[int]float64{}
		}
		for y, v := range byYear {
			td.Agg[code][y] = v
		}
	}
}

// loadShape returns a territory and its communes without indicator values
// (enough to draw its map), cached.
func (h *handler) loadShape(ctx context.Context, code string) (*territoryData, error) {
	key := "shape|" + code
	h.cache.mu.Lock()
	td := h.cache.tdata[key]
	if td == nil {
		td = h.cache.tdata[code] // a full load has it too
	}
	h.cache.mu.Unlock()
	if td != nil {
		return td, nil
	}
	t, err := h.s.Territory(ctx, code)
	if err != nil {
		return nil, err
	}
	td = &territoryData{T: t}
	if t.Type == domain.TypeCommune || t.Type == domain.TypeArrondissement {
		td.Communes = []domain.Territory{*t}
	} else {
		pg, err := h.s.Territories(ctx, domain.TerritoryFilter{Within: t.Code, Type: domain.TypeCommune})
		if err != nil {
			return nil, err
		}
		td.Communes = pg.Items
		sort.Slice(td.Communes, func(i, j int) bool { return td.Communes[i].Name < td.Communes[j].Name })
	}
	h.cache.mu.Lock()
	if len(h.cache.tdata) >= cacheMax {
		h.cache.tdata = map[string]*territoryData{}
	}
	h.cache.tdata[key] = td
	h.cache.mu.Unlock()
	return td, nil
}

// loadParent computes the aggregates of a parent territory (EPCI,
// département, région) only for what a child's portrait compares: the latest
// year of each count, every year of each rate (the time series), and the
// population of those years. A région holds thousands of communes: reading
// all their values, or keeping them, would not scale.
//
// Every year of a rate is read only for the indicator the page charts (sel):
// the comparison table needs the latest year of the others.
func (h *handler) loadParent(ctx context.Context, code string, inds map[string]*domain.Indicator, child *territoryData, sel string) (*territoryData, error) {
	need := map[string]map[int]bool{}
	add := func(ind string, y int) {
		if need[ind] == nil {
			need[ind] = map[int]bool{}
		}
		need[ind][y] = true
	}
	for ind, agg := range child.Agg {
		ys := years(agg)
		if len(ys) == 0 {
			continue
		}
		if isRate(inds[ind]) {
			if ind != sel {
				ys = ys[len(ys)-1:]
			}
			for _, y := range ys {
				add(ind, y)
				add(domain.IndicatorPopulation, y)
			}
		} else {
			add(ind, ys[len(ys)-1])
			add(domain.IndicatorPopulation, ys[len(ys)-1])
		}
	}
	keys := make([]string, 0, len(need))
	for ind, ys := range need {
		for y := range ys {
			keys = append(keys, ind+"/"+strconv.Itoa(y))
		}
	}
	sort.Strings(keys)
	key := "parent|" + code + "|" + strings.Join(keys, ",")
	h.cache.mu.Lock()
	td := h.cache.tdata[key]
	h.cache.mu.Unlock()
	if td != nil {
		return td, nil
	}
	t, err := h.s.Territory(ctx, code)
	if err != nil {
		return nil, err
	}
	td = &territoryData{T: t, ByCommune: map[string]map[int]map[string]float64{}, Agg: map[string]map[int]float64{}}
	var fs []domain.IndicatorValueFilter
	for _, ind := range sortedKeys(need) {
		for _, y := range years(need[ind]) {
			fs = append(fs, domain.IndicatorValueFilter{Territory: code, Indicator: ind, Year: y})
		}
	}
	own, err := h.readValues(ctx, td, fs)
	if err != nil {
		return nil, err
	}
	aggregate(td, inds, own)
	td.ByCommune = nil // only the aggregates are kept
	h.cache.mu.Lock()
	if len(h.cache.tdata) >= cacheMax {
		h.cache.tdata = map[string]*territoryData{}
	}
	h.cache.tdata[key] = td
	h.cache.mu.Unlock()
	return td, nil
}

func nearestYear(byYear map[int]map[string]float64, y int) map[string]float64 {
	if m, ok := byYear[y]; ok {
		return m
	}
	best, bestD := -1, math.MaxInt
	for yy := range byYear {
		d := yy - y
		if d < 0 {
			d = -d
		}
		if d < bestD || (d == bestD && yy > best) {
			best, bestD = yy, d
		}
	}
	return byYear[best]
}

// sortedKeys returns the sorted keys of a map.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// years returns the sorted years of a map.
func years[V any](m map[int]V) []int {
	ys := make([]int, 0, len(m))
	for y := range m {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

// basemap returns the projected communes of a territory (cached).
func (h *handler) basemap(ctx context.Context, td *territoryData, width int) *mapsvg.Basemap {
	key := td.T.Code + "/" + strconv.Itoa(width)
	h.cache.mu.Lock()
	bm := h.cache.basemaps[key]
	h.cache.mu.Unlock()
	if bm != nil {
		return bm
	}
	// One geometry read per commune, a few at a time (a département has
	// hundreds of communes), kept in the communes' order.
	geoms := make([]*mapsvg.Feature, len(td.Communes))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(readers, len(td.Communes)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(td.Communes) || ctx.Err() != nil {
					return
				}
				c := &td.Communes[i]
				b, err := h.s.TerritoryGeometry(ctx, c.Code)
				if err != nil || len(b) == 0 {
					continue
				}
				g, err := mapsvg.ParseGeometry(b)
				if err != nil || g == nil {
					continue
				}
				geoms[i] = &mapsvg.Feature{Code: c.Code, Name: c.Name, Geometry: g}
			}
		})
	}
	wg.Wait()
	feats := make([]mapsvg.Feature, 0, len(td.Communes))
	for _, f := range geoms {
		if f != nil {
			feats = append(feats, *f)
		}
	}
	bm = mapsvg.NewBasemap(feats, width, 0.6)
	h.cache.mu.Lock()
	if len(h.cache.basemaps) >= cacheMax {
		h.cache.basemaps = map[string]*mapsvg.Basemap{}
	}
	h.cache.basemaps[key] = bm
	h.cache.mu.Unlock()
	return bm
}

func formatNum(v float64) string { return mapsvg.FormatNumber(v, mapsvg.Decimals(v)) }

func formatNumDec(v float64, d int) string { return mapsvg.FormatNumber(v, d) }

// indicatorIndex maps indicator codes to their catalogue entries.
func (h *handler) indicatorIndex(ctx context.Context) ([]domain.Indicator, map[string]*domain.Indicator, error) {
	inds, err := h.s.Indicators(ctx)
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]*domain.Indicator, len(inds))
	for i := range inds {
		m[inds[i].Code] = &inds[i]
	}
	return inds, m, nil
}
