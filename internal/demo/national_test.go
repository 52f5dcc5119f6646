package demo

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/testutil"
)

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	return n - 1 // header
}

// TestNationalReduced runs the generator on two départements with 10,000
// actions: same options, byte-identical files; the row counts add up; every
// reference points at an existing row.
func TestNationalReduced(t *testing.T) {
	data := testutil.SharedData(t)
	opts := NationalOptions{
		COGDir: filepath.Join(data, "cog"), GeoDir: filepath.Join(data, "geo"),
		Actions: 10000, Departements: []string{"18", "36"},
	}
	dirs := []string{t.TempDir(), t.TempDir()}
	var reps []*NationalReport
	for _, dir := range dirs {
		o := opts
		o.OutDir = dir
		rep, err := National(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	for _, name := range reps[0].Files {
		a, err := os.ReadFile(filepath.Join(dirs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dirs[1], name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "README.txt" {
			a = bytes.ReplaceAll(a, []byte(dirs[0]), nil)
			b = bytes.ReplaceAll(b, []byte(dirs[1]), nil)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	rep, dir := reps[0], dirs[0]
	// Cher 286 communes + Indre (COG 2026).
	if rep.Communes < 500 || rep.Communes > 600 {
		t.Errorf("%d communes for 18 and 36", rep.Communes)
	}
	if got := countLines(t, filepath.Join(dir, "actions.csv")); got != 10000 || rep.Actions != 10000 {
		t.Errorf("actions.csv has %d rows (report %d), want 10000", got, rep.Actions)
	}
	if got, want := countLines(t, filepath.Join(dir, "indicators.csv")), rep.Communes*30*NationalYears; got != want || rep.Values != want {
		t.Errorf("indicators.csv has %d rows (report %d), want %d", got, rep.Values, want)
	}
	if got := countLines(t, filepath.Join(dir, "fundings.csv")); got != rep.Fundings || got < 15000 || got > 25000 {
		t.Errorf("fundings.csv has %d rows (report %d), want about 2 per action", got, rep.Fundings)
	}
	if got := countLines(t, filepath.Join(dir, "points.csv")); got != rep.Communes || rep.PointsFromOutlines < 280 {
		t.Errorf("points.csv has %d rows for %d communes (%d from outlines)", got, rep.Communes, rep.PointsFromOutlines)
	}
	if got := countLines(t, filepath.Join(dir, "indicators-catalogue.csv")); got != 30 {
		t.Errorf("catalogue has %d indicators, want 30", got)
	}
	// Headers are the template's; references resolve.
	ref := domain.DefaultReferentials()
	actors := readTable(t, filepath.Join(dir, "actors.csv"), "id;name;type;siren;commune")
	ids := map[string]bool{}
	for _, r := range actors {
		ids[r[0]] = true
		if !ref.Has(domain.RefActorType, r[2]) || (r[3] != "" && !domain.IsSIREN(r[3])) || !domain.IsCommuneCode(r[4]) {
			t.Fatalf("bad actor row %v", r)
		}
	}
	actions := readTable(t, filepath.Join(dir, "actions.csv"), "id;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description")
	actionIDs := map[string]bool{}
	for _, r := range actions {
		actionIDs[r[0]] = true
		if !ids[r[2]] {
			t.Fatalf("action %s: unknown operator %s", r[0], r[2])
		}
		for _, th := range strings.Split(r[3], "|") {
			if !ref.Has(domain.RefTheme, th) {
				t.Fatalf("action %s: unknown theme %s", r[0], th)
			}
		}
	}
	for _, r := range readTable(t, filepath.Join(dir, "fundings.csv"), "action_id;funder_id;year;amount") {
		if !actionIDs[r[0]] || !ids[r[1]] {
			t.Fatalf("funding %v: unknown action or funder", r)
		}
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "README.txt"))
	if !strings.Contains(string(readme), "maillage import actions "+dir) {
		t.Errorf("README lacks the import command:\n%s", readme)
	}
}

func readTable(t *testing.T, path, header string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0] != header {
		t.Fatalf("%s: header %q, want %q", path, lines[0], header)
	}
	n := strings.Count(header, ";") + 1
	var rows [][]string
	for i, l := range lines[1:] {
		r := strings.Split(l, ";")
		if len(r) != n {
			t.Fatalf("%s:%d: %d fields, want %d", path, i+2, len(r), n)
		}
		rows = append(rows, r)
	}
	return rows
}

// BenchmarkNational generates one département's set (Cher, 10,000 actions).
func BenchmarkNational(b *testing.B) {
	data := testutil.SharedData(b)
	for b.Loop() {
		_, err := National(context.Background(), NationalOptions{
			COGDir: filepath.Join(data, "cog"), OutDir: b.TempDir(), Actions: 10000, Departements: []string{"18"},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
