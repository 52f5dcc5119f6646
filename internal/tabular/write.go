package tabular

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Writer writes tables (sheets) of rows: CSV for one table, XLSX for one or
// several. Exports and templates write through it, so both formats come out
// of the same code.
type Writer interface {
	// Sheet starts a table with its header row. A CSV writer accepts one sheet.
	Sheet(name string, header []string) error
	// Row writes one row. Cells are string, int, int64, float64, bool,
	// time.Time, *float64 (nil: empty) or nil (empty).
	Row(cells ...any) error
	// Close flushes everything (and, for XLSX, writes the workbook). It does
	// not close the underlying io.Writer.
	Close() error
}

// CSVOptions tune the CSV writer. The zero value is what Excel in French
// expects: `;` separator, UTF-8 with BOM, CRLF line ends, decimal comma.
type CSVOptions struct {
	NoBOM      bool // omit the UTF-8 byte-order mark
	LF         bool // "\n" line ends instead of "\r\n"
	DecimalDot bool // write 12.5 rather than 12,5
	Comma      rune // separator; 0 means ';'
}

// CSVWriter writes one table as CSV.
type CSVWriter struct {
	buf     *bufio.Writer
	w       *csv.Writer
	opts    CSVOptions
	started bool
	record  []string
}

// NewCSV returns a CSV writer on w with the given options.
func NewCSV(w io.Writer, opts CSVOptions) *CSVWriter {
	buf := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(buf)
	cw.Comma = ';'
	if opts.Comma != 0 {
		cw.Comma = opts.Comma
	}
	cw.UseCRLF = !opts.LF
	return &CSVWriter{buf: buf, w: cw, opts: opts}
}

// Sheet writes the BOM and the header; a second call is an error.
func (c *CSVWriter) Sheet(name string, header []string) error {
	if c.started {
		return fmt.Errorf("un fichier CSV ne contient qu'une feuille (feuille %q en trop)", name)
	}
	c.started = true
	if !c.opts.NoBOM {
		if _, err := c.buf.WriteString("\uFEFF"); err != nil {
			return err
		}
	}
	return c.w.Write(header)
}

// Row writes one record.
func (c *CSVWriter) Row(cells ...any) error {
	if !c.started {
		return errors.New("tabular: Row before Sheet")
	}
	c.record = c.record[:0]
	for _, v := range cells {
		cell := FormatCell(v, !c.opts.DecimalDot)
		if _, text := v.(string); text {
			cell = defuseFormula(cell)
		}
		c.record = append(c.record, cell)
	}
	return c.w.Write(c.record)
}

// defuseFormula keeps a text cell from being run as a formula when Excel or
// LibreOffice opens the CSV (CSV injection: a title "=HYPERLINK(...)" typed
// by a partner would become a live link or command in the CAF's export): a
// text starting with =, +, -, @, tab or carriage return gets a leading
// apostrophe, which spreadsheets read as "this is text". Numbers written as
// text ("-1,55", "+33") and list items ("- atelier") are left alone.
func defuseFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if len(s) > 1 && s[1] == ' ' {
			return s // a list ("- atelier"), not a formula
		}
		if _, err := strconv.ParseFloat(strings.Replace(s[1:], ",", ".", 1), 64); err == nil {
			return s
		}
		return "'" + s
	}
	return s
}

// Close flushes the buffered output.
func (c *CSVWriter) Close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return c.buf.Flush()
}

// FormatCell renders a cell value as text: numbers without exponent and
// without useless decimals, a decimal comma when asked, dates as YYYY-MM-DD.
func FormatCell(v any, decimalComma bool) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x, decimalComma)
	case *float64:
		if x == nil {
			return ""
		}
		return formatFloat(*x, decimalComma)
	case bool:
		if x {
			return "oui"
		}
		return "non"
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.Format("2006-01-02")
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64, decimalComma bool) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if decimalComma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
