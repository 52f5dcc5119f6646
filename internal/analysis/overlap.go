package analysis

import (
	"cmp"
	"container/heap"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"maillage/internal/domain"
)

// actSet is a set of action indexes: a map for small sets, dense for large ones.
type actSet struct {
	dense []int32 // stamp+1 per action, 0 = absent
	m     map[int32]int32
}

func newActSet(n int, size int) *actSet {
	if size > 20000 {
		return &actSet{dense: make([]int32, n)}
	}
	return &actSet{m: make(map[int32]int32, size)}
}

func (s *actSet) set(a, v int32) {
	if s.dense != nil {
		s.dense[a] = v
	} else {
		s.m[a] = v
	}
}

func (s *actSet) get(a int32) int32 {
	if s.dense != nil {
		return s.dense[a]
	}
	return s.m[a]
}

type pairRec struct {
	a, b      int32
	sharedPop float64
	sharedN   int
	jac       float64
}

// overlapPairs finds, once per request, the pairs of scope actions of
// different operators sharing a scope theme, with publics' Jaccard ≥ 0.5,
// zones sharing at least half of the smaller zone's population, and
// intersecting periods; none of this depends on the year (overlaps then
// keeps the pairs whose two actions run in the year). Each pair is looked
// for from its smaller zone's core communes (those holding more than half
// of its population), which any qualifying shared part must touch.
func (q *scopeReq) overlapPairs(acts []int32, years []int, mainYear, keep int) (counts map[int]int, top []pairRec) {
	s := q.s
	type span struct{ from, to int32 }
	spans := make([]span, len(years))
	cnt := make([]int, len(years))
	mainK := -1
	for k, y := range years {
		spans[k].from, spans[k].to = yearDays(y)
		if y == mainYear {
			mainK = k
		}
	}
	h := &pairHeap{s: s}
	nt := len(s.Themes)
	allScope := len(q.scope) == s.N
	in := newActSet(len(s.ActID), len(acts))
	for _, a := range acts {
		in.set(a, 1)
	}
	seen := newActSet(len(s.ActID), len(acts))
	for _, a := range acts {
		ha := s.hot[a]
		za := ha.zonePop
		tm := s.ActThemes[a] & q.themeMask
		stamp := a + 1
		// scan checks the actions of one list (a commune's or a group's)
		// against a; c is the core commune the list comes from.
		core := s.coreOfAction(a)
		// With one core commune and one theme, each candidate is met once.
		// A candidate whose zone is one commune is met once per theme.
		single := bits.OnesCount64(tm) == 1
		once := len(core) == 1 && single
		scan := func(c int32, bs []int32, themes []uint64, hots []actHot) {
			for k, b := range bs {
				// Cheap sequential tests first (the hot fields are inline),
				// set lookups last.
				if themes[k]&tm == 0 || b == a {
					continue
				}
				hb := &hots[k]
				zb := hb.zonePop
				// a must be the smaller zone of the pair (ties: lower index).
				if zb < za || (zb == za && b < a) {
					continue
				}
				if ha.operator == hb.operator && ha.operator >= 0 {
					continue
				}
				if ha.start > hb.end || hb.start > ha.end {
					continue
				}
				inter := bits.OnesCount64(ha.publics & hb.publics)
				union := bits.OnesCount64(ha.publics | hb.publics)
				if union == 0 || 2*inter < union {
					continue
				}
				if allScope {
					// Every action of the themes and publics is in the scope.
					if hb.publics&q.publicMask == 0 {
						continue
					}
				} else if in.get(b) == 0 {
					continue
				}
				if !once && !(single && hb.zoneLen == 1) {
					// b may be met again through another core commune or theme.
					if seen.get(b) == stamp {
						continue
					}
					seen.set(b, stamp)
				}
				var sp float64
				var sn int
				if ha.zoneLen == 1 {
					// a's zone is the commune c itself, which b serves.
					sp, sn = s.Pop[c], 1
				} else {
					sp, sn = s.zoneIntersection(a, b)
				}
				if za > 0 {
					if sp < za/2 {
						continue
					}
				} else if 2*sn < int(ha.zoneLen) || sn == 0 {
					continue
				}
				for k, sk := range spans {
					if ha.start <= sk.to && ha.end >= sk.from && hb.start <= sk.to && hb.end >= sk.from {
						cnt[k]++
						if k == mainK && keep > 0 && (len(h.items) < keep || sp >= h.items[0].sharedPop) {
							h.offer(pairRec{a, b, sp, sn, float64(inter) / float64(union)}, keep)
						}
					}
				}
			}
		}
		for _, c := range core {
			for t := range nt {
				if tm&(1<<uint(t)) == 0 {
					continue
				}
				k := int(c)*nt + t
				scan(c, s.ctAct[s.ctOff[k]:s.ctOff[k+1]], s.ctThemes[s.ctOff[k]:s.ctOff[k+1]], s.ctHot[s.ctOff[k]:s.ctOff[k+1]])
				for _, g := range s.groupsOf(c) {
					k := int(g)*nt + t
					scan(c, s.gtAct[s.gtOff[k]:s.gtOff[k+1]], s.gtThemes[s.gtOff[k]:s.gtOff[k+1]], s.gtHot[s.gtOff[k]:s.gtOff[k+1]])
				}
			}
		}
	}
	counts = map[int]int{}
	for k, y := range years {
		counts[y] = cnt[k]
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

// zoneIntersection returns the population and number of communes shared by
// two actions' zones (sorted lists).
func (s *Snapshot) zoneIntersection(a, b int32) (float64, int) {
	ga, gb := s.actZoneGroup[a], s.actZoneGroup[b]
	if ga >= 0 && ga == gb {
		return s.groupPop[ga], len(s.Groups[ga].Members)
	}
	x, y := s.zoneOf(a), s.zoneOf(b)
	// A zone inside a département or an EPCI: membership from the dense arrays.
	if len(x) > len(y) {
		x, y = y, x
		ga, gb = gb, ga
	}
	if gb >= 0 {
		var of []int32
		switch s.Groups[gb].Type {
		case domain.TypeDepartement:
			of = s.Dept
		case domain.TypeEPCI:
			of = s.EPCI
		}
		if of != nil {
			pop, n := 0.0, 0
			for _, c := range x {
				if of[c] == gb {
					pop += s.Pop[c]
					n++
				}
			}
			return pop, n
		}
	}
	pop, n := 0.0, 0
	if len(x) > len(y) {
		x, y = y, x
	}
	if len(x)*8 < len(y) {
		// Small against large: binary search each commune of the small zone.
		for _, c := range x {
			lo, hi := 0, len(y)
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				if y[m] < c {
					lo = m + 1
				} else {
					hi = m
				}
			}
			if lo < len(y) && y[lo] == c {
				pop += s.Pop[c]
				n++
			}
		}
		return pop, n
	}
	for i, j := 0, 0; i < len(x) && j < len(y); {
		switch {
		case x[i] < y[j]:
			i++
		case x[i] > y[j]:
			j++
		default:
			pop += s.Pop[x[i]]
			n++
			i++
			j++
		}
	}
	return pop, n
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
