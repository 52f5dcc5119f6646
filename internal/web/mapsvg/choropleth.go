package mapsvg

import (
	"bytes"
	"math"
	"strconv"
)

// Choropleth says what to draw over a basemap.
type Choropleth struct {
	ID      string             // prefix for element ids, unique in the page
	Title   string             // shown above the map and read by screen readers
	Desc    string             // longer description (source, year)
	Unit    string             // appended to values in tooltips and legend
	Values  map[string]float64 // by feature code; missing means no data
	Classes int                // default 5
	Method  Method             // default Quantiles
	Palette Palette            // default Viridis
	Points  []Point            // optional dots drawn over the map (actions...)
	// Highlight draws a thicker outline around these feature codes.
	Highlight map[string]bool
}

// Point is a dot drawn over a map.
type Point struct {
	Lon, Lat float64
	Label    string
	R        float64 // radius in pixels; default 3
}

// LegendHeight is the space reserved under the map for the legend.
const legendRow = 18

// Render writes the SVG document of a choropleth map: title, one path per
// feature with its tooltip, optional points and a legend with the classes.
func (bm *Basemap) Render(c Choropleth) []byte {
	if c.Classes == 0 {
		c.Classes = 5
	}
	if c.Method == "" {
		c.Method = Quantiles
	}
	vals := make([]float64, 0, len(c.Values))
	for _, code := range bm.Codes {
		if v, ok := c.Values[code]; ok {
			vals = append(vals, v)
		}
	}
	breaks := Breaks(vals, c.Classes, c.Method)
	colours := c.Palette.Colours(len(breaks))
	dec := Decimals(vals...)
	missing := len(vals) < len(bm.Codes)
	background := len(c.Values) == 0 // a plain base map (points drawn over it)
	if background {
		breaks, missing = nil, false
	}

	titleH := 26
	legendItems := len(breaks)
	if missing {
		legendItems++
	}
	legendH := legendItems*legendRow + 10
	H := titleH + bm.Height + legendH
	W := bm.Width

	var buf bytes.Buffer
	buf.Grow(len(bm.paths)*200 + 2048)
	buf.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	buf.WriteString(strconv.Itoa(W))
	buf.WriteByte(' ')
	buf.WriteString(strconv.Itoa(H))
	buf.WriteString(`" width="100%" class="carte" role="img" aria-labelledby="`)
	buf.WriteString(c.ID + `-t ` + c.ID + `-d"><title id="` + c.ID + `-t">`)
	escape(&buf, c.Title)
	buf.WriteString(`</title><desc id="` + c.ID + `-d">`)
	escape(&buf, c.Desc)
	buf.WriteString(`</desc><text x="4" y="18" font-size="15" font-weight="bold" fill="#161616">`)
	escape(&buf, c.Title)
	buf.WriteString(`</text><g transform="translate(0 `)
	buf.WriteString(strconv.Itoa(titleH))
	buf.WriteString(`)" stroke="#fff" stroke-width="0.6" stroke-linejoin="round">`)
	for i, code := range bm.Codes {
		v, ok := c.Values[code]
		fill := NoDataColour
		if ok {
			if k := ClassOf(v, breaks); k >= 0 {
				fill = colours[k]
			}
		}
		buf.WriteString(`<path fill="`)
		buf.WriteString(fill)
		if c.Highlight[code] {
			buf.WriteString(`" stroke="#161616" stroke-width="2`)
		}
		buf.WriteString(`" d="`)
		buf.Write(bm.paths[i])
		buf.WriteString(`"><title>`)
		escape(&buf, bm.Names[i])
		if background {
			buf.WriteString(`</title></path>`)
			continue
		}
		buf.WriteString(" : ")
		if ok {
			buf.WriteString(FormatNumber(v, dec))
			if c.Unit != "" {
				buf.WriteByte(' ')
				escape(&buf, c.Unit)
			}
		} else {
			buf.WriteString("donnée manquante")
		}
		buf.WriteString(`</title></path>`)
	}
	buf.WriteString(`</g>`)
	if len(c.Points) > 0 {
		buf.WriteString(`<g transform="translate(0 `)
		buf.WriteString(strconv.Itoa(titleH))
		buf.WriteString(`)" fill="#e1000f" fill-opacity="0.8" stroke="#fff" stroke-width="1">`)
		for _, p := range c.Points {
			x, y := bm.Project(p.Lon, p.Lat)
			r := p.R
			if r == 0 {
				r = 3
			}
			buf.WriteString(`<circle cx="`)
			buf.WriteString(strconv.FormatFloat(math.Round(x), 'f', -1, 64))
			buf.WriteString(`" cy="`)
			buf.WriteString(strconv.FormatFloat(math.Round(y), 'f', -1, 64))
			buf.WriteString(`" r="`)
			buf.WriteString(strconv.FormatFloat(math.Round(r*10)/10, 'f', -1, 64))
			buf.WriteString(`"><title>`)
			escape(&buf, p.Label)
			buf.WriteString(`</title></circle>`)
		}
		buf.WriteString(`</g>`)
	}
	// legend
	y := titleH + bm.Height + 6
	buf.WriteString(`<g font-size="12" fill="#161616">`)
	lo := math.NaN()
	if len(vals) > 0 {
		lo = vals[0]
		for _, v := range vals {
			lo = math.Min(lo, v)
		}
	}
	for i, b := range breaks {
		legendSwatch(&buf, y, colours[i])
		from := lo
		if i > 0 {
			from = breaks[i-1]
		}
		label := "de " + FormatNumber(from, dec) + " à " + FormatNumber(b, dec)
		if i > 0 {
			label = "plus de " + FormatNumber(from, dec) + " à " + FormatNumber(b, dec)
		}
		if c.Unit != "" {
			label += " " + c.Unit
		}
		legendText(&buf, y, label)
		y += legendRow
	}
	if missing {
		legendSwatch(&buf, y, NoDataColour)
		legendText(&buf, y, "donnée manquante")
	}
	buf.WriteString(`</g></svg>`)
	return buf.Bytes()
}

func legendSwatch(buf *bytes.Buffer, y int, fill string) {
	buf.WriteString(`<rect x="6" y="`)
	buf.WriteString(strconv.Itoa(y))
	buf.WriteString(`" width="22" height="13" stroke="#666" stroke-width="0.5" fill="`)
	buf.WriteString(fill)
	buf.WriteString(`"/>`)
}

func legendText(buf *bytes.Buffer, y int, s string) {
	buf.WriteString(`<text x="34" y="`)
	buf.WriteString(strconv.Itoa(y + 11))
	buf.WriteString(`">`)
	escape(buf, s)
	buf.WriteString(`</text>`)
}
