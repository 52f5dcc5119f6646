package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorPrefix: an error starts with the command as the user typed it,
// not with its usage line and placeholders.
func TestErrorPrefix(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "fundings", "--format", "geojson"}, "maillage export : "},
		{[]string{"import", "data-inclusion", filepath.Join(t.TempDir(), "absent.json")}, "maillage import data-inclusion : "},
		{[]string{"template", "actions", "--format", "pdf"}, "maillage template : "},
	} {
		code, _, stderr := runMain(append([]string{"--db", db}, tc.args...)...)
		if code == 0 {
			t.Errorf("%v: exit 0", tc.args)
		}
		if !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("%v: stderr %q, want prefix %q", tc.args, stderr, tc.want)
		}
		if first, _, _ := strings.Cut(stderr, "\n"); strings.Contains(first, "KIND") || strings.Contains(first, "FICHIER :") || strings.Contains(first, "[--") {
			t.Errorf("%v: error line shows the usage placeholders: %q", tc.args, first)
		}
	}
}

// TestFlagBeforeSubcommand: a flag and its value between the command and its
// subcommand ("maillage import --db x.db cog DIR") still select the
// subcommand, as flags work before or after the arguments.
func TestFlagBeforeSubcommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	for _, args := range [][]string{
		{"import", "--db", db, "cog", "-h"},
		{"import", "--db=" + db, "cog", "-h"},
		{"import", "cog", "--db", db, "-h"},
	} {
		code, stdout, stderr := runMain(args...)
		if code != 0 || !strings.Contains(stdout, "Usage : maillage import cog DOSSIER") {
			t.Errorf("%v: exit %d, stdout %.80q, stderr %.200q", args, code, stdout, stderr)
		}
	}
}

// TestExportMissingDatabase: exporting from a SQLite file that does not
// exist (a typo in --db) is an error and creates no empty database.
func TestExportMissingDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "typo.db")
	code, stdout, stderr := runMain("export", "actions", "--db", db)
	if code == 0 || !strings.Contains(stderr, "introuvable") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("export created %s", db)
	}
}

// TestOutIntoMissingOrDirectory: --out in a folder that does not exist, or
// naming a folder, is a French error that says so (it was "open
// dir/.x.123: no such file or directory").
func TestOutIntoMissingOrDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"template", "actions", "--format", "xlsx", "--out", filepath.Join(dir, "absent", "modele.xlsx")},
		{"template", "actions", "--format", "xlsx", "--out", dir},
		{"template", "actions", "--format", "xlsx", "--out", filepath.Join(dir, "sub") + string(os.PathSeparator)},
	} {
		code, _, stderr := runMain(args...)
		if code == 0 || strings.Contains(stderr, "no such file") || !(strings.Contains(stderr, "n'existe pas") || strings.Contains(stderr, "est un dossier")) {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}

// TestGroupHelp: "maillage import -h" (a command with subcommands) prints
// its help on stdout and exits 0, like every other -h; without -h it is a
// usage error.
func TestGroupHelp(t *testing.T) {
	for _, args := range [][]string{{"import", "-h"}, {"user", "--help"}, {"diagnostic", "-h"}} {
		code, stdout, stderr := runMain(args...)
		if code != 0 || !strings.Contains(stdout, "Usage : maillage "+args[0]) {
			t.Errorf("%v: exit %d, stdout %.60q, stderr %.60q", args, code, stdout, stderr)
		}
	}
	if code, _, stderr := runMain("import"); code != 2 || !strings.Contains(stderr, "Usage : maillage import") {
		t.Errorf("import alone: exit %d, stderr %.60q", code, stderr)
	}
}

// TestTemplateUsage: the template command's usage names both templates.
func TestTemplateUsage(t *testing.T) {
	_, stdout, _ := runMain("template", "indicators", "-h")
	if !strings.Contains(stdout, "Usage : maillage template actions|indicators") {
		t.Errorf("usage: %.80q", stdout)
	}
}
