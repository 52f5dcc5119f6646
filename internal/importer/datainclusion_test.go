package importer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"maillage/internal/domain"
)

func TestDataInclusion(t *testing.T) {
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		seedCOG(t, s)
		path := filepath.Join("testdata", "data-inclusion.json")
		// The fixture has a service whose structure is missing: refused.
		before := count(t, s)
		_, err := ImportDataInclusion(ctx, s, path, Options{})
		wantErr(t, err, `data-inclusion.json, élément 10, champ « structure_id » : structure inconnue "dora--inconnue"`,
			`élément 7, champ « thematiques » : aucune thématique ne correspond à une thématique de Maillage (equipement-et-alimentation--alimentation)`)
		if after := count(t, s); after != before {
			t.Fatalf("written: %+v → %+v", before, after)
		}
		// With --skip-invalid the rest comes in.
		tmp := t.TempDir()
		data, _ := os.ReadFile(path)
		p := writeFile(t, tmp, "di.json", string(data))
		rep, err := ImportDataInclusion(ctx, s, p, Options{SkipInvalid: true})
		if err != nil {
			t.Fatal(err)
		}
		st, sv := rep.kind("structures"), rep.kind("services")
		if st.Created != 4 || sv.Created != 3 || sv.Rejected != 3 {
			t.Fatalf("structures %+v services %+v\n%v", st, sv, rep.Rejects)
		}
		caf, err := s.ActorByExternalID(ctx, "data-inclusion:dora", "dora--caf-cher")
		if err != nil || caf.Type != "caf" || caf.SIRET != "77551295700033" || caf.SIREN != "775512957" || caf.Commune != "18033" {
			t.Fatalf("CAF %+v, %v", caf, err)
		}
		cs, _ := s.ActorByExternalID(ctx, "data-inclusion:dora", "dora--cs-tournesol")
		if cs.Type != "centre_social" || cs.SIRET != "" {
			t.Fatalf("centre social %+v", cs)
		}
		if ep, _ := s.ActorByExternalID(ctx, "data-inclusion:soliguide", "soliguide--epicerie-aix"); ep.Type != "association" {
			t.Fatalf("épicerie %+v", ep)
		}
		if fl, _ := s.ActorByExternalID(ctx, "data-inclusion:mediation-numerique", "mediation-numerique--fablab-baugy"); fl.Commune != "18023" {
			t.Fatalf("old code not resolved: %+v", fl)
		}
		page, err := s.Actions(ctx, domain.ActionFilter{Operator: cs.ID})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("%v %v", page, err)
		}
		laep := page.Items[0]
		if laep.Source != "data-inclusion:dora" || laep.ExternalID != "dora--laep-petits-pas" ||
			!slices.Equal(laep.Themes, []string{"parentalite", "petite_enfance"}) || !slices.Equal(laep.Publics, []string{"familles"}) ||
			!slices.Equal(laep.Zone, []string{"241800507"}) || !slices.Equal(laep.Places, []string{"18033"}) {
			t.Fatalf("LAEP %+v", laep)
		}
		droits, _ := s.Actions(ctx, domain.ActionFilter{Operator: caf.ID})
		if len(droits.Items) != 1 || !slices.Equal(droits.Items[0].Themes, []string{"acces_aux_droits"}) || !slices.Equal(droits.Items[0].Zone, []string{"18"}) {
			t.Fatalf("accès aux droits %+v", droits.Items)
		}
		w := strings.Join(rep.Warnings, "\n")
		for _, want := range []string{
			"thématiques sans correspondance dans Maillage, ignorées : equipement-et-alimentation--electromenager",
			`SIRET "12345678900000" invalide`,
			"code 18123 : commune fusionnée, rattachée à 18023 Baugy",
			`code inconnu "99999", ignoré`,
			"zone nationale (france) non représentée",
		} {
			if !strings.Contains(w, want) {
				t.Errorf("no warning %q in:\n%s", want, w)
			}
		}
		if _, err := os.Stat(filepath.Join(tmp, "di.rejets.csv")); err != nil {
			t.Fatalf("rejects file: %v", err)
		}
		// Re-import: unchanged.
		rep, err = ImportDataInclusion(ctx, s, p, Options{SkipInvalid: true})
		if err != nil || rep.Unchanged != 7 || rep.Written != 0 {
			t.Fatalf("re-import %+v, %v", rep, err)
		}
	})
}

func TestDataInclusionFormats(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	seedCOG(t, s)
	dir := t.TempDir()
	st := `{"source":"dora","id":"dora--1","nom":"Mairie de Bourges","date_maj":"2025-01-01","code_insee":"18033"}`
	sv := `{"source":"dora","id":"dora--s1","structure_id":"dora--1","nom":"Aide aux vacances","description":"Aide au départ en vacances des familles.","date_maj":"2025-01-01","thematiques":["remobilisation--activites-sportives-et-culturelles"],"zone_eligibilite":["18033"]}`
	for name, content := range map[string]string{
		"array.json": "[" + st + "," + sv + "]",
		"lines.json": st + "\n" + sv + "\n",
	} {
		rep, err := ImportDataInclusion(ctx, s, writeFile(t, dir, name, content), Options{})
		if err != nil || rep.Read != 2 {
			t.Fatalf("%s: %+v, %v", name, rep, err)
		}
	}
	a, _ := s.ActorByExternalID(ctx, "data-inclusion:dora", "dora--1")
	if a.Type != "commune" {
		t.Fatalf("type %q", a.Type)
	}
	_, err := ImportDataInclusion(ctx, s, writeFile(t, dir, "bad.json", "[{"), Options{})
	wantErr(t, err, "bad.json", "JSON invalide")
}
