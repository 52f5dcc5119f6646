package tabular

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestCSVWriterDefusesFormulas: a text cell that a spreadsheet would run as
// a formula is written with a leading apostrophe; numbers are untouched.
func TestCSVWriterDefusesFormulas(t *testing.T) {
	var b bytes.Buffer
	w := NewCSV(&b, CSVOptions{NoBOM: true, LF: true})
	w.Sheet("actions", []string{"title", "lon"})
	for _, r := range [][]any{
		{`=HYPERLINK("http://x";"clic")`, -1.55},
		{"+1+cmd", "-1,55"},
		{"-atelier", "+33"},
		{"@SUM(A1)", -2},
		{"\tx", "Atelier = rencontre"},
		{"- atelier\n- sortie", "+ 2"},
	} {
		if err := w.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	want := "title;lon\n" +
		"\"'=HYPERLINK(\"\"http://x\"\";\"\"clic\"\")\";-1,55\n" +
		"'+1+cmd;-1,55\n" +
		"'-atelier;+33\n" +
		"'@SUM(A1);-2\n" +
		"'\tx;Atelier = rencontre\n" +
		"\"- atelier\n- sortie\";+ 2\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestXLSXWriterNoFormulas: in XLSX, such a text stays a text cell, never a
// formula (and keeps its exact value).
func TestXLSXWriterNoFormulas(t *testing.T) {
	var b bytes.Buffer
	w, err := NewXLSX(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Sheet("actions", []string{"title"})
	w.Row(`=HYPERLINK("http://x";"clic")`)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	if formula, _ := f.GetCellFormula("actions", "A2"); formula != "" {
		t.Errorf("A2 is a formula: %q", formula)
	}
	if v, _ := f.GetCellValue("actions", "A2"); !strings.HasPrefix(v, "=HYPERLINK") {
		t.Errorf("A2 = %q", v)
	}
}
