package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// A dry run does not say it recorded anything; a file with only its
// header says there was no data line.
func TestImportWording(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	p := writeTestFile(t, dir, "actors.csv", "id;name;type\nX1;Association;association\n")
	code, out, errs := runMain("import", "actions", p, "--dry-run", "--db", db)
	if code != 0 || !strings.Contains(out, "1 seraient enregistrés") || strings.Contains(out, "1 enregistrés") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errs)
	}
	h := writeTestFile(t, dir, "vide.csv", "id;name;type\n")
	code, out, errs = runMain("import", "actions", h, "--db", db)
	if code != 0 || !strings.Contains(out, "aucune ligne de données") {
		t.Fatalf("header only: exit %d\n%s\n%s", code, out, errs)
	}
}
