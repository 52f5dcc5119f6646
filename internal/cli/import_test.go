package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maillage/internal/store/storetest"
)

func runMain(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportCommands runs the import commands end to end, as a user would,
// on a temporary SQLite file and on PostgreSQL.
func TestImportCommands(t *testing.T) {
	dbs := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") },
		"postgres": func(t *testing.T) string { u, _ := storetest.NewPostgresSchema(t); return u },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			db := dbs[name](t)
			cog := t.TempDir()
			writeTestFile(t, cog, "regions.json", `[{"code":"24","nom":"Centre-Val de Loire"}]`)
			writeTestFile(t, cog, "departements.json", `[{"code":"18","nom":"Cher","region":"24"}]`)
			writeTestFile(t, cog, "communes.json", `[
				{"code":"18033","nom":"Bourges","type":"commune-actuelle","departement":"18","region":"24","siren":"211800339","population":64186},
				{"code":"18023","nom":"Baugy","type":"commune-actuelle","departement":"18","region":"24","population":1598,"anciensCodes":["18123"]},
				{"code":"18003","nom":"Les Aix-d'Angillon","type":"commune-actuelle","departement":"18","region":"24","population":1877}]`)
			writeTestFile(t, cog, "epci.json", `[{"code":"200066330","nom":"CC Terres du Haut Berry","populationMunicipale":1877,"membres":[{"code":"18003"}]}]`)

			code, out, errs := runMain("import", "cog", cog, "--db", db)
			if code != 0 || !strings.Contains(out, "communes : 3 lus, 3 créés") || !strings.Contains(out, "Import terminé") {
				t.Fatalf("import cog: exit %d\n%s\n%s", code, out, errs)
			}
			// Plain progress lines on a non-terminal.
			if !strings.Contains(errs, "écriture de") {
				t.Errorf("no log lines on stderr: %q", errs)
			}
			code, out, _ = runMain("--db", db, "import", "cog", cog)
			if code != 0 || !strings.Contains(out, "3 inchangés") {
				t.Fatalf("re-import cog: exit %d\n%s", code, out)
			}

			dir := t.TempDir()
			writeTestFile(t, dir, "actors.csv", "id;name;type;siren;commune\nCAF18;CAF du Cher;caf;;18033\n")
			writeTestFile(t, dir, "actions.csv", "id;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description\n"+
				"A1;LAEP;CAF18;parentalite;parents;200066330;18123;12;2024-01-01;;laep;\n"+
				"A2;Ludothèque;CAF18;enfance;;18;;douze;;;;\n")
			// Refused: names the file, line and field; nothing written.
			code, out, errs = runMain("import", "actions", dir, "--db", db)
			if code != 1 || !strings.Contains(errs, `actions.csv, ligne 3, champ « capacity » : nombre invalide "douze"`) {
				t.Fatalf("bad actions: exit %d\n%s\n%s", code, out, errs)
			}
			code, out, _ = runMain("import", "actions", dir, "--dry-run", "--db", db)
			if code == 0 {
				t.Fatalf("dry run of a bad file succeeded:\n%s", out)
			}
			// --skip-invalid writes the good line and a rejects file.
			code, out, errs = runMain("import", "actions", dir, "--skip-invalid", "--db", db)
			if code != 0 || !strings.Contains(out, "actions : 2 lus, 1 créés") || !strings.Contains(out, "1 rejetés") ||
				!strings.Contains(out, "Fichier de rejets") || !strings.Contains(out, "code 18123 : commune fusionnée, rattachée à 18023 Baugy") {
				t.Fatalf("skip-invalid: exit %d\n%s\n%s", code, out, errs)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "actions.rejets.csv")); err != nil || !strings.Contains(string(b), "A2;Ludothèque") {
				t.Fatalf("rejects %q, %v", b, err)
			}
			// Indicators with renames, as for the INSEE files.
			ind := writeTestFile(t, dir, "filosofi.csv", "CODGEO;MED21;TP6021\n18033;21730;20,0\n18003;s;s\n")
			code, out, errs = runMain("import", "indicators", ind, "--territory-column", "CODGEO", "--year", "2021", "--map", "TP6021=taux_pauvrete", "--db", db)
			if code != 0 || !strings.Contains(out, "valeurs : 1 lus") || !strings.Contains(out, "1 ignorés") {
				t.Fatalf("indicators: exit %d\n%s\n%s", code, out, errs)
			}
			// Usage errors.
			if code, _, errs := runMain("import", "geo", "--db", db); code != 2 || !strings.Contains(errs, "Usage : maillage import geo FICHIER") {
				t.Fatalf("usage: exit %d %q", code, errs)
			}
			if code, _, errs := runMain("import", "points", filepath.Join(dir, "absent.csv"), "--db", db); code != 1 || !strings.Contains(errs, "introuvable") {
				t.Fatalf("missing file: exit %d %q", code, errs)
			}
			if code, _, errs := runMain("import", "actions", dir, "--visibility", "secret", "--db", db); code != 1 || !strings.Contains(errs, "visibilité inconnue") {
				t.Fatalf("bad visibility: exit %d %q", code, errs)
			}
		})
	}
}

func TestImportHelp(t *testing.T) {
	for _, sub := range []string{"cog", "geo", "points", "indicators", "actions", "data-inclusion"} {
		code, out, _ := runMain("import", sub, "-h")
		if code != 0 || !strings.Contains(out, "Exemple") || !strings.Contains(out, "maillage import "+sub) || !strings.Contains(out, "-skip-invalid") {
			t.Fatalf("import %s -h: exit %d\n%s", sub, code, out)
		}
	}
	code, out, _ := runMain("help")
	if code != 0 || !strings.Contains(out, "import data-inclusion FICHIER") {
		t.Fatalf("help:\n%s", out)
	}
}
