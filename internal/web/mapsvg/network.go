package mapsvg

import (
	"bytes"
	"math"
	"strconv"
)

// GraphNode is a node of a network drawing.
type GraphNode struct {
	ID    int64
	Label string
	Group string // e.g. actor type; nodes of the "caf" group are drawn larger and red
	Size  float64
}

// GraphEdge links two nodes.
type GraphEdge struct {
	A, B   int64
	Weight float64
}

// Network draws a graph with a deterministic force-directed layout
// (Fruchterman-Reingold from a circle, fixed iterations): same input, same
// picture.
func Network(c Chart, nodes []GraphNode, edges []GraphEdge) []byte {
	if c.Width == 0 {
		c.Width = 640
	}
	W, H := float64(c.Width), 460.0
	const top = 28.0
	n := len(nodes)
	idx := make(map[int64]int, n)
	for i, nd := range nodes {
		idx[nd.ID] = i
	}
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range nodes {
		a := 2 * math.Pi * float64(i) / float64(max(n, 1))
		x[i] = W/2 + W/3*math.Cos(a)
		y[i] = H/2 + H/3*math.Sin(a)
	}
	area := W * H
	k := math.Sqrt(area / float64(max(n, 1)))
	temp := W / 10
	dx := make([]float64, n)
	dy := make([]float64, n)
	for it := 0; it < 200 && n > 1; it++ {
		for i := range dx {
			dx[i], dy[i] = 0, 0
		}
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				ddx, ddy := x[i]-x[j], y[i]-y[j]
				d := math.Max(math.Hypot(ddx, ddy), 0.01)
				f := k * k / d
				dx[i] += ddx / d * f
				dy[i] += ddy / d * f
				dx[j] -= ddx / d * f
				dy[j] -= ddy / d * f
			}
		}
		for _, e := range edges {
			i, ok1 := idx[e.A]
			j, ok2 := idx[e.B]
			if !ok1 || !ok2 || i == j {
				continue
			}
			ddx, ddy := x[i]-x[j], y[i]-y[j]
			d := math.Max(math.Hypot(ddx, ddy), 0.01)
			f := d * d / k
			dx[i] -= ddx / d * f
			dy[i] -= ddy / d * f
			dx[j] += ddx / d * f
			dy[j] += ddy / d * f
		}
		for i := 0; i < n; i++ {
			// gravity keeps isolated nodes on the canvas
			dx[i] -= (x[i] - W/2) * 0.05
			dy[i] -= (y[i] - H/2) * 0.05
			d := math.Max(math.Hypot(dx[i], dy[i]), 0.01)
			x[i] += dx[i] / d * math.Min(d, temp)
			y[i] += dy[i] / d * math.Min(d, temp)
			x[i] = math.Min(W-60, math.Max(60, x[i]))
			y[i] = math.Min(H-20, math.Max(20, y[i]))
		}
		temp *= 0.97
	}
	var buf bytes.Buffer
	c.open(&buf, c.Width, int(H+top))
	buf.WriteString(`<g transform="translate(0 28)"><g stroke="#929292" stroke-opacity="0.7">`)
	maxW := 0.0
	for _, e := range edges {
		maxW = math.Max(maxW, e.Weight)
	}
	for _, e := range edges {
		i, ok1 := idx[e.A]
		j, ok2 := idx[e.B]
		if !ok1 || !ok2 {
			continue
		}
		w := 1.0
		if maxW > 0 {
			w = 0.8 + 3*e.Weight/maxW
		}
		buf.WriteString(`<line x1="`)
		num(&buf, x[i])
		buf.WriteString(`" y1="`)
		num(&buf, y[i])
		buf.WriteString(`" x2="`)
		num(&buf, x[j])
		buf.WriteString(`" y2="`)
		num(&buf, y[j])
		buf.WriteString(`" stroke-width="`)
		num(&buf, w)
		buf.WriteString(`"/>`)
	}
	buf.WriteString(`</g><g font-size="11" fill="#161616">`)
	for i, nd := range nodes {
		r := 4 + 3*math.Sqrt(math.Max(nd.Size, 0))
		r = math.Min(r, 18)
		fill := "#000091"
		if nd.Group == "caf" {
			fill = "#e1000f"
			r = math.Max(r, 9)
		}
		buf.WriteString(`<circle fill="` + fill + `" stroke="#fff" cx="`)
		num(&buf, x[i])
		buf.WriteString(`" cy="`)
		num(&buf, y[i])
		buf.WriteString(`" r="`)
		num(&buf, r)
		buf.WriteString(`"><title>`)
		escape(&buf, nd.Label)
		buf.WriteString(`</title></circle>`)
		if nd.Size >= 2 || nd.Group == "caf" || n <= 15 {
			label := nd.Label
			if rr := []rune(label); len(rr) > 26 {
				label = string(rr[:25]) + "…"
			}
			buf.WriteString(`<text text-anchor="middle" x="`)
			num(&buf, x[i])
			buf.WriteString(`" y="`)
			num(&buf, y[i]-r-3)
			buf.WriteString(`">`)
			escape(&buf, label)
			buf.WriteString(`</text>`)
		}
	}
	buf.WriteString(`</g></g></svg>`)
	_ = strconv.Itoa
	return buf.Bytes()
}
