package analysis

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"
)

type pairRec struct {
	a, b      int32
	sharedPop float64
	sharedN   int
	jac       float64
}

// bulkMin is the number of candidate action pairs of a zone pair above which
// they are counted in bulk rather than tested one by one (a variable for the
// tests).
var bulkMin = 4096

// ovRec is what the count reads of a scope action, in zone order.
type ovRec struct {
	themes, publics uint64 // themes: the scope's only
	start, end      int32
	op              int32
	// y0, y1: first and last year (index into the counted years' range,
	// clipped to [0, nY] and [-1, nY-1]) in which the action runs.
	y0, y1 int32
}

// ovCounter counts the overlapping pairs of one request, per year.
type ovCounter struct {
	recs  []ovRec
	minY  int
	nY    int
	mainI int   // index of the analysis year, -1 when not counted
	diff  []int // per-year difference array: counts = prefix sums
	main  int   // pairs running in the analysis year
	// off: each zone's range of recs; bulkOf: zones prepared for the bulk count.
	off    []int32
	bulkOf map[int32]*zoneBulk
}

func (c *ovCounter) list(z int32) ovList { return ovList{c.off[z], c.off[z+1]} }

// add counts sign pairs running in the years lo..hi (indexes).
func (c *ovCounter) add(lo, hi int32, sign int) {
	lo, hi = max(lo, 0), min(hi, int32(c.nY-1))
	if lo > hi {
		return
	}
	c.diff[lo] += sign
	c.diff[hi+1] -= sign
	if int32(c.mainI) >= lo && int32(c.mainI) <= hi {
		c.main += sign
	}
}

// overlapPairs counts, once per request, the pairs of scope actions of
// different operators sharing a scope theme, with publics' Jaccard ≥ 0.5,
// zones sharing at least half of the smaller zone's population, and
// intersecting periods, for each year (both actions running in it); none of
// this but the years depends on the year. It also returns the analysis
// year's keep best pairs (largest shared population, then smallest action
// ids).
//
// Actions are grouped by zone; the zone test is decided per zone pair
// (Snapshot.zones). Within a zone pair, few candidates are tested one by
// one; many are counted in bulk: by classes of (themes, publics) whose
// compatibility is decided per class pair, with the intersecting periods
// counted from the sorted starts and ends (pairs − disjoint pairs), and the
// same-operator pairs counted the same way per operator and subtracted.
// The years of a pair are those of its periods' intersection (two
// intersecting periods both meet a year exactly when their intersection
// does). Only the zone pairs that can still enter the best keep are walked
// pair by pair, in the order of the ranking.
func (q *scopeReq) overlapPairs(acts []int32, years []int, mainYear, keep int) (counts map[int]int, top []pairRec) {
	s := q.s
	zi := s.zones
	counts = map[int]int{}
	if len(years) == 0 {
		return counts, nil
	}
	c := &ovCounter{minY: slices.Min(years), mainI: -1}
	c.nY = slices.Max(years) - c.minY + 1
	c.diff = make([]int, c.nY+1)
	if mainYear >= c.minY && mainYear < c.minY+c.nY && slices.Contains(years, mainYear) {
		c.mainI = mainYear - c.minY
	}
	bounds := make([]int32, c.nY+1) // first day of each year, and of the year after
	for i := range bounds {
		bounds[i], _ = yearDays(c.minY + i)
	}
	yearOf := func(day int32) int32 { // index of the year holding day, in [-1, nY]
		i, _ := slices.BinarySearch(bounds, day+1)
		return int32(i) - 1
	}
	// Scope actions by zone.
	nz := len(zi.pop)
	off := make([]int32, nz+1)
	var zs []int32
	for _, a := range acts {
		if z := zi.actZone[a]; z >= 0 {
			if off[z+1] == 0 {
				zs = append(zs, z)
			}
			off[z+1]++
		}
	}
	for z := 0; z < nz; z++ {
		off[z+1] += off[z]
	}
	byZone := make([]int32, off[nz])
	fill := slices.Clone(off[:nz])
	for _, a := range acts {
		if z := zi.actZone[a]; z >= 0 {
			byZone[fill[z]] = a
			fill[z]++
		}
	}
	c.recs = make([]ovRec, len(byZone))
	for _, z := range zs {
		if b := byZone[off[z]:off[z+1]]; !slices.IsSorted(b) {
			slices.Sort(b)
		}
	}
	for i, a := range byZone {
		h := &s.hot[a]
		r := ovRec{themes: s.ActThemes[a] & q.themeMask, publics: h.publics, start: h.start, end: h.end, op: h.operator, y0: 0, y1: int32(c.nY - 1)}
		if h.start != math.MinInt32 {
			r.y0 = max(yearOf(h.start), 0)
		}
		if h.end != math.MaxInt32 {
			r.y1 = min(yearOf(h.end), int32(c.nY-1))
		}
		c.recs[i] = r
	}
	c.off, c.bulkOf = off, map[int32]*zoneBulk{}
	bucket := c.list
	type zpair struct {
		a, b int32
		pop  float64
		n    int32
	}
	var cands []zpair
	proper := zi.proper
	for _, z := range zs {
		if c.count(z, z, true, proper) > 0 {
			cands = append(cands, zpair{z, z, zi.pop[z], zi.size[z]})
		}
		for _, e := range zi.adj[zi.adjOff[z]:zi.adjOff[z+1]] {
			if bucket(e.z).len() > 0 && c.count(z, e.z, false, proper) > 0 {
				cands = append(cands, zpair{z, e.z, e.pop, e.n})
			}
		}
	}
	run := 0
	for i := 0; i < c.nY; i++ {
		run += c.diff[i]
		c.diff[i] = run
	}
	for _, y := range years {
		counts[y] = c.diff[y-c.minY]
	}
	if keep <= 0 || c.mainI < 0 {
		return counts, nil
	}
	slices.SortFunc(cands, func(x, y zpair) int { return cmp.Compare(y.pop, x.pop) })
	h := &pairHeap{s: s}
	for _, zp := range cands {
		if len(h.items) >= keep && zp.pop < h.items[0].sharedPop {
			break
		}
		c.best(h, keep, byZone, bucket(zp.a), bucket(zp.b), zp.a == zp.b, zp.pop, int(zp.n))
	}
	top = h.items
	slices.SortFunc(top, func(x, y pairRec) int {
		if h.better(x, y) {
			return -1
		}
		if h.better(y, x) {
			return 1
		}
		return 0
	})
	return counts, top
}

// ovList is a range of ovCounter.recs (one zone's actions, by index).
type ovList struct{ lo, hi int32 }

func (l ovList) len() int { return int(l.hi - l.lo) }

// pairOK tests a pair of actions whose zones pass (theme, operator, period, publics).
func pairOK(ra, rb *ovRec, ignoreOp bool) bool {
	if ra.themes&rb.themes == 0 {
		return false
	}
	if !ignoreOp && ra.op == rb.op && ra.op >= 0 {
		return false
	}
	if ra.start > rb.end || rb.start > ra.end {
		return false
	}
	return jaccardOK(ra.publics, rb.publics)
}

func jaccardOK(p, r uint64) bool {
	inter := bits.OnesCount64(p & r)
	union := bits.OnesCount64(p | r)
	return union > 0 && 2*inter >= union
}

// count adds the overlapping pairs of zones zx × zy (of zx when self) to the
// per-year counts and returns how many run in the analysis year.
func (c *ovCounter) count(zx, zy int32, self, proper bool) int {
	before := c.main
	x := c.list(zx)
	var y ovList
	np := x.len() * (x.len() - 1) / 2
	if !self {
		y = c.list(zy)
		np = x.len() * y.len()
	}
	xs := c.recs[x.lo:x.hi]
	var ys []ovRec
	if !self {
		ys = c.recs[y.lo:y.hi]
	}
	if np <= bulkMin || !proper {
		c.brute(xs, ys, self, 1, false)
		return c.main - before
	}
	bx := c.prepared(zx)
	by := bx
	if !self {
		by = c.prepared(zy)
	}
	c.bulk(bx.all, by.all, self, 1)
	// Remove the pairs of one (known) operator.
	for op, xo := range bx.opRecs {
		var yo []ovRec
		n := len(xo) * (len(xo) - 1) / 2
		if !self {
			yo = by.opRecs[op]
			n = len(xo) * len(yo)
		}
		switch {
		case n == 0:
		case n <= bulkMin:
			c.brute(xo, yo, self, -1, true)
		default:
			cy := bx.opClasses(op, c.nY)
			if !self {
				cy = by.opClasses(op, c.nY)
			}
			c.bulk(bx.opClasses(op, c.nY), cy, self, -1)
		}
	}
	return c.main - before
}

// brute tests the pairs one by one, adding sign.
func (c *ovCounter) brute(x, y []ovRec, self bool, sign int, ignoreOp bool) {
	for i := range x {
		ra := &x[i]
		ys := y
		if self {
			ys = x[i+1:]
		}
		for j := range ys {
			rb := &ys[j]
			if pairOK(ra, rb, ignoreOp) {
				c.add(max(ra.y0, rb.y0), min(ra.y1, rb.y1), sign)
			}
		}
	}
}

// zoneBulk is a zone's actions prepared for the bulk count, once per
// request: by class, and by known operator.
type zoneBulk struct {
	all    []*ovClass
	opRecs map[int32][]ovRec
	opCls  map[int32][]*ovClass
}

func (c *ovCounter) prepared(z int32) *zoneBulk {
	if b := c.bulkOf[z]; b != nil {
		return b
	}
	l := c.list(z)
	recs := c.recs[l.lo:l.hi]
	b := &zoneBulk{all: classes(recs, c.nY), opRecs: map[int32][]ovRec{}, opCls: map[int32][]*ovClass{}}
	for _, r := range recs {
		if r.op >= 0 {
			b.opRecs[r.op] = append(b.opRecs[r.op], r)
		}
	}
	c.bulkOf[z] = b
	return b
}

func (b *zoneBulk) opClasses(op int32, nY int) []*ovClass {
	cl, ok := b.opCls[op]
	if !ok {
		cl = classes(b.opRecs[op], nY)
		b.opCls[op] = cl
	}
	return cl
}

// ovClass is the actions of one (themes, publics) class, with the sorted
// starts and ends of those running in each year.
type ovClass struct {
	themes, publics uint64
	starts, ends    [][]int32 // per year index
}

func classes(l []ovRec, nY int) []*ovClass {
	idx := map[[2]uint64]*ovClass{}
	var out []*ovClass
	for i := range l {
		r := &l[i]
		k := [2]uint64{r.themes, r.publics}
		cl := idx[k]
		if cl == nil {
			cl = &ovClass{themes: k[0], publics: k[1], starts: make([][]int32, nY), ends: make([][]int32, nY)}
			idx[k] = cl
			out = append(out, cl)
		}
		for yi := max(r.y0, 0); yi <= min(r.y1, int32(nY-1)); yi++ {
			cl.starts[yi] = append(cl.starts[yi], r.start)
			cl.ends[yi] = append(cl.ends[yi], r.end)
		}
	}
	for _, cl := range out {
		for yi := range nY {
			slices.Sort(cl.starts[yi])
			slices.Sort(cl.ends[yi])
		}
	}
	return out
}

// before counts the pairs (e, t), e from ends and t from starts (both
// sorted), with e < t.
func before(ends, starts []int32) int {
	n, i := 0, 0
	for _, t := range starts {
		for i < len(ends) && ends[i] < t {
			i++
		}
		n += i
	}
	return n
}

// bulk adds sign × the pairs of cx × cy (within cx when self) that share a
// scope theme, have close publics and intersecting periods, per year —
// regardless of their operators. Periods are proper (start ≤ end), so a
// disjoint pair is disjoint in exactly one way.
func (c *ovCounter) bulk(cx, cy []*ovClass, self bool, sign int) {
	ok := func(p, r *ovClass) bool { return p.themes&r.themes != 0 && jaccardOK(p.publics, r.publics) }
	for yi := range int32(c.nY) {
		n := 0
		for i, p := range cx {
			ps, pe := p.starts[yi], p.ends[yi]
			m := len(ps)
			if m == 0 {
				continue
			}
			rest := cy
			if self {
				if ok(p, p) {
					n += (m*m - 2*before(pe, ps) - m) / 2
				}
				rest = cx[i+1:]
			}
			for _, r := range rest {
				rs, re := r.starts[yi], r.ends[yi]
				if len(rs) > 0 && ok(p, r) {
					n += m*len(rs) - before(pe, rs) - before(re, ps)
				}
			}
		}
		c.add(yi, yi, sign*n)
	}
}

// best offers to h the analysis year's pairs of x × y (of x when self), all
// sharing pop inhabitants and n communes, in the ranking's order (action
// index order is id order), stopping when no further pair can enter.
func (c *ovCounter) best(h *pairHeap, keep int, act []int32, x, y ovList, self bool, pop float64, n int) {
	mi := int32(c.mainI)
	runs := func(p int32) bool { r := &c.recs[p]; return r.y0 <= mi && mi <= r.y1 }
	try := func(u int32, vs ovList) bool {
		if len(h.items) >= keep && !h.better(pairRec{a: act[u], b: act[u], sharedPop: pop}, h.items[0]) {
			return false
		}
		if !runs(u) {
			return true
		}
		for v := vs.lo; v < vs.hi; v++ {
			if len(h.items) >= keep && !h.better(pairRec{a: act[u], b: act[v], sharedPop: pop}, h.items[0]) {
				break
			}
			ru, rv := &c.recs[u], &c.recs[v]
			if runs(v) && pairOK(ru, rv, false) {
				h.offer(pairRec{act[u], act[v], pop, n, jaccard(ru.publics, rv.publics)}, keep)
			}
		}
		return true
	}
	if self {
		for u := x.lo; u < x.hi; u++ {
			if !try(u, ovList{u + 1, x.hi}) {
				return
			}
		}
		return
	}
	i, j := x.lo, y.lo
	for i < x.hi || j < y.hi {
		if j == y.hi || (i < x.hi && act[i] < act[j]) {
			if !try(i, ovList{j, y.hi}) {
				return
			}
			i++
		} else {
			if !try(j, ovList{i, x.hi}) {
				return
			}
			j++
		}
	}
}

func jaccard(p, r uint64) float64 {
	return float64(bits.OnesCount64(p&r)) / float64(bits.OnesCount64(p|r))
}

// pairHeap keeps the best pairs (largest shared population first, then by
// action ids): a min-heap whose root is the worst kept pair.
type pairHeap struct {
	s     *Snapshot
	items []pairRec
}

func (h *pairHeap) better(x, y pairRec) bool {
	if x.sharedPop != y.sharedPop {
		return x.sharedPop > y.sharedPop
	}
	s := h.s
	if c := cmp.Compare(min(s.ActID[x.a], s.ActID[x.b]), min(s.ActID[y.a], s.ActID[y.b])); c != 0 {
		return c < 0
	}
	return max(s.ActID[x.a], s.ActID[x.b]) < max(s.ActID[y.a], s.ActID[y.b])
}

func (h *pairHeap) Len() int           { return len(h.items) }
func (h *pairHeap) Less(i, j int) bool { return h.better(h.items[j], h.items[i]) }
func (h *pairHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *pairHeap) Push(x any)         { h.items = append(h.items, x.(pairRec)) }
func (h *pairHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// offer keeps p if it is among the best k.
func (h *pairHeap) offer(p pairRec, k int) {
	if len(h.items) < k {
		heap.Push(h, p)
		return
	}
	if h.better(p, h.items[0]) {
		h.items[0] = p
		heap.Fix(h, 0)
	}
}

// overlaps keeps the pairs whose two actions run in the year; it returns the
// first limit of them (largest shared population first) and their number.
func (q *scopeReq) overlaps(year int, limit int) ([]Overlap, int) {
	s := q.s
	b := q.base()
	total := b.overlapCounts[year]
	if limit <= 0 || year != q.p.Year {
		return nil, total
	}
	keep := b.overlapTop
	if len(keep) > limit {
		keep = keep[:limit]
	}
	out := make([]Overlap, 0, len(keep))
	for _, p := range keep {
		a, b := p.a, p.b
		if s.ActID[b] < s.ActID[a] {
			a, b = b, a
		}
		o := Overlap{A: s.actionRef(a), B: s.actionRef(b), Jaccard: p.jac, SharedPopulation: p.sharedPop, SharedCommunes: p.sharedN}
		o.Themes = s.themeCodes(s.ActThemes[a] & s.ActThemes[b] & q.themeMask)
		o.Publics = s.publicCodes(s.ActPublics[a] & s.ActPublics[b])
		o.Reasons = []string{
			fmt.Sprintf("porteurs différents : %s et %s", orDash(o.A.OperatorName), orDash(o.B.OperatorName)),
			"thématique commune : " + strings.Join(s.themeLabels(o.Themes), ", "),
			fmt.Sprintf("publics proches (indice de Jaccard %s) : %s", frNum(p.jac, 2), strings.Join(s.publicLabels(o.Publics), ", ")),
			fmt.Sprintf("zones qui se recouvrent : %d commune(s) en commun, %s habitants", p.sharedN, frNum(p.sharedPop, 0)),
			"périodes qui se chevauchent : " + s.period(a) + " et " + s.period(b),
		}
		out = append(out, o)
	}
	return out, total
}

func (s *Snapshot) themeCodes(m uint64) []string {
	var out []string
	for i, c := range s.Themes {
		if m&(1<<uint(i)) != 0 {
			out = append(out, c)
		}
	}
	return out
}

func (s *Snapshot) publicCodes(m uint64) []string {
	var out []string
	for i, c := range s.Publics {
		if m&(1<<uint(i)) != 0 {
			out = append(out, c)
		}
	}
	return out
}

func (s *Snapshot) labels(kind string, codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c
		if e, ok := s.Ref.Get(kind, c); ok && e.Label != "" {
			out[i] = e.Label
		}
	}
	return out
}

func (s *Snapshot) themeLabels(c []string) []string  { return s.labels("theme", c) }
func (s *Snapshot) publicLabels(c []string) []string { return s.labels("public", c) }

func (s *Snapshot) period(a int32) string {
	d := func(x int32, open string) string {
		if x == -1<<31 || x == 1<<31-1 {
			return open
		}
		return time.Unix(int64(x)*86400, 0).UTC().Format("02/01/2006")
	}
	return "du " + d(s.ActStart[a], "(sans début)") + " au " + d(s.ActEnd[a], "(sans fin)")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// frNum formats a number the French way: comma decimal separator, narrow
// no-break space between thousands.
func frNum(x float64, dec int) string {
	s := fmt.Sprintf("%.*f", dec, x)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, fp, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, ch := range ip {
		if i > 0 && (len(ip)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(ch)
	}
	out := b.String()
	if fp != "" {
		out += "," + fp
	}
	if neg {
		out = "-" + out
	}
	return out
}

// FormatNumber formats a number the French way (exported for the CLI).
func FormatNumber(x float64, dec int) string { return frNum(x, dec) }
