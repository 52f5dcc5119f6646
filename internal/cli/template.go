package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/export"
)

func init() {
	register(&Command{
		Name:    "template",
		Usage:   "template actions|indicators [--format xlsx|csv] [--out F]",
		Summary: "écrit un modèle d'import vide (acteurs, actions, financements ; ou indicateurs)",
		Help: `« template actions » écrit le modèle d'import des acteurs, actions et financements ;
« template indicators » celui des valeurs d'indicateurs (format long).

XLSX (par défaut) : un classeur avec une feuille par type (actors, actions, fundings),
exactement les colonnes attendues par « maillage import actions », un commentaire sur
chaque en-tête qui explique la colonne, des listes déroulantes des valeurs des
référentiels (type d'acteur ; thématiques, publics et labels, où une cellule peut
contenir plusieurs codes séparés par « | » : la liste aide à choisir, le message
d'aide liste tous les codes) et une feuille « referentiels » avec chaque code et son
libellé. --out est le fichier (défaut : modele-import-maillage.xlsx).

CSV : --out est un DOSSIER (créé au besoin ; défaut : modele-import-maillage) qui reçoit
un fichier par feuille (actors.csv, actions.csv, fundings.csv, ou indicators.csv) et
referentiels.csv (séparateur « ; », UTF-8 avec BOM). Pour les indicateurs, --out peut
aussi nommer un fichier .csv.

Les référentiels viennent de la base si elle existe (codes ajoutés par l'instance
compris), sinon du référentiel par défaut de Maillage.

Exemples :
  maillage template actions --format xlsx --out modele.xlsx
  maillage template actions --format csv --out modele/
  maillage template indicators --format csv --out indicateurs.csv`,
		Flags: func(fs *flag.FlagSet) {
			fs.String("format", "", "xlsx (défaut) ou csv")
			fs.String("out", "", "fichier XLSX, ou dossier pour le CSV")
		},
		Run: runTemplate,
	})
}

func runTemplate(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	var sheets []export.TemplateSheet
	switch args[0] {
	case "actions", "actors", "fundings":
		sheets = export.TemplateSheets()
	case "indicators", "indicateurs":
		sheets = []export.TemplateSheet{export.IndicatorTemplateSheet()}
	default:
		return domain.Errorf(domain.EINVALID, "modèle inconnu %q (attendu : actions ou indicators)", args[0])
	}
	format := strings.ToLower(get("format"))
	out := get("out")
	if format == "" {
		format = "xlsx"
		if strings.HasSuffix(strings.ToLower(out), ".csv") || (out != "" && filepath.Ext(out) == "") {
			format = "csv"
		}
	}
	ref, err := templateReferentials(ctx, env)
	if err != nil {
		return err
	}
	switch format {
	case "xlsx":
		if out == "" {
			out = "modele-import-maillage.xlsx"
		}
		if err := writeAtomically(out, func(w io.Writer) error { return export.TemplateXLSX(ref, sheets, w) }); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Modèle écrit : %s\n", out)
		return nil
	case "csv":
	default:
		return domain.Errorf(domain.EINVALID, "format inconnu %q (attendu : xlsx ou csv)", format)
	}
	if out == "" {
		out = "modele-import-maillage"
	}
	if strings.HasSuffix(strings.ToLower(out), ".csv") {
		if len(sheets) != 1 {
			return domain.Errorf(domain.EINVALID, "le modèle CSV des actions compte trois fichiers (actors.csv, actions.csv, fundings.csv) : --out doit nommer un dossier, pas %q", out)
		}
		if err := writeAtomically(out, func(w io.Writer) error { return export.TemplateCSV(sheets[0], w) }); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Modèle écrit : %s\n", out)
		return nil
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var names []string
	for _, sh := range sheets {
		name := filepath.Join(out, sh.Name+".csv")
		if err := writeAtomically(name, func(w io.Writer) error { return export.TemplateCSV(sh, w) }); err != nil {
			return err
		}
		names = append(names, name)
	}
	name := filepath.Join(out, "referentiels.csv")
	if err := writeAtomically(name, func(w io.Writer) error { return export.ReferentialsCSV(ref, w) }); err != nil {
		return err
	}
	names = append(names, name)
	fmt.Fprintf(env.Stdout, "Modèle écrit : %s\n", strings.Join(names, ", "))
	return nil
}

// templateReferentials reads the instance's referentials when its database
// exists, without creating a database file just to write a template.
func templateReferentials(ctx context.Context, env *Env) (*domain.Referentials, error) {
	if !strings.HasPrefix(env.DB, "postgres://") && !strings.HasPrefix(env.DB, "postgresql://") {
		if _, err := os.Stat(env.DB); err != nil {
			return domain.DefaultReferentials(), nil
		}
	}
	st, err := env.OpenStore(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Referentials(ctx)
}
