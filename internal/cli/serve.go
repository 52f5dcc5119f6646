package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"maillage/internal/api"
	"maillage/internal/auth"
	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/server"
)

// DefaultAddr is where "maillage serve" listens by default: this machine only.
const DefaultAddr = "127.0.0.1:8080"

func init() {
	register(&Command{
		Name:    "serve",
		Usage:   "serve [--addr HOST:PORT] [--demo] [--new-admin-token] [--url URL]",
		Summary: "démarre l'interface web et l'API JSON",
		Help: `Démarre Maillage : l'interface web à l'adresse affichée, l'API JSON sous /api/v1
(description OpenAPI : /api/v1/openapi.json) et /healthz.

Au premier démarrage, un jeton d'administration est créé et affiché une seule fois :
les écritures par l'API le demandent (en-tête « Authorization: Bearer <jeton> »).
Seule son empreinte (SHA-256) est conservée ; --new-admin-token en crée un nouveau
et invalide l'ancien.

--demo charge le territoire de démonstration si la base ne contient encore aucun territoire.

--url donne l'adresse publique des liens d'invitation (derrière un proxy) ; sans elle, le lien
reprend l'adresse par laquelle la personne qui invite est arrivée.

Avec --smtp-addr et --smtp-from, les invitations créées par l'administration sont aussi
envoyées par courriel (avec --smtp-user, mot de passe SMTP dans la variable d'environnement
MAILLAGE_SMTP_PASSWORD).

Ctrl+C (ou SIGTERM) arrête le serveur proprement : les requêtes en cours se terminent.

Exemples :
  maillage serve --demo
  maillage serve --addr 0.0.0.0:8080 --db postgres://maillage@localhost/maillage
  maillage serve --url https://maillage.caf.fr --secure-cookies`,
		Flags: func(fs *flag.FlagSet) {
			fs.String("addr", DefaultAddr, "adresse d'écoute HÔTE:PORT")
			fs.Bool("demo", false, "charger le territoire de démonstration si la base est vide")
			fs.Bool("new-admin-token", false, "créer un nouveau jeton d'administration (l'ancien cesse de fonctionner)")
			fs.Bool("secure-cookies", false, "cookie de session « Secure » (derrière un proxy HTTPS)")
			fs.String("url", "", "adresse publique de Maillage pour les liens d'invitation, ex. https://maillage.caf.fr (défaut : l'adresse de chaque requête)")
			smtpFlags(fs)
		},
		Run: func(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return errUsage
			}
			mailer, err := smtpMailer(fs)
			if err != nil {
				return err
			}
			public, err := publicURL(flagStr(fs, "url"))
			if err != nil {
				return err
			}
			return serve(ctx, env, serveOptions{
				Mailer:        mailer,
				URL:           public,
				Addr:          fs.Lookup("addr").Value.String(),
				Demo:          fs.Lookup("demo").Value.String() == "true",
				NewAdminToken: fs.Lookup("new-admin-token").Value.String() == "true",
				SecureCookies: fs.Lookup("secure-cookies").Value.String() == "true",
			})
		},
	})
}

type serveOptions struct {
	Addr          string
	Demo          bool
	NewAdminToken bool
	SecureCookies bool   // --secure-cookies (accounts: see user.go)
	URL           string // --url: public address for invitation links ("": each request's)
	// Mailer sends invitation links (--smtp-*; nil: no mail).
	Mailer *auth.Mailer
	// Grace is how long in-flight requests get at shutdown (0: 10 s).
	Grace time.Duration
}

// publicURL checks --url: an http(s) address with a host, without a
// trailing slash ("" stays "").
func publicURL(s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--url %q : adresse attendue de la forme https://maillage.exemple.fr", s)
	}
	return s, nil
}

// serve runs the server until ctx ends.
func serve(ctx context.Context, env *Env, o serveOptions) error {
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// Listen first: a busy port must not cost the one display of a new
	// admin token.
	l, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("impossible d'écouter sur %s : %w", o.Addr, err)
	}
	defer l.Close()

	if o.Demo {
		p, err := st.Territories(ctx, domain.TerritoryFilter{Limit: 1})
		if err != nil {
			return err
		}
		if p.Total == 0 {
			fmt.Fprintln(env.Stdout, "Chargement du territoire de démonstration…")
			if err := demo.Build(ctx, st); err != nil {
				return fmt.Errorf("démonstration : %w", err)
			}
		}
	}

	var token string
	if o.NewAdminToken {
		token, err = api.NewAdminToken(ctx, st)
	} else {
		token, err = api.EnsureAdminToken(ctx, st)
	}
	if err != nil {
		return err
	}

	sopts := server.Options{Logger: log}
	guarded := withAccounts(st, &sopts, o.SecureCookies, o.URL, o.Mailer)
	h, err := server.New(ctx, guarded, sopts)
	if err != nil {
		return err
	}
	if token != "" {
		fmt.Fprintf(env.Stdout, "Jeton d'administration (affiché une seule fois) : %s\n", token)
		fmt.Fprintln(env.Stdout, "Conservez-le : les écritures par l'API le demandent (Authorization: Bearer <jeton>).")
	}
	fmt.Fprintf(env.Stdout, "Maillage est disponible sur http://%s\n", l.Addr())
	grace := o.Grace
	if grace == 0 {
		grace = 10 * time.Second
	}
	if err := server.Serve(ctx, l, h, log, grace); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "Maillage s'est arrêté.")
	return nil
}
