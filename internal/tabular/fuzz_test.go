package tabular

import (
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCSVReader feeds arbitrary bytes to the CSV reader: it must never panic,
// every row must have as many cells as the header, cells must be valid UTF-8,
// lines must increase, and errors must be LineErrors naming the file.
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{
		"id;name;capacity\nA1;Crèche;12,5\n",
		"\ufeffid,name\r\n1,\"a,b\"\r\n\r\n2,c\r\n",
		"a\tb\n1\t2\t3\t4\n",
		"id;name;;\n\n\nA;Cr\xe8che;;\n;;;\n",
		"\"unterminated;x\ny\n",
		"x\n\"a\"\"b\";c\n",
		"",
		"\n\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewCSVReader(strings.NewReader(string(data)), "f.csv")
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) || le.File != "f.csv" {
				t.Fatalf("error is not a LineError: %v", err)
			}
			return
		}
		n := len(r.Header().Raw)
		last := r.HeaderLine()
		for i := 0; i < 10000; i++ {
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var le *LineError
				if !errors.As(err, &le) || le.File != "f.csv" {
					t.Fatalf("error is not a LineError: %v", err)
				}
				return
			}
			if len(row.Cells) != n {
				t.Fatalf("row has %d cells, header %d", len(row.Cells), n)
			}
			if row.Line <= last {
				t.Fatalf("line %d after %d", row.Line, last)
			}
			last = row.Line
			for _, c := range row.Cells {
				if !utf8.ValidString(c) {
					t.Fatalf("invalid UTF-8 cell %q", c)
				}
			}
		}
	})
}

// FuzzParseNumber: no panic, never NaN or Inf, and a number formatted the
// French way parses back to itself.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"12,5", "1 234", "1.234,5", "1,5E+06", "-0,001", "douze", "1e400", "NaN", "", " ", "1\u00a0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseNumber(s)
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("ParseNumber(%q) = %v", s, v)
		}
		if err == nil {
			// Round trip through the French decimal comma.
			fr := strings.Replace(strconv.FormatFloat(v, 'g', -1, 64), ".", ",", 1)
			w, err := ParseNumber(fr)
			if err != nil || w != v {
				t.Fatalf("round trip %q → %v → %q → %v, %v", s, v, fr, w, err)
			}
		}
	})
}
