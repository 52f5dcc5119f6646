package analysis

import (
	"math"
	"sort"
)

type needKey struct {
	ind  string
	year int
}

// needVec is an indicator resolved for a year: for each commune the value of
// the latest year ≤ the requested year that has one (NaN when none).
type needVec struct {
	val  []float64
	year []int32
}

func (v *needVec) known(i int32) bool { return !math.IsNaN(v.val[i]) }

// at returns the need of commune i (0 when unknown).
func (v *needVec) at(i int32) float64 {
	x := v.val[i]
	if math.IsNaN(x) {
		return 0
	}
	return x
}

// needVec returns the (memoised) commune values of an indicator for a year.
func (s *Snapshot) needVec(ind string, year int) *needVec {
	k := needKey{ind, year}
	s.needMu.Lock()
	defer s.needMu.Unlock()
	if v, ok := s.needMemo[k]; ok {
		return v
	}
	v := &needVec{val: make([]float64, s.N), year: make([]int32, s.N)}
	for i := range v.val {
		v.val[i] = math.NaN()
	}
	if se := s.indicators[ind]; se != nil {
		last := sort.SearchInts(se.years, year+1) - 1
		left := s.N
		for y := last; y >= 0 && left > 0; y-- {
			col := se.vals[y]
			for i, x := range col {
				if math.IsNaN(v.val[i]) && !math.IsNaN(x) {
					v.val[i] = x
					v.year[i] = int32(se.years[y])
					left--
				}
			}
		}
	}
	if len(s.needMemo) > 64 {
		clear(s.needMemo)
	}
	s.needMemo[k] = v
	return v
}

// indicatorYears returns the years with values of an indicator.
func (s *Snapshot) indicatorYears(ind string) []int {
	if se := s.indicators[ind]; se != nil {
		return se.years
	}
	return nil
}
