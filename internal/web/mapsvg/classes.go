package mapsvg

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Method chooses how values are cut into classes.
type Method string

const (
	Quantiles Method = "quantiles" // same number of communes per class
	Jenks     Method = "jenks"     // natural breaks (Fisher-Jenks, exact)
)

// Breaks returns the upper bounds of k classes over values (NaN ignored):
// class i holds v <= breaks[i] (and > breaks[i-1]). Duplicate breaks are
// merged, so fewer than k classes may come back.
func Breaks(values []float64, k int, m Method) []float64 {
	vs := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 || k < 1 {
		return nil
	}
	sort.Float64s(vs)
	if k > len(vs) {
		k = len(vs)
	}
	var br []float64
	if m == Jenks && len(vs) <= 2000 {
		br = jenks(vs, k)
	} else {
		for i := 1; i <= k; i++ {
			idx := int(math.Ceil(float64(i)*float64(len(vs))/float64(k))) - 1
			if idx < 0 {
				idx = 0
			}
			br = append(br, vs[idx])
		}
	}
	out := br[:0]
	for i, b := range br {
		if i == 0 || b > out[len(out)-1] {
			out = append(out, b)
		}
	}
	out[len(out)-1] = vs[len(vs)-1]
	return out
}

// jenks computes Fisher-Jenks natural breaks on sorted values (O(k·n²)).
func jenks(vs []float64, k int) []float64 {
	n := len(vs)
	// prefix sums for O(1) within-class variance
	s1 := make([]float64, n+1)
	s2 := make([]float64, n+1)
	for i, v := range vs {
		s1[i+1] = s1[i] + v
		s2[i+1] = s2[i] + v*v
	}
	ssd := func(i, j int) float64 { // values i..j inclusive
		c := float64(j - i + 1)
		s := s1[j+1] - s1[i]
		return s2[j+1] - s2[i] - s*s/c
	}
	cost := make([][]float64, k)
	back := make([][]int, k)
	for c := range k {
		cost[c] = make([]float64, n)
		back[c] = make([]int, n)
	}
	for j := range n {
		cost[0][j] = ssd(0, j)
	}
	for c := 1; c < k; c++ {
		for j := c; j < n; j++ {
			best, arg := math.Inf(1), c
			for i := c; i <= j; i++ {
				v := cost[c-1][i-1] + ssd(i, j)
				if v < best {
					best, arg = v, i
				}
			}
			cost[c][j], back[c][j] = best, arg
		}
	}
	br := make([]float64, k)
	j := n - 1
	for c := k - 1; c >= 0; c-- {
		br[c] = vs[j]
		if c > 0 {
			j = back[c][j] - 1
		}
	}
	return br
}

// ClassOf returns the class index of v for breaks, or -1 for NaN.
func ClassOf(v float64, breaks []float64) int {
	if math.IsNaN(v) {
		return -1
	}
	for i, b := range breaks {
		if v <= b {
			return i
		}
	}
	return len(breaks) - 1
}

// Palette is a sequential colour ramp, light to dark.
type Palette string

const (
	Viridis Palette = "viridis"
	Cividis Palette = "cividis"
)

// Colours returns k colours (k ≤ 7) of a colour-blind-safe sequential
// palette, from low (light) to high (dark).
func (p Palette) Colours(k int) []string {
	var ramp []string
	switch p {
	case Cividis:
		ramp = []string{"#fee838", "#d8c55f", "#b2a670", "#8c8a78", "#6a6f77", "#48536c", "#1f3b70", "#00224e"}
	default:
		ramp = []string{"#fde725", "#a0da39", "#4ac16d", "#1fa187", "#277f8e", "#365c8d", "#46327e", "#440154"}
	}
	if k <= 1 {
		return []string{ramp[len(ramp)/2]}
	}
	out := make([]string, k)
	for i := range k {
		out[i] = ramp[int(math.Round(float64(i)*float64(len(ramp)-1)/float64(k-1)))]
	}
	return out
}

// NoDataColour fills features without a value.
const NoDataColour = "#e5e5e5"

// FormatNumber writes v the French way: a comma for decimals and a narrow
// no-break space between thousands, with at most decimals digits (trailing
// zeros dropped).
func FormatNumber(v float64, decimals int) string {
	if math.IsNaN(v) {
		return "–"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	var b strings.Builder
	if neg {
		b.WriteString("−")
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return b.String()
}

// Decimals picks a sensible number of decimals for values of this size.
func Decimals(vs ...float64) int {
	maxAbs := 0.0
	for _, v := range vs {
		if !math.IsNaN(v) && math.Abs(v) > maxAbs {
			maxAbs = math.Abs(v)
		}
	}
	switch {
	case maxAbs >= 100:
		return 0
	case maxAbs >= 10:
		return 1
	default:
		return 2
	}
}
