package demo

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"maillage/internal/domain"
)

// NationalOptions configure the national data set generator.
type NationalOptions struct {
	COGDir  string // @etalab/decoupage-administratif data directory (communes.json, epci.json, departements.json)
	GeoDir  string // optional: directory with departements/*.geojson and communes-2024-mathieulebasic/*.geojson
	OutDir  string
	Actions int    // number of actions (default 1,000,000)
	Seed    uint64 // 0: Seed
	// Departements restricts the set to these département codes (tests,
	// small benchmarks); empty means all of France.
	Departements []string
	Log          io.Writer
}

// NationalReport says what was generated.
type NationalReport struct {
	Communes, Actors, Actions, Fundings, Values, Points int
	PointsFromOutlines, PointsSampled, PointsMissing    int
	Bytes                                               int64
	Duration                                            time.Duration
	Files                                               []string
}

// National indicator set: the nine default indicators plus 21 more, over
// NationalYears years, for every current commune: 30 × 10 × 34,969 =
// 10,490,700 values with the 2026 COG.
const (
	NationalFirstYear = 2015
	NationalYears     = 10
	DefaultActions    = 1_000_000
)

// nationalExtraIndicators completes the default catalogue to 30 indicators.
var nationalExtraIndicators = []domain.Indicator{
	{Code: "pop_25_39", Label: "Population de 25 à 39 ans", Unit: "habitants", Source: "Maillage, jeu national de test (fictif)", Definition: "Habitants âgés de 25 à 39 ans."},
	{Code: "pop_40_54", Label: "Population de 40 à 54 ans", Unit: "habitants", Source: "Maillage, jeu national de test (fictif)", Definition: "Habitants âgés de 40 à 54 ans."},
	{Code: "pop_55_64", Label: "Population de 55 à 64 ans", Unit: "habitants", Source: "Maillage, jeu national de test (fictif)", Definition: "Habitants âgés de 55 à 64 ans."},
	{Code: "pop_65_79", Label: "Population de 65 à 79 ans", Unit: "habitants", Source: "Maillage, jeu national de test (fictif)", Definition: "Habitants âgés de 65 à 79 ans."},
	{Code: "pop_80_plus", Label: "Population de 80 ans ou plus", Unit: "habitants", Source: "Maillage, jeu national de test (fictif)", Definition: "Habitants âgés de 80 ans ou plus."},
	{Code: "menages", Label: "Ménages", Unit: "ménages", Source: "Maillage, jeu national de test (fictif)", Definition: "Nombre de ménages."},
	{Code: "menages_1_personne", Label: "Ménages d'une personne", Unit: "ménages", Source: "Maillage, jeu national de test (fictif)", Definition: "Ménages composés d'une seule personne."},
	{Code: "naissances", Label: "Naissances", Unit: "naissances", Source: "Maillage, jeu national de test (fictif)", Definition: "Naissances domiciliées dans l'année."},
	{Code: "deces", Label: "Décès", Unit: "décès", Source: "Maillage, jeu national de test (fictif)", Definition: "Décès domiciliés dans l'année."},
	{Code: "logements", Label: "Logements", Unit: "logements", Source: "Maillage, jeu national de test (fictif)", Definition: "Nombre de logements."},
	{Code: "logements_sociaux", Label: "Logements sociaux", Unit: "logements", Source: "Maillage, jeu national de test (fictif)", Definition: "Logements du parc social."},
	{Code: "residences_secondaires", Label: "Résidences secondaires", Unit: "logements", Source: "Maillage, jeu national de test (fictif)", Definition: "Résidences secondaires et logements occasionnels."},
	{Code: "chomeurs", Label: "Chômeurs de 15 à 64 ans", Unit: "personnes", Source: "Maillage, jeu national de test (fictif)", Definition: "Chômeurs au sens du recensement."},
	{Code: "taux_chomage", Label: "Taux de chômage", Unit: "%", Source: "Maillage, jeu national de test (fictif)", Definition: "Chômeurs parmi les actifs de 15 à 64 ans."},
	{Code: "revenu_median", Label: "Revenu médian par unité de consommation", Unit: "euros", Source: "Maillage, jeu national de test (fictif)", Definition: "Médiane du revenu disponible par unité de consommation."},
	{Code: "beneficiaires_rsa", Label: "Foyers bénéficiaires du RSA", Unit: "foyers", Source: "Maillage, jeu national de test (fictif)", Definition: "Foyers allocataires du revenu de solidarité active."},
	{Code: "beneficiaires_aah", Label: "Bénéficiaires de l'AAH", Unit: "personnes", Source: "Maillage, jeu national de test (fictif)", Definition: "Allocataires de l'allocation aux adultes handicapés."},
	{Code: "beneficiaires_apl", Label: "Bénéficiaires d'une aide au logement", Unit: "foyers", Source: "Maillage, jeu national de test (fictif)", Definition: "Foyers percevant une aide personnelle au logement."},
	{Code: "places_eaje", Label: "Places en accueil collectif du jeune enfant", Unit: "places", Source: "Maillage, jeu national de test (fictif)", Definition: "Places en établissements d'accueil du jeune enfant."},
	{Code: "assistantes_maternelles", Label: "Assistantes maternelles en activité", Unit: "personnes", Source: "Maillage, jeu national de test (fictif)", Definition: "Assistantes maternelles agréées en activité."},
	{Code: "eleves_primaire", Label: "Élèves du premier degré", Unit: "élèves", Source: "Maillage, jeu national de test (fictif)", Definition: "Élèves scolarisés en maternelle et élémentaire."},
}

// indicatorModel gives each indicator a share of the population (or a rate).
type indicatorModel struct {
	code       string
	share      float64 // of the population, for counts
	spread     float64 // relative spread between communes
	rate       bool    // a rate or an amount, not a count
	base, span float64 // for rates: base + span × u
}

var nationalModels = func() []indicatorModel {
	ms := []indicatorModel{
		{code: "population"},
		{code: "pop_0_2", share: 0.031, spread: 0.25},
		{code: "pop_3_10", share: 0.092, spread: 0.2},
		{code: "pop_11_17", share: 0.082, spread: 0.2},
		{code: "pop_18_24", share: 0.075, spread: 0.5},
		{code: "familles_enfants", share: 0.118, spread: 0.2},
		{code: "familles_monoparentales", share: 0.03, spread: 0.5},
		{code: "taux_pauvrete", rate: true, base: 7, span: 23},
		{code: "allocataires_caf", share: 0.2, spread: 0.35},
		{code: "pop_25_39", share: 0.17, spread: 0.25},
		{code: "pop_40_54", share: 0.2, spread: 0.15},
		{code: "pop_55_64", share: 0.13, spread: 0.2},
		{code: "pop_65_79", share: 0.15, spread: 0.3},
		{code: "pop_80_plus", share: 0.065, spread: 0.4},
		{code: "menages", share: 0.45, spread: 0.12},
		{code: "menages_1_personne", share: 0.16, spread: 0.4},
		{code: "naissances", share: 0.0105, spread: 0.3},
		{code: "deces", share: 0.0095, spread: 0.35},
		{code: "logements", share: 0.53, spread: 0.2},
		{code: "logements_sociaux", share: 0.07, spread: 0.9},
		{code: "residences_secondaires", share: 0.05, spread: 1.2},
		{code: "chomeurs", share: 0.045, spread: 0.5},
		{code: "taux_chomage", rate: true, base: 4, span: 16},
		{code: "revenu_median", rate: true, base: 16500, span: 15000},
		{code: "beneficiaires_rsa", share: 0.028, spread: 0.7},
		{code: "beneficiaires_aah", share: 0.018, spread: 0.4},
		{code: "beneficiaires_apl", share: 0.09, spread: 0.6},
		{code: "places_eaje", share: 0.006, spread: 1.0},
		{code: "assistantes_maternelles", share: 0.004, spread: 0.6},
		{code: "eleves_primaire", share: 0.085, spread: 0.2},
	}
	slices.SortFunc(ms, func(a, b indicatorModel) int { return cmp.Compare(a.code, b.code) })
	return ms
}()

type cogCommune struct {
	Code        string `json:"code"`
	Nom         string `json:"nom"`
	Type        string `json:"type"`
	Departement string `json:"departement"`
	Region      string `json:"region"`
	Siren       string `json:"siren"`
	Population  int    `json:"population"`
}

type cogEPCI struct {
	Code    string `json:"code"`
	Nom     string `json:"nom"`
	Membres []struct {
		Code string `json:"code"`
	} `json:"membres"`
}

type cogDep struct {
	Code   string `json:"code"`
	Nom    string `json:"nom"`
	Region string `json:"region"`
}

func readJSON(path string, v any) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fichier introuvable : %s (--cog est le dossier data du paquet @etalab/decoupage-administratif : communes.json, epci.json, departements.json, regions.json)", path)
	}
	if err != nil {
		return fmt.Errorf("lecture de %s : %w", path, err)
	}
	defer f.Close()
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(v); err != nil {
		return fmt.Errorf("%s : %w", path, err)
	}
	return nil
}

// natCommune is a commune of the national set.
type natCommune struct {
	cogCommune
	epci  int // index in epcis, -1 if none
	dep   int // index in deps
	actor int // index of its commune actor, -1 if none
}

type natActor struct {
	id, name, typ, siren, commune string
}

// nationalGen holds the reference data while files are written.
type nationalGen struct {
	opts        NationalOptions
	communes    []natCommune
	epcis       []cogEPCI
	epciAct     []int
	deps        []cogDep
	regionNames map[string]string
	depIdx      map[string]int
	// per département: actors by type
	depActors []map[string][]int
	actors    []natActor
}

// National writes the national data set in the import template: actors.csv,
// actions.csv, fundings.csv, indicators.csv (long format),
// indicators-catalogue.csv, points.csv and README.txt. The same options give
// byte-identical files. Memory stays bounded by the reference data (the
// communes and actors), whatever the number of actions.
func National(ctx context.Context, opts NationalOptions) (*NationalReport, error) {
	start := time.Now()
	if opts.Actions <= 0 {
		opts.Actions = DefaultActions
	}
	if opts.Seed == 0 {
		opts.Seed = Seed
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.COGDir == "" {
		return nil, errors.New("le dossier du COG est obligatoire (--cog)")
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, err
	}
	g := &nationalGen{opts: opts}
	if err := g.load(); err != nil {
		return nil, err
	}
	g.buildActors()
	rep := &NationalReport{Communes: len(g.communes), Actors: len(g.actors)}
	fmt.Fprintf(opts.Log, "%d communes, %d EPCI, %d départements, %d acteurs\n", len(g.communes), len(g.epcis), len(g.deps), len(g.actors))

	steps := []func() error{
		func() error { return g.writeActors() },
		func() error { return g.writeActions(ctx, rep) },
		func() error { return g.writeIndicators(ctx, rep) },
		func() error { return g.writeCatalogue() },
		func() error { return g.writePoints(rep) },
	}
	// Two workers: actions (the largest CPU share) beside the indicators.
	var wg sync.WaitGroup
	errs := make([]error, len(steps))
	groups := [][]int{{1}, {2, 0, 3, 4}}
	for _, grp := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range grp {
				if errs[i] = steps[i](); errs[i] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	rep.Duration = time.Since(start)
	if err := g.writeReadme(rep); err != nil {
		return nil, err
	}
	for _, name := range []string{"actors.csv", "actions.csv", "fundings.csv", "indicators.csv", "indicators-catalogue.csv", "points.csv", "README.txt"} {
		st, err := os.Stat(filepath.Join(opts.OutDir, name))
		if err != nil {
			return nil, err
		}
		rep.Bytes += st.Size()
		rep.Files = append(rep.Files, name)
	}
	return rep, nil
}

func (g *nationalGen) load() error {
	var cs []cogCommune
	if err := readJSON(filepath.Join(g.opts.COGDir, "communes.json"), &cs); err != nil {
		return err
	}
	if err := readJSON(filepath.Join(g.opts.COGDir, "epci.json"), &g.epcis); err != nil {
		return err
	}
	if err := readJSON(filepath.Join(g.opts.COGDir, "departements.json"), &g.deps); err != nil {
		return err
	}
	var regions []cogDep
	if err := readJSON(filepath.Join(g.opts.COGDir, "regions.json"), &regions); err != nil {
		return err
	}
	g.regionNames = map[string]string{}
	for _, r := range regions {
		g.regionNames[r.Code] = r.Nom
	}
	slices.SortFunc(g.deps, func(a, b cogDep) int { return cmp.Compare(a.Code, b.Code) })
	slices.SortFunc(g.epcis, func(a, b cogEPCI) int { return cmp.Compare(a.Code, b.Code) })
	g.depIdx = map[string]int{}
	for i, d := range g.deps {
		g.depIdx[d.Code] = i
	}
	var unknown []string
	for _, d := range g.opts.Departements {
		if _, ok := g.depIdx[d]; !ok {
			unknown = append(unknown, d)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("--departements : département inconnu du COG : %s", strings.Join(unknown, ", "))
	}
	for _, c := range cs {
		if c.Type != "commune-actuelle" {
			continue
		}
		di, ok := g.depIdx[c.Departement]
		if !ok {
			continue
		}
		if len(g.opts.Departements) > 0 && !slices.Contains(g.opts.Departements, c.Departement) {
			continue
		}
		g.communes = append(g.communes, natCommune{cogCommune: c, epci: -1, dep: di, actor: -1})
	}
	if len(g.communes) == 0 {
		return fmt.Errorf("%s : aucune commune actuelle", filepath.Join(g.opts.COGDir, "communes.json"))
	}
	slices.SortFunc(g.communes, func(a, b natCommune) int { return cmp.Compare(a.Code, b.Code) })
	idx := make(map[string]int, len(g.communes))
	for i, c := range g.communes {
		idx[c.Code] = i
	}
	for ei, e := range g.epcis {
		for _, m := range e.Membres {
			if i, ok := idx[m.Code]; ok {
				g.communes[i].epci = ei
			}
		}
	}
	return nil
}

func (g *nationalGen) addActor(a natActor, dep int) int {
	g.actors = append(g.actors, a)
	i := len(g.actors) - 1
	if dep >= 0 {
		g.depActors[dep][a.typ] = append(g.depActors[dep][a.typ], i)
	}
	return i
}

// buildActors creates about 35,000 actors: the CAF, the département council
// and the State services of each département, every EPCI, every commune of
// 500 inhabitants or more, and associations, centres sociaux, EVS, schools
// and companies in proportion to the population.
func (g *nationalGen) buildActors() {
	r := rand.New(rand.NewPCG(g.opts.Seed, 101))
	g.depActors = make([]map[string][]int, len(g.deps))
	for i := range g.depActors {
		g.depActors[i] = map[string][]int{}
	}
	depChef := make([]string, len(g.deps))
	depChefPop := make([]int, len(g.deps))
	depPop := make([]float64, len(g.deps))
	for _, c := range g.communes {
		depPop[c.dep] += float64(c.Population)
		if depChef[c.dep] == "" || c.Population > depChefPop[c.dep] {
			depChef[c.dep], depChefPop[c.dep] = c.Code, c.Population
		}
	}
	regions := map[string]bool{}
	for di, d := range g.deps {
		if depChef[di] == "" {
			continue
		}
		nd := strings.ReplaceAll(d.Code, "A", "0")
		nd = strings.ReplaceAll(nd, "B", "1")
		nd = fmt.Sprintf("%03s", nd)
		g.addActor(natActor{id: "caf-" + d.Code, name: "CAF (" + d.Nom + ")", typ: "caf", siren: luhnKey("534" + nd + "00")[:9], commune: depChef[di]}, di)
		g.addActor(natActor{id: "cd-" + d.Code, name: "Conseil départemental (" + d.Nom + ")", typ: "departement", siren: luhnKey("22" + nd + "000")[:9], commune: depChef[di]}, di)
		g.addActor(natActor{id: "ddets-" + d.Code, name: "DDETS (" + d.Nom + ")", typ: "etat", siren: luhnKey("130" + nd + "00")[:9], commune: depChef[di]}, di)
		if !regions[d.Region] {
			regions[d.Region] = true
			g.addActor(natActor{id: "region-" + d.Region, name: "Conseil régional (" + g.regionNames[d.Region] + ")", typ: "region", siren: luhnKey("23" + fmt.Sprintf("%03s", d.Region) + "000")[:9], commune: depChef[di]}, di)
		}
	}
	// EPCI actors, attached to the département of their first member.
	g.epciAct = make([]int, len(g.epcis))
	for i := range g.epciAct {
		g.epciAct[i] = -1
	}
	for ci, c := range g.communes {
		if c.epci >= 0 && g.epciAct[c.epci] < 0 {
			e := g.epcis[c.epci]
			g.epciAct[c.epci] = g.addActor(natActor{id: "epci-" + e.Code, name: e.Nom, typ: "epci", siren: e.Code, commune: g.communes[ci].Code}, c.dep)
		}
	}
	for i := range g.communes {
		c := &g.communes[i]
		if c.Population >= 500 {
			siren := c.Siren
			if !domain.IsSIREN(siren) {
				siren = ""
			}
			c.actor = g.addActor(natActor{id: "com-" + c.Code, name: "Commune " + elision(c.Nom), typ: "commune", siren: siren, commune: c.Code}, c.dep)
		}
	}
	// Associations and other structures, drawn per département in
	// proportion to the communes' populations.
	kinds := []struct {
		typ   string
		per   float64 // inhabitants per structure
		names []string
		first byte
	}{
		{"association", 7000, []string{"Association familiale", "Familles rurales", "Maison des familles", "Association d'éducation populaire", "Association de parents", "Amicale laïque", "Association d'aide à domicile", "Association d'insertion"}, '7'},
		{"centre_social", 30000, []string{"Centre social"}, '7'},
		{"evs", 50000, []string{"Espace de vie sociale"}, '8'},
		{"etablissement_scolaire", 25000, []string{"Collège", "Groupe scolaire", "Lycée"}, '1'},
		{"entreprise", 200000, []string{"Micro-crèche", "Crèche d'entreprise"}, '8'},
	}
	byDep := make([][]int, len(g.deps))
	for ci, c := range g.communes {
		byDep[c.dep] = append(byDep[c.dep], ci)
	}
	seq := map[string]int{}
	for _, k := range kinds {
		for di := range g.deps {
			n := int(math.Round(depPop[di] / k.per))
			if n == 0 && depPop[di] > 0 && k.typ != "entreprise" {
				n = 1
			}
			members := byDep[di]
			var total float64
			for _, ci := range members {
				total += float64(g.communes[ci].Population)
			}
			for range n {
				x := r.Float64() * total
				ci := members[len(members)-1]
				for _, m := range members {
					x -= float64(g.communes[m].Population)
					if x <= 0 {
						ci = m
						break
					}
				}
				c := g.communes[ci]
				seq[k.typ]++
				name := k.names[r.IntN(len(k.names))] + " " + elision(c.Nom)
				if seq[k.typ]%3 == 0 {
					name += " " + strconv.Itoa(seq[k.typ]%97)
				}
				g.addActor(natActor{id: fmt.Sprintf("%s-%06d", k.typ, seq[k.typ]), name: name, typ: k.typ, siren: randSIREN(r, k.first), commune: c.Code}, di)
			}
		}
	}
}

// nationalTheme describes how actions of a theme are drawn.
type nationalTheme struct {
	code    string
	weight  int
	title   string
	publics []string
	labels  []string
	ops     []string
	cap     [2]float64
	unit    float64
}

var nationalThemes = []nationalTheme{
	{"parentalite", 16, "Soutien à la parentalité", l("parents", "familles"), l("reaap", "laep", "mediation_familiale"), l("association", "centre_social", "evs", "commune"), [2]float64{10, 120}, 150},
	{"petite_enfance", 14, "Accueil du jeune enfant", l("enfants_0_3", "parents"), l("eaje", "ram_rpe"), l("commune", "epci", "association", "entreprise"), [2]float64{10, 80}, 8000},
	{"enfance", 14, "Accueil de loisirs", l("enfants_3_11"), l("alsh", "clas"), l("commune", "association", "centre_social"), [2]float64{20, 150}, 700},
	{"jeunesse", 10, "Action jeunesse", l("adolescents_12_17", "jeunes_18_25"), l("promeneurs_du_net", "clas"), l("association", "commune", "centre_social"), [2]float64{10, 100}, 400},
	{"animation_vie_sociale", 8, "Animation de la vie sociale", l("tous_publics", "familles"), l("centre_social", "evs"), l("centre_social", "evs", "association"), [2]float64{50, 800}, 80},
	{"rythmes_scolaires", 8, "Accueil périscolaire", l("enfants_3_11"), l("pedt"), l("commune", "epci"), [2]float64{30, 300}, 300},
	{"acces_aux_droits", 6, "Accès aux droits", l("tous_publics", "beneficiaires_minima_sociaux"), l("france_services"), l("caf", "association", "commune", "epci"), [2]float64{100, 3000}, 30},
	{"logement", 4, "Accompagnement logement", l("familles", "beneficiaires_minima_sociaux"), nil, l("association", "departement"), [2]float64{10, 100}, 1000},
	{"handicap", 3, "Inclusion handicap", l("personnes_handicapees", "familles"), nil, l("association", "departement"), [2]float64{5, 60}, 1500},
	{"insertion", 5, "Insertion professionnelle", l("jeunes_18_25", "beneficiaires_minima_sociaux"), nil, l("association", "etat"), [2]float64{10, 200}, 1200},
	{"numerique", 4, "Inclusion numérique", l("seniors", "tous_publics"), nil, l("association", "commune", "epci"), [2]float64{20, 400}, 60},
	{"vacances_loisirs", 4, "Vacances et loisirs", l("familles", "enfants_3_11"), l("vacaf"), l("association", "centre_social"), [2]float64{20, 200}, 300},
	{"sante", 3, "Prévention santé", l("tous_publics", "adolescents_12_17"), nil, l("association", "departement", "commune"), [2]float64{20, 300}, 70},
	{"mobilite", 2, "Mobilité solidaire", l("beneficiaires_minima_sociaux", "seniors"), nil, l("association", "epci"), [2]float64{10, 200}, 200},
}

// csvFile is a buffered output file.
type csvFile struct {
	f *os.File
	w *bufio.Writer
}

func createCSV(dir, name, header string) (*csvFile, error) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	c := &csvFile{f: f, w: bufio.NewWriterSize(f, 1<<20)}
	c.w.WriteString(header)
	c.w.WriteByte('\n')
	return c, nil
}

func (c *csvFile) close() error {
	if err := c.w.Flush(); err != nil {
		c.f.Close()
		return err
	}
	return c.f.Close()
}

// clean removes the separator and quotes from generated text.
func clean(s string) string {
	return strings.NewReplacer(";", ",", `"`, "'", "\n", " ").Replace(s)
}

func (g *nationalGen) writeActors() error {
	f, err := createCSV(g.opts.OutDir, "actors.csv", "id;name;type;siren;commune")
	if err != nil {
		return err
	}
	for _, a := range g.actors {
		f.w.WriteString(a.id + ";" + clean(a.name) + ";" + a.typ + ";" + a.siren + ";" + a.commune + "\n")
	}
	return f.close()
}

// writeActions writes actions.csv and fundings.csv.
func (g *nationalGen) writeActions(ctx context.Context, rep *NationalReport) error {
	r := rand.New(rand.NewPCG(g.opts.Seed, 102))
	af, err := createCSV(g.opts.OutDir, "actions.csv", "id;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description")
	if err != nil {
		return err
	}
	ff, err := createCSV(g.opts.OutDir, "fundings.csv", "action_id;funder_id;year;amount")
	if err != nil {
		af.close()
		return err
	}
	// Communes are drawn with weight population^0.8 (plus a floor), so
	// towns hold more actions and villages still some.
	cum := make([]float64, len(g.communes))
	var total float64
	for i, c := range g.communes {
		total += math.Pow(float64(c.Population)+20, 0.8)
		cum[i] = total
	}
	themeCum := make([]int, len(nationalThemes))
	tw := 0
	for i, t := range nationalThemes {
		tw += t.weight
		themeCum[i] = tw
	}
	pickTheme := func() int {
		x := r.IntN(tw)
		i, _ := slices.BinarySearch(themeCum, x+1)
		return i
	}
	var line []byte
	for n := 1; n <= g.opts.Actions; n++ {
		if n%100000 == 0 {
			if err := ctx.Err(); err != nil {
				af.close()
				ff.close()
				return err
			}
		}
		ci, _ := slices.BinarySearch(cum, r.Float64()*total)
		ci = min(ci, len(g.communes)-1)
		c := &g.communes[ci]
		ti := pickTheme()
		t := &nationalThemes[ti]
		themes := []string{t.code}
		if r.IntN(4) == 0 {
			if o := nationalThemes[pickTheme()].code; o != t.code {
				themes = append(themes, o)
			}
		}
		op := g.operator(r, t, c)
		id := "A" + fmt.Sprintf("%07d", n)
		// Zone: the commune (70 %), its EPCI (20 %) or its département (10 %).
		zone, place := c.Code, c.Code
		switch k := r.IntN(10); {
		case k >= 9:
			zone = c.Departement
			if r.IntN(4) == 0 {
				place = ""
			}
		case k >= 7 && c.epci >= 0:
			zone = g.epcis[c.epci].Code
			if r.IntN(4) == 0 {
				place = ""
			}
		}
		capacity := math.Round(t.cap[0] + (t.cap[1]-t.cap[0])*r.Float64()*r.Float64())
		sy := 2010 + r.IntN(15)
		start := fmt.Sprintf("%d-%02d-01", sy, 1+8*r.IntN(2))
		end := ""
		endYear := 9999
		if r.IntN(5) == 0 {
			endYear = sy + 1 + r.IntN(6)
			end = fmt.Sprintf("%d-12-31", endYear)
		}
		label := ""
		if len(t.labels) > 0 && r.IntN(3) > 0 {
			label = t.labels[r.IntN(len(t.labels))]
		}
		line = line[:0]
		line = append(line, id...)
		line = append(line, ';')
		line = append(line, t.title...)
		line = append(line, " – "...)
		line = append(line, clean(c.Nom)...)
		line = append(line, ';')
		line = append(line, g.actors[op].id...)
		line = append(line, ';')
		line = append(line, strings.Join(themes, "|")...)
		line = append(line, ';')
		line = append(line, strings.Join(t.publics, "|")...)
		line = append(line, ';')
		line = append(line, zone...)
		line = append(line, ';')
		line = append(line, place...)
		line = append(line, ';')
		line = strconv.AppendFloat(line, capacity, 'f', -1, 64)
		line = append(line, ';')
		line = append(line, start...)
		line = append(line, ';')
		line = append(line, end...)
		line = append(line, ';')
		line = append(line, label...)
		line = append(line, ';')
		line = append(line, "Action générée pour les essais de charge ("...)
		line = append(line, t.code...)
		line = append(line, ")\n"...)
		af.w.Write(line)
		rep.Actions++

		// Fundings: 1 to 3 rows (about 2 on average) among the CAF, the local
		// authority and the département, over the years 2022–2024 the
		// action runs.
		k := 1 + r.IntN(3) + r.IntN(2)
		funders := g.funders(c)
		base := capacity * t.unit * (0.5 + r.Float64())
		written := 0
		for _, y := range []int{2024, 2023, 2022} {
			if y < sy || y > endYear {
				continue
			}
			for fi, fa := range funders {
				if written >= k {
					break
				}
				if fa < 0 {
					continue
				}
				share := [3]float64{0.45, 0.35, 0.2}[fi]
				amount := math.Round(base * share * (1 + 0.02*float64(y-2022)))
				line = line[:0]
				line = append(line, id...)
				line = append(line, ';')
				line = append(line, g.actors[fa].id...)
				line = append(line, ';')
				line = strconv.AppendInt(line, int64(y), 10)
				line = append(line, ';')
				line = strconv.AppendFloat(line, amount, 'f', -1, 64)
				line = append(line, '\n')
				ff.w.Write(line)
				written++
				rep.Fundings++
			}
		}
	}
	if err := af.close(); err != nil {
		ff.close()
		return err
	}
	return ff.close()
}

// funders returns the CAF, the local authority (commune, else EPCI) and the
// département council of a commune (-1 when absent).
func (g *nationalGen) funders(c *natCommune) [3]int {
	out := [3]int{-1, -1, -1}
	da := g.depActors[c.dep]
	if l := da["caf"]; len(l) > 0 {
		out[0] = l[0]
	}
	switch {
	case c.actor >= 0:
		out[1] = c.actor
	case c.epci >= 0:
		out[1] = g.epciAct[c.epci]
	}
	if l := da["departement"]; len(l) > 0 {
		out[2] = l[0]
	}
	return out
}

// operator picks the operator of an action of theme t in commune c.
func (g *nationalGen) operator(r *rand.Rand, t *nationalTheme, c *natCommune) int {
	da := g.depActors[c.dep]
	for try := 0; try < 4; try++ {
		typ := t.ops[0]
		if r.IntN(2) == 0 {
			typ = t.ops[r.IntN(len(t.ops))]
		}
		switch typ {
		case "commune":
			if c.actor >= 0 {
				return c.actor
			}
			if c.epci >= 0 {
				return g.epciAct[c.epci]
			}
		case "epci":
			if c.epci >= 0 {
				return g.epciAct[c.epci]
			}
		default:
			if l := da[typ]; len(l) > 0 {
				return l[r.IntN(len(l))]
			}
		}
	}
	if l := da["caf"]; len(l) > 0 {
		return l[0]
	}
	return 0
}

// mix64 is SplitMix64's finaliser: a fast, well-spread hash.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit returns a deterministic number in [0, 1) for the given keys.
func unit(seed uint64, keys ...uint64) float64 {
	h := seed
	for _, k := range keys {
		h = mix64(h ^ k)
	}
	return float64(h>>11) / (1 << 53)
}

// writeIndicators writes indicators.csv ordered by indicator, year and
// territory (the primary-key order of the store), computing every value from
// a hash of (commune, indicator, year): no table is held in memory.
func (g *nationalGen) writeIndicators(ctx context.Context, rep *NationalReport) error {
	f, err := createCSV(g.opts.OutDir, "indicators.csv", "territory;indicator;year;value")
	if err != nil {
		return err
	}
	seed := g.opts.Seed
	var line []byte
	for mi, m := range nationalModels {
		if err := ctx.Err(); err != nil {
			f.close()
			return err
		}
		for yi := range NationalYears {
			year := NationalFirstYear + yi
			for ci := range g.communes {
				c := &g.communes[ci]
				pop := float64(c.Population)
				growth := 0.012 * (unit(seed, uint64(ci), 7777) - 0.45)
				p := math.Max(0, math.Round(pop*math.Pow(1+growth, float64(year-2023))))
				var v float64
				switch {
				case m.code == "population":
					v = p
				case m.rate:
					u := unit(seed, uint64(ci), uint64(mi))
					drift := 0.04 * (unit(seed, uint64(ci), uint64(mi), uint64(year)) - 0.5)
					v = m.base + m.span*u*(1+drift)
					if m.code == "revenu_median" {
						v = math.Round(v/10) * 10
					} else {
						v = math.Round(v*10) / 10
					}
				default:
					u := unit(seed, uint64(ci), uint64(mi))
					drift := 0.03 * (unit(seed, uint64(ci), uint64(mi), uint64(year)) - 0.5)
					v = math.Round(p * m.share * (1 + m.spread*(u-0.5)) * (1 + drift))
				}
				line = line[:0]
				line = append(line, c.Code...)
				line = append(line, ';')
				line = append(line, m.code...)
				line = append(line, ';')
				line = strconv.AppendInt(line, int64(year), 10)
				line = append(line, ';')
				line = strconv.AppendFloat(line, v, 'f', -1, 64)
				line = append(line, '\n')
				f.w.Write(line)
				rep.Values++
			}
		}
	}
	return f.close()
}

func (g *nationalGen) writeCatalogue() error {
	f, err := createCSV(g.opts.OutDir, "indicators-catalogue.csv", "code;label;unit;source;definition")
	if err != nil {
		return err
	}
	inds := append(domain.DefaultIndicators(), nationalExtraIndicators...)
	slices.SortFunc(inds, func(a, b domain.Indicator) int { return cmp.Compare(a.Code, b.Code) })
	for _, ind := range inds {
		f.w.WriteString(ind.Code + ";" + clean(ind.Label) + ";" + clean(ind.Unit) + ";" + clean(ind.Source) + ";" + clean(ind.Definition) + "\n")
	}
	return f.close()
}

const nationalReadme = `Maillage — jeu de données national de test
==========================================

Jeu FICTIF, généré par « maillage demo --scale national », pour les essais de
charge : les communes, EPCI et départements sont réels (COG fourni par --cog),
les acteurs, actions, financements et valeurs d'indicateurs sont inventés
(déterministes : la même graine donne des fichiers identiques octet pour octet).

Commande de génération :
  {{COMMAND}}

Format commun : CSV séparé par « ; », UTF-8 sans BOM, fins de ligne LF, une
ligne d'en-tête, point décimal, listes dans une cellule séparées par « | ».
Les colonnes sont exactement celles du modèle d'import de Maillage.

Fichiers :
  actors.csv               {{ACTORS}} acteurs : id;name;type;siren;commune
                           (CAF, conseil départemental et DDETS de chaque
                           département, conseils régionaux, chaque EPCI, chaque
                           commune de 500 habitants ou plus, associations,
                           centres sociaux, EVS, établissements scolaires,
                           entreprises au prorata de la population)
  actions.csv              {{ACTIONS}} actions :
                           id;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description
                           (zone : la commune 70 %, son EPCI 20 %, son département 10 %)
  fundings.csv             {{FUNDINGS}} financements : action_id;funder_id;year;amount
                           (CAF, commune ou EPCI, département ; années 2022 à 2024)
  indicators.csv           {{VALUES}} valeurs, format long : territory;indicator;year;value
                           = {{COMMUNES}} communes × 30 indicateurs × 10 années (2015–2024)
                           (COG 2026 complet : 34 969 communes, 10 490 700 valeurs),
                           triées par indicateur, année puis commune (ordre de la clé primaire)
  indicators-catalogue.csv catalogue des 30 indicateurs : code;label;unit;source;definition
                           (les 9 indicateurs par défaut de Maillage et 21 autres)
  points.csv               {{POINTS}} centroïdes : territory;lat;lon
                           ({{OUTLINES}} tirés des contours communaux disponibles,
                           {{SAMPLED}} tirés au hasard (déterministe) dans le contour du
                           département, {{MISSING}} sans contour de département : collectivités
                           d'outre-mer)

Import (dans cet ordre ; --db choisit la base, SQLite par défaut) :
  maillage import cog {{COG}}
  maillage import points {{OUT}}/points.csv
  maillage import indicators --catalogue {{OUT}}/indicators-catalogue.csv {{OUT}}/indicators.csv
  maillage import actions {{OUT}}

Généré en {{DURATION}} ({{BYTES}} octets au total).
`

func (g *nationalGen) writeReadme(rep *NationalReport) error {
	cmd := fmt.Sprintf("maillage demo --scale national --cog %s --out %s", g.opts.COGDir, g.opts.OutDir)
	if g.opts.GeoDir != "" {
		cmd += " --geo " + g.opts.GeoDir
	}
	if g.opts.Actions != DefaultActions {
		cmd += " --actions " + strconv.Itoa(g.opts.Actions)
	}
	if g.opts.Seed != Seed {
		cmd += " --seed " + strconv.FormatUint(g.opts.Seed, 10)
	}
	if len(g.opts.Departements) > 0 {
		cmd += " --departements " + strings.Join(g.opts.Departements, ",")
	}
	var size int64
	for _, name := range []string{"actors.csv", "actions.csv", "fundings.csv", "indicators.csv", "indicators-catalogue.csv", "points.csv"} {
		if st, err := os.Stat(filepath.Join(g.opts.OutDir, name)); err == nil {
			size += st.Size()
		}
	}
	// The duration is left out of the file so that it stays byte-identical.
	repl := strings.NewReplacer(
		"{{COMMAND}}", cmd, "{{ACTORS}}", strconv.Itoa(rep.Actors), "{{ACTIONS}}", strconv.Itoa(rep.Actions),
		"{{FUNDINGS}}", strconv.Itoa(rep.Fundings), "{{VALUES}}", strconv.Itoa(rep.Values),
		"{{COMMUNES}}", strconv.Itoa(rep.Communes), "{{POINTS}}", strconv.Itoa(rep.Points),
		"{{OUTLINES}}", strconv.Itoa(rep.PointsFromOutlines), "{{SAMPLED}}", strconv.Itoa(rep.PointsSampled),
		"{{MISSING}}", strconv.Itoa(rep.PointsMissing), "{{COG}}", g.opts.COGDir, "{{OUT}}", g.opts.OutDir,
		"Généré en {{DURATION}} ({{BYTES}} octets au total).", fmt.Sprintf("Taille des données : %d octets.", size),
	)
	return os.WriteFile(filepath.Join(g.opts.OutDir, "README.txt"), []byte(repl.Replace(nationalReadme)), 0o644)
}
