package analysis

import (
	"math"
	"sort"
)

// equity computes the population-weighted Gini and Theil indices of A_i over
// the scope communes with P_i > 0 (weights P_i), and the Spearman rank
// correlation between the need-rate indicator and A_i over the scope
// communes with P_i > 0 and a need-rate value.
func (q *scopeReq) equity(year int, o *accOut) Equity {
	eq := Equity{NeedRate: q.p.NeedRate}
	var x, w []float64
	for t, i := range q.scope {
		if p := o.need.at(i); p > 0 {
			x = append(x, o.acc[t])
			w = append(w, p)
		}
	}
	eq.Communes = len(x)
	eq.Gini = WeightedGini(x, w)
	eq.Theil = WeightedTheil(x, w)
	rate := q.s.needVec(q.p.NeedRate, year)
	var rx, ry []float64
	for t, i := range q.scope {
		if o.need.at(i) > 0 && rate.known(i) {
			rx = append(rx, rate.val[i])
			ry = append(ry, o.acc[t])
		}
	}
	eq.Ranked = len(rx)
	eq.Spearman = Spearman(rx, ry)
	return eq
}

// WeightedGini returns Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ), μ = Σ w x / W;
// nil when there is no weight or the mean is 0.
func WeightedGini(x, w []float64) *float64 {
	n := len(x)
	idx := make([]int, n)
	W, WX := 0.0, 0.0
	for i := range idx {
		idx[i] = i
		W += w[i]
		WX += w[i] * x[i]
	}
	if W <= 0 || WX <= 0 {
		return nil
	}
	sort.Slice(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	// Σ_i Σ_j w_i w_j |x_i − x_j| = 2 Σ_i w_i (x_i·C_i − CX_i), with C_i and CX_i the
	// sums of w and w·x over the elements before i in ascending order.
	sum, c, cx := 0.0, 0.0, 0.0
	for _, i := range idx {
		sum += w[i] * (x[i]*c - cx)
		c += w[i]
		cx += w[i] * x[i]
	}
	mu := WX / W
	g := 2 * sum / (2 * W * W * mu)
	return &g
}

// WeightedTheil returns T = (1/W) Σ w_i (x_i/μ) ln(x_i/μ), with 0·ln 0 = 0;
// nil when there is no weight or the mean is 0.
func WeightedTheil(x, w []float64) *float64 {
	W, WX := 0.0, 0.0
	for i := range x {
		W += w[i]
		WX += w[i] * x[i]
	}
	if W <= 0 || WX <= 0 {
		return nil
	}
	mu := WX / W
	t := 0.0
	for i := range x {
		if r := x[i] / mu; r > 0 {
			t += w[i] * r * math.Log(r)
		}
	}
	t /= W
	return &t
}

// ranks returns the ranks (1-based) of x, ties given their average rank.
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

// Spearman returns the rank correlation of x and y (Pearson correlation of
// the ranks, ties averaged); nil with fewer than 3 pairs or a constant series.
func Spearman(x, y []float64) *float64 {
	if len(x) < 3 || len(x) != len(y) {
		return nil
	}
	rx, ry := ranks(x), ranks(y)
	n := float64(len(x))
	mx, my := (n+1)/2, (n+1)/2
	var sxy, sxx, syy float64
	for i := range rx {
		dx, dy := rx[i]-mx, ry[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return nil
	}
	r := sxy / math.Sqrt(sxx*syy)
	return &r
}
