package importer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// A small COG in the format of @etalab/decoupage-administratif, typed by
// hand (a few real codes of Cher, Paris and Seine-Saint-Denis; populations
// rounded): enough for every importer test without the full reference.
var miniCOG = map[string]any{
	"regions.json": []map[string]any{
		{"code": "24", "nom": "Centre-Val de Loire", "chefLieu": "45234"},
		{"code": "11", "nom": "Île-de-France", "chefLieu": "75056"},
	},
	"departements.json": []map[string]any{
		{"code": "18", "nom": "Cher", "region": "24", "chefLieu": "18033"},
		{"code": "75", "nom": "Paris", "region": "11", "chefLieu": "75056"},
		{"code": "93", "nom": "Seine-Saint-Denis", "region": "11", "chefLieu": "93008"},
	},
	"arrondissements.json": []map[string]any{
		{"code": "181", "nom": "Bourges", "departement": "18", "region": "24", "chefLieu": "18033"},
	},
	"communes.json": []map[string]any{
		{"code": "18001", "nom": "Achères", "type": "commune-actuelle", "departement": "18", "region": "24", "siren": "211800016", "population": 326},
		{"code": "18003", "nom": "Les Aix-d'Angillon", "type": "commune-actuelle", "departement": "18", "region": "24", "siren": "211800032", "population": 1877},
		{"code": "18004", "nom": "Allogny", "type": "commune-actuelle", "departement": "18", "region": "24", "siren": "211800040", "population": 1142},
		{"code": "18023", "nom": "Baugy", "type": "commune-actuelle", "departement": "18", "region": "24", "siren": "200083798", "population": 1598, "anciensCodes": []string{"18123", "18239"}},
		{"code": "18023", "nom": "Baugy", "type": "commune-deleguee", "chefLieu": "18023", "departement": "18", "region": "24"},
		{"code": "18033", "nom": "Bourges", "type": "commune-actuelle", "departement": "18", "region": "24", "siren": "211800339", "population": 64186},
		{"code": "75056", "nom": "Paris", "type": "commune-actuelle", "departement": "75", "region": "11", "siren": "217500016", "population": 34961},
		{"code": "75101", "nom": "Paris 1er Arrondissement", "type": "arrondissement-municipal", "commune": "75056", "departement": "75", "region": "11", "population": 15114},
		{"code": "75102", "nom": "Paris 2e Arrondissement", "type": "arrondissement-municipal", "commune": "75056", "departement": "75", "region": "11", "population": 19847},
		{"code": "93066", "nom": "Saint-Denis", "type": "commune-actuelle", "departement": "93", "region": "11", "siren": "929939411", "population": 149077, "anciensCodes": []string{"93059"}},
		{"code": "93059", "nom": "Pierrefitte-sur-Seine", "type": "commune-deleguee", "chefLieu": "93066", "departement": "93", "region": "11"},
		{"code": "93066", "nom": "Saint-Denis", "type": "commune-deleguee", "chefLieu": "93066", "departement": "93", "region": "11"},
	},
	"epci.json": []map[string]any{
		{"code": "200066330", "nom": "CC Terres du Haut Berry", "type": "CC", "populationMunicipale": 3345, "membres": []map[string]any{
			{"code": "18001", "populationMunicipale": 326}, {"code": "18003", "populationMunicipale": 1877}, {"code": "18004", "populationMunicipale": 1142}}},
		{"code": "241800507", "nom": "CA Bourges Plus", "type": "CA", "populationMunicipale": 64186, "membres": []map[string]any{
			{"code": "18033", "populationMunicipale": 64186}}},
	},
}

func writeMiniCOG(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for name, v := range miniCOG {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// seedCOG imports the mini COG into s.
func seedCOG(t testing.TB, s domain.Store) {
	t.Helper()
	if _, err := ImportCOG(context.Background(), s, writeMiniCOG(t), Options{}); err != nil {
		t.Fatalf("ImportCOG: %v", err)
	}
}

// tally counts what the store holds.
type tally struct {
	Territories, Aliases, Actors, Actions, Fundings, Values, Indicators int
}

func count(t testing.TB, s domain.Store) tally {
	t.Helper()
	ctx := context.Background()
	var c tally
	tp, err := s.Territories(ctx, domain.TerritoryFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.Territories = tp.Total
	as, err := s.Aliases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Aliases = len(as)
	ap, err := s.Actors(ctx, domain.ActorFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.Actors = ap.Total
	xp, err := s.Actions(ctx, domain.ActionFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.Actions = xp.Total
	fp, err := s.Fundings(ctx, domain.FundingFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.Fundings = fp.Total
	vp, err := s.IndicatorValues(ctx, domain.IndicatorValueFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.Values = vp.Total
	inds, err := s.Indicators(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Indicators = len(inds)
	return c
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErr checks that err is an import error naming every part.
func wantErr(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one naming %q", parts)
	}
	msg := err.Error()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Fatalf("error does not name %q:\n%s", p, msg)
		}
	}
	if domain.ErrorCode(err) != domain.EINVALID && domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("error code %q, want invalid: %v", domain.ErrorCode(err), err)
	}
}

var forEach = storetest.ForEach

func openSQLite(t testing.TB) domain.Store { return storetest.OpenSQLite(t) }
