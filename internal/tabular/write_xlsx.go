package tabular

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/xuri/excelize/v2"
)

// MaxXLSXRows is the number of rows of an Excel sheet, header included.
const MaxXLSXRows = 1_048_576

// ErrTooManyRows is returned when a sheet would exceed MaxXLSXRows.
var ErrTooManyRows = errors.New("trop de lignes pour une feuille Excel (1 048 576 au plus, en-tête compris) : exportez en CSV ou filtrez (--territory, --theme, --year)")

// XLSXWriter writes one or several sheets into an XLSX workbook with the
// excelize stream writer (bounded memory per row), a bold coloured header
// row frozen at the top.
type XLSXWriter struct {
	out    io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	row    int
	sheets int
	header int // style id
	values []any
	cols   int
}

// NewXLSX returns an XLSX writer that writes the workbook to w on Close.
func NewXLSX(w io.Writer) (*XLSXWriter, error) {
	f := excelize.NewFile()
	style, err := f.NewStyle(HeaderStyle())
	if err != nil {
		return nil, err
	}
	return &XLSXWriter{out: w, f: f, header: style}, nil
}

// HeaderStyle is the style of header rows: bold white text on the DSFR blue.
func HeaderStyle() *excelize.Style {
	return &excelize.Style{
		Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"000091"}},
		Alignment: &excelize.Alignment{
			Vertical: "center",
		},
	}
}

// SheetName cleans a sheet name for Excel (31 characters, no []:*?/\).
func SheetName(name string) string {
	out := make([]rune, 0, len(name))
	for _, r := range name {
		switch r {
		case '[', ']', ':', '*', '?', '/', '\\':
			r = '_'
		}
		out = append(out, r)
	}
	if len(out) > 31 {
		out = out[:31]
	}
	if len(out) == 0 {
		return "Feuille"
	}
	return string(out)
}

// Sheet starts a new sheet with its header.
func (x *XLSXWriter) Sheet(name string, header []string) error {
	if err := x.flushSheet(); err != nil {
		return err
	}
	name = SheetName(name)
	if x.sheets == 0 {
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := x.f.NewSheet(name); err != nil {
		return err
	}
	x.sheets++
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	x.sw = sw
	x.cols = len(header)
	for i, h := range header {
		w := float64(len([]rune(h)) + 4)
		if w < 12 {
			w = 12
		}
		if w > 60 {
			w = 60
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: x.header, Value: h}
	}
	x.row = 1
	return sw.SetRow("A1", cells)
}

// Row writes one row; numbers stay numbers.
func (x *XLSXWriter) Row(cells ...any) error {
	if x.sw == nil {
		return errors.New("tabular: Row before Sheet")
	}
	if x.row >= MaxXLSXRows {
		return ErrTooManyRows
	}
	x.row++
	x.values = x.values[:0]
	for _, v := range cells {
		switch c := v.(type) {
		case nil:
			x.values = append(x.values, nil)
		case *float64:
			if c == nil {
				x.values = append(x.values, nil)
			} else {
				x.values = append(x.values, finite(*c))
			}
		case float64:
			x.values = append(x.values, finite(c))
		case time.Time:
			if c.IsZero() {
				x.values = append(x.values, nil)
			} else {
				x.values = append(x.values, c.Format("2006-01-02"))
			}
		case string, int, int64, bool:
			x.values = append(x.values, c)
		case fmt.Stringer:
			x.values = append(x.values, c.String())
		default:
			x.values = append(x.values, fmt.Sprint(c))
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, x.values)
}

func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

func (x *XLSXWriter) flushSheet() error {
	if x.sw == nil {
		return nil
	}
	err := x.sw.Flush()
	x.sw = nil
	return err
}

// Close finishes the last sheet and writes the workbook.
func (x *XLSXWriter) Close() error {
	if err := x.flushSheet(); err != nil {
		return err
	}
	if x.sheets == 0 {
		if err := x.f.SetSheetName("Sheet1", "vide"); err != nil {
			return err
		}
	}
	if _, err := x.f.WriteTo(x.out); err != nil {
		return err
	}
	return x.f.Close()
}
