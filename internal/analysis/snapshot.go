// Package analysis is Maillage's complementarity analysis: supply, need,
// accessibility (enhanced two-step floating catchment area), white zones,
// overlaps, funding dependence, partnership network, equity, trends and
// comparable territories.
//
// It is pure: it imports the domain and the standard library only, and works
// on an immutable in-memory Snapshot (struct of arrays, communes indexed
// 0..n-1) loaded from any domain.Store. See docs/analysis.md for every
// formula with a worked example.
package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"maillage/internal/domain"
)

// Group is a territory standing for a set of communes: EPCI, département,
// région or custom perimeter.
type Group struct {
	Code    string
	Name    string
	Type    domain.TerritoryType
	Members []int32 // commune indexes, sorted
}

// Tie is an extra weighted link between two actors (index into the actor
// arrays) that does not come from actions: shared governance bodies and
// fieldwork will be added here when those records exist.
type Tie struct {
	A, B   int32
	Kind   string // "body", "fieldwork"...
	Weight float64
}

// series holds one indicator's commune values: one dense slice per year
// (NaN where a commune has no value).
type series struct {
	years []int       // ascending
	vals  [][]float64 // vals[y][commune]
}

// Snapshot is an immutable in-memory copy of what the analysis needs. Every
// slice is indexed by a dense integer (commune, action, actor, funding); codes
// and database ids are resolved once, at load.
type Snapshot struct {
	DataVersion int64
	LoadedAt    time.Time
	Ref         *domain.Referentials

	// Referential codes of the bitsets (bit i = Themes[i]).
	Themes    []string
	Publics   []string
	themeBit  map[string]uint64
	publicBit map[string]uint64
	// allPublics is the mask of every public; an action with no public, or
	// with "tous_publics", counts as allPublics.
	allPublics uint64

	// Communes, 0..N-1.
	N    int
	Code []string
	Name []string
	Pop  []float64 // latest population; 0 when unknown
	Lat  []float64 // NaN when unknown
	Lon  []float64
	Dept []int32 // index into Groups, -1
	EPCI []int32 // index into Groups, -1
	// codeIdx maps commune codes, aliases and municipal arrondissements to the
	// commune index.
	codeIdx map[string]int32

	Groups   []Group
	groupIdx map[string]int32

	// Actors.
	ActorID   []int64 // ascending
	ActorName []string
	ActorType []string

	// Actions (ascending id).
	ActID       []int64
	ActTitle    []string
	ActOperator []int32 // actor index, -1 when unknown
	ActThemes   []uint64
	ActPublics  []uint64 // allPublics when none listed
	ActCapacity []float64
	ActStart    []int32 // days since 1970-01-01; math.MinInt32 when open
	ActEnd      []int32 // math.MaxInt32 when open
	ActZonePop  []float64
	actPlaced   []bool // supply located in place communes (else spread over the zone)
	// hot packs the fields the overlap search reads for each candidate, so
	// that one cache line serves them all.
	hot []actHot
	// zones groups the actions by zone for the overlap count (zones.go).
	zones *zoneIndex
	// Supply spread of each action: communes and shares (summing to 1);
	// only during Build.
	supOff     []int32
	supCommune []int32
	supShare   []float64
	// Zone of each action (communes served), sorted.
	zoneOff     []int32
	zoneCommune []int32
	// actZoneGroup: the zone is exactly this group (-1: zoneCommune lists it).
	actZoneGroup []int32

	// Groups: population, core, and commune → groups memberships.
	groupPop     []float64
	groupCoreOff []int32
	groupCore    []int32
	cGroupOff    []int32
	cGroup       []int32
	// Group → actions whose supply spreads over the group (gSup) and whose
	// zone is the group (gZone), with their themes inline.
	gSupOff     []int32
	gSupAct     []int32
	gSupThemes  []uint64
	gZoneOff    []int32
	gZoneAct    []int32
	gZoneThemes []uint64

	// By commune: supply entries (action, share) and zone entries (action).
	cSupOff   []int32
	cSupAct   []int32
	cSupShare []float64
	cZoneOff  []int32
	cZoneAct  []int32
	// Themes of the action of each entry, inline so that the theme test
	// reads memory sequentially.
	cSupThemes  []uint64
	cZoneThemes []uint64
	fundOff     []int32 // by action
	fundFunder  []int32
	fundYear    []int32
	fundAmount  []float64
	// FundingYears are the distinct years of fundings, ascending.
	FundingYears []int

	indicators  map[string]*series
	groupValues map[string]map[string]map[int]float64 // indicator → group code → year → value

	// Ties are extra actor links (governance bodies, fieldwork): extension point.
	Ties []Tie

	grid *grid

	mu       sync.Mutex
	nbrCache map[float64]*neighbours
	nbrOrder []float64
	needMu   sync.Mutex
	needMemo map[needKey]*needVec
	cmpMu    sync.Mutex
	cmpMemo  map[cmpKey]*profiles
}

// buildGroups computes each group's population and core and the commune →
// groups lists.
func (s *Snapshot) buildGroups() {
	ng := len(s.Groups)
	s.groupPop = make([]float64, ng)
	s.groupCoreOff = make([]int32, ng+1)
	count := make([]int32, s.N+1)
	for g := range s.Groups {
		for _, c := range s.Groups[g].Members {
			s.groupPop[g] += s.Pop[c]
			count[c]++
		}
		s.groupCore = append(s.groupCore, s.coreOf(s.Groups[g].Members, s.groupPop[g])...)
		s.groupCoreOff[g+1] = int32(len(s.groupCore))
	}
	s.cGroupOff = prefix(count)
	s.cGroup = make([]int32, s.cGroupOff[s.N])
	fill := append([]int32(nil), s.cGroupOff...)
	for g := range s.Groups {
		for _, c := range s.Groups[g].Members {
			s.cGroup[fill[c]] = int32(g)
			fill[c]++
		}
	}
}

// coreOf returns the most populated communes of a zone holding more than
// half of its population (all of them when the population is unknown).
func (s *Snapshot) coreOf(zone []int32, zp float64) []int32 {
	tmp := append([]int32(nil), zone...)
	if zp <= 0 {
		return tmp
	}
	sort.Slice(tmp, func(i, j int) bool {
		if s.Pop[tmp[i]] != s.Pop[tmp[j]] {
			return s.Pop[tmp[i]] > s.Pop[tmp[j]]
		}
		return tmp[i] < tmp[j]
	})
	cum := 0.0
	k := 0
	for k < len(tmp) {
		cum += s.Pop[tmp[k]]
		k++
		if cum > zp/2 {
			break
		}
	}
	return tmp[:k]
}

// groupsOf returns the groups a commune belongs to.
func (s *Snapshot) groupsOf(c int32) []int32 { return s.cGroup[s.cGroupOff[c]:s.cGroupOff[c+1]] }

// groupShare is the share of commune c in a supply spread over group g
// (∝ population; equal shares when the group's population is unknown).
func (s *Snapshot) groupShare(c, g int32) float64 {
	if s.groupPop[g] > 0 {
		return s.Pop[c] / s.groupPop[g]
	}
	return 1 / float64(len(s.Groups[g].Members))
}

// zoneOf returns the communes of an action's zone (sorted).
func (s *Snapshot) zoneOf(a int32) []int32 {
	if g := s.actZoneGroup[a]; g >= 0 {
		return s.Groups[g].Members
	}
	return s.zoneCommune[s.zoneOff[a]:s.zoneOff[a+1]]
}

type actHot struct {
	zonePop    float64
	publics    uint64
	start, end int32
	operator   int32
	zoneLen    int32
}

// CommuneIndex returns the index of a commune code (or alias), -1 if unknown.
func (s *Snapshot) CommuneIndex(code string) int32 {
	if i, ok := s.codeIdx[code]; ok {
		return i
	}
	return -1
}

// Group returns a group territory by code.
func (s *Snapshot) Group(code string) (*Group, bool) {
	i, ok := s.groupIdx[code]
	if !ok {
		return nil, false
	}
	return &s.Groups[i], true
}

// HasIndicator reports whether the snapshot has values for an indicator.
func (s *Snapshot) HasIndicator(code string) bool {
	_, ok := s.indicators[code]
	if ok {
		return true
	}
	_, ok = s.groupValues[code]
	return ok
}

// Counts summarises the snapshot's size.
func (s *Snapshot) Counts() map[string]int {
	nv := 0
	for _, se := range s.indicators {
		for _, v := range se.vals {
			for _, x := range v {
				if !math.IsNaN(x) {
					nv++
				}
			}
		}
	}
	return map[string]int{"communes": s.N, "groups": len(s.Groups), "actors": len(s.ActorID),
		"actions": len(s.ActID), "fundings": len(s.fundFunder), "indicator_values": nv}
}

// Load reads a snapshot through the Store's streaming methods.
func Load(ctx context.Context, st domain.Store) (*Snapshot, error) {
	ver, err := st.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	ref, err := st.Referentials(ctx)
	if err != nil {
		return nil, err
	}
	defer lowerGC()()
	b := NewBuilder(ref)
	b.DataVersion = ver
	for _, typ := range []domain.TerritoryType{domain.TypeCommune, domain.TypeArrondissement} {
		p, err := st.Territories(ctx, domain.TerritoryFilter{Type: typ})
		if err != nil {
			return nil, err
		}
		for i := range p.Items {
			b.AddTerritory(&p.Items[i])
		}
	}
	for _, typ := range []domain.TerritoryType{domain.TypeEPCI, domain.TypeDepartement, domain.TypeRegion, domain.TypePerimeter} {
		p, err := st.Territories(ctx, domain.TerritoryFilter{Type: typ, WithMembers: true})
		if err != nil {
			return nil, err
		}
		for i := range p.Items {
			b.AddTerritory(&p.Items[i])
		}
	}
	als, err := st.Aliases(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range als {
		b.AddAlias(a.Code, a.Target)
	}
	for a, err := range st.AllActors(ctx) {
		if err != nil {
			return nil, err
		}
		b.AddActor(&a)
	}
	// Actions, fundings and indicator values stream concurrently: each
	// goroutine writes its own part of the builder (territories are frozen).
	b.freeze()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 3)
	go func() {
		for a, err := range st.AllActions(ctx) {
			if err != nil {
				errs <- err
				return
			}
			b.AddAction(&a)
		}
		errs <- nil
	}()
	go func() {
		for f, err := range st.AllFundings(ctx) {
			if err != nil {
				errs <- err
				return
			}
			b.AddFunding(&f)
		}
		errs <- nil
	}()
	go func() {
		for v, err := range st.AllIndicatorValues(ctx) {
			if err != nil {
				errs <- err
				return
			}
			b.addValueRun(v.Territory, v.Indicator, v.Year, v.Value)
		}
		errs <- nil
	}()
	var firstErr error
	for range 3 {
		if err := <-errs; err != nil && firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	s, err := b.Build()
	if err != nil {
		return nil, err
	}
	// The load leaves as much garbage as the snapshot itself: give it back
	// to the system now rather than keep the resident size at its peak.
	debug.FreeOSMemory()
	return s, nil
}

// lowGC counts the loads under way. The streams leave as much garbage as
// the snapshot itself: a tighter GC target while loads run keeps the peak
// resident size down (national set: 1.46 -> 1.25 GB) for no measurable
// CPU. Loads may overlap (the engine's and a diagnostic's), so the
// process's own setting is restored after the last one; a setting already
// at or below the target (or GOGC=off) is left alone.
var lowGC struct {
	sync.Mutex
	loads int
	saved int
}

const loadGCPercent = 50

func lowerGC() (restore func()) {
	lowGC.Lock()
	defer lowGC.Unlock()
	if lowGC.loads == 0 {
		lowGC.saved = debug.SetGCPercent(loadGCPercent)
		if lowGC.saved <= loadGCPercent {
			debug.SetGCPercent(lowGC.saved)
		}
	}
	lowGC.loads++
	return func() {
		lowGC.Lock()
		defer lowGC.Unlock()
		lowGC.loads--
		if lowGC.loads == 0 {
			debug.SetGCPercent(lowGC.saved)
		}
	}
}

// Builder assembles a Snapshot. Add territories first (communes, then groups
// and aliases); then actors, actions, fundings and indicator values in any
// order.
type Builder struct {
	DataVersion int64
	ref         *domain.Referentials
	s           *Snapshot
	frozen      bool
	popYear     []int
	groups      []rawGroup
	aliases     [][2]string
	arrond      [][2]string // arrondissement code → parent commune

	actRaw []rawAction
	fndRaw []rawFunding
	actors []domain.Actor
	// valSeq: the territories of the previous (indicator, year) run of
	// values with their commune index, and the position in the current run
	// (Load streams values by indicator, year, territory: every run lists the
	// same codes in the same order, so a string comparison replaces most
	// map lookups). valInd/valYear/valCol: the current run's column.
	valSeq  []valCode
	valPos  int
	valInd  string
	valYear int
	valCol  []float64
	// pending values for group territories, resolved at Build.
}

type rawGroup struct {
	code, name string
	typ        domain.TerritoryType
	members    []string
}

type rawAction struct {
	id         int64
	title      string
	operator   int64
	themes     uint64
	publics    uint64
	capacity   float64
	start, end int32
	places     []int32
	zone       []int32
	zoneGroup  int32 // the zone is exactly this group territory (-1: a list of communes)
}

type rawFunding struct {
	action, funder int64
	year           int32
	amount         float64
}

// NewBuilder starts a snapshot with the given referentials (DefaultReferentials when nil).
func NewBuilder(ref *domain.Referentials) *Builder {
	if ref == nil {
		ref = domain.DefaultReferentials()
	}
	s := &Snapshot{Ref: ref, codeIdx: map[string]int32{}, groupIdx: map[string]int32{},
		themeBit: map[string]uint64{}, publicBit: map[string]uint64{},
		indicators: map[string]*series{}, groupValues: map[string]map[string]map[int]float64{}}
	for i, c := range ref.Codes(domain.RefTheme) {
		if i < 64 {
			s.Themes = append(s.Themes, c)
			s.themeBit[c] = 1 << uint(i)
		}
	}
	for i, c := range ref.Codes(domain.RefPublic) {
		if i < 64 {
			s.Publics = append(s.Publics, c)
			s.publicBit[c] = 1 << uint(i)
			s.allPublics |= 1 << uint(i)
		}
	}
	return &Builder{ref: ref, s: s}
}

// AddTerritory adds a commune, municipal arrondissement or group territory.
func (b *Builder) AddTerritory(t *domain.Territory) {
	s := b.s
	switch t.Type {
	case domain.TypeCommune:
		if b.frozen {
			return
		}
		if _, dup := s.codeIdx[t.Code]; dup {
			return
		}
		s.codeIdx[t.Code] = int32(s.N)
		s.N++
		s.Code = append(s.Code, t.Code)
		s.Name = append(s.Name, t.Name)
		pop := 0.0
		if t.Population != nil && *t.Population > 0 {
			pop = *t.Population
		}
		s.Pop = append(s.Pop, pop)
		b.popYear = append(b.popYear, t.PopYear)
		lat, lon := math.NaN(), math.NaN()
		if t.Lat != nil && t.Lon != nil {
			lat, lon = *t.Lat, *t.Lon
		}
		s.Lat = append(s.Lat, lat)
		s.Lon = append(s.Lon, lon)
		if t.Parent != "" {
			b.groups = append(b.groups, rawGroup{code: t.Parent, members: []string{t.Code}})
		}
		if t.Departement != "" {
			b.groups = append(b.groups, rawGroup{code: t.Departement, members: []string{t.Code}})
		}
	case domain.TypeArrondissement:
		if t.Parent != "" {
			b.arrond = append(b.arrond, [2]string{t.Code, t.Parent})
		}
	default:
		b.groups = append(b.groups, rawGroup{code: t.Code, name: t.Name, typ: t.Type, members: t.Members})
	}
}

// AddAlias maps an old commune code onto a current one.
func (b *Builder) AddAlias(code, target string) {
	b.aliases = append(b.aliases, [2]string{code, target})
}

// freeze resolves aliases and groups once every territory is in.
func (b *Builder) freeze() {
	if b.frozen {
		return
	}
	b.frozen = true
	s := b.s
	for _, a := range append(b.aliases, b.arrond...) {
		if _, ok := s.codeIdx[a[0]]; ok {
			continue
		}
		if i, ok := s.codeIdx[a[1]]; ok {
			s.codeIdx[a[0]] = i
		}
	}
	// Named groups first, then memberships implied by communes (Parent/Departement)
	// only for groups that exist.
	members := map[string]map[int32]bool{}
	var order []string
	for _, g := range b.groups {
		if g.typ == "" {
			continue
		}
		if _, ok := s.groupIdx[g.code]; !ok {
			s.groupIdx[g.code] = int32(len(s.Groups))
			s.Groups = append(s.Groups, Group{Code: g.code, Name: g.name, Type: g.typ})
			members[g.code] = map[int32]bool{}
			order = append(order, g.code)
		}
		for _, m := range g.members {
			if i, ok := s.codeIdx[m]; ok {
				members[g.code][i] = true
			}
		}
	}
	declared := map[string]bool{}
	for _, g := range b.groups {
		if g.typ != "" && len(g.members) > 0 {
			declared[g.code] = true
		}
	}
	for _, g := range b.groups {
		if g.typ != "" {
			continue
		}
		if ms, ok := members[g.code]; ok && !declared[g.code] {
			for _, m := range g.members {
				if i, ok := s.codeIdx[m]; ok {
					ms[i] = true
				}
			}
		}
	}
	for _, code := range order {
		gi := s.groupIdx[code]
		ms := make([]int32, 0, len(members[code]))
		for i := range members[code] {
			ms = append(ms, i)
		}
		sort.Slice(ms, func(a, b int) bool { return ms[a] < ms[b] })
		s.Groups[gi].Members = ms
	}
	s.Dept = make([]int32, s.N)
	s.EPCI = make([]int32, s.N)
	for i := range s.Dept {
		s.Dept[i], s.EPCI[i] = -1, -1
	}
	for gi, g := range s.Groups {
		for _, m := range g.Members {
			switch g.Type {
			case domain.TypeDepartement:
				s.Dept[m] = int32(gi)
			case domain.TypeEPCI:
				s.EPCI[m] = int32(gi)
			}
		}
	}
}

// communesOf resolves a territory code to commune indexes.
func (b *Builder) communesOf(code string) []int32 {
	s := b.s
	if i, ok := s.codeIdx[code]; ok {
		return []int32{i}
	}
	if gi, ok := s.groupIdx[code]; ok {
		return s.Groups[gi].Members
	}
	return nil
}

// AddActor adds an actor.
func (b *Builder) AddActor(a *domain.Actor) {
	b.freeze()
	b.actors = append(b.actors, domain.Actor{ID: a.ID, Name: a.Name, Type: a.Type})
}

func dayOf(d *domain.Date, open int32) int32 {
	if d == nil || d.IsZero() {
		return open
	}
	return int32(d.Unix() / 86400)
}

// AddAction adds an action; its zone and places are resolved to communes now.
func (b *Builder) AddAction(a *domain.Action) {
	b.freeze()
	s := b.s
	r := rawAction{id: a.ID, title: a.Title, operator: a.OperatorID, capacity: a.Capacity,
		start: dayOf(a.StartDate, math.MinInt32), end: dayOf(a.EndDate, math.MaxInt32)}
	for _, t := range a.Themes {
		r.themes |= s.themeBit[t]
	}
	for _, p := range a.Publics {
		if p == "tous_publics" {
			r.publics = s.allPublics
		}
		r.publics |= s.publicBit[p]
	}
	if r.publics == 0 {
		r.publics = s.allPublics
	}
	for _, p := range a.Places {
		if i, ok := s.codeIdx[p]; ok {
			r.places = append(r.places, i) // a commune: no list to allocate
		} else {
			r.places = append(r.places, b.communesOf(p)...)
		}
	}
	// A zone that is one group territory (an EPCI, a département...) is kept
	// as the group: its communes are not copied for every action.
	r.zoneGroup = -1
	for _, z := range a.Zone {
		if _, isCommune := s.codeIdx[z]; isCommune {
			r.zoneGroup = -1
			break
		}
		gi, ok := s.groupIdx[z]
		if !ok {
			continue
		}
		if r.zoneGroup == -1 || r.zoneGroup == gi {
			r.zoneGroup = gi
		} else {
			r.zoneGroup = -1
			break
		}
	}
	if r.zoneGroup < 0 {
		for _, z := range a.Zone {
			if i, ok := s.codeIdx[z]; ok {
				r.zone = append(r.zone, i)
			} else {
				r.zone = append(r.zone, b.communesOf(z)...)
			}
		}
		r.zone = sortUnique(r.zone)
	}
	r.places = sortUnique(r.places)
	b.actRaw = append(b.actRaw, r)
}

// AddFunding adds a funding row.
func (b *Builder) AddFunding(f *domain.Funding) {
	b.freeze()
	b.fndRaw = append(b.fndRaw, rawFunding{action: f.ActionID, funder: f.FunderID, year: int32(f.Year), amount: f.Amount})
}

type valCode struct {
	code string
	idx  int32
}

// addValueRun is AddIndicatorValue for values streamed in (indicator,
// year, territory) order; any order stays correct, only slower.
func (b *Builder) addValueRun(territory, indicator string, year int, value float64) {
	if indicator != b.valInd || year != b.valYear || b.valCol == nil {
		b.valInd, b.valYear, b.valPos, b.valCol = indicator, year, 0, nil
	}
	var i int32 = -1
	if b.valPos < len(b.valSeq) && b.valSeq[b.valPos].code == territory {
		i = b.valSeq[b.valPos].idx
	} else {
		var ok bool
		if i, ok = b.s.codeIdx[territory]; !ok {
			i = -1
		}
		vc := valCode{strings.Clone(territory), i}
		if b.valPos < len(b.valSeq) && b.valSeq[b.valPos].code == territory {
			b.valSeq[b.valPos] = vc
		} else {
			b.valSeq = append(b.valSeq, vc)
		}
	}
	b.valPos++
	if i < 0 || math.IsNaN(value) || math.IsInf(value, 0) {
		if i < 0 {
			b.AddIndicatorValue(territory, indicator, year, value) // group territories
		}
		return
	}
	if b.valCol == nil {
		b.AddIndicatorValue(territory, indicator, year, value)
		se := b.s.indicators[indicator]
		b.valCol = se.vals[sort.SearchInts(se.years, year)]
		return
	}
	b.valCol[i] = value
}

// AddIndicatorValue adds one value; values of unknown territories are ignored.
func (b *Builder) AddIndicatorValue(territory, indicator string, year int, value float64) {
	b.freeze()
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return
	}
	s := b.s
	if i, ok := s.codeIdx[territory]; ok {
		se := s.indicators[indicator]
		if se == nil {
			se = &series{}
			s.indicators[indicator] = se
		}
		yi := sort.SearchInts(se.years, year)
		if yi == len(se.years) || se.years[yi] != year {
			se.years = append(se.years, 0)
			copy(se.years[yi+1:], se.years[yi:])
			se.years[yi] = year
			col := make([]float64, s.N)
			for k := range col {
				col[k] = math.NaN()
			}
			se.vals = append(se.vals, nil)
			copy(se.vals[yi+1:], se.vals[yi:])
			se.vals[yi] = col
		}
		se.vals[yi][i] = value
		return
	}
	if _, ok := s.groupIdx[territory]; ok {
		m := s.groupValues[indicator]
		if m == nil {
			m = map[string]map[int]float64{}
			s.groupValues[indicator] = m
		}
		if m[territory] == nil {
			m[territory] = map[int]float64{}
		}
		m[territory][year] = value
	}
}

func sortUnique(x []int32) []int32 {
	if len(x) < 2 {
		return x
	}
	sort.Slice(x, func(i, j int) bool { return x[i] < x[j] })
	out := x[:1]
	for _, v := range x[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// Build finishes the snapshot: sorts, builds the commune indexes and the
// spatial index, and precomputes the default neighbour lists.
func (b *Builder) Build() (*Snapshot, error) {
	b.freeze()
	s := b.s
	s.DataVersion = b.DataVersion
	s.LoadedAt = time.Now()

	// Population fallback: the population indicator when the territory has none.
	if se := s.indicators[domain.IndicatorPopulation]; se != nil {
		for i := 0; i < s.N; i++ {
			if s.Pop[i] > 0 {
				continue
			}
			for y := len(se.years) - 1; y >= 0; y-- {
				if v := se.vals[y][i]; !math.IsNaN(v) && v > 0 {
					s.Pop[i] = v
					break
				}
			}
		}
	}
	// And the other way round: the population need falls back on the COG population.
	for i := 0; i < s.N; i++ {
		if s.Pop[i] > 0 {
			b.AddIndicatorValueIfMissing(i, domain.IndicatorPopulation, b.popYear[i], s.Pop[i])
		}
	}

	// Actors, by id.
	sort.Slice(b.actors, func(i, j int) bool { return b.actors[i].ID < b.actors[j].ID })
	s.ActorID = make([]int64, len(b.actors))
	s.ActorName = make([]string, len(b.actors))
	s.ActorType = make([]string, len(b.actors))
	for i, a := range b.actors {
		s.ActorID[i], s.ActorName[i], s.ActorType[i] = a.ID, a.Name, a.Type
	}
	b.actors = nil

	// Actions, by id.
	sort.Slice(b.actRaw, func(i, j int) bool { return b.actRaw[i].id < b.actRaw[j].id })
	na := len(b.actRaw)
	s.ActID = make([]int64, na)
	s.ActTitle = make([]string, na)
	s.ActOperator = make([]int32, na)
	s.ActThemes = make([]uint64, na)
	s.ActPublics = make([]uint64, na)
	s.ActCapacity = make([]float64, na)
	s.ActStart = make([]int32, na)
	s.ActEnd = make([]int32, na)
	s.ActZonePop = make([]float64, na)
	s.actPlaced = make([]bool, na)
	s.actZoneGroup = make([]int32, na)
	s.supOff = make([]int32, na+1)
	s.zoneOff = make([]int32, na+1)
	s.buildGroups()
	ng := len(s.Groups)
	cSupCount := make([]int32, s.N+1)
	cZoneCount := make([]int32, s.N+1)
	gSupCount := make([]int32, ng+1)
	gZoneCount := make([]int32, ng+1)
	for ai := range b.actRaw {
		r := &b.actRaw[ai]
		s.ActID[ai], s.ActTitle[ai] = r.id, r.title
		s.ActOperator[ai] = s.actorIndex(r.operator)
		s.ActThemes[ai], s.ActPublics[ai], s.ActCapacity[ai] = r.themes, r.publics, r.capacity
		s.ActStart[ai], s.ActEnd[ai] = r.start, r.end
		s.actZoneGroup[ai] = r.zoneGroup
		// Supply spread: equal shares over places, or over the zone ∝ population
		// (equal shares when no commune of the zone has a known population);
		// a zone that is one group spreads at query time (groupShare).
		switch {
		case len(r.places) > 0:
			s.actPlaced[ai] = true
			for _, c := range r.places {
				s.supCommune = append(s.supCommune, c)
				s.supShare = append(s.supShare, 1/float64(len(r.places)))
				cSupCount[c]++
			}
		case r.zoneGroup >= 0:
			gSupCount[r.zoneGroup]++
		case len(r.zone) > 0:
			tot := 0.0
			for _, c := range r.zone {
				tot += s.Pop[c]
			}
			for _, c := range r.zone {
				sh := 1 / float64(len(r.zone))
				if tot > 0 {
					sh = s.Pop[c] / tot
				}
				s.supCommune = append(s.supCommune, c)
				s.supShare = append(s.supShare, sh)
				cSupCount[c]++
			}
		}
		s.supOff[ai+1] = int32(len(s.supCommune))
		if r.zoneGroup >= 0 {
			gZoneCount[r.zoneGroup]++
			s.ActZonePop[ai] = s.groupPop[r.zoneGroup]
		} else {
			zone := r.zone
			if len(zone) == 0 {
				zone = r.places
			}
			zp := 0.0
			for _, c := range zone {
				s.zoneCommune = append(s.zoneCommune, c)
				cZoneCount[c]++
				zp += s.Pop[c]
			}
			s.ActZonePop[ai] = zp
		}
		s.zoneOff[ai+1] = int32(len(s.zoneCommune))
		r.places, r.zone = nil, nil
	}
	b.actRaw = nil
	s.hot = make([]actHot, na)
	for ai := 0; ai < na; ai++ {
		zl := s.zoneOff[ai+1] - s.zoneOff[ai]
		if g := s.actZoneGroup[ai]; g >= 0 {
			zl = int32(len(s.Groups[g].Members))
		}
		s.hot[ai] = actHot{zonePop: s.ActZonePop[ai], publics: s.ActPublics[ai], start: s.ActStart[ai], end: s.ActEnd[ai],
			operator: s.ActOperator[ai], zoneLen: zl}
	}
	s.buildZones()
	// Commune → actions and group → actions, CSR.
	s.cSupOff = prefix(cSupCount)
	s.cZoneOff = prefix(cZoneCount)
	s.gSupOff = prefix(gSupCount)
	s.gZoneOff = prefix(gZoneCount)
	s.cSupAct = make([]int32, len(s.supCommune))
	s.cSupShare = make([]float64, len(s.supCommune))
	s.cZoneAct = make([]int32, len(s.zoneCommune))
	s.cSupThemes = make([]uint64, len(s.supCommune))
	s.cZoneThemes = make([]uint64, len(s.zoneCommune))
	s.gSupAct = make([]int32, s.gSupOff[ng])
	s.gSupThemes = make([]uint64, s.gSupOff[ng])
	s.gZoneAct = make([]int32, s.gZoneOff[ng])
	s.gZoneThemes = make([]uint64, s.gZoneOff[ng])
	fill := append([]int32(nil), s.cSupOff...)
	for ai := 0; ai < na; ai++ {
		for e := s.supOff[ai]; e < s.supOff[ai+1]; e++ {
			c := s.supCommune[e]
			s.cSupAct[fill[c]] = int32(ai)
			s.cSupShare[fill[c]] = s.supShare[e]
			s.cSupThemes[fill[c]] = s.ActThemes[ai]
			fill[c]++
		}
	}
	// The action-major supply lists were only needed to fill the commune-major ones.
	s.supOff, s.supCommune, s.supShare = nil, nil, nil
	copy(fill, s.cZoneOff)
	for ai := 0; ai < na; ai++ {
		for e := s.zoneOff[ai]; e < s.zoneOff[ai+1]; e++ {
			c := s.zoneCommune[e]
			s.cZoneAct[fill[c]] = int32(ai)
			s.cZoneThemes[fill[c]] = s.ActThemes[ai]
			fill[c]++
		}
	}
	gfs := append([]int32(nil), s.gSupOff...)
	gfz := append([]int32(nil), s.gZoneOff...)
	for ai := 0; ai < na; ai++ {
		g := s.actZoneGroup[ai]
		if g < 0 {
			continue
		}
		if !s.actPlaced[ai] {
			s.gSupAct[gfs[g]] = int32(ai)
			s.gSupThemes[gfs[g]] = s.ActThemes[ai]
			gfs[g]++
		}
		s.gZoneAct[gfz[g]] = int32(ai)
		s.gZoneThemes[gfz[g]] = s.ActThemes[ai]
		gfz[g]++
	}
	// Fundings by action.
	fcount := make([]int32, na+1)
	type fr struct {
		a, f int32
		y    int32
		amt  float64
	}
	frs := make([]fr, 0, len(b.fndRaw))
	years := map[int]bool{}
	for _, f := range b.fndRaw {
		ai := s.actionIndex(f.action)
		fi := s.actorIndex(f.funder)
		if ai < 0 || fi < 0 {
			continue
		}
		frs = append(frs, fr{ai, fi, f.year, f.amount})
		fcount[ai]++
		years[int(f.year)] = true
	}
	b.fndRaw = nil
	s.fundOff = prefix(fcount)
	s.fundFunder = make([]int32, len(frs))
	s.fundYear = make([]int32, len(frs))
	s.fundAmount = make([]float64, len(frs))
	ff := append([]int32(nil), s.fundOff...)
	for _, f := range frs {
		k := ff[f.a]
		s.fundFunder[k], s.fundYear[k], s.fundAmount[k] = f.f, f.y, f.amt
		ff[f.a]++
	}
	for y := range years {
		s.FundingYears = append(s.FundingYears, y)
	}
	sort.Ints(s.FundingYears)

	s.grid = newGrid(s.Lat, s.Lon)
	s.nbrCache = map[float64]*neighbours{}
	s.needMemo = map[needKey]*needVec{}
	s.cmpMemo = map[cmpKey]*profiles{}
	s.neighbours(DefaultRadiusKm)
	return s, nil
}

// AddIndicatorValueIfMissing sets a commune value when the indicator has none
// for that commune in any year.
func (b *Builder) AddIndicatorValueIfMissing(i int, indicator string, year int, value float64) {
	s := b.s
	if se := s.indicators[indicator]; se != nil {
		for y := range se.years {
			if !math.IsNaN(se.vals[y][i]) {
				return
			}
		}
	}
	b.AddIndicatorValue(s.Code[i], indicator, year, value)
}

func prefix(count []int32) []int32 {
	off := make([]int32, len(count))
	var sum int32
	for i := 0; i < len(count)-1; i++ {
		off[i] = sum
		sum += count[i]
	}
	off[len(count)-1] = sum
	return off
}

func (s *Snapshot) actorIndex(id int64) int32 {
	i := sort.Search(len(s.ActorID), func(k int) bool { return s.ActorID[k] >= id })
	if i < len(s.ActorID) && s.ActorID[i] == id {
		return int32(i)
	}
	return -1
}

func (s *Snapshot) actionIndex(id int64) int32 {
	i := sort.Search(len(s.ActID), func(k int) bool { return s.ActID[k] >= id })
	if i < len(s.ActID) && s.ActID[i] == id {
		return int32(i)
	}
	return -1
}

// ActionIndex returns the index of an action id, -1 if unknown.
func (s *Snapshot) ActionIndex(id int64) int { return int(s.actionIndex(id)) }

func (s *Snapshot) String() string {
	return fmt.Sprintf("snapshot v%d: %d communes, %d actions, %d actors", s.DataVersion, s.N, len(s.ActID), len(s.ActorID))
}
