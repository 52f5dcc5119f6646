package tabular

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestCSVWriterExcelFormat(t *testing.T) {
	var b bytes.Buffer
	w := NewCSV(&b, CSVOptions{})
	if err := w.Sheet("x", []string{"id", "name", "amount", "date", "empty"}); err != nil {
		t.Fatal(err)
	}
	v := 12.5
	rows := [][]any{
		{"a1", `Ateliers "parents"; enfants`, 1500.0, time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), nil},
		{int64(2), "ligne\nsuivante", &v, time.Time{}, (*float64)(nil)},
		{3, "NaN", math.NaN(), "", true},
	}
	for _, r := range rows {
		if err := w.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Row("x"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFid;name;amount;date;empty\r\n" +
		"a1;\"Ateliers \"\"parents\"\"; enfants\";1500;2024-09-01;\r\n" +
		"2;\"ligne\r\nsuivante\";12,5;;\r\n" +
		"3;NaN;;;oui\r\n" +
		"x\r\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if err := w.Sheet("y", nil); err == nil {
		t.Error("a second sheet in a CSV file was accepted")
	}
}

func TestCSVWriterReadsBack(t *testing.T) {
	var b bytes.Buffer
	w := NewCSV(&b, CSVOptions{})
	w.Sheet("actions", []string{"id", "title", "capacity"})
	w.Row("A1", "Café des parents ; «  Le Lien »", 12.5)
	w.Row("A2", `Dit "bonjour"`, 30.0)
	w.Close()
	r, err := NewCSVReader(bytes.NewReader(b.Bytes()), "actions.csv")
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.Cells)
	}
	if len(got) != 2 || got[0][1] != "Café des parents ; «  Le Lien »" || got[1][1] != `Dit "bonjour"` {
		t.Fatalf("read back %q", got)
	}
	if n, err := ParseNumber(got[0][2]); err != nil || n != 12.5 {
		t.Errorf("decimal comma read back as %v, %v", n, err)
	}
}

func TestCSVWriterOptions(t *testing.T) {
	var b bytes.Buffer
	w := NewCSV(&b, CSVOptions{NoBOM: true, LF: true, DecimalDot: true, Comma: ','})
	w.Sheet("x", []string{"a", "b"})
	w.Row(1.25, "c,d")
	w.Close()
	if got := b.String(); got != "a,b\n1.25,\"c,d\"\n" {
		t.Errorf("got %q", got)
	}
}

func TestXLSXWriter(t *testing.T) {
	var b bytes.Buffer
	w, err := NewXLSX(&b)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Row("x"); err == nil {
		t.Error("Row before Sheet accepted")
	}
	w.Sheet("actions", []string{"id", "capacity", "start"})
	w.Row("A1", 12.5, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC))
	w.Row("A2", nil, time.Time{})
	w.Sheet("fundings/2024", []string{"action_id", "amount"})
	w.Row("A1", int64(1000))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.xlsx")
	os.WriteFile(path, b.Bytes(), 0o644)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.GetSheetList(), ","); got != "actions,fundings_2024" {
		t.Errorf("sheets %s", got)
	}
	rows, _ := f.GetRows("actions")
	if len(rows) != 3 || rows[1][1] != "12.5" || rows[1][2] != "2024-01-02" {
		t.Errorf("rows %q", rows)
	}
	typ, _ := f.GetCellType("actions", "B2")
	if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("capacity cell type %v, want a number", typ)
	}
	style, _ := f.GetCellStyle("actions", "A1")
	if st, _ := f.GetStyle(style); st == nil || st.Font == nil || !st.Font.Bold {
		t.Error("header not bold")
	}
	// The reading side of this package reads what the writer wrote.
	r, err := OpenXLSX(path, "fundings_2024")
	if err != nil {
		t.Fatal(err)
	}
	row, err := r.Next()
	if err != nil || row.Cells[0] != "A1" || row.Cells[1] != "1000" {
		t.Errorf("read back %v, %v", row, err)
	}
}
