package cli

// Commands of the shared diagnostic (maillage diagnostic ...), governance
// bodies (maillage instance ...) and conventions (maillage convention ...).
// Complex objects come as JSON files (--file, "-" for the standard input),
// in the same shape as the API; answers are JSON on the standard output.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"maillage/internal/analysis"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
)

func init() {
	register(&Command{
		Name:    "diagnostic",
		Usage:   "diagnostic SOUS-COMMANDE",
		Summary: "diagnostic partagé : terrain, constats, positions, restitution, priorités",
		Help: `Le cycle d'un diagnostic partagé, comme dans l'API (même règles, même journal) :
  maillage diagnostic create --file diagnostic.json
  maillage diagnostic stage 1 --to fieldwork
  maillage diagnostic activity add --diagnostic 1 --file entretien.json
  maillage diagnostic attach --activity 1 compte-rendu.pdf
  maillage diagnostic finding add --diagnostic 1 --file constat.json
  maillage diagnostic position --finding 1 --org 2 --stance nuance --comment "..."
  maillage diagnostic stage 1 --to restitution
  maillage diagnostic restitution add --diagnostic 1 --file restitution.json
  maillage diagnostic review --restitution 1 --finding 1 --decision amended --statement "..."
  maillage diagnostic vote --restitution 1 --org 2 --points reseau_parentalite=6,diagnostic_jeunesse=4
  maillage diagnostic export 1 --format markdown --out diagnostic.md
Les fichiers JSON ont la forme des corps de l'API (voir docs/diagnostic.md).`,
		Sub: []*Command{
			diagRecordCmd("create", "diagnostic create --file FICHIER", "crée un diagnostic (JSON)", "", "", nil, (*diagnostic.Service).CreateDiagnostic, nil),
			diagCmd("list", "diagnostic list [--perimeter CODE] [--stage ETAPE] [--theme T]", "liste les diagnostics",
				func(fs *flag.FlagSet) {
					fs.String("perimeter", "", "territoire")
					fs.String("stage", "", "étape : preparation, fieldwork, restitution, validated, follow_up")
					fs.String("theme", "", "thématique")
				},
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					p, err := svc.Diagnostics(ctx, domain.DiagnosticFilter{Perimeter: diagFlagStr(fs, "perimeter"), Stage: diagFlagStr(fs, "stage"), Theme: diagFlagStr(fs, "theme")})
					return p.Items, err
				}),
			diagIDCmd("show", "diagnostic show ID", "affiche la synthèse d'un diagnostic (croisement des points de vue, priorités)", "ID du diagnostic", (*diagnostic.Service).Synthesis),
			diagCmd("stage", "diagnostic stage ID --to ETAPE [--note TEXTE]", "fait passer le diagnostic à l'étape suivante (ou précédente)",
				func(fs *flag.FlagSet) {
					fs.String("to", "", "étape : preparation, fieldwork, restitution, validated, follow_up")
					fs.String("note", "", "note")
				},
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					id, err := diagArgID(args, "ID du diagnostic")
					if err != nil {
						return nil, err
					}
					return svc.MoveStage(ctx, id, diagFlagStr(fs, "to"), diagFlagStr(fs, "note"))
				}),
			diagJSONCmd("portrait", "diagnostic portrait ID [--file PARAMETRES]", "fige le portrait de données (analyse, version des données, résultat)", nil,
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string, body []byte) (any, error) {
					id, err := diagArgID(args, "ID du diagnostic")
					if err != nil {
						return nil, err
					}
					var p analysis.Params
					if len(bytes.TrimSpace(body)) > 0 {
						if err := diagDecodeJSON(body, &p); err != nil {
							return nil, err
						}
					}
					pt, err := svc.FreezePortrait(ctx, id, &p)
					if err != nil {
						return nil, err
					}
					return diagnostic.PortraitRef{ID: pt.ID, TakenAt: pt.TakenAt, DataVersion: pt.DataVersion, Params: pt.Params}, nil
				}, "optional"),
			diagRecordCmd("activity", "diagnostic activity [add] --diagnostic ID --file FICHIER", "enregistre une activité de terrain (entretien, visite, groupe de travail...)",
				"diagnostic", "ID du diagnostic", func(a *domain.Activity, id int64) { a.DiagnosticID = id }, (*diagnostic.Service).AddActivity, nil),
			diagCmd("attach", "diagnostic attach --activity ID FICHIER", "joint un fichier à une activité (PDF, image, bureautique, CSV, texte)",
				func(fs *flag.FlagSet) { fs.Int64("activity", 0, "ID de l'activité") },
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					if len(args) != 1 {
						return nil, errUsage
					}
					b, err := os.ReadFile(args[0])
					if err != nil {
						return nil, diagnostic.Errorf("file", "lecture de %s : %v", args[0], err)
					}
					name := args[0][strings.LastIndexAny(args[0], `/\`)+1:]
					return svc.AddAttachment(ctx, diagFlagInt(fs, "activity"), name, b)
				}),
			diagRecordCmd("finding", "diagnostic finding [add|update] --diagnostic ID --file FICHIER", "écrit (ou modifie, avec id et version) un constat",
				"diagnostic", "ID du diagnostic", func(f *domain.Finding, id int64) { f.DiagnosticID = id }, (*diagnostic.Service).AddFinding, (*diagnostic.Service).UpdateFinding),
			diagCmd("position", "diagnostic position --finding ID --org ORG --stance agree|nuance|disagree [--comment TEXTE]", "enregistre la position d'une organisation sur un constat",
				func(fs *flag.FlagSet) {
					fs.Int64("finding", 0, "ID du constat")
					fs.Int64("org", 0, "organisation participante")
					fs.String("stance", "", "agree (d'accord), nuance, disagree (pas d'accord)")
					fs.String("comment", "", "commentaire (obligatoire sauf accord)")
				},
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					p := &domain.Position{FindingID: diagFlagInt(fs, "finding"), OrgID: diagFlagInt(fs, "org"), Stance: diagFlagStr(fs, "stance"), Comment: diagFlagStr(fs, "comment")}
					return p, svc.AddPosition(ctx, p)
				}),
			diagRecordCmd("restitution", "diagnostic restitution [add] --diagnostic ID --file FICHIER", "prépare une restitution-débat (date, priorités candidates, points)",
				"diagnostic", "ID du diagnostic", func(r *domain.Restitution, id int64) { r.DiagnosticID = id }, (*diagnostic.Service).CreateRestitution, nil),
			diagCmd("review", "diagnostic review --restitution ID --finding ID --decision validated|amended|rejected [--statement T] [--reason T]", "examine un constat en restitution",
				func(fs *flag.FlagSet) {
					fs.Int64("restitution", 0, "ID de la restitution")
					fs.Int64("finding", 0, "ID du constat")
					fs.String("decision", "", "validated, amended ou rejected")
					fs.String("statement", "", "nouvelle rédaction (amended)")
					fs.String("reason", "", "motif (obligatoire pour rejected)")
				},
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					_, f, err := svc.Review(ctx, diagFlagInt(fs, "restitution"), domain.Review{FindingID: diagFlagInt(fs, "finding"), Decision: diagFlagStr(fs, "decision"),
						NewStatement: diagFlagStr(fs, "statement"), Reason: diagFlagStr(fs, "reason")}, 0)
					return f, err
				}),
			diagCmd("vote", "diagnostic vote --restitution ID --org ORG --points cle=N,cle=N", "répartit les points d'une organisation entre les priorités",
				func(fs *flag.FlagSet) {
					fs.Int64("restitution", 0, "ID de la restitution")
					fs.Int64("org", 0, "organisation participante")
					fs.String("points", "", "points par priorité : cle=N,cle=N")
				},
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					pts := map[string]int{}
					for _, kv := range strings.Split(diagFlagStr(fs, "points"), ",") {
						if strings.TrimSpace(kv) == "" {
							continue
						}
						k, v, ok := strings.Cut(kv, "=")
						n, err := strconv.Atoi(strings.TrimSpace(v))
						if !ok || err != nil {
							return nil, diagnostic.Errorf("points", "%q : attendu cle=N", kv)
						}
						pts[strings.TrimSpace(k)] = n
					}
					v := &domain.PriorityVote{RestitutionID: diagFlagInt(fs, "restitution"), OrgID: diagFlagInt(fs, "org"), Points: pts}
					return v, svc.Vote(ctx, v)
				}),
			diagCmd("steering", "diagnostic steering", "vue de pilotage national : sites, thématiques, étapes, avancement, enseignements", nil,
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					return svc.Steering(ctx)
				}),
			{
				Name: "export", Usage: "diagnostic export ID [--format json|markdown] [--out FICHIER]",
				Summary: "exporte le diagnostic : JSON de tout, ou document Markdown",
				Flags: func(fs *flag.FlagSet) {
					fs.String("format", "json", "json ou markdown")
					fs.String("out", "", "fichier à écrire (défaut : sortie standard)")
				},
				Run: runDiagnosticExport,
			},
		},
	})

	register(&Command{
		Name:    "instance",
		Usage:   "instance SOUS-COMMANDE",
		Summary: "instances de gouvernance : membres, réunions, décisions",
		Help: `Exemples :
  maillage instance create --file copil.json
  maillage instance meeting --body 1 --file reunion.json
  maillage instance decision --body 1 --file decision.json
  maillage instance overdue`,
		Sub: []*Command{
			diagRecordCmd("create", "instance create --file FICHIER", "crée une instance (comité de pilotage, comité technique...)", "", "", nil, (*diagnostic.Service).CreateBody, nil),
			diagCmd("list", "instance list", "liste les instances", nil,
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					p, err := svc.Bodies(ctx, domain.BodyFilter{})
					return p.Items, err
				}),
			diagRecordCmd("meeting", "instance meeting --body ID --file FICHIER", "enregistre une réunion (ordre du jour, présences, compte rendu)",
				"body", "ID de l'instance", func(m *domain.Meeting, id int64) { m.BodyID = id }, (*diagnostic.Service).AddMeeting, nil),
			diagRecordCmd("decision", "instance decision --body ID --file FICHIER", "enregistre une décision (porteur, échéance)",
				"body", "ID de l'instance", func(d *domain.Decision, id int64) { d.BodyID = id }, (*diagnostic.Service).AddDecision, nil),
			diagCmd("overdue", "instance overdue", "liste les décisions en retard", nil,
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					return svc.OverdueDecisions(ctx, domain.DecisionFilter{})
				}),
		},
	})

	register(&Command{
		Name:    "convention",
		Usage:   "convention SOUS-COMMANDE",
		Summary: "conventions (CTG, conventions-cadres, COF, schémas), fiches action, mesures",
		Help: `Exemples :
  maillage convention create --file ctg.json
  maillage convention fiche --convention 1 --file fiche.json
  maillage convention measure --fiche 1 --indicator familles --date 2024-12-31 --value 70
  maillage convention show 1
  maillage convention renewals`,
		Sub: []*Command{
			diagRecordCmd("create", "convention create --file FICHIER", "crée une convention", "", "", nil, (*diagnostic.Service).CreateConvention, nil),
			diagCmd("list", "convention list", "liste les conventions", nil,
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					p, err := svc.Conventions(ctx, domain.ConventionFilter{})
					return p.Items, err
				}),
			diagIDCmd("show", "convention show ID", "affiche une convention, son plan d'action, ses mesures et son avancement", "ID de la convention", (*diagnostic.Service).Report),
			diagRecordCmd("fiche", "convention fiche [add|update] --convention ID --file FICHIER", "ajoute (ou modifie, avec id et version) une fiche action",
				"convention", "ID de la convention", func(f *domain.FicheAction, id int64) { f.ConventionID = id }, (*diagnostic.Service).AddFiche, (*diagnostic.Service).UpdateFiche),
			diagCmd("measure", "convention measure --fiche ID --indicator CLE --date AAAA-MM-JJ --value V", "enregistre une mesure d'indicateur",
				func(fs *flag.FlagSet) {
					fs.Int64("fiche", 0, "ID de la fiche action")
					fs.String("indicator", "", "clé de l'indicateur de la fiche")
					fs.String("date", "", "date de la mesure")
					fs.String("value", "", "valeur")
					fs.String("comment", "", "commentaire")
				},
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					m := &domain.Measurement{FicheID: diagFlagInt(fs, "fiche"), Indicator: diagFlagStr(fs, "indicator"), Comment: diagFlagStr(fs, "comment")}
					var v domain.Validation
					d, err := domain.ParseDate(diagFlagStr(fs, "date"))
					if err != nil {
						v.Add("date", "%v", err)
					}
					m.Date = d
					val, err := strconv.ParseFloat(strings.Replace(diagFlagStr(fs, "value"), ",", ".", 1), 64)
					if err != nil {
						v.Add("value", "nombre attendu, %q reçu", diagFlagStr(fs, "value"))
					}
					m.Value = val
					if err := v.Err(); err != nil {
						return nil, err
					}
					return m, svc.AddMeasurement(ctx, m)
				}),
			diagCmd("renewals", "convention renewals", "liste les conventions à renouveler", nil,
				func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
					return svc.Renewals(ctx)
				}),
		},
	})
}

type diagRun func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error)

// diagCmd builds a subcommand that runs over the diagnostic service and
// prints its answer as JSON.
func diagCmd(name, usage, summary string, flags func(fs *flag.FlagSet), run diagRun) *Command {
	return &Command{Name: name, Usage: usage, Summary: summary, Flags: flags,
		Run: func(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
			return diagServe(ctx, env, func(svc *diagnostic.Service) (any, error) { return run(ctx, svc, fs, diagArgs(args)) })
		}}
}

// diagArgs drops a leading "add" (maillage diagnostic finding add ...).
func diagArgs(args []string) []string {
	if len(args) > 0 && args[0] == "add" {
		return args[1:]
	}
	return args
}

// diagWithService opens the store and runs run over the diagnostic service.
func diagWithService(ctx context.Context, env *Env, run func(svc *diagnostic.Service) error) error {
	st, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := diagnostic.NewService(st)
	if err != nil {
		return err
	}
	return run(svc)
}

// diagServe runs run over the diagnostic service and prints its answer as
// JSON on the standard output.
func diagServe(ctx context.Context, env *Env, run func(svc *diagnostic.Service) (any, error)) error {
	return diagWithService(ctx, env, func(svc *diagnostic.Service) error {
		v, err := run(svc)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// diagJSONCmd is diagCmd with a --file flag whose content (JSON) is passed
// to run; the file is required unless optional is given.
func diagJSONCmd(name, usage, summary string, flags func(fs *flag.FlagSet), run func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string, body []byte) (any, error), optional ...string) *Command {
	return &Command{Name: name, Usage: usage, Summary: summary,
		Flags: func(fs *flag.FlagSet) {
			fs.String("file", "", "fichier JSON (- : entrée standard)")
			if flags != nil {
				flags(fs)
			}
		},
		Run: func(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
			return diagServe(ctx, env, func(svc *diagnostic.Service) (any, error) {
				body, err := diagReadFile(env, diagFlagStr(fs, "file"), len(optional) > 0)
				if err != nil {
					return nil, err
				}
				return run(ctx, svc, fs, diagArgs(args), body)
			})
		}}
}

// diagReadFile reads the --file flag's file ("-": the standard input).
func diagReadFile(env *Env, path string, optional bool) ([]byte, error) {
	var body []byte
	var err error
	switch path {
	case "":
		if !optional {
			return nil, diagnostic.Errorf("file", "fichier JSON obligatoire (--file FICHIER, ou --file - pour l'entrée standard)")
		}
	case "-":
		body, err = io.ReadAll(env.Stdin)
	default:
		body, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, diagnostic.Errorf("file", "lecture de %s : %v", path, err)
	}
	return body, nil
}

// diagRecordCmd builds a subcommand that reads a record from its JSON file
// (--file) and saves it with add; parentFlag, when not "", names the flag
// that gives the parent's id (set on the record by setParent when not 0);
// when update is not nil, "update" as first argument saves with update
// instead (the id and version are in the file). It prints the record.
func diagRecordCmd[T any](name, usage, summary, parentFlag, parentHelp string, setParent func(*T, int64), add, update func(*diagnostic.Service, context.Context, *T) error) *Command {
	var flags func(fs *flag.FlagSet)
	if parentFlag != "" {
		flags = func(fs *flag.FlagSet) { fs.Int64(parentFlag, 0, parentHelp) }
	}
	return diagJSONCmd(name, usage, summary, flags, func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string, body []byte) (any, error) {
		x := new(T)
		if err := diagDecodeJSON(body, x); err != nil {
			return nil, err
		}
		if parentFlag != "" {
			if id := diagFlagInt(fs, parentFlag); id != 0 {
				setParent(x, id)
			}
		}
		if update != nil && len(args) > 0 && args[0] == "update" {
			return x, update(svc, ctx, x)
		}
		return x, add(svc, ctx, x)
	})
}

// diagIDCmd builds a subcommand that prints what the service reads for the
// id given as the only argument (what names it in the error message).
func diagIDCmd[V any](name, usage, summary, what string, read func(*diagnostic.Service, context.Context, int64) (V, error)) *Command {
	return diagCmd(name, usage, summary, nil, func(ctx context.Context, svc *diagnostic.Service, fs *flag.FlagSet, args []string) (any, error) {
		id, err := diagArgID(args, what)
		if err != nil {
			return nil, err
		}
		return read(svc, ctx, id)
	})
}

// decodeJSON reads a JSON object, refusing unknown fields (a typo in a field
// name must not be silently dropped).
func diagDecodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return diagnostic.Errorf("file", "JSON invalide : %v", err)
	}
	return nil
}

func diagFlagStr(fs *flag.FlagSet, name string) string {
	return strings.TrimSpace(fs.Lookup(name).Value.String())
}

func diagFlagInt(fs *flag.FlagSet, name string) int64 {
	n, _ := strconv.ParseInt(fs.Lookup(name).Value.String(), 10, 64)
	return n
}

func diagArgID(args []string, what string) (int64, error) {
	if len(args) != 1 {
		return 0, errUsage
	}
	n, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || n <= 0 {
		return 0, diagnostic.Errorf("id", "%s invalide : %q", what, args[0])
	}
	return n, nil
}

func runDiagnosticExport(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error {
	id, err := diagArgID(args, "ID du diagnostic")
	if err != nil {
		return err
	}
	format := diagFlagStr(fs, "format")
	if format != "json" && format != "markdown" && format != "md" {
		return diagnostic.Errorf("format", "format inconnu %q (json ou markdown)", format)
	}
	var b bytes.Buffer
	err = diagWithService(ctx, env, func(svc *diagnostic.Service) error {
		syn, err := svc.Synthesis(ctx, id)
		if err != nil {
			return err
		}
		if format == "json" {
			enc := json.NewEncoder(&b)
			enc.SetIndent("", "  ")
			return enc.Encode(syn)
		}
		return diagnostic.WriteMarkdown(&b, syn)
	})
	if err != nil {
		return err
	}
	if out := diagFlagStr(fs, "out"); out != "" {
		if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "Diagnostic %d exporté dans %s.\n", id, out)
		return nil
	}
	_, err = env.Stdout.Write(b.Bytes())
	return err
}
