package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"maillage/internal/analysis"
)

// TestAnalyseCommand runs maillage analyse on the demo territory (SQLite).
func TestAnalyseCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	if code, out, errs := mainOut("demo", "--db", db); code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := mainOut("analyse", "--db", db, "--scope", "96", "--theme", "parentalite", "--year", "2023")
	if code != 0 || !strings.Contains(out, "Analyse de complémentarité — Val-de-Maille") || !strings.Contains(out, "Zones blanches") ||
		!strings.Contains(out, "Part de la CAF") || !strings.Contains(out, "Gini") {
		t.Fatalf("table: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = mainOut("analyse", "--db", db, "--scope", "96", "--theme", "parentalite,petite_enfance", "--year", "2023", "--format", "json")
	var r analysis.Result
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
		t.Fatalf("json: exit %d %s", code, errs)
	}
	if len(r.Communes) != 60 || len(r.Params.Themes) != 2 || r.Params.NeedIndicator != "population" || r.DataVersion == 0 {
		t.Errorf("json result: %d communes, params %+v", len(r.Communes), r.Params)
	}
	code, out, _ = mainOut("analyse", "--db", db, "--scope", "96", "--theme", "parentalite", "--format", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\r\n")
	if code != 0 || !strings.HasPrefix(out, "\ufeffcode;commune;population;besoin") || len(lines) != 61 {
		t.Errorf("csv: exit %d, %d lines, %q", code, len(lines), lines[0])
	}
	code, out, errs = mainOut("analyse", "--db", db, "--explain", "96001", "--theme", "parentalite", "--year", "2023")
	if code != 0 || !strings.Contains(out, "Accessibilité de ") || !strings.Contains(out, "Poids W") {
		t.Errorf("explain: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = mainOut("analyse", "--db", db, "--scope", "99")
	if code != 1 || !strings.Contains(errs, "territoire inconnu") {
		t.Errorf("unknown scope: exit %d %q", code, errs)
	}
	code, _, errs = mainOut("analyse", "--db", db, "--scope", "96", "--theme", "cuisine")
	if code != 1 || !strings.Contains(errs, "thématique inconnue") {
		t.Errorf("unknown theme: exit %d %q", code, errs)
	}
	code, _, errs = mainOut("analyse", "--db", db)
	if code != 1 || !strings.Contains(errs, "--scope est obligatoire") {
		t.Errorf("no scope: exit %d %q", code, errs)
	}
}
