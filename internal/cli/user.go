package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"maillage/internal/auth"
	"maillage/internal/auth/authhttp"
	"maillage/internal/domain"
	"maillage/internal/server"
)

func init() {
	register(&Command{
		Name:    "user",
		Usage:   "user create|invite|list",
		Summary: "gère les comptes (créer le premier administrateur, inviter, lister)",
		Sub: []*Command{
			{
				Name:    "create",
				Usage:   "user create [--admin] EMAIL [--org ID --role RÔLE] [--password-stdin] [--name NOM]",
				Summary: "crée un compte (--admin : administrateur de l'instance)",
				Help: `Crée un compte. --admin en fait un administrateur de l'instance (organisation 1) ;
sinon --org et --role donnent son organisation et son rôle (caf_staff, partner_editor,
partner_reader, observer, admin).

Le mot de passe (12 caractères au moins) est demandé deux fois sur un terminal, ou lu
sur l'entrée standard avec --password-stdin (première ligne). Sans mot de passe (réponse
vide, ou entrée standard qui n'est pas un terminal), un lien d'invitation à usage
unique (valable 7 jours) est affiché : la personne y choisit son mot de passe. Avec un
serveur SMTP (--smtp-addr, --smtp-from), le lien lui est aussi envoyé par courriel.

Exemples :
  maillage user create --admin admin@caf18.fr
  echo "$MOT_DE_PASSE" | maillage user create --admin admin@caf18.fr --password-stdin
  maillage user create conseillere@caf18.fr --org 2 --role caf_staff`,
				Flags: func(fs *flag.FlagSet) {
					fs.Bool("admin", false, "administrateur de l'instance (organisation 1, rôle admin)")
					fs.Int64("org", 0, "organisation (identifiant)")
					fs.String("role", "", "rôle dans l'organisation")
					fs.String("name", "", "nom affiché (facultatif)")
					fs.Bool("password-stdin", false, "lire le mot de passe sur l'entrée standard")
					fs.String("url", "", "adresse publique de Maillage pour le lien d'invitation (défaut : http://"+DefaultAddr+")")
					smtpFlags(fs)
				},
				Run: runUserCreate,
			},
			{
				Name:    "invite",
				Usage:   "user invite EMAIL --org ID --role RÔLE [--url URL] [--smtp-addr HÔTE:PORT --smtp-from ADRESSE [--smtp-user NOM]]",
				Summary: "invite une personne dans une organisation (affiche le lien à usage unique, l'envoie par courriel avec un serveur SMTP)",
				Help: `Crée une invitation à usage unique, valable 7 jours, et affiche son lien. Sans serveur
SMTP, transmettez-le vous-même à la personne. Avec --smtp-addr et --smtp-from, le lien lui
est aussi envoyé par courriel (STARTTLS dès que le serveur le propose ; avec --smtp-user, le
mot de passe SMTP est lu dans la variable d'environnement MAILLAGE_SMTP_PASSWORD et n'est
envoyé que sur une connexion chiffrée ou à cette machine). Si l'envoi échoue, l'invitation
reste valable : le lien est affiché et l'erreur expliquée. Une personne qui a déjà un compte
garde son mot de passe et reçoit le rôle dans l'organisation.

Exemples :
  maillage user invite editeur@centre-social.fr --org 3 --role partner_editor --url https://maillage.caf18.fr
  MAILLAGE_SMTP_PASSWORD=... maillage user invite editeur@centre-social.fr --org 3 --role partner_editor \
    --url https://maillage.caf18.fr --smtp-addr smtp.caf18.fr:587 --smtp-from maillage@caf18.fr --smtp-user maillage`,
				Flags: func(fs *flag.FlagSet) {
					fs.Int64("org", 0, "organisation (identifiant)")
					fs.String("role", "", "rôle : admin, caf_staff, partner_editor, partner_reader, observer")
					fs.String("url", "", "adresse publique de Maillage (défaut : http://"+DefaultAddr+")")
					smtpFlags(fs)
				},
				Run: runUserInvite,
			},
			{
				Name:    "list",
				Usage:   "user list",
				Summary: "liste les comptes et leurs rôles",
				Flags:   func(*flag.FlagSet) {},
				Run:     runUserList,
			},
		},
	})
	register(&Command{
		Name:    "org",
		Usage:   "org create|list",
		Summary: "gère les organisations",
		Sub: []*Command{
			{
				Name:    "create",
				Usage:   "org create NOM [--actor ID]",
				Summary: "crée une organisation, liée à sa fiche acteur",
				Help: `Crée une organisation et affiche son identifiant (à donner à « user invite --org »).
--actor la lie à sa fiche acteur (la CAF, la commune, l'association...).

Exemple :
  maillage org create "Centre social des Gibjoncs" --actor 12`,
				Flags: func(fs *flag.FlagSet) { fs.Int64("actor", 0, "fiche acteur de l'organisation (identifiant)") },
				Run:   runOrgCreate,
			},
			{
				Name:    "list",
				Usage:   "org list",
				Summary: "liste les organisations",
				Flags:   func(*flag.FlagSet) {},
				Run:     runOrgList,
			},
		},
	})
}

func flagInt(fs *flag.FlagSet, name string) int64 {
	n, _ := strconv.ParseInt(fs.Lookup(name).Value.String(), 10, 64)
	return n
}

func flagStr(fs *flag.FlagSet, name string) string { return fs.Lookup(name).Value.String() }

func baseURL(fs *flag.FlagSet) string {
	if u := strings.TrimRight(flagStr(fs, "url"), "/"); u != "" {
		return u
	}
	return "http://" + DefaultAddr
}

// readPassword reads the password: first line of stdin with --password-stdin,
// twice on a terminal, "" otherwise (an invitation link is printed instead).
func readPassword(env *Env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", nil
	}
	fmt.Fprint(env.Stderr, "Mot de passe (12 caractères au moins ; vide pour obtenir un lien d'invitation) : ")
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil || len(a) == 0 {
		return "", err
	}
	fmt.Fprint(env.Stderr, "Confirmez le mot de passe : ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", errors.New("les deux mots de passe diffèrent")
	}
	return string(a), nil
}

func runUserCreate(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	org, role := flagInt(fs, "org"), flagStr(fs, "role")
	if flagStr(fs, "admin") == "true" {
		if org == 0 {
			org = domain.InstanceOrganisation
		}
		role = domain.RoleAdmin
	}
	if org == 0 || role == "" {
		return fmt.Errorf("précisez --admin, ou --org et --role")
	}
	mailer, err := smtpMailer(fs)
	if err != nil {
		return err
	}
	pw, err := readPassword(env, flagStr(fs, "password-stdin") == "true")
	if err != nil {
		return err
	}
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := auth.NewService(st)
	svc.Mailer = mailer
	u, err := svc.CreateUser(ctx, args[0], flagStr(fs, "name"), pw, org, role)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Compte %d créé : %s (%s, organisation %d).\n", u.ID, u.Email, role, org)
	if pw == "" {
		tok, inv, mr, err := svc.InviteMail(ctx, u.Email, org, role, baseURL(fs))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Lien d'invitation (usage unique, valable jusqu'au %s) :\n%s/invitation/%s\n",
			inv.ExpiresAt.Local().Format("02/01/2006 15:04"), baseURL(fs), tok)
		return reportMail(env, mr)
	}
	return nil
}

// smtpFlags declares the SMTP configuration flags (user create, user
// invite, serve).
func smtpFlags(fs *flag.FlagSet) {
	fs.String("smtp-addr", "", "serveur SMTP HÔTE:PORT pour envoyer les invitations par courriel (sans : aucun courriel)")
	fs.String("smtp-from", "", "adresse d'expédition des courriels (ex. maillage@caf18.fr)")
	fs.String("smtp-user", "", "identifiant SMTP (mot de passe : variable d'environnement "+auth.PasswordEnv+")")
}

// smtpMailer reads the SMTP flags: nil without --smtp-addr.
func smtpMailer(fs *flag.FlagSet) (*auth.Mailer, error) {
	return auth.NewMailer(strings.TrimSpace(flagStr(fs, "smtp-addr")), strings.TrimSpace(flagStr(fs, "smtp-from")),
		flagStr(fs, "smtp-user"), os.Getenv(auth.PasswordEnv))
}

// reportMail tells the administrator what became of the invitation mail;
// a failed send is an error (exit status 1) once the link is printed.
func reportMail(env *Env, mr *auth.MailResult) error {
	if mr == nil {
		return nil
	}
	if !mr.Sent {
		return errors.New(mr.Message())
	}
	fmt.Fprintln(env.Stdout, mr.Message())
	return nil
}

func runUserInvite(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	org, role := flagInt(fs, "org"), flagStr(fs, "role")
	if org == 0 || role == "" {
		return fmt.Errorf("--org et --role sont obligatoires")
	}
	mailer, err := smtpMailer(fs)
	if err != nil {
		return err
	}
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := auth.NewService(st)
	svc.Mailer = mailer
	tok, inv, mr, err := svc.InviteMail(ctx, args[0], org, role, baseURL(fs))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Invitation de %s (%s, organisation %d), usage unique, valable jusqu'au %s :\n%s/invitation/%s\n",
		inv.Email, inv.Role, inv.OrgID, inv.ExpiresAt.Local().Format("02/01/2006 15:04"), baseURL(fs), tok)
	return reportMail(env, mr)
}

func runUserList(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) != 0 {
		return errUsage
	}
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	us, err := st.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tcourriel\tnom\trôles\tmot de passe\tdernière connexion")
	for _, u := range us {
		ms, err := st.Memberships(ctx, u.ID)
		if err != nil {
			return err
		}
		var roles []string
		for _, m := range ms {
			roles = append(roles, fmt.Sprintf("%s@%d", m.Role, m.OrgID))
		}
		pw, last := "oui", "jamais"
		if u.PasswordHash == "" {
			pw = "non (invitation)"
		}
		if u.LastLoginAt != nil {
			last = u.LastLoginAt.Local().Format("02/01/2006 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, strings.Join(roles, ", "), pw, last)
	}
	return tw.Flush()
}

func runOrgCreate(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	actor := flagInt(fs, "actor")
	if actor != 0 {
		if _, err := st.Actor(ctx, actor); err != nil {
			return err
		}
	}
	o := &domain.Organisation{Name: args[0], ActorID: actor}
	if err := st.CreateOrganisation(ctx, o); err != nil {
		return err
	}
	auth.NewService(st).Audit(ctx, "create", "organisation", strconv.FormatInt(o.ID, 10), nil, o)
	fmt.Fprintf(env.Stdout, "Organisation %d créée : %s\n", o.ID, o.Name)
	return nil
}

func runOrgList(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) != 0 {
		return errUsage
	}
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	orgs, err := st.Organisations(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tnom\tacteur")
	for _, o := range orgs {
		actor := ""
		if o.ActorID != 0 {
			actor = strconv.FormatInt(o.ActorID, 10)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", o.ID, o.Name, actor)
	}
	return tw.Flush()
}

// withAccounts wires accounts into the server options (sessions, API
// tokens, route policy, audit, accounts routes and pages) and returns the
// guarded store that the server must use.
func withAccounts(st domain.Store, opts *server.Options, secureCookies bool, baseURL string, mailer *auth.Mailer) domain.Store {
	h := authhttp.Setup(st, st, authhttp.Options{SecureCookies: secureCookies, BaseURL: baseURL, Logger: opts.Logger, Mailer: mailer})
	opts.Wrap = h.Wrap
	h.APIOptions(&opts.API)
	return h.Store()
}
