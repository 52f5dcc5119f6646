package importer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"maillage/internal/domain"
	"maillage/internal/testutil"
)

func TestCOGMini(t *testing.T) {
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		dir := writeMiniCOG(t)
		rep, err := ImportCOG(ctx, s, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// 2 régions, 3 départements, 2 EPCI, 7 communes, 2 arrondissements.
		if got := count(t, s); got.Territories != 16 || got.Aliases != 3 {
			t.Fatalf("counts = %+v (report %+v)", got, rep)
		}
		if rep.Created != rep.Read || rep.Unchanged != 0 || rep.Rejected != 0 {
			t.Fatalf("first import report = %+v", rep)
		}
		// Old codes: 18123 (anciensCodes of Baugy), 93059 (commune déléguée
		// of Saint-Denis); 93066 and 18023 are current communes, not aliases.
		as, _ := s.Aliases(ctx)
		got := map[string]string{}
		for _, a := range as {
			got[a.Code] = a.Target + " " + a.Reason
		}
		want := map[string]string{"18123": "18023 fusion", "18239": "18023 fusion", "93059": "93066 commune-deleguee"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("alias %s = %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
		if tr, err := s.Territory(ctx, "18123"); err != nil || tr.Code != "18023" {
			t.Fatalf("Territory(18123) = %v, %v", tr, err)
		}
		// Arrondissements municipaux hang under Paris; communes under their EPCI.
		if tr, _ := s.Territory(ctx, "75101"); tr.Type != domain.TypeArrondissement || tr.Parent != "75056" {
			t.Fatalf("75101 = %+v", tr)
		}
		if tr, _ := s.Territory(ctx, "18003"); tr.Parent != "200066330" || tr.Region != "R24" || tr.Departement != "18" {
			t.Fatalf("18003 = %+v", tr)
		}
		epci, err := s.Territory(ctx, "200066330")
		if err != nil || !slices.Equal(sorted(epci.Members), []string{"18001", "18003", "18004"}) || epci.Departement != "18" {
			t.Fatalf("EPCI = %+v, %v", epci, err)
		}
		if epci.Population == nil || *epci.Population != 3345 || epci.PopYear != DefaultEPCIPopulationYear {
			t.Fatalf("EPCI population = %v (%d)", epci.Population, epci.PopYear)
		}
		dep, _ := s.Territory(ctx, "18")
		if dep.Population == nil || *dep.Population != 326+1877+1142+1598+64186 || dep.PopYear != DefaultPopulationYear {
			t.Fatalf("Cher population = %v %d", dep.Population, dep.PopYear)
		}
		reg, _ := s.Territory(ctx, "R11")
		if reg.Type != domain.TypeRegion || reg.Population == nil || *reg.Population != 34961+149077 {
			t.Fatalf("R11 = %+v", reg)
		}
		if !strings.Contains(strings.Join(rep.Warnings, "\n"), "arrondissements départementaux") {
			t.Errorf("no warning about arrondissements.json: %q", rep.Warnings)
		}
		// Idempotent.
		v0, _ := s.DataVersion(ctx)
		rep2, err := ImportCOG(ctx, s, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep2.Unchanged != rep2.Read || rep2.Written != 0 || rep2.Read != rep.Read {
			t.Fatalf("re-import report = %+v", rep2)
		}
		if v1, _ := s.DataVersion(ctx); v1 != v0 {
			t.Logf("data version moved on an unchanged re-import: %d → %d", v0, v1)
		}
		// A newer vintage: Allogny renamed, Achères leaves the EPCI.
		miniCOG["communes.json"].([]map[string]any)[2]["nom"] = "Allogny-en-Berry"
		defer func() { miniCOG["communes.json"].([]map[string]any)[2]["nom"] = "Allogny" }()
		rep3, err := ImportCOG(ctx, s, writeMiniCOG(t), Options{PopulationYear: 2024})
		if err != nil {
			t.Fatal(err)
		}
		com := rep3.kind("communes")
		if com.Updated != 1 || com.Unchanged != 6 {
			t.Fatalf("newer vintage communes = %+v", com)
		}
		if tr, _ := s.Territory(ctx, "18004"); tr.Name != "Allogny-en-Berry" || tr.PopYear != 2024 {
			t.Fatalf("18004 = %+v", tr)
		}
	})
}

func TestCOGMissingFile(t *testing.T) {
	s := openSQLite(t)
	dir := writeMiniCOG(t)
	os.Remove(filepath.Join(dir, "epci.json"))
	before := count(t, s)
	_, err := ImportCOG(context.Background(), s, dir, Options{})
	wantErr(t, err, "epci.json", "introuvable")
	if after := count(t, s); after != before {
		t.Fatalf("something was written: %+v → %+v", before, after)
	}
}

func TestCOGBadElement(t *testing.T) {
	s := openSQLite(t)
	dir := writeMiniCOG(t)
	writeFile(t, dir, "communes.json", `[{"code":"18033","nom":"Bourges","type":"commune-actuelle","departement":"18","region":"24","population":64186},
	{"code":"1803","nom":"Bourges bis","type":"commune-actuelle","departement":"18","region":"24"},
	{"code":"18001","nom":"Achères","type":"commune-actuelle","departement":"99","region":"24"}]`)
	before := count(t, s)
	_, err := ImportCOG(context.Background(), s, dir, Options{})
	wantErr(t, err, "communes.json, élément 2, champ « code »", "communes.json, élément 3, champ « departement » : département inconnu \"99\"")
	if after := count(t, s); after != before {
		t.Fatalf("something was written: %+v → %+v", before, after)
	}
	// With --skip-invalid: Bourges comes in, the others go to the rejects files.
	rep, err := ImportCOG(context.Background(), s, dir, Options{SkipInvalid: true})
	if err != nil || rep.kind("communes").Written != 1 || rep.Rejected != 3 { // and the EPCI, whose members are gone
		t.Fatalf("%+v, %v", rep, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "communes.rejets.csv"))
	if err != nil || !strings.Contains(string(b), `3;departement;3;"departement : département inconnu`) {
		t.Fatalf("rejects %q, %v", b, err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestCOGReal imports the real COG 2026 and checks the figures of
// ../shared/data/SOURCES.md §4.
func TestCOGReal(t *testing.T) {
	data := testutil.SharedData(t)
	if testing.Short() {
		t.Skip("full COG import skipped in -short mode")
	}
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		start := time.Now()
		rep, err := ImportCOG(ctx, s, filepath.Join(data, "cog"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: COG import %v (%d records, %d written)", s.Dialect(), time.Since(start).Round(time.Millisecond), rep.Read, rep.Written)
		if rep.Rejected != 0 {
			t.Fatalf("rejected %d: %v", rep.Rejected, rep.Rejects)
		}
		// Cher: 286 communes, population 298,660 (millésime 2023).
		cher, err := s.CommunesOf(ctx, "18")
		if err != nil || len(cher) != 286 {
			t.Fatalf("Cher communes = %d, %v", len(cher), err)
		}
		vals, err := s.IndicatorValues(ctx, domain.IndicatorValueFilter{Indicator: domain.IndicatorPopulation, Territory: "18", Year: 2023})
		if err != nil {
			t.Fatal(err)
		}
		sum, n := 0.0, 0
		for _, v := range vals.Items {
			if v.Territory != "18" { // the filter also returns the département's own value
				sum += v.Value
				n++
			}
		}
		if sum != 298660 || n != 286 {
			t.Fatalf("Cher population = %v (%d values)", sum, len(vals.Items))
		}
		if dep, _ := s.Territory(ctx, "18"); dep.Population == nil || *dep.Population != 298660 {
			t.Fatalf("Cher territory population = %v", dep.Population)
		}
		// CC Terres du Haut Berry.
		thb, err := s.Territory(ctx, "200066330")
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Fields("18001 18003 18004 18005 18016 18019 18035 18051 18097 18109 18111 18145 18151 18156 18158 18162 18163 18176 18179 18189 18194 18202 18206 18211 18223 18229 18235 18253 18271 18280")
		if !slices.Equal(sorted(thb.Members), want) {
			t.Fatalf("CC THB members = %v", sorted(thb.Members))
		}
		if thb.Population == nil || *thb.Population != 25976 || thb.PopYear != 2022 {
			t.Fatalf("CC THB population = %v %d", thb.Population, thb.PopYear)
		}
		// Paris = the sum of its 20 arrondissements.
		arr, err := s.Territories(ctx, domain.TerritoryFilter{Parent: "75056", Type: domain.TypeArrondissement})
		if err != nil || len(arr.Items) != 20 {
			t.Fatalf("Paris arrondissements = %d, %v", len(arr.Items), err)
		}
		sum = 0
		for _, a := range arr.Items {
			sum += *a.Population
		}
		paris, _ := s.Territory(ctx, "75056")
		if paris.Population == nil || *paris.Population != sum || sum != 2103778 {
			t.Fatalf("Paris %v, sum of arrondissements %v", paris.Population, sum)
		}
		// Old codes resolve: 18123 merged into Baugy, 93059 into Saint-Denis.
		for old, cur := range map[string]string{"18123": "18023", "93059": "93066"} {
			if tr, err := s.Territory(ctx, old); err != nil || tr.Code != cur {
				t.Fatalf("Territory(%s) = %v, %v", old, tr, err)
			}
		}
		if bourges, _ := s.Territory(ctx, "18033"); bourges.SIREN != "211800339" || *bourges.Population != 64186 {
			t.Fatalf("Bourges = %+v", bourges)
		}
		// Re-import: nothing changes.
		start = time.Now()
		rep2, err := ImportCOG(ctx, s, filepath.Join(data, "cog"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: COG re-import %v", s.Dialect(), time.Since(start).Round(time.Millisecond))
		if rep2.Read != rep.Read || rep2.Unchanged != rep2.Read || rep2.Written != 0 {
			t.Fatalf("re-import = %+v", rep2)
		}
	})
}
