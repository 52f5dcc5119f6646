package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"maillage/internal/store/storetest"
	"maillage/internal/testutil"
)

// mainOut runs maillage with args and returns its exit code, stdout and stderr.
func mainOut(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestDemoCommand loads the demo through the command line on both
// databases, refuses a second load without --force, reloads with it, then
// exports what it loaded.
func TestDemoCommand(t *testing.T) {
	dbs := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") },
		"postgres": func(t *testing.T) string { u, _ := storetest.NewPostgresSchema(t); return u },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			db := dbs[name](t)
			code, out, errs := mainOut("demo", "--db", db)
			if code != 0 || !strings.Contains(out, "60 communes") {
				t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
			}
			code, _, errs = mainOut("--db", db, "demo")
			if code != 1 || !strings.Contains(errs, "déjà chargée") || !strings.Contains(errs, "--force") {
				t.Fatalf("second demo: exit %d, %q", code, errs)
			}
			code, out, errs = mainOut("demo", "--force", "--db", db)
			if code != 0 || !strings.Contains(out, "rechargé") {
				t.Fatalf("demo --force: exit %d\n%s%s", code, out, errs)
			}

			dir := t.TempDir()
			csvPath := filepath.Join(dir, "actions.csv")
			code, out, errs = mainOut("export", "actions", "--db", db, "--out", csvPath, "--theme", "parentalite")
			if code != 0 {
				t.Fatalf("export: exit %d\n%s%s", code, out, errs)
			}
			b, err := os.ReadFile(csvPath)
			if err != nil || !bytes.HasPrefix(b, []byte("\xEF\xBB\xBFid;title;operator_id;")) || bytes.Count(b, []byte("\r\n")) < 20 {
				t.Fatalf("exported CSV: %v %.80q", err, b)
			}
			xlsx := filepath.Join(dir, "acteurs.xlsx")
			if code, _, errs := mainOut("export", "actors", "--out", xlsx, "--db", db); code != 0 {
				t.Fatalf("export actors xlsx: %s", errs)
			}
			f, err := excelize.OpenFile(xlsx)
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("actors")
			if len(rows) < 40 {
				t.Errorf("actors.xlsx has %d rows", len(rows))
			}
			code, out, _ = mainOut("export", "territories", "--format", "geojson", "--territory", "96", "--db", db)
			if code != 0 || !strings.HasPrefix(out, `{"type":"FeatureCollection"`) {
				t.Errorf("territories geojson to stdout: exit %d %.60q", code, out)
			}
			code, _, errs = mainOut("export", "fundings", "--format", "geojson", "--db", db, "--out", filepath.Join(dir, "f.geojson"))
			if code != 1 || !strings.Contains(errs, "geojson") {
				t.Errorf("fundings geojson: exit %d %q", code, errs)
			}
			if _, err := os.Stat(filepath.Join(dir, "f.geojson")); !os.IsNotExist(err) {
				t.Error("a failed export left a file behind")
			}
		})
	}
}

func TestTemplateCommand(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "modele.xlsx")
	code, out, errs := mainOut("template", "actions", "--format", "xlsx", "--out", x, "--db", filepath.Join(dir, "absent.db"))
	if code != 0 || !strings.Contains(out, x) {
		t.Fatalf("template xlsx: exit %d %s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "absent.db")); !os.IsNotExist(err) {
		t.Error("template created a database")
	}
	f, err := excelize.OpenFile(x)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.GetSheetList(), ","); got != "actors,actions,fundings,referentiels" {
		t.Errorf("sheets %s", got)
	}
	csvDir := filepath.Join(dir, "modele")
	if code, _, errs := mainOut("template", "actions", "--format", "csv", "--out", csvDir); code != 0 {
		t.Fatalf("template csv: %s", errs)
	}
	for _, name := range []string{"actors.csv", "actions.csv", "fundings.csv", "referentiels.csv"} {
		b, err := os.ReadFile(filepath.Join(csvDir, name))
		if err != nil || !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if code, _, errs := mainOut("template", "actions", "--format", "csv", "--out", filepath.Join(dir, "x.csv")); code != 1 || !strings.Contains(errs, "dossier") {
		t.Errorf("template csv into a file: exit %d %q", code, errs)
	}
	if code, out, _ := mainOut("template", "-h"); code != 0 || !strings.Contains(out, "Exemples") {
		t.Errorf("template -h: %d %q", code, out)
	}
}

func TestDemoNationalCommand(t *testing.T) {
	data := testutil.SharedData(t)
	out := filepath.Join(t.TempDir(), "nat")
	code, stdout, errs := mainOut("demo", "--scale", "national", "--cog", filepath.Join(data, "cog"), "--out", out, "--actions", "2000", "--departements", "18")
	if code != 0 || !strings.Contains(stdout, "2000 actions") {
		t.Fatalf("demo --scale national: exit %d\n%s%s", code, stdout, errs)
	}
	for _, name := range []string{"actors.csv", "actions.csv", "fundings.csv", "indicators.csv", "indicators-catalogue.csv", "points.csv", "README.txt"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	code, _, errs = mainOut("demo", "--scale", "national", "--out", out)
	if code != 1 || !strings.Contains(errs, "--cog") {
		t.Errorf("without --cog: exit %d %q", code, errs)
	}
	if code, out, _ := mainOut("demo", "-h"); code != 0 || !strings.Contains(out, "--scale national --cog") {
		t.Errorf("demo -h: %d %q", code, out)
	}
}
