package mapsvg

import (
	"bytes"
	"math"
	"strconv"
)

// Series is one line of a line chart.
type Series struct {
	Name   string
	Points []XY
}

// XY is one point of a series (X is usually a year).
type XY struct{ X, Y float64 }

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value float64
}

// Chart options shared by bar and line charts.
type Chart struct {
	ID    string
	Title string
	Desc  string
	Unit  string
	Width int // default 640
}

var seriesColours = []string{"#000091", "#e1000f", "#009081", "#a558a0", "#c3992a", "#417dc4"}

func (c *Chart) open(buf *bytes.Buffer, w, h int) {
	buf.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	buf.WriteString(strconv.Itoa(w) + " " + strconv.Itoa(h))
	buf.WriteString(`" width="100%" class="graphique" role="img" aria-labelledby="` + c.ID + `-t ` + c.ID + `-d"><title id="` + c.ID + `-t">`)
	escape(buf, c.Title)
	buf.WriteString(`</title><desc id="` + c.ID + `-d">`)
	escape(buf, c.Desc)
	buf.WriteString(`</desc><text x="4" y="18" font-size="15" font-weight="bold" fill="#161616">`)
	escape(buf, c.Title)
	buf.WriteString(`</text>`)
}

// niceTicks returns about n round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	start := math.Floor(lo/step) * step
	var t []float64
	for v := start; v <= hi+step*0.5; v += step {
		t = append(t, math.Round(v/step)*step)
		if len(t) > 20 {
			break
		}
	}
	return t
}

func num(buf *bytes.Buffer, v float64) {
	buf.WriteString(strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64))
}

// BarChart draws horizontal bars with their values written at the end.
func BarChart(c Chart, bars []Bar) []byte {
	if c.Width == 0 {
		c.Width = 640
	}
	const rowH, top, labelW = 24, 30, 220
	h := top + len(bars)*rowH + 10
	maxV := 0.0
	for _, b := range bars {
		maxV = math.Max(maxV, b.Value)
	}
	dec := Decimals(maxV)
	if maxV == 0 {
		maxV = 1
	}
	plotW := float64(c.Width - labelW - 110)
	var buf bytes.Buffer
	c.open(&buf, c.Width, h)
	buf.WriteString(`<g font-size="12" fill="#161616">`)
	for i, b := range bars {
		y := top + i*rowH
		buf.WriteString(`<text x="` + strconv.Itoa(labelW-6) + `" y="` + strconv.Itoa(y+15) + `" text-anchor="end">`)
		label := b.Label
		if r := []rune(label); len(r) > 34 {
			label = string(r[:33]) + "…"
		}
		escape(&buf, label)
		buf.WriteString(`</text><rect x="` + strconv.Itoa(labelW) + `" y="` + strconv.Itoa(y+3) + `" height="16" fill="` + seriesColours[0] + `" width="`)
		w := b.Value / maxV * plotW
		num(&buf, math.Max(w, 0))
		buf.WriteString(`"><title>`)
		escape(&buf, b.Label+" : "+FormatNumber(b.Value, dec)+" "+c.Unit)
		buf.WriteString(`</title></rect><text x="`)
		num(&buf, float64(labelW)+math.Max(w, 0)+4)
		buf.WriteString(`" y="` + strconv.Itoa(y+15) + `">`)
		escape(&buf, FormatNumber(b.Value, dec)+" "+c.Unit)
		buf.WriteString(`</text>`)
	}
	buf.WriteString(`</g></svg>`)
	return buf.Bytes()
}

// LineChart draws series over a shared X axis (years) with a Y axis and a
// legend.
func LineChart(c Chart, series []Series) []byte {
	if c.Width == 0 {
		c.Width = 640
	}
	const top, left, right, bottom = 52, 64, 16, 40
	legendH := 18 * len(series)
	plotH := 200
	h := top + plotH + bottom + legendH
	minX, maxX := math.Inf(1), math.Inf(-1)
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
			minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
		}
	}
	var buf bytes.Buffer
	c.open(&buf, c.Width, h)
	if math.IsInf(minX, 1) {
		buf.WriteString(`<text x="4" y="50" font-size="12">Aucune donnée</text></svg>`)
		return buf.Bytes()
	}
	if minY > 0 && (maxY-minY) < maxY*0.9 {
		// keep zero out when the series vary little, but say so with the axis labels
	} else {
		minY = math.Min(minY, 0)
	}
	ticks := niceTicks(minY, maxY, 4)
	y0, y1 := ticks[0], ticks[len(ticks)-1]
	if y1 == y0 {
		y1 = y0 + 1
	}
	plotW := float64(c.Width - left - right)
	sx := func(x float64) float64 {
		if maxX == minX {
			return float64(left) + plotW/2
		}
		return float64(left) + (x-minX)/(maxX-minX)*plotW
	}
	sy := func(y float64) float64 { return float64(top) + (1-(y-y0)/(y1-y0))*float64(plotH) }
	dec := Decimals(ticks...)
	buf.WriteString(`<g font-size="12" fill="#161616">`)
	for _, t := range ticks {
		y := sy(t)
		buf.WriteString(`<line x1="` + strconv.Itoa(left) + `" x2="` + strconv.Itoa(c.Width-right) + `" y1="`)
		num(&buf, y)
		buf.WriteString(`" y2="`)
		num(&buf, y)
		buf.WriteString(`" stroke="#ddd"/><text x="` + strconv.Itoa(left-6) + `" text-anchor="end" y="`)
		num(&buf, y+4)
		buf.WriteString(`">`)
		escape(&buf, FormatNumber(t, dec))
		buf.WriteString(`</text>`)
	}
	// X ticks: every integer X (years)
	seen := map[float64]bool{}
	for _, s := range series {
		for _, p := range s.Points {
			if seen[p.X] {
				continue
			}
			seen[p.X] = true
			buf.WriteString(`<text text-anchor="middle" y="` + strconv.Itoa(top+plotH+18) + `" x="`)
			num(&buf, sx(p.X))
			buf.WriteString(`">` + strconv.FormatFloat(p.X, 'f', -1, 64) + `</text>`)
		}
	}
	buf.WriteString(`<line x1="` + strconv.Itoa(left) + `" x2="` + strconv.Itoa(c.Width-right) + `" y1="` + strconv.Itoa(top+plotH) + `" y2="` + strconv.Itoa(top+plotH) + `" stroke="#161616"/>`)
	if c.Unit != "" {
		buf.WriteString(`<text x="4" y="` + strconv.Itoa(top-16) + `">`)
		escape(&buf, c.Unit)
		buf.WriteString(`</text>`)
	}
	buf.WriteString(`</g>`)
	for i, s := range series {
		col := seriesColours[i%len(seriesColours)]
		dash := ""
		if i%2 == 1 {
			dash = `" stroke-dasharray="6 3`
		}
		buf.WriteString(`<polyline fill="none" stroke-width="2.5" stroke="` + col + dash + `" points="`)
		for j, p := range s.Points {
			if j > 0 {
				buf.WriteByte(' ')
			}
			num(&buf, sx(p.X))
			buf.WriteByte(',')
			num(&buf, sy(p.Y))
		}
		buf.WriteString(`"/>`)
		for _, p := range s.Points {
			buf.WriteString(`<circle r="4" fill="` + col + `" cx="`)
			num(&buf, sx(p.X))
			buf.WriteString(`" cy="`)
			num(&buf, sy(p.Y))
			buf.WriteString(`"><title>`)
			escape(&buf, s.Name+", "+strconv.FormatFloat(p.X, 'f', -1, 64)+" : "+FormatNumber(p.Y, Decimals(p.Y))+" "+c.Unit)
			buf.WriteString(`</title></circle>`)
		}
		ly := top + plotH + bottom + i*18
		buf.WriteString(`<line x1="8" x2="34" y1="` + strconv.Itoa(ly+6) + `" y2="` + strconv.Itoa(ly+6) + `" stroke-width="2.5" stroke="` + col + dash + `"/><text font-size="12" x="40" y="` + strconv.Itoa(ly+10) + `">`)
		escape(&buf, s.Name)
		buf.WriteString(`</text>`)
	}
	buf.WriteString(`</svg>`)
	return buf.Bytes()
}
