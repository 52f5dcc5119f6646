package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"maillage/internal/domain"
	"maillage/internal/importer"
)

const importCommonHelp = `
Un fichier invalide n'écrit rien : l'erreur nomme le fichier, la ligne et le champ de
chaque ligne fautive (les 50 premières). Avec --skip-invalid, les lignes valides sont
enregistrées et les autres vont dans un fichier de rejets (CSV « ; », UTF-8 avec BOM,
à côté du fichier lu, de même nom : actions.csv → actions.rejets.csv ; pour un classeur,
un fichier par feuille : modele.xlsx → modele.actions.rejets.csv) avec le motif de chaque
rejet, dont le chemin est affiché à la fin : corrigez-le et importez-le à nouveau. --dry-run vérifie tout et dit ce qui changerait, sans rien
enregistrer. Réimporter le même fichier ne change rien.

Les fichiers CSV peuvent venir d'Excel ou de LibreOffice tels quels : séparateur « ; »,
« , » ou tabulation, UTF-8 (avec ou sans BOM) ou Windows-1252, lignes vides, colonnes
vides en fin de ligne, nombres à virgule (12,5), espaces de milliers (1 234) et montants
au format monétaire d'Excel (2 000 €, 1 234,50 EUR).`

func init() {
	common := func(fs *flag.FlagSet) {
		fs.Bool("skip-invalid", false, "enregistrer les lignes valides et écrire les autres dans un fichier de rejets")
		fs.String("rejects", "", "chemin du fichier de rejets (par défaut : NOM.rejets.csv à côté du fichier NOM.csv lu ; avec plusieurs tables, NOM.actors.csv, NOM.actions.csv…)")
		fs.Bool("dry-run", false, "tout vérifier et dire ce qui changerait, sans rien enregistrer")
		fs.String("visibility", "", "visibilité de ce qui est créé : private, partners, network ou public (par défaut : public pour les territoires et indicateurs, network pour les acteurs et actions)")
	}
	register(&Command{
		Name:    "import",
		Usage:   "import TYPE FICHIER",
		Summary: "importe des données (COG, contours, points, indicateurs, actions, data·inclusion)",
		Sub: []*Command{
			{
				Name:    "cog",
				Usage:   "import cog DOSSIER",
				Summary: "importe le Code officiel géographique (communes, EPCI, départements, régions, populations)",
				Help: `Importe le référentiel territorial depuis les fichiers du paquet npm
@etalab/decoupage-administratif : regions.json, departements.json, communes.json,
epci.json (arrondissements.json est lu mais ignoré : ce sont des arrondissements
départementaux). Les communes déléguées et associées et les anciens codes deviennent
des alias de leur commune actuelle : un ancien code dans un fichier importé plus tard
est rattaché à la commune actuelle, avec un avertissement.

Les populations deviennent l'indicateur « population » : communes.json n'indique pas
leur millésime (2023 pour l'édition 2026 du paquet, --population-year pour un autre) ;
celles d'epci.json sont d'un millésime antérieur (2022, --epci-population-year).
Les départements et régions reçoivent la somme de leurs communes.
` + importCommonHelp + `

Exemple :
  maillage import cog ./node_modules/@etalab/decoupage-administratif/data --db maillage.db`,
				Flags: func(fs *flag.FlagSet) {
					common(fs)
					fs.Int("population-year", importer.DefaultPopulationYear, "millésime des populations de communes.json")
					fs.Int("epci-population-year", importer.DefaultEPCIPopulationYear, "millésime des populations d'epci.json")
				},
				Run: func(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
					dir, err := one(args)
					if err != nil {
						return err
					}
					return runImport(ctx, env, fs, func(s domain.Store, opt importer.Options) (*importer.Report, error) {
						opt.PopulationYear = intFlag(fs, "population-year")
						opt.EPCIPopulationYear = intFlag(fs, "epci-population-year")
						return importer.ImportCOG(ctx, s, dir, opt)
					})
				},
			},
			{
				Name:    "geo",
				Usage:   "import geo FICHIER",
				Summary: "importe des contours GeoJSON (communes, EPCI, départements) et calcule les centroïdes",
				Help: `Importe les contours d'une FeatureCollection GeoJSON (WGS84) de communes, d'EPCI, de
départements ou d'arrondissements municipaux. Le code est cherché dans les propriétés
code, code_insee, INSEE_COM, c_arinsee ou code_territoire (préfixe « com » retiré).
Le centroïde de chaque territoire est calculé (barycentre des surfaces, trous déduits),
sauf s'il a été fixé par « import points ». Le contour d'une commune fusionnée depuis
est ignoré, avec un avertissement : il ne couvre qu'une partie de la commune actuelle.
` + importCommonHelp + `

Exemple :
  maillage import geo communes-18-cher.geojson`,
				Flags: common,
				Run: importFile(importer.ImportGeo),
			},
			{
				Name:    "points",
				Usage:   "import points FICHIER",
				Summary: "fixe les centroïdes depuis un fichier territory;lat;lon (CSV ou XLSX)",
				Help: `Fixe le centroïde des territoires (par exemple les coordonnées officielles des
chefs-lieux) depuis un fichier aux colonnes territory;lat;lon (ou code;latitude;longitude),
en degrés WGS84. Un import de contours ultérieur les conserve.
` + importCommonHelp + `

Exemple :
  maillage import points chefs-lieux.csv`,
				Flags: common,
				Run: importFile(importer.ImportPoints),
			},
			{
				Name:    "indicators",
				Usage:   "import indicators [--catalogue FICHIER] FICHIER",
				Summary: "importe un catalogue d'indicateurs et des valeurs (format long ou large, CSV ou XLSX)",
				Help: `Importe des valeurs d'indicateurs, et leur catalogue avec --catalogue (colonnes
code;label;unit;source;definition, et publics facultatif). Les valeurs sont au format
long (territory;indicator;year;value) ou large (territory;year;<codes d'indicateurs…>,
ou territory;<codes…> avec --year). Un indicateur inconnu est une erreur qui le nomme.
Les valeurs couvertes par le secret statistique (s, nd, nc, vide) sont ignorées et
comptées. Un ancien code de commune est rattaché à la commune actuelle ; si celle-ci a
sa propre valeur dans le fichier, celle de l'ancien code est ignorée (les taux et
médianes ne s'additionnent pas).

--map COLONNE=code renomme une colonne (répétable) ; seules les colonnes renommées sont
alors lues. --territory-column nomme la colonne des codes de territoire.
` + importCommonHelp + `

Exemples :
  maillage import indicators --catalogue catalogue.csv valeurs.csv
  maillage import indicators cc_filosofi_2021_COM.csv --territory-column CODGEO --year 2021 --map TP6021=taux_pauvrete`,
				Flags: func(fs *flag.FlagSet) {
					common(fs)
					fs.String("catalogue", "", "fichier du catalogue d'indicateurs (code;label;unit;source;definition)")
					fs.Int("year", 0, "année des valeurs d'un fichier large sans colonne year")
					fs.Var(&mapFlag{}, "map", "renommer une colonne en code d'indicateur : COLONNE=code (répétable)")
					fs.String("territory-column", "", "colonne des codes de territoire (par défaut : territory, code, codgeo…)")
				},
				Run: func(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
					cat := fs.Lookup("catalogue").Value.String()
					if len(args) > 1 || (len(args) == 0 && cat == "") {
						return errUsage
					}
					values := ""
					if len(args) == 1 {
						values = args[0]
					}
					return runImport(ctx, env, fs, func(s domain.Store, opt importer.Options) (*importer.Report, error) {
						opt.Year = intFlag(fs, "year")
						opt.Rename = *fs.Lookup("map").Value.(*mapFlag)
						opt.TerritoryColumn = fs.Lookup("territory-column").Value.String()
						return importer.ImportIndicators(ctx, s, cat, values, opt)
					})
				},
			},
			{
				Name:    "actions",
				Usage:   "import actions FICHIER_OU_DOSSIER",
				Summary: "importe acteurs, actions et financements (modèle d'import, CSV ou XLSX)",
				Help: `Importe les acteurs, les actions et leurs financements écrits dans le modèle
(« maillage template actions » l'écrit). Listes dans une cellule séparées par « | »,
dates AAAA-MM-JJ ou JJ/MM/AAAA :
  actors   : id;name;type;siren;commune
  actions  : id;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description
  fundings : action_id;funder_id;year;amount

FICHIER_OU_DOSSIER est un dossier contenant actors.csv, actions.csv et fundings.csv
(ou .xlsx ; chacun est facultatif), un classeur XLSX aux feuilles actors, actions et
fundings, ou un seul CSV dont l'en-tête dit ce qu'il contient. Les id sont ceux du
fichier : réimporter met à jour les mêmes acteurs et actions. operator_id et funder_id
désignent l'id d'un acteur de ce fichier ou d'un import précédent. Pour chaque action
et année présentes dans fundings, les financements de l'action cette année-là
deviennent ceux du fichier ; les autres années sont conservées.
` + importCommonHelp + `

Exemples :
  maillage import actions ./mes-actions/
  maillage import actions modele-actions.xlsx --skip-invalid`,
				Flags: common,
				Run: importFile(importer.ImportActions),
			},
			{
				Name:    "data-inclusion",
				Usage:   "import data-inclusion FICHIER",
				Summary: "importe des structures et services au format data·inclusion (schéma v1, JSON)",
				Help: `Importe des structures (qui deviennent des acteurs) et des services (des actions)
au format data·inclusion, schéma v1 : un tableau JSON, un objet {"structures": [...],
"services": [...]} ou des lignes JSON. Les thématiques et publics sont traduits dans les
référentiels de Maillage ; une thématique sans équivalent est signalée, un service dont
aucune thématique n'a d'équivalent est rejeté. Les identifiants data·inclusion sont
conservés (source « data-inclusion:<producteur> ») : réimporter met à jour.
` + importCommonHelp + `

Exemple :
  maillage import data-inclusion services-cher.json --skip-invalid`,
				Flags: common,
				Run: importFile(importer.ImportDataInclusion),
			},
		},
	})
}

func intFlag(fs *flag.FlagSet, name string) int {
	n, _ := strconv.Atoi(fs.Lookup(name).Value.String())
	return n
}

// mapFlag collects --map COLONNE=code (repeatable, or comma-separated).
type mapFlag map[string]string

func (m *mapFlag) String() string {
	if m == nil || *m == nil {
		return ""
	}
	var parts []string
	for k, v := range *m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (m *mapFlag) Set(s string) error {
	if *m == nil {
		*m = map[string]string{}
	}
	for _, part := range strings.Split(s, ",") {
		from, to, ok := strings.Cut(part, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" || to == "" {
			return fmt.Errorf("--map attend COLONNE=code, pas %q", part)
		}
		(*m)[from] = to
	}
	return nil
}

// one is the only argument of a command that takes one.
func one(args []string) (string, error) {
	if len(args) != 1 {
		return "", errUsage
	}
	return args[0], nil
}

// importFile is the Run of an import command that takes one file or folder.
func importFile(imp func(context.Context, domain.Store, string, importer.Options) (*importer.Report, error)) func(context.Context, *Env, *flag.FlagSet, []string) error {
	return func(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
		path, err := one(args)
		if err != nil {
			return err
		}
		return runImport(ctx, env, fs, func(s domain.Store, opt importer.Options) (*importer.Report, error) {
			return imp(ctx, s, path, opt)
		})
	}
}

// runImport opens the store, wires progress and runs one import.
func runImport(ctx context.Context, env *Env, fs *flag.FlagSet, run func(domain.Store, importer.Options) (*importer.Report, error)) error {
	opt := importer.Options{
		SkipInvalid: fs.Lookup("skip-invalid").Value.String() == "true",
		RejectsPath: fs.Lookup("rejects").Value.String(),
		DryRun:      fs.Lookup("dry-run").Value.String() == "true",
		Visibility:  domain.Visibility(fs.Lookup("visibility").Value.String()),
	}
	s, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	prog := newProgress(env.Stderr)
	opt.Progress = prog.update
	if !prog.terminal {
		opt.Log = env.Stderr
	}
	rep, err := run(s, opt)
	prog.done()
	if err != nil {
		return err
	}
	printReport(env.Stdout, rep)
	return nil
}

// progress shows a bar on a terminal and plain lines (every 10 %, or every
// 10 seconds when the total is unknown) otherwise.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	bar      *progressbar.ProgressBar
	total    int64
	lastPct  int64
	lastLog  time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, lastPct: -1, lastLog: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.terminal = true
	}
	return p
}

func (p *progress) update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		if p.bar == nil || total != p.total {
			if p.bar != nil {
				p.bar.Finish()
			}
			limit := total
			if limit <= 0 {
				limit = -1
			}
			p.total = total
			p.bar = progressbar.NewOptions64(limit,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription("import"),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
				progressbar.OptionSetWidth(30),
			)
		}
		p.bar.Set64(done)
		return
	}
	if total > 0 {
		pct := done * 100 / total
		if pct/10 > p.lastPct/10 || p.lastPct < 0 {
			p.lastPct = pct
			fmt.Fprintf(p.w, "import : %d %%\n", pct)
		}
		return
	}
	if time.Since(p.lastLog) >= 10*time.Second {
		p.lastLog = time.Now()
		fmt.Fprintf(p.w, "import : %d lignes lues\n", done)
	}
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// maxPrinted bounds the warnings printed at the end of an import.
const maxPrinted = 50

func printReport(w io.Writer, r *importer.Report) {
	if r.DryRun {
		fmt.Fprintf(w, "Simulation (--dry-run) : rien n'a été enregistré. Voici ce que l'import ferait.\n")
	} else {
		fmt.Fprintf(w, "Import terminé en %s.\n", frDuration(r.Duration))
	}
	for _, k := range r.Kinds {
		if k.Read == 0 && k.Skipped == 0 && k.Rejected == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s : %s lus", k.Kind, frInt(k.Read))
		if k.Created+k.Updated+k.Unchanged > 0 {
			fmt.Fprintf(w, ", %s créés, %s modifiés, %s inchangés", frInt(k.Created), frInt(k.Updated), frInt(k.Unchanged))
		}
		if r.DryRun {
			fmt.Fprintf(w, ", %s seraient enregistrés", frInt(k.Written))
		} else {
			fmt.Fprintf(w, ", %s enregistrés", frInt(k.Written))
		}
		if k.Skipped > 0 {
			fmt.Fprintf(w, ", %s ignorés", frInt(k.Skipped))
		}
		if k.Rejected > 0 {
			fmt.Fprintf(w, ", %s rejetés", frInt(k.Rejected))
		}
		fmt.Fprintln(w)
	}
	if r.Read == 0 && r.Skipped == 0 && r.Rejected == 0 {
		fmt.Fprintf(w, "  aucune ligne de données lue : rien n'a été enregistré\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
	if len(r.Rejects) > 0 {
		fmt.Fprintf(w, "%s lignes rejetées :\n", frInt(r.Rejected))
		for i, e := range r.Rejects {
			if i == 10 {
				fmt.Fprintf(w, "  …\n")
				break
			}
			fmt.Fprintf(w, "  %s\n", e.Error())
		}
	}
	for _, f := range r.RejectsFiles {
		fmt.Fprintf(w, "Fichier de rejets : %s\n", f)
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(w, "Avertissements (%d) :\n", len(r.Warnings))
		for i, m := range r.Warnings {
			if i == maxPrinted {
				fmt.Fprintf(w, "  … et %d autres\n", len(r.Warnings)-maxPrinted)
				break
			}
			fmt.Fprintf(w, "  - %s\n", m)
		}
	}
}

// frInt writes 34969 as "34 969".
func frInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u202f')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func frDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return strings.Replace(fmt.Sprintf("%.1f s", d.Seconds()), ".", ",", 1)
}
