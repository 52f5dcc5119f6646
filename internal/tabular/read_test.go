package tabular

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

type readRow struct {
	Line  int
	Cells []string
}

func readAll(t *testing.T, r *Reader) []readRow {
	t.Helper()
	var out []readRow
	for {
		row, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, readRow{row.Line, row.Cells})
	}
}

func TestCSVVariants(t *testing.T) {
	want := []readRow{{2, []string{"A1", "Crèche « Les Lutins »", "12,5"}}, {3, []string{"A2", "Élan; ou pas", "1 234"}}}
	cases := []struct {
		name string
		data string
		want []readRow
	}{
		{"semicolon", "id;name;capacity\nA1;Crèche « Les Lutins »;12,5\nA2;\"Élan; ou pas\";1 234\n", want},
		{"comma", "id,name,capacity\nA1,Crèche « Les Lutins »,\"12,5\"\nA2,Élan; ou pas,1 234\n", want},
		{"tab", "id\tname\tcapacity\nA1\tCrèche « Les Lutins »\t12,5\nA2\tÉlan; ou pas\t1 234\n", want},
		{"bom crlf", "\ufeffid;name;capacity\r\nA1;Crèche « Les Lutins »;12,5\r\nA2;\"Élan; ou pas\";1 234\r\n", want},
		{"windows-1252", "id;name;capacity\nA1;Cr\xe8che \xab Les Lutins \xbb;12,5\nA2;\"\xc9lan; ou pas\";1 234\n", want},
		{"blank lines and trailing columns", "\n\nid;name;capacity;;\n\nA1;Crèche « Les Lutins »;12,5;;\n;;;;\nA2;\"Élan; ou pas\";1 234\n\n",
			[]readRow{{5, want[0].Cells}, {7, want[1].Cells}}},
		{"quoted separators in header", "\"id;x\",name,capacity\nA1,Crèche « Les Lutins »,\"12,5\"\nA2,Élan; ou pas,1 234\n", want},
		{"short rows padded", "id;name;capacity\nA1;Crèche « Les Lutins »;12,5\nA2;\"Élan; ou pas\";1 234", want},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewCSVReader(strings.NewReader(c.data), "actions.csv")
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Header().Names[1]; got != "name" {
				t.Fatalf("header = %q", r.Header().Names)
			}
			got := readAll(t, r)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("rows =\n%v\nwant\n%v", got, c.want)
			}
		})
	}
}

func TestHeaderNormalisation(t *testing.T) {
	r, err := NewCSVReader(strings.NewReader(" ID ;Date de Début;Opérateur-Id\n1;2;3\n"), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Header().Names, []string{"id", "date_de_debut", "operateur_id"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("names = %q, want %q", got, want)
	}
	row, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if row.Get("opérateur id") != "3" || row.Get("DATE DE DEBUT") != "2" {
		t.Fatalf("Get by spelling failed: %q", row.Cells)
	}
	if err := r.Require("id", "titre"); err == nil || !strings.Contains(err.Error(), "« titre »") || !strings.Contains(err.Error(), "x.csv, ligne 1") {
		t.Fatalf("Require error = %v", err)
	}
}

func TestDuplicateHeader(t *testing.T) {
	_, err := NewCSVReader(strings.NewReader("id;Name;name\n"), "a.csv")
	if err == nil || !strings.Contains(err.Error(), "colonne en double") {
		t.Fatalf("err = %v", err)
	}
}

func TestEmptyFile(t *testing.T) {
	for _, data := range []string{"", "\n\n", "\ufeff"} {
		if _, err := NewCSVReader(strings.NewReader(data), "a.csv"); err == nil || !strings.Contains(err.Error(), "vide") {
			t.Fatalf("%q: err = %v", data, err)
		}
	}
}

func TestRowErrors(t *testing.T) {
	r, err := NewCSVReader(strings.NewReader("id;capacity;start_date;year\n\nA;douze;31/02/2024;2024,5\n"), "actions.csv")
	if err != nil {
		t.Fatal(err)
	}
	row, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = row.Float("capacity")
	if want := `actions.csv, ligne 3, champ « capacity » : nombre invalide "douze"`; err == nil || err.Error() != want {
		t.Fatalf("Float err = %v, want %s", err, want)
	}
	var le *LineError
	if !errors.As(err, &le) || le.Line != 3 || le.Field != "capacity" {
		t.Fatalf("not a LineError: %#v", err)
	}
	if _, err := row.Date("start_date"); err == nil || !strings.Contains(err.Error(), "ligne 3, champ « start_date » : date invalide") {
		t.Fatalf("Date err = %v", err)
	}
	if _, _, err := row.Int("year"); err == nil || !strings.Contains(err.Error(), "« year »") {
		t.Fatalf("Int err = %v", err)
	}
}

func TestSplitList(t *testing.T) {
	if got := SplitList(" a | b||c |"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("got %q", got)
	}
	if SplitList(" | ") != nil {
		t.Fatal("want nil")
	}
}

func TestParseNumber(t *testing.T) {
	ok := map[string]float64{
		"12": 12, "12,5": 12.5, "12.5": 12.5, "-3,25": -3.25, "+4": 4, "1 234": 1234,
		"1\u00a0234,5": 1234.5, "1\u202f234": 1234, "1.234,5": 1234.5, "1,234.5": 1234.5,
		"1.234.567": 1234567, "1,234,567": 1234567, "1,5E+06": 1.5e6, "2e3": 2000, ",5": 0.5,
		" 17,0 ": 17, "0": 0, "1,234": 1.234,
	}
	for s, want := range ok {
		got, err := ParseNumber(s)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"douze", "NaN", "Inf", "-inf", "0x10", "1_000", "1,2,3", "1.2.3", "1,23,4.5", "12,5,", "e5", "1e", "1e+", "--1", "1.2,3.4", ".", ",", "-", "12 %", "1.23,4.5"} {
		if v, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) = %v, want an error", s, v)
		}
	}
	if _, err := ParseNumber("  "); err != ErrEmpty {
		t.Errorf("empty: %v", err)
	}
}

func TestXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "modele.xlsx")
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "Actors")
	f.NewSheet("Actions")
	rows := [][]any{
		{"id", "Title ", "capacity", "start_date", ""},
		{},
		{"A1", "Crèche", 12.5, 45292, nil},
		{"A2", "LAEP", "douze", "01/09/2024"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Actions", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	names, err := SheetNames(path)
	if err != nil || !reflect.DeepEqual(names, []string{"Actors", "Actions"}) {
		t.Fatalf("sheets = %v, %v", names, err)
	}
	r, err := Open(path, "actions")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	row, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if row.Line != 3 || row.Get("title") != "Crèche" {
		t.Fatalf("row = %+v", row)
	}
	if v, _, err := row.Float("capacity"); err != nil || v != 12.5 {
		t.Fatalf("capacity = %v, %v", v, err)
	}
	if d, err := row.Date("start_date"); err != nil || d.String() != "2024-01-01" {
		t.Fatalf("date = %v, %v", d, err)
	}
	row, err = r.Next()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = row.Float("capacity")
	if want := `modele.xlsx, feuille « Actions », ligne 4, champ « capacity » : nombre invalide "douze"`; err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if d, err := row.Date("start_date"); err != nil || d.String() != "2024-09-01" {
		t.Fatalf("date = %v, %v", d, err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
	if _, err := Open(path, "fundings"); err == nil || !strings.Contains(err.Error(), "feuille introuvable") {
		t.Fatalf("missing sheet: %v", err)
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope.csv"), "")
	if err == nil || !strings.Contains(err.Error(), "introuvable") {
		t.Fatalf("err = %v", err)
	}
	p := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(p, []byte("a;b\n1;2\n"), 0o644)
	r, err := Open(p, "")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, r)
	if done, total := r.Progress(); done != total || total != 8 {
		t.Fatalf("progress %d/%d", done, total)
	}
	r.Close()
}
