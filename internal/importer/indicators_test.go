package importer

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maillage/internal/domain"
	"maillage/internal/testutil"
)

const catalogueCSV = "code;label;unit;source;definition;publics\n" +
	"med_revenu;Revenu médian;€ par UC;INSEE, Filosofi;Médiane du revenu disponible par unité de consommation.;tous_publics\n" +
	"places_eaje;Places en EAJE;places;CNAF;Places d'accueil du jeune enfant.;enfants_0_3\n"

func value(t *testing.T, s domain.Store, territory, indicator string, year int) (float64, bool) {
	t.Helper()
	p, err := s.IndicatorValues(context.Background(), domain.IndicatorValueFilter{Territory: territory, Indicator: indicator, Year: year})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Items {
		if v.Territory == territory {
			return v.Value, true
		}
	}
	return 0, false
}

func TestIndicators(t *testing.T) {
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		seedCOG(t, s)
		dir := t.TempDir()
		cat := writeFile(t, dir, "catalogue.csv", catalogueCSV)
		// Long format, with a secrecy marker, a merged commune whose current
		// commune has its own value (skipped), and one whose has none (kept).
		long := writeFile(t, dir, "valeurs.csv", "territory;indicator;year;value\n"+
			"18033;med_revenu;2021;21 730\n18001;med_revenu;2021;s\n18023;med_revenu;2021;23100\n18123;med_revenu;2021;22000\n"+
			"93059;places_eaje;2021;120\n18033;pop_0_2;2021;1 950,0\n")
		rep, err := ImportIndicators(ctx, s, cat, long, Options{})
		if err != nil {
			t.Fatal(err)
		}
		vals := rep.kind("valeurs")
		if vals.Written != 4 || vals.Skipped != 2 || rep.kind("indicateurs").Created != 2 {
			t.Fatalf("report %+v %+v", vals, rep.kind("indicateurs"))
		}
		if v, _ := value(t, s, "18033", "med_revenu", 2021); v != 21730 {
			t.Fatalf("Bourges = %v", v)
		}
		if v, _ := value(t, s, "18023", "med_revenu", 2021); v != 23100 {
			t.Fatalf("Baugy = %v (the old code 18123 must not overwrite it)", v)
		}
		if v, ok := value(t, s, "93066", "places_eaje", 2021); !ok || v != 120 {
			t.Fatalf("Saint-Denis = %v %v (stored under the current code)", v, ok)
		}
		w := strings.Join(rep.Warnings, "\n")
		if !strings.Contains(w, "code 18123 : commune fusionnée, rattachée à 18023 Baugy — valeur med_revenu 2021 ignorée") ||
			!strings.Contains(w, "enregistrée sous 93066") {
			t.Fatalf("warnings:\n%s", w)
		}
		// Wide, with a year column; then without, with Options.Year.
		wide := writeFile(t, dir, "wide.csv", "code;annee;Med_Revenu;places_eaje;libelle\n18033;2022;22 000;1 200;Bourges\n18003;2022;nd;15;Les Aix\n")
		rep, err = ImportIndicators(ctx, s, "", wide, Options{})
		if err != nil || rep.kind("valeurs").Written != 3 {
			t.Fatalf("wide %+v, %v", rep, err)
		}
		noYear := writeFile(t, dir, "noyear.csv", "territoire,places_eaje\n18001,\"4,5\"\n")
		if _, err := ImportIndicators(ctx, s, "", noYear, Options{}); err == nil || !strings.Contains(err.Error(), "champ « year »") {
			t.Fatalf("no year: %v", err)
		}
		if _, err := ImportIndicators(ctx, s, "", noYear, Options{Year: 2020}); err != nil {
			t.Fatal(err)
		}
		if v, _ := value(t, s, "18001", "places_eaje", 2020); v != 4.5 {
			t.Fatalf("18001 = %v", v)
		}
		// A catalogue alone, given as the values file.
		rep, err = ImportIndicators(ctx, s, "", cat, Options{})
		if err != nil || rep.kind("indicateurs").Unchanged != 2 {
			t.Fatalf("catalogue alone %+v, %v", rep, err)
		}
	})
}

func TestIndicatorsBadInput(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	seedCOG(t, s)
	cases := []struct {
		name, data string
		opt        Options
		want       []string
	}{
		{"unknown indicator long", "territory;indicator;year;value\n18033;population;2021;1\n18033;revenu;2021;2\n", Options{},
			[]string{"v.csv, ligne 3, champ « indicator » : indicateur inconnu \"revenu\"", "familles_enfants"}},
		{"unknown indicator wide", "territory;year;population;MED21\n18033;2021;1;2\n", Options{},
			[]string{"v.csv, ligne 1, champ « MED21 » : indicateur inconnu \"med21\"", "--map MED21=code"}},
		{"bad number", "territory;indicator;year;value\n18033;population;2021;douze\n", Options{},
			[]string{`v.csv, ligne 2, champ « value » : nombre invalide "douze"`}},
		{"bad year", "territory;indicator;year;value\n18033;population;2021,5;1\n", Options{},
			[]string{`v.csv, ligne 2, champ « year » : nombre entier invalide "2021,5"`}},
		{"unknown territory", "territory;indicator;year;value\n18999;population;2021;1\n", Options{},
			[]string{`v.csv, ligne 2, champ « territory » : code de territoire inconnu "18999"`}},
		{"duplicate", "territory;indicator;year;value\n18033;population;2021;1\n\n18033;population;2021;2\n", Options{},
			[]string{"v.csv, ligne 4, champ « value » : valeur en double pour 18033, population, 2021 (lignes 2 et 4)"}},
		{"missing territory column", "commune_code;population\n18033;1\n", Options{Year: 2021},
			[]string{"v.csv, ligne 1, champ « territory » : colonne obligatoire absente"}},
		{"rename to unknown", "CODGEO;TP6021\n18033;20\n", Options{Year: 2021, Rename: map[string]string{"TP6021": "pauvrete"}},
			[]string{"v.csv, ligne 1, champ « TP6021 » : renommage vers un indicateur inconnu \"pauvrete\""}},
	}
	before := count(t, s)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ImportIndicators(ctx, s, "", writeFile(t, t.TempDir(), "v.csv", c.data), c.opt)
			wantErr(t, err, c.want...)
			if after := count(t, s); after != before {
				t.Fatalf("written: %+v → %+v", before, after)
			}
		})
	}
	// A bad catalogue line.
	_, err := ImportIndicators(ctx, s, writeFile(t, t.TempDir(), "cat.csv", "code;label;unit;source;definition\nRevenu Médian;Revenu;€;;\n"), "", Options{})
	wantErr(t, err, "cat.csv, ligne 2, champ « code » : code d'indicateur invalide")
}

// TestFilosofi imports the real INSEE Filosofi 2021 file as a wide file,
// keeping the poverty rate only (TP6021 → taux_pauvrete).
func TestFilosofi(t *testing.T) {
	data := testutil.SharedData(t)
	if testing.Short() {
		t.Skip("needs the full COG")
	}
	s := openSQLite(t)
	ctx := context.Background()
	if _, err := ImportCOG(ctx, s, filepath.Join(data, "cog"), Options{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := ImportIndicators(ctx, s, "", filepath.Join(data, "indicators/cc_filosofi_2021_COM.csv"),
		Options{Year: 2021, TerritoryColumn: "CODGEO", Rename: map[string]string{"TP6021": domain.IndicatorPovertyRate}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Filosofi: %v, %+v", time.Since(start), *rep.kind("valeurs"))
	k := rep.kind("valeurs")
	// 34,909 rows, TP6021 secret on 30,500 of them.
	if k.Skipped < 30500 || k.Written+k.Skipped < 34909-100 || k.Written < 4300 {
		t.Fatalf("values %+v", k)
	}
	for code, want := range map[string]float64{"18033": 20, "44109": 17, "93066": 36, "75056": 16} {
		if v, ok := value(t, s, code, domain.IndicatorPovertyRate, 2021); !ok || v != want {
			t.Errorf("%s = %v %v, want %v", code, v, ok, want)
		}
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "colonnes non renommées ignorées") {
		t.Errorf("warnings %v", rep.Warnings[:min(5, len(rep.Warnings))])
	}
}
