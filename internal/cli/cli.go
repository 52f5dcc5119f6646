// Package cli implements the maillage command: one file per command, each
// registering itself in the commands table.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"maillage/internal/domain"
)

// DefaultDB is the database used when neither --db nor MAILLAGE_DB is set.
const DefaultDB = "./maillage.db"

// Env is what a command runs with.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// DB is the chosen database (--db, MAILLAGE_DB, or DefaultDB).
	DB string
}

// OpenStore opens the chosen database, running migrations.
func (e *Env) OpenStore(ctx context.Context) (domain.Store, error) {
	return openStore(ctx, e.DB)
}

// Command is one subcommand of maillage.
type Command struct {
	Name    string
	Usage   string // "import cog DIR"
	Summary string // one line, French
	Help    string // longer text with an example, French
	// Flags declares the command's flags on fs; Run gets the positional args.
	Flags func(fs *flag.FlagSet)
	Run   func(ctx context.Context, env *Env, fs *flag.FlagSet, args []string) error
	// Sub lists subcommands (import cog, import geo...) when the command has some.
	Sub []*Command
}

var commands = map[string]*Command{}

// register adds a command to the table; called from init in each command file.
func register(c *Command) { commands[c.Name] = c }

// errUsage means the arguments were wrong; the usage was already printed.
var errUsage = errors.New("usage")

// Main runs maillage with args and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	// --db may come before the command name.
	args, env.DB = extractDB(args)
	if env.DB == "" {
		env.DB = os.Getenv("MAILLAGE_DB")
	}
	if env.DB == "" {
		env.DB = DefaultDB
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c := lookup(args[1:]); c != nil {
				printCommandHelp(stdout, c)
				return 0
			}
		}
		printHelp(stdout)
		return 0
	}
	c, rest := resolve(args)
	if c == nil {
		fmt.Fprintf(stderr, "maillage : commande inconnue %q. Tapez « maillage help ».\n", strings.Join(args, " "))
		return 2
	}
	if c.Run == nil {
		// A command group ("import", "user"): its help, on stdout and
		// successfully when asked for (-h), else as a usage error.
		for _, a := range rest {
			if a == "-h" || a == "-help" || a == "--help" || a == "help" {
				printCommandHelp(stdout, c)
				return 0
			}
		}
		printCommandHelp(stderr, c)
		return 2
	}
	fs := flag.NewFlagSet("maillage "+c.Usage, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var db string
	fs.StringVar(&db, "db", "", "base de données : chemin d'un fichier SQLite ou URL postgres:// (ou variable MAILLAGE_DB)")
	if c.Flags != nil {
		c.Flags(fs)
	}
	positional, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(stdout, c)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "maillage %s : %v\n\n", commandPath(c), err)
		printCommandHelp(stderr, c)
		return 2
	}
	if db != "" {
		env.DB = db
	}
	if err := c.Run(ctx, env, fs, positional); err != nil {
		if errors.Is(err, errUsage) {
			printCommandHelp(stderr, c)
			return 2
		}
		fmt.Fprintf(stderr, "maillage %s : %s\n", commandPath(c), describe(err))
		return 1
	}
	return 0
}

// commandPath is the command as typed ("import cog", "export"): the words
// of its usage line before the first placeholder (DIR, KIND), option or
// alternative, so that an error reads "maillage export : ...", not
// "maillage export KIND [--format F] [--out FILE] : ...".
func commandPath(c *Command) string {
	var words []string
	for _, w := range strings.Fields(c.Usage) {
		if strings.HasPrefix(w, "-") || strings.ContainsAny(w, "[]|=") || w != strings.ToLower(w) {
			break
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		return c.Name
	}
	return strings.Join(words, " ")
}

// describe renders an error for people: domain errors with their fields.
func describe(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Error()
	}
	return err.Error()
}

// parseInterspersed parses flags wherever they appear among the arguments,
// as people type them ("import cog DIR --db x.db" as well as "--db x.db import cog DIR").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// extractDB removes a leading "--db X" / "--db=X" placed before the command name.
func extractDB(args []string) ([]string, string) {
	db := ""
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		a := strings.TrimLeft(args[0], "-")
		switch {
		case a == "db" && len(args) > 1:
			db, args = args[1], args[2:]
		case strings.HasPrefix(a, "db="):
			db, args = strings.TrimPrefix(a, "db="), args[1:]
		default:
			return args, db
		}
	}
	return args, db
}

// resolve finds the command (and subcommand) named by the first arguments.
func resolve(args []string) (*Command, []string) {
	c := commands[args[0]]
	if c == nil {
		return nil, nil
	}
	rest := args[1:]
	if len(c.Sub) > 0 {
		// The subcommand is the first non-flag argument, skipping the value
		// of a flag written before it ("import --db x.db cog DIR").
		for i, a := range rest {
			if strings.HasPrefix(a, "-") {
				continue
			}
			for _, s := range c.Sub {
				if s.Name == a {
					return s, append(append([]string{}, rest[:i]...), rest[i+1:]...)
				}
			}
			if i > 0 && strings.HasPrefix(rest[i-1], "-") && !strings.Contains(rest[i-1], "=") {
				continue // a may be the value of the flag before it
			}
			break
		}
	}
	return c, rest
}

func lookup(args []string) *Command {
	c, _ := resolve(args)
	return c
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "maillage — l'observatoire partagé de l'action sociale sur un territoire")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage : maillage [--db BASE] COMMANDE [arguments] [options]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commandes :")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		printEntry(w, c)
		for _, s := range c.Sub {
			printEntry(w, s)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "La base est choisie par --db ou la variable MAILLAGE_DB : un chemin de fichier (SQLite)")
	fmt.Fprintln(w, "ou une URL postgres://. Par défaut : "+DefaultDB+".")
	fmt.Fprintln(w, "Aide d'une commande : maillage COMMANDE -h   (par exemple : maillage import cog -h)")
}

// printEntry writes one line of the command list; long usages get their
// summary on the next line so the columns stay readable.
func printEntry(w io.Writer, c *Command) {
	if len(c.Usage) > 34 {
		fmt.Fprintf(w, "  %s\n  %-34s %s\n", c.Usage, "", c.Summary)
		return
	}
	fmt.Fprintf(w, "  %-34s %s\n", c.Usage, c.Summary)
}

func printCommandHelp(w io.Writer, c *Command) {
	fmt.Fprintf(w, "Usage : maillage %s\n\n%s\n", c.Usage, c.Summary)
	if c.Help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Help))
	}
	for _, s := range c.Sub {
		fmt.Fprintf(w, "  maillage %-32s %s\n", s.Usage, s.Summary)
	}
	if c.Run != nil {
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		fs.String("db", "", "base de données : chemin d'un fichier SQLite ou URL postgres:// (ou variable MAILLAGE_DB)")
		if c.Flags != nil {
			c.Flags(fs)
		}
		fmt.Fprintln(w, "\nOptions :")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}
