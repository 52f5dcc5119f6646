package analysis

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"maillage/internal/domain"
)

// bruteOverlaps applies the overlap definition to every pair of scope
// actions: the reference for the bulk count.
func bruteOverlaps(s *Snapshot, q *scopeReq, acts []int32, years []int) (map[int]int, []pairRec) {
	counts := map[int]int{}
	var all []pairRec
	for i, a := range acts {
		for _, b := range acts[i+1:] {
			ha, hb := s.hot[a], s.hot[b]
			if ha.operator == hb.operator && ha.operator >= 0 {
				continue
			}
			if s.ActThemes[a]&s.ActThemes[b]&q.themeMask == 0 {
				continue
			}
			if !jaccardOK(ha.publics, hb.publics) || ha.start > hb.end || hb.start > ha.end {
				continue
			}
			za, zb := s.zoneOf(a), s.zoneOf(b)
			if len(za) == 0 || len(zb) == 0 {
				continue
			}
			pa, pb := ha.zonePop, hb.zonePop
			small, spop := za, pa
			if pb < pa || (pb == pa && len(zb) < len(za)) {
				small, spop = zb, pb
			}
			sp, sn := s.intersect(za, zb)
			if !zoneQualifies(spop, int32(len(small)), sp, int32(sn)) {
				continue
			}
			for _, y := range years {
				f, t := yearDays(y)
				if ha.start <= t && ha.end >= f && hb.start <= t && hb.end >= f {
					counts[y]++
					if y == q.p.Year {
						all = append(all, pairRec{a, b, sp, sn, jaccard(ha.publics, hb.publics)})
					}
				}
			}
		}
	}
	slices.SortFunc(all, func(x, y pairRec) int {
		if c := cmp.Compare(y.sharedPop, x.sharedPop); c != 0 {
			return c
		}
		if c := cmp.Compare(x.a, y.a); c != 0 {
			return c
		}
		return cmp.Compare(x.b, y.b)
	})
	return counts, all
}

// The bulk count (zone pairs, classes, sorted periods, per-operator
// subtraction) equals the pair-by-pair count on random small data sets, and
// the listed pairs are the best ones of the ranking.
func TestOverlapBulkCountMatchesBruteForce(t *testing.T) {
	defer func(v int) { bulkMin = v }(bulkMin)
	themes := []string{"parentalite", "jeunesse", "petite_enfance"}
	publics := []string{"parents", "familles", "jeunes", "seniors"}
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		var d data
		nc := 4 + rng.IntN(10)
		var codes []string
		for i := range nc {
			code := fmt.Sprintf("18%03d", i+1)
			pop := float64(rng.IntN(5) * 100) // some unknown (0) populations
			d.communes = append(d.communes, commune(code, "C"+code, float64(i), pop))
			codes = append(codes, code)
		}
		d.groups = append(d.groups, domain.Territory{Code: "18", Type: domain.TypeDepartement, Name: "Cher", Members: codes})
		d.groups = append(d.groups, domain.Territory{Code: "200000001", Type: domain.TypeEPCI, Name: "E1", Members: codes[:nc/2]})
		d.groups = append(d.groups, domain.Territory{Code: "200000002", Type: domain.TypeEPCI, Name: "E2", Members: codes[nc/2:]})
		for i := 1; i <= 6; i++ {
			d.actors = append(d.actors, domain.Actor{ID: int64(i), Name: fmt.Sprint("A", i), Type: "association"})
		}
		na := 20 + rng.IntN(200)
		for i := 1; i <= na; i++ {
			a := domain.Action{ID: int64(i), Title: "x", OperatorID: int64(rng.IntN(7)), Themes: []string{themes[rng.IntN(3)]}}
			if rng.IntN(4) == 0 {
				a.Themes = append(a.Themes, themes[rng.IntN(3)])
			}
			for _, p := range publics {
				if rng.IntN(3) == 0 {
					a.Publics = append(a.Publics, p)
				}
			}
			switch rng.IntN(5) {
			case 0:
				a.Zone = []string{"18"}
			case 1:
				a.Zone = []string{[]string{"200000001", "200000002"}[rng.IntN(2)]}
			case 2:
				for range 1 + rng.IntN(3) {
					a.Zone = append(a.Zone, codes[rng.IntN(nc)])
				}
			default:
				a.Places = []string{codes[rng.IntN(nc)]}
			}
			if rng.IntN(3) > 0 {
				y := 2020 + rng.IntN(5)
				a.StartDate = date(fmt.Sprintf("%d-%02d-01", y, 1+rng.IntN(12)))
			}
			if rng.IntN(2) == 0 {
				y := 2022 + rng.IntN(4)
				a.EndDate = date(fmt.Sprintf("%d-%02d-01", y, 1+rng.IntN(12))) // the day some other action starts
				if a.StartDate != nil && a.EndDate.Unix() < a.StartDate.Unix() {
					a.EndDate = nil
				}
			}
			d.actions = append(d.actions, a)
		}
		s := d.build(t)
		p := Params{Scope: "18", Themes: themes[:1+rng.IntN(3)], Year: 2023}
		if seed%2 == 0 {
			p.Scope = ScopeFrance
		}
		q, err := s.resolve(p)
		if err != nil {
			t.Fatal(err)
		}
		acts, _ := q.scopeActions()
		years := []int{2020, 2021, 2022, 2023, 2024, 2025}
		want, wantTop := bruteOverlaps(s, q, acts, years)
		keep := 1 + rng.IntN(15)
		if len(wantTop) > keep {
			wantTop = wantTop[:keep]
		}
		for _, bm := range []int{0, 3, 1 << 30} {
			bulkMin = bm
			got, top := q.overlapPairs(acts, years, 2023, keep)
			for _, y := range years {
				if got[y] != want[y] {
					t.Fatalf("seed %d, bulkMin %d, year %d: %d overlaps, brute force %d", seed, bm, y, got[y], want[y])
				}
			}
			if len(top) != len(wantTop) {
				t.Fatalf("seed %d, bulkMin %d: %d listed, want %d", seed, bm, len(top), len(wantTop))
			}
			for i := range top {
				g, w := top[i], wantTop[i]
				if min(g.a, g.b) != w.a || max(g.a, g.b) != w.b || g.sharedPop != w.sharedPop || g.sharedN != w.sharedN || g.jac != w.jac {
					t.Fatalf("seed %d, bulkMin %d: listed #%d = %+v, want %+v", seed, bm, i, g, w)
				}
			}
		}
	}
}
