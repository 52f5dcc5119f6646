package cli

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"maillage/internal/demo"
	"maillage/internal/domain"
)

func init() {
	register(&Command{
		Name:    "demo",
		Usage:   "demo [--force] [--scale national --cog DIR --out DIR]",
		Summary: "charge le territoire de démonstration, ou écrit le jeu de données national de test",
		Help: `Sans option, charge dans la base le territoire de démonstration : un département fictif
« 96 Val-de-Maille » (code inutilisé par l'INSEE, il ne rencontre jamais le vrai COG)
avec 60 communes, 4 intercommunalités, leurs contours, 3 années d'indicateurs,
une quarantaine d'acteurs, environ 200 actions et leurs financements, et un périmètre
de CTG. Le contenu est toujours le même (graine fixe). Si la démonstration est déjà
chargée, la commande refuse ; --force la recharge (mise à jour sur place, sans doublon
et sans toucher aux autres données).

Avec --scale national, n'utilise pas la base : écrit dans le dossier --out un jeu de
données national de test au format des modèles d'import (toutes les communes réelles
du COG donné par --cog, 1 000 000 d'actions, environ 2 millions de financements,
10 490 700 valeurs d'indicateurs, les centroïdes des communes) et un README.txt qui
donne les commandes d'import. --geo (facultatif) est le dossier des contours
(departements/, communes-2024-mathieulebasic/) : centroïdes des communes qui y ont un
contour, points tirés dans le contour de leur département pour les autres.
Mêmes options, mêmes fichiers, octet pour octet.

Exemples :
  maillage demo
  maillage demo --force --db postgres://maillage@localhost/maillage
  maillage demo --scale national --cog ../shared/data/cog --geo ../shared/data/geo --out /tmp/maillage-national
  maillage demo --scale national --cog ./cog --out ./essai --actions 10000`,
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("force", false, "recharger la démonstration si elle est déjà dans la base")
			fs.String("scale", "departement", "departement (dans la base) ou national (fichiers, avec --out et --cog)")
			fs.String("out", "", "dossier où écrire le jeu national")
			fs.String("cog", "", "dossier du COG (communes.json, epci.json, departements.json, regions.json)")
			fs.String("geo", "", "dossier des contours (facultatif)")
			fs.Int("actions", demo.DefaultActions, "nombre d'actions du jeu national")
			fs.Uint64("seed", demo.Seed, "graine du jeu national")
			fs.String("departements", "", "jeu national restreint à ces départements (codes séparés par des virgules)")
		},
		Run: runDemo,
	})
}

func runDemo(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 {
		return errUsage
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	switch get("scale") {
	case "national":
		return runNational(ctx, env, fs)
	case "departement", "département", "":
	default:
		return domain.Errorf(domain.EINVALID, "--scale %q inconnu : departement (par défaut) ou national", get("scale"))
	}
	if get("out") != "" || get("cog") != "" {
		return domain.Errorf(domain.EINVALID, "--out et --cog ne servent qu'avec --scale national")
	}
	start := time.Now()
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	loaded, err := demo.Loaded(ctx, st)
	if err != nil {
		return err
	}
	if loaded && get("force") != "true" {
		return domain.Errorf(domain.ECONFLICT, "la démonstration (département %s %s) est déjà chargée dans %s : ajoutez --force pour la recharger", demo.DeptCode, demo.DeptName, displayDB(env.DB))
	}
	if err := demo.Build(ctx, st); err != nil {
		return err
	}
	d := demo.Generate(demo.Seed)
	verb := "chargé"
	if loaded {
		verb = "rechargé"
	}
	fmt.Fprintf(env.Stdout, "Territoire de démonstration %s dans %s en %s : département %s %s, %d communes, %d EPCI, %d acteurs, %d actions, %d financements, %d valeurs d'indicateurs.\n",
		verb, displayDB(env.DB), time.Since(start).Round(time.Millisecond), demo.DeptCode, demo.DeptName,
		len(d.Communes), len(d.EPCIs), len(d.Actors), len(d.Actions), len(d.Fundings), len(d.Indicators))
	serve := "maillage serve"
	if env.DB != DefaultDB {
		serve += " --db " + displayDB(env.DB)
	}
	fmt.Fprintln(env.Stdout, "Pour l'explorer : "+serve)
	return nil
}

// displayDB is the database as shown to people: a PostgreSQL URL without
// its password (the output of a command ends up in logs and tickets).
func displayDB(dsn string) string {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

func runNational(ctx context.Context, env *Env, fs *flag.FlagSet) error {
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	if get("out") == "" || get("cog") == "" {
		return domain.Errorf(domain.EINVALID, "--scale national demande --out DOSSIER et --cog DOSSIER_DU_COG (exemple : maillage demo --scale national --cog ../shared/data/cog --out /tmp/maillage-national)")
	}
	n, err := strconv.Atoi(get("actions"))
	if err != nil || n <= 0 {
		return domain.Errorf(domain.EINVALID, "--actions %q : nombre entier positif attendu", get("actions"))
	}
	seed, err := strconv.ParseUint(get("seed"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.EINVALID, "--seed %q : entier positif attendu", get("seed"))
	}
	var deps []string
	for _, d := range strings.Split(get("departements"), ",") {
		if d = strings.TrimSpace(d); d != "" {
			deps = append(deps, d)
		}
	}
	rep, err := demo.National(ctx, demo.NationalOptions{
		COGDir: get("cog"), GeoDir: get("geo"), OutDir: get("out"), Actions: n, Seed: seed, Log: env.Stderr,
		Departements: deps,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Jeu national écrit dans %s en %s (%.1f Mo) :\n", get("out"), rep.Duration.Round(time.Millisecond), float64(rep.Bytes)/1e6)
	fmt.Fprintf(env.Stdout, "  %d communes, %d acteurs, %d actions, %d financements, %d valeurs d'indicateurs, %d centroïdes (%d de contours communaux, %d tirés dans le département, %d sans contour)\n",
		rep.Communes, rep.Actors, rep.Actions, rep.Fundings, rep.Values, rep.Points, rep.PointsFromOutlines, rep.PointsSampled, rep.PointsMissing)
	fmt.Fprintf(env.Stdout, "Commandes d'import : voir %s/README.txt\n", get("out"))
	return nil
}
