package demo

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"maillage/internal/testutil"
)

// TestNationalBadOptions: a COG folder without its files and a département
// code that the COG does not know are errors, in French, that name the
// culprit (an unknown département was silently left out).
func TestNationalBadOptions(t *testing.T) {
	data := testutil.SharedData(t)
	_, err := National(context.Background(), NationalOptions{COGDir: t.TempDir(), OutDir: t.TempDir(), Actions: 10})
	if err == nil || !strings.Contains(err.Error(), "fichier introuvable") || strings.Contains(err.Error(), "no such file") {
		t.Errorf("empty COG folder: %v", err)
	}
	_, err = National(context.Background(), NationalOptions{COGDir: filepath.Join(data, "cog"), OutDir: t.TempDir(),
		Actions: 10, Departements: []string{"18", "zz"}})
	if err == nil || !strings.Contains(err.Error(), "zz") {
		t.Errorf("unknown département: %v", err)
	}
}
