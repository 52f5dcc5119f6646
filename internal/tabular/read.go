// Package tabular reads and writes spreadsheets the way people exchange
// them: CSV exported by hand from Excel or LibreOffice (`;`, `,` or tab,
// UTF-8 with or without BOM or Windows-1252, CRLF, blank lines, trailing
// empty columns, decimal commas) and XLSX workbooks.
//
// Reading gives rows that know their file, sheet and line, so that every
// error can name them (see LineError).
package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"maillage/internal/domain"
)

// Limits applied when opening XLSX files: a workbook may not unzip to more
// than XLSXUnzipLimit bytes, and worksheets larger than XLSXMemoryLimit are
// extracted to a temporary file instead of memory.
const (
	XLSXUnzipLimit  = 2 << 30
	XLSXMemoryLimit = 8 << 20
)

// ListSep separates the values of a list inside one cell ("parentalite|enfance").
const ListSep = "|"

// Reader reads the rows of one CSV file or one XLSX sheet. The first
// non-blank line is the header.
type Reader struct {
	file   string // base name, for messages
	sheet  string
	header *Header
	warn   []string

	headerLine  int
	lineOffset  int // blank lines before the header, which encoding/csv did not see
	extraWarned bool
	reuse       bool
	row         *Row // the row handed out again when reuse is set

	// CSV
	csv     *csv.Reader
	counter *countingReader
	closer  io.Closer
	size    int64

	// XLSX
	xf   *excelize.File
	rows *excelize.Rows
	line int
}

// Header is the header line of a file: its original names and their
// normalised forms.
type Header struct {
	Raw   []string // as written, trailing empty names removed
	Names []string // normalised (see NormalizeName)
	index map[string]int
}

// Index returns the column index of a (normalised or not) name, -1 if absent.
func (h *Header) Index(name string) int {
	if i, ok := h.index[name]; ok { // already normalised: the usual case
		return i
	}
	if i, ok := h.index[NormalizeName(name)]; ok {
		return i
	}
	return -1
}

// Row is one data line of a file.
type Row struct {
	File  string
	Sheet string
	Line  int
	// Cells are the raw cell values, trimmed, as many as the header has
	// columns (missing trailing cells are empty).
	Cells  []string
	header *Header
	xlsx   bool
}

// Open opens a CSV or XLSX file (by extension: .xlsx, .xlsm are workbooks,
// anything else is read as CSV). For a workbook, sheet names the sheet
// (matched ignoring case and accents); empty means the first sheet.
func Open(path, sheet string) (*Reader, error) {
	if IsXLSX(path) {
		return OpenXLSX(path, sheet)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	r, err := NewCSVReader(f, filepath.Base(path))
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer, r.size = f, size
	return r, nil
}

// IsXLSX reports whether a path names an Excel workbook.
func IsXLSX(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
		return true
	}
	return false
}

func openError(path string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return domain.Errorf(domain.ENOTFOUND, "fichier introuvable : %s", path)
	}
	return domain.Errorf(domain.EINVALID, "impossible d'ouvrir %s : %v", path, err)
}

// NewCSVReader reads CSV from r; name is used in messages. The separator
// (`;`, `,` or tab) is sniffed from the header line, the encoding (UTF-8,
// with or without BOM, or Windows-1252) line by line.
func NewCSVReader(r io.Reader, name string) (*Reader, error) {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	dec := &decodingReader{br: br}
	// Sniff the separator on the first non-blank line, then replay it.
	var first []byte
	for {
		line, err := dec.readLine()
		if len(bytes.TrimSpace(line)) > 0 {
			first = line
			break
		}
		if err != nil {
			if err == io.EOF {
				return nil, &LineError{File: name, Line: 1, Reason: "fichier vide : une ligne d'en-tête est attendue"}
			}
			return nil, &LineError{File: name, Reason: "lecture impossible : " + err.Error()}
		}
	}
	dec.pending = first
	c := csv.NewReader(dec)
	c.Comma = SniffSeparator(first)
	c.FieldsPerRecord = -1
	c.LazyQuotes = true
	c.ReuseRecord = true
	rd := &Reader{file: name, csv: c, counter: cr}
	rec, err := c.Read()
	if err != nil {
		return nil, &LineError{File: name, Line: 1, Reason: "en-tête illisible : " + err.Error()}
	}
	line, _ := c.FieldPos(0)
	line += dec.skipped
	if err := rd.setHeader(rec, line); err != nil {
		return nil, err
	}
	rd.lineOffset = dec.skipped
	return rd, nil
}

// SniffSeparator returns the separator of a header line: the most frequent
// of `;`, `,` and tab outside double quotes (`;` on a tie or when none occurs).
func SniffSeparator(line []byte) rune {
	var semi, comma, tab int
	inQuote := false
	for _, c := range line {
		switch c {
		case '"':
			inQuote = !inQuote
		case ';':
			if !inQuote {
				semi++
			}
		case ',':
			if !inQuote {
				comma++
			}
		case '\t':
			if !inQuote {
				tab++
			}
		}
	}
	switch {
	case tab > semi && tab > comma:
		return '\t'
	case comma > semi:
		return ','
	}
	return ';'
}

// OpenXLSX opens one sheet of a workbook, streaming its rows.
func OpenXLSX(path, sheet string) (*Reader, error) {
	f, err := excelize.OpenFile(path, excelize.Options{
		UnzipSizeLimit:    XLSXUnzipLimit,
		UnzipXMLSizeLimit: XLSXMemoryLimit,
		RawCellValue:      true,
	})
	if err != nil {
		return nil, openError(path, err)
	}
	name := filepath.Base(path)
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, &LineError{File: name, Reason: "classeur sans feuille"}
	}
	found := sheets[0]
	if sheet != "" {
		found = ""
		for _, s := range sheets {
			if NormalizeName(s) == NormalizeName(sheet) {
				found = s
				break
			}
		}
		if found == "" {
			f.Close()
			return nil, &LineError{File: name, Sheet: sheet, Reason: fmt.Sprintf("feuille introuvable (feuilles du classeur : %s)", strings.Join(sheets, ", "))}
		}
	}
	rows, err := f.Rows(found)
	if err != nil {
		f.Close()
		return nil, &LineError{File: name, Sheet: found, Reason: "feuille illisible : " + err.Error()}
	}
	rd := &Reader{file: name, sheet: found, xf: f, rows: rows}
	for {
		rec, line, err := rd.nextXLSX()
		if err == io.EOF {
			rd.Close()
			return nil, &LineError{File: name, Sheet: found, Line: 1, Reason: "feuille vide : une ligne d'en-tête est attendue"}
		}
		if err != nil {
			rd.Close()
			return nil, err
		}
		if blank(rec) {
			continue
		}
		if err := rd.setHeader(rec, line); err != nil {
			rd.Close()
			return nil, err
		}
		return rd, nil
	}
}

// SheetNames lists the sheets of a workbook.
func SheetNames(path string) ([]string, error) {
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: XLSXUnzipLimit, UnzipXMLSizeLimit: XLSXMemoryLimit})
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	return f.GetSheetList(), nil
}

func (r *Reader) nextXLSX() ([]string, int, error) {
	if !r.rows.Next() {
		if err := r.rows.Error(); err != nil {
			return nil, 0, &LineError{File: r.file, Sheet: r.sheet, Line: r.line + 1, Reason: "lecture impossible : " + err.Error()}
		}
		return nil, 0, io.EOF
	}
	r.line++
	rec, err := r.rows.Columns()
	if err != nil {
		return nil, 0, &LineError{File: r.file, Sheet: r.sheet, Line: r.line, Reason: "ligne illisible : " + err.Error()}
	}
	return rec, r.line, nil
}

func (r *Reader) setHeader(rec []string, line int) error {
	raw := make([]string, len(rec))
	for i, c := range rec {
		raw[i] = strings.TrimSpace(c)
	}
	for len(raw) > 0 && raw[len(raw)-1] == "" {
		raw = raw[:len(raw)-1]
	}
	h := &Header{Raw: raw, Names: make([]string, len(raw)), index: make(map[string]int, len(raw))}
	for i, c := range raw {
		n := NormalizeName(c)
		h.Names[i] = n
		if n == "" {
			r.warn = append(r.warn, fmt.Sprintf("%s : colonne %d sans nom ignorée", r.where(line), i+1))
			continue
		}
		if j, dup := h.index[n]; dup {
			return &LineError{File: r.file, Sheet: r.sheet, Line: line, Field: c,
				Reason: fmt.Sprintf("colonne en double (colonnes %d et %d)", j+1, i+1)}
		}
		h.index[n] = i
	}
	r.header = h
	r.headerLine = line
	return nil
}

func (r *Reader) where(line int) string {
	e := LineError{File: r.file, Sheet: r.sheet, Line: line}
	s := e.Error()
	return strings.TrimSuffix(s, " : ")
}

// File returns the base name of the file.
func (r *Reader) File() string { return r.file }

// Sheet returns the sheet being read (empty for CSV).
func (r *Reader) Sheet() string { return r.sheet }

// Header returns the header line.
func (r *Reader) Header() *Header { return r.header }

// HeaderLine returns the line number of the header.
func (r *Reader) HeaderLine() int { return r.headerLine }

// Has reports whether the file has a column (name matched after normalisation).
func (r *Reader) Has(name string) bool { return r.header.Index(name) >= 0 }

// Require checks that the header has every named column; the error names the
// first missing one and lists the columns found.
func (r *Reader) Require(names ...string) error {
	for _, n := range names {
		if !r.Has(n) {
			return &LineError{File: r.file, Sheet: r.sheet, Line: r.headerLine, Field: n,
				Reason: fmt.Sprintf("colonne obligatoire absente (colonnes trouvées : %s)", strings.Join(r.header.Raw, ", "))}
		}
	}
	return nil
}

// Warnings returns what the reader noticed and worked around (nameless
// columns, cells beyond the header).
func (r *Reader) Warnings() []string { return r.warn }

// Progress returns the bytes read so far and the file size (CSV), or the
// rows read so far and 0 (XLSX: the total is not known while streaming).
func (r *Reader) Progress() (done, total int64) {
	if r.counter != nil {
		return r.counter.n, r.size
	}
	return int64(r.line), 0
}

// ReuseRows makes Next hand out the same Row, cells included, overwritten by
// each call: a caller that keeps a row past the next call must Clone it. It
// saves two allocations per line on files of millions of lines.
func (r *Reader) ReuseRows() { r.reuse = true }

// Clone returns a copy of the row that a later Next does not overwrite.
func (row *Row) Clone() *Row {
	c := *row
	c.Cells = slices.Clone(row.Cells)
	return &c
}

// Next returns the next non-blank row, or io.EOF. Rows are fresh values
// that the caller may keep, unless ReuseRows was called.
func (r *Reader) Next() (*Row, error) {
	for {
		var rec []string
		var line int
		if r.csv != nil {
			var err error
			rec, err = r.csv.Read()
			if err == io.EOF {
				return nil, io.EOF
			}
			line, _ = r.csv.FieldPos(0)
			line += r.lineOffset
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return nil, &LineError{File: r.file, Line: pe.StartLine + r.lineOffset, Reason: "ligne illisible : " + pe.Err.Error()}
				}
				return nil, &LineError{File: r.file, Line: line, Reason: "lecture impossible : " + err.Error()}
			}
		} else {
			var err error
			rec, line, err = r.nextXLSX()
			if err != nil {
				return nil, err
			}
		}
		if blank(rec) {
			continue
		}
		n := len(r.header.Raw)
		var cells []string
		if r.reuse && r.row != nil {
			cells = r.row.Cells[:n]
			clear(cells)
		} else {
			cells = make([]string, n)
		}
		for i, c := range rec {
			c = strings.TrimSpace(c)
			if i >= n {
				if c != "" && !r.extraWarned {
					r.extraWarned = true
					r.warn = append(r.warn, fmt.Sprintf("%s : cellules au-delà de la dernière colonne nommée ignorées", r.where(line)))
				}
				continue
			}
			cells[i] = c
		}
		if r.reuse {
			if r.row == nil {
				r.row = &Row{}
			}
			*r.row = Row{File: r.file, Sheet: r.sheet, Line: line, Cells: cells, header: r.header, xlsx: r.xf != nil}
			return r.row, nil
		}
		return &Row{File: r.file, Sheet: r.sheet, Line: line, Cells: cells, header: r.header, xlsx: r.xf != nil}, nil
	}
}

// Close releases the file.
func (r *Reader) Close() error {
	var err error
	if r.rows != nil {
		err = r.rows.Close()
		r.rows = nil
	}
	if r.xf != nil {
		if e := r.xf.Close(); err == nil {
			err = e
		}
		r.xf = nil
	}
	if r.closer != nil {
		if e := r.closer.Close(); err == nil {
			err = e
		}
		r.closer = nil
	}
	return err
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Header returns the header of the row's file.
func (row *Row) Header() *Header { return row.header }

// Get returns the trimmed value of a column ("" when the column is absent).
func (row *Row) Get(name string) string {
	if i := row.header.Index(name); i >= 0 {
		return row.Cells[i]
	}
	return ""
}

// At returns the value of column i.
func (row *Row) At(i int) string {
	if i < 0 || i >= len(row.Cells) {
		return ""
	}
	return row.Cells[i]
}

// Errorf returns a LineError for a field of this row.
func (row *Row) Errorf(field, format string, args ...any) *LineError {
	return &LineError{File: row.File, Sheet: row.Sheet, Line: row.Line, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Float reads a number column; ok is false for an empty cell.
func (row *Row) Float(field string) (v float64, ok bool, err error) {
	return row.FloatAt(field, row.header.Index(field))
}

// FloatAt reads the number in column i, named field in messages.
func (row *Row) FloatAt(field string, i int) (v float64, ok bool, err error) {
	s := row.At(i)
	if s == "" {
		return 0, false, nil
	}
	f, perr := ParseNumber(s)
	if perr != nil {
		return 0, false, row.Errorf(field, "nombre invalide %q", s)
	}
	return f, true, nil
}

// Int reads an integer column (a year); ok is false for an empty cell.
func (row *Row) Int(field string) (v int, ok bool, err error) {
	return row.IntAt(field, row.header.Index(field))
}

// IntAt reads the integer in column i, named field in messages.
func (row *Row) IntAt(field string, i int) (v int, ok bool, err error) {
	s := row.At(i)
	if s == "" {
		return 0, false, nil
	}
	f, perr := ParseNumber(s)
	if perr != nil || f != math.Trunc(f) || math.Abs(f) > 1e15 {
		return 0, false, row.Errorf(field, "nombre entier invalide %q", s)
	}
	return int(f), true, nil
}

// List splits a list cell ("a|b | c") into trimmed non-empty values.
func (row *Row) List(field string) []string { return SplitList(row.Get(field)) }

// SplitList splits a cell on ListSep, trimming values and dropping empty ones.
func SplitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ListSep)
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Date reads a date column: ISO (2024-09-01), French (01/09/2024) or, in a
// workbook, an Excel date serial number. nil for an empty cell.
func (row *Row) Date(field string) (*domain.Date, error) {
	s := row.Get(field)
	if s == "" {
		return nil, nil
	}
	if row.xlsx && allDigitsOrPoint(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 2958466 {
			t, err := excelize.ExcelDateToTime(f, false)
			if err == nil {
				d := domain.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
				return &d, nil
			}
		}
	}
	// A datetime written by a spreadsheet: keep the day.
	if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
		if _, err := domain.ParseDate(s[:10]); err == nil {
			s = s[:10]
		}
	}
	d, err := domain.ParseDate(s)
	if err != nil {
		return nil, row.Errorf(field, "date invalide %q (attendu AAAA-MM-JJ ou JJ/MM/AAAA)", s)
	}
	return &d, nil
}

func allDigitsOrPoint(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// countingReader counts the bytes read, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decodingReader hands lines to encoding/csv after removing a leading BOM and
// converting Windows-1252 to UTF-8: from the first line that is not valid
// UTF-8 on, the whole rest of the file is decoded as Windows-1252 (lines
// before it were valid UTF-8, which for a Windows-1252 file means ASCII).
type decodingReader struct {
	br      *bufio.Reader
	pending []byte // decoded bytes not yet handed out
	started bool
	cp1252  bool
	skipped int // blank lines dropped before the header
	err     error

	headerSeen bool
}

// readLine returns the next decoded line, newline included. Blank lines
// before the header are counted so line numbers stay right.
func (d *decodingReader) readLine() ([]byte, error) {
	// ReadSlice hands out the buffered bytes without a copy (the caller
	// copies them out before the next read); ReadBytes, which allocates,
	// only for a line longer than the buffer.
	line, err := d.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		rest, rerr := d.br.ReadBytes('\n')
		line, err = append(slices.Clone(line), rest...), rerr
	}
	if !d.started {
		d.started = true
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	if len(line) > 0 {
		if !d.cp1252 && !utf8.Valid(line) {
			d.cp1252 = true
		}
		if d.cp1252 {
			if dec, derr := charmap.Windows1252.NewDecoder().Bytes(line); derr == nil {
				line = dec
			}
		}
	}
	if len(bytes.TrimSpace(line)) == 0 && err == nil && d.pending == nil && !d.headerSeen {
		d.skipped++
	}
	return line, err
}

func (d *decodingReader) Read(p []byte) (int, error) {
	d.headerSeen = true
	for len(d.pending) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		d.pending, d.err = d.readLine()
	}
	n := copy(p, d.pending)
	d.pending = d.pending[n:]
	return n, nil
}
