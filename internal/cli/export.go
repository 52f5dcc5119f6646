package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/export"
)

func init() {
	register(&Command{
		Name:    "export",
		Usage:   "export KIND [--format F] [--out FILE]",
		Summary: "exporte actions, acteurs, financements, indicateurs, territoires ou data·inclusion",
		Help: `KIND est l'un de : actions, actors (acteurs), fundings (financements), indicators
(valeurs d'indicateurs, format long), territories (territoires), data-inclusion.

Formats : csv (séparateur « ; », UTF-8 avec BOM : Excel l'ouvre directement), xlsx,
json, geojson (actions : point de la commune d'implantation ou du territoire servi ;
acteurs : commune du siège ; territoires : contours). data-inclusion : JSON
{"structures": [...], "services": [...]} au schéma data·inclusion v1.
Sans --format, le format vient de l'extension de --out (sinon csv).

Les colonnes CSV/XLSX des actions, acteurs et financements commencent par exactement
celles du modèle d'import (maillage template actions) : un export se réimporte tel quel.

Filtres : --territory (une commune, un EPCI, un département, une région ou un
périmètre : ses communes), --theme (actions de la thématique ; pour les indicateurs,
l'indicateur de besoin de la thématique), --year (actions actives cette année-là,
financements et valeurs de cette année).

Sans --out, l'export est écrit sur la sortie standard.

Exemples :
  maillage export actions --format xlsx --out actions.xlsx
  maillage export actions --territory 18 --theme parentalite --out actions-18.csv
  maillage export territories --format geojson --territory 200066330 --out thb.geojson
  maillage export fundings --year 2024 > financements-2024.csv
  maillage export data-inclusion --out data-inclusion.json`,
		Flags: func(fs *flag.FlagSet) {
			fs.String("format", "", "csv, xlsx, json ou geojson (défaut : extension de --out, sinon csv)")
			fs.String("out", "", "fichier à écrire (défaut : sortie standard)")
			fs.String("territory", "", "code du territoire")
			fs.String("theme", "", "code de la thématique")
			fs.String("year", "", "année")
		},
		Run: runExport,
	})
}

func runExport(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	kind := args[0]
	switch kind {
	case "acteurs":
		kind = "actors"
	case "financements":
		kind = "fundings"
	case "indicateurs":
		kind = "indicators"
	case "territoires":
		kind = "territories"
	}
	out := get("out")
	format := strings.ToLower(get("format"))
	if format == "" {
		switch ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), "."); ext {
		case "xlsx", "json", "geojson":
			format = ext
		default:
			format = "csv"
		}
		if kind == "data-inclusion" {
			format = "json"
		}
	}
	f := export.Filter{Territory: strings.TrimSpace(get("territory")), Theme: strings.TrimSpace(get("theme"))}
	if y := get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1800 || n > 2200 {
			return domain.Errorf(domain.EINVALID, "--year %q : année attendue (par exemple 2024)", y)
		}
		f.Year = n
	}
	if err := export.Check(kind, format); err != nil {
		return err
	}
	switch kind {
	case "actors", "territories", "data-inclusion":
		if kind != "data-inclusion" && (f.Theme != "" || f.Year != 0) {
			return domain.Errorf(domain.EINVALID, "--theme et --year ne s'appliquent pas à l'export %s (seul --territory)", kind)
		}
	}
	if !strings.HasPrefix(env.DB, "postgres://") && !strings.HasPrefix(env.DB, "postgresql://") {
		// Exporting reads: a mistyped --db must not create an empty
		// database and export nothing as if all was well.
		if _, err := os.Stat(env.DB); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "base de données introuvable : %s (vérifiez --db ou MAILLAGE_DB)", env.DB)
		}
	}
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if out == "" {
		return export.Export(ctx, st, kind, format, f, env.Stdout)
	}
	return writeAtomically(out, func(w io.Writer) error {
		return export.Export(ctx, st, kind, format, f, w)
	})
}

// writeAtomically writes a file through a temporary file renamed at the
// end, so that a failed export leaves no truncated file behind.
func writeAtomically(path string, write func(io.Writer) error) error {
	if st, err := os.Stat(path); (err == nil && st.IsDir()) || strings.HasSuffix(path, string(os.PathSeparator)) {
		return domain.Errorf(domain.EINVALID, "%s est un dossier : --out doit nommer un fichier (par exemple %s)", path, filepath.Join(path, "export.csv"))
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if errors.Is(err, os.ErrNotExist) {
		return domain.Errorf(domain.ENOTFOUND, "impossible d'écrire %s : le dossier %s n'existe pas (créez-le d'abord)", path, dir)
	}
	if err != nil {
		return fmt.Errorf("impossible d'écrire %s : %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("écriture de %s : %w", path, err)
	}
	return nil
}
