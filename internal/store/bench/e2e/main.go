// Command e2e measures the full `maillage import actions` and `maillage
// import indicators` pipelines side by side with the database's own bulk
// load of exactly the rows they wrote: the sqlite3 CLI's `.import --csv`
// (SQLite) or psql's `\copy` (PostgreSQL), into a database with the same
// schema (created by the maillage binary itself, COG imported).
//
//	go build -o /tmp/e2e/maillage ./cmd/maillage
//	go build -o /tmp/e2e/e2e ./internal/store/bench/e2e
//	/tmp/e2e/e2e -db sqlite   -bin /tmp/e2e/maillage -work /tmp/e2e
//	/tmp/e2e/e2e -db postgres -bin /tmp/e2e/maillage -work /tmp/e2e
//
// For each import it:
//  1. runs the maillage binary on a copy of a COG-only database, timing the
//     child process (wall, user+sys CPU, max RSS from rusage; on PostgreSQL
//     also the CPU of the server backends serving it, read from /proc);
//  2. exports every row of the tables the import wrote (actors, actions,
//     action_territories, action_roles, fundings; indicators,
//     indicator_years, indicator_values) as CSV in table order;
//  3. loads these CSVs into another copy of the COG-only database, with the
//     target tables emptied first (untimed), in one transaction of one
//     sqlite3 / psql process, timed the same way;
//  4. prints both and their ratios, with the load average.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	dbKind  = flag.String("db", "sqlite", "sqlite or postgres")
	bin     = flag.String("bin", "/tmp/e2e/maillage", "maillage binary")
	work    = flag.String("work", "/tmp/e2e", "work directory (databases, CSVs)")
	data    = flag.String("data", "/tmp/maillage-national", "national data set (read only)")
	cog     = flag.String("cog", "/work/shared/data/cog", "COG directory")
	only    = flag.String("only", "actions,indicators", "imports to measure")
	pgAdmin = flag.String("pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL admin DSN (databases e2e_* are created there)")
	skipCLI = flag.Bool("skip-cli", false, "measure only the maillage import")
)

// tables written by each import, in load order (parents first).
var tables = map[string][]string{
	"actions":    {"actors", "actions", "action_territories", "action_roles", "fundings"},
	"indicators": {"indicators", "indicator_years", "indicator_values"},
}

type measure struct {
	wall           time.Duration
	user, sys      time.Duration
	server         time.Duration // PostgreSQL backends
	maxRSS         int64         // KiB
	load0, load1   string
	serverBackends int
}

func (m measure) cpu() time.Duration { return m.user + m.sys + m.server }

func main() {
	flag.Parse()
	if err := os.MkdirAll(*work, 0o755); err != nil {
		fail(err)
	}
	ctx := context.Background()
	type result struct {
		kind     string
		ours     measure
		cli      measure
		rows     map[string]int
		haveCLI  bool
		oursArgs []string
	}
	var results []result
	for _, kind := range strings.Split(*only, ",") {
		var res result
		res.kind = kind
		args := importArgs(kind)
		res.oursArgs = args
		var err error
		if *dbKind == "postgres" {
			res.ours, res.cli, res.rows, err = runPostgres(ctx, kind, args)
		} else {
			res.ours, res.cli, res.rows, err = runSQLite(kind, args)
		}
		if err != nil {
			fail(fmt.Errorf("%s: %w", kind, err))
		}
		res.haveCLI = !*skipCLI
		results = append(results, res)
	}
	fmt.Printf("\n## %s, %s\n\n", *dbKind, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Println("| import | rows | side | wall | CPU user+sys (server) | max RSS | load avg before → after |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range results {
		var rows []string
		for _, t := range tables[r.kind] {
			rows = append(rows, fmt.Sprintf("%s %d", t, r.rows[t]))
		}
		line := func(side string, m measure) {
			srv := ""
			if *dbKind == "postgres" {
				srv = fmt.Sprintf(" (client %.2f + server %.2f, %d backends)", (m.user + m.sys).Seconds(), m.server.Seconds(), m.serverBackends)
			}
			fmt.Printf("| %s | %s | %s | %.2f s | %.2f s%s | %d MB | %s → %s |\n", r.kind, strings.Join(rows, ", "), side,
				m.wall.Seconds(), m.cpu().Seconds(), srv, m.maxRSS/1024, m.load0, m.load1)
		}
		line("maillage import", r.ours)
		if r.haveCLI {
			cliName := "sqlite3 .import"
			if *dbKind == "postgres" {
				cliName = "psql \\copy"
			}
			line(cliName, r.cli)
			fmt.Printf("| %s | | **ratio** | %.2f× | **%.2f×** | | |\n", r.kind, r.ours.wall.Seconds()/r.cli.wall.Seconds(), r.ours.cpu().Seconds()/r.cli.cpu().Seconds())
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "e2e:", err)
	os.Exit(1)
}

func importArgs(kind string) []string {
	switch kind {
	case "actions":
		return []string{"import", "actions", *data}
	case "indicators":
		return []string{"import", "indicators", "--catalogue", filepath.Join(*data, "indicators-catalogue.csv"), filepath.Join(*data, "indicators.csv")}
	}
	fail(fmt.Errorf("unknown import %q", kind))
	return nil
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// timed runs a command, returning its wall time and rusage; sample, when
// not nil, is called every 100 ms while it runs (server CPU sampling).
func timed(cmd *exec.Cmd, sample func()) (measure, error) {
	var m measure
	m.load0 = loadavg()
	var stderr strings.Builder
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return m, err
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	if sample != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := time.NewTicker(100 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-done:
					return
				case <-tk.C:
					sample()
				}
			}
		}()
	}
	err := cmd.Wait()
	m.wall = time.Since(t0)
	close(done)
	wg.Wait()
	m.load1 = loadavg()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.user = time.Duration(ru.Utime.Nano())
		m.sys = time.Duration(ru.Stime.Nano())
		m.maxRSS = ru.Maxrss
	}
	if err != nil {
		return m, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(stderr.String()))
	}
	return m, nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(string(out)))
	}
	return nil
}

func copyFile(from, to string) error {
	for _, suf := range []string{"", "-wal", "-shm"} {
		os.Remove(to + suf)
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// baseFresh is set once this process has rebuilt the base database (COG),
// which its imports then share.
var baseFresh bool

// runSQLite: base.db (COG) → ours.db (maillage import) and cli.db (sqlite3 .import).
func runSQLite(kind string, args []string) (ours, cli measure, rows map[string]int, err error) {
	base := filepath.Join(*work, "base.db")
	if !baseFresh {
		// A base left by an earlier run may have an older schema: the CLI
		// side would then load into tables lacking the binary's columns.
		for _, f := range []string{base, base + "-wal", base + "-shm"} {
			os.Remove(f)
		}
		baseFresh = true
	}
	if _, err := os.Stat(base); err != nil {
		fmt.Println("setup: maillage import cog →", base)
		if err := run(*bin, "--db", base, "import", "cog", *cog); err != nil {
			return ours, cli, nil, err
		}
		// Checkpoint so that the copy is the whole database.
		if err := run("sqlite3", base, "PRAGMA wal_checkpoint(TRUNCATE);"); err != nil {
			return ours, cli, nil, err
		}
	}
	oursDB := filepath.Join(*work, kind+"-ours.db")
	if err := copyFile(base, oursDB); err != nil {
		return ours, cli, nil, err
	}
	fmt.Printf("%s: %s --db %s %s\n", kind, *bin, oursDB, strings.Join(args, " "))
	cmd := exec.Command(*bin, append([]string{"--db", oursDB}, args...)...)
	cmd.Stdout = io.Discard
	ours, err = timed(cmd, nil)
	if err != nil {
		return ours, cli, nil, err
	}
	fmt.Printf("  maillage: wall %.2f s, CPU %.2f s, max RSS %d MB\n", ours.wall.Seconds(), ours.cpu().Seconds(), ours.maxRSS/1024)
	rows = map[string]int{}
	var script strings.Builder
	script.WriteString("PRAGMA foreign_keys=ON;\nPRAGMA synchronous=NORMAL;\nPRAGMA cache_size=-262144;\nPRAGMA temp_store=MEMORY;\nBEGIN;\n")
	var empty strings.Builder
	empty.WriteString("PRAGMA foreign_keys=OFF;\nBEGIN;\n")
	for i := len(tables[kind]) - 1; i >= 0; i-- {
		fmt.Fprintf(&empty, "DELETE FROM %s;\n", tables[kind][i])
	}
	empty.WriteString("COMMIT;\nPRAGMA wal_checkpoint(TRUNCATE);\n")
	for _, t := range tables[kind] {
		csvPath := filepath.Join(*work, kind+"-"+t+".csv")
		f, err := os.Create(csvPath)
		if err != nil {
			return ours, cli, nil, err
		}
		c := exec.Command("sqlite3", "-csv", oursDB, "SELECT * FROM "+t+";")
		c.Stdout = f
		out := &strings.Builder{}
		c.Stderr = out
		err = c.Run()
		f.Close()
		if err != nil {
			return ours, cli, nil, fmt.Errorf("export %s: %v %s", t, err, out)
		}
		rows[t], _ = countLines(csvPath)
		if rows[t] > 0 {
			fmt.Fprintf(&script, ".import --csv %s %s\n", csvPath, t)
		}
	}
	script.WriteString("COMMIT;\n")
	if *skipCLI {
		return ours, cli, rows, nil
	}
	cliDB := filepath.Join(*work, kind+"-cli.db")
	if err := copyFile(base, cliDB); err != nil {
		return ours, cli, nil, err
	}
	if err := runStdin("sqlite3", empty.String(), cliDB); err != nil {
		return ours, cli, nil, err
	}
	scriptPath := filepath.Join(*work, kind+"-cli.sql")
	if err := os.WriteFile(scriptPath, []byte(script.String()), 0o644); err != nil {
		return ours, cli, nil, err
	}
	fmt.Printf("  sqlite3 %s < %s:\n%s", cliDB, scriptPath, indent(script.String()))
	c := exec.Command("sqlite3", "-bail", cliDB)
	sf, err := os.Open(scriptPath)
	if err != nil {
		return ours, cli, nil, err
	}
	defer sf.Close()
	c.Stdin = sf
	c.Stdout = io.Discard
	cli, err = timed(c, nil)
	if err != nil {
		return ours, cli, nil, err
	}
	fmt.Printf("  sqlite3: wall %.2f s, CPU %.2f s, max RSS %d MB\n", cli.wall.Seconds(), cli.cpu().Seconds(), cli.maxRSS/1024)
	return ours, cli, rows, nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

func runStdin(name, stdin string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(string(out)))
	}
	return nil
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	br := bufio.NewReaderSize(f, 1<<20)
	buf := make([]byte, 1<<20)
	for {
		k, err := br.Read(buf)
		for _, c := range buf[:k] {
			if c == '\n' {
				n++
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// pgDSN returns the DSN of database name on the admin server.
func pgDSN(name string) string {
	i := strings.LastIndex(*pgAdmin, "/")
	rest := ""
	if q := strings.Index(*pgAdmin, "?"); q >= 0 {
		rest = (*pgAdmin)[q:]
	}
	return (*pgAdmin)[:i+1] + name + rest
}

// backendCPU samples the CPU of the client backends connected to database
// db, keeping each backend's last reading (a backend's final 100 ms may be
// missed).
type backendCPU struct {
	conn *pgx.Conn
	db   string
	mu   sync.Mutex
	seen map[int]time.Duration
}

func (b *backendCPU) sample() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := b.conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", b.db)
	if err != nil {
		return
	}
	var pids []int
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			pids = append(pids, pid)
		}
	}
	rows.Close()
	for _, pid := range pids {
		if d, ok := procCPU(pid); ok {
			b.mu.Lock()
			if d > b.seen[pid] {
				b.seen[pid] = d
			}
			b.mu.Unlock()
		}
	}
}

func (b *backendCPU) total() (time.Duration, int) {
	var t time.Duration
	for _, d := range b.seen {
		t += d
	}
	return t, len(b.seen)
}

// procCPU reads utime+stime of a process.
func procCPU(pid int) (time.Duration, bool) {
	s, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := strings.LastIndexByte(string(s), ')')
	f := strings.Fields(string(s)[i+2:])
	if len(f) < 13 {
		return 0, false
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * time.Second / 100, true // USER_HZ = 100
}

func runPostgres(ctx context.Context, kind string, args []string) (ours, cli measure, rows map[string]int, err error) {
	admin, err := pgx.Connect(ctx, *pgAdmin)
	if err != nil {
		return ours, cli, nil, err
	}
	defer admin.Close(ctx)
	exec1 := func(q string) error { _, err := admin.Exec(ctx, q); return err }
	if !baseFresh {
		// A base left by an earlier run may have an older schema (see runSQLite).
		if err := exec1("DROP DATABASE IF EXISTS e2e_base"); err != nil {
			return ours, cli, nil, err
		}
		baseFresh = true
	}
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'e2e_base')").Scan(&exists); err != nil {
		return ours, cli, nil, err
	}
	if !exists {
		fmt.Println("setup: maillage import cog → database e2e_base")
		if err := exec1("CREATE DATABASE e2e_base"); err != nil {
			return ours, cli, nil, err
		}
		if err := run(*bin, "--db", pgDSN("e2e_base"), "import", "cog", *cog); err != nil {
			return ours, cli, nil, err
		}
	}
	oursDB, cliDB := "e2e_"+kind+"_ours", "e2e_"+kind+"_cli"
	for _, d := range []string{oursDB, cliDB} {
		if err := exec1("DROP DATABASE IF EXISTS " + d); err != nil {
			return ours, cli, nil, err
		}
	}
	if err := exec1("CREATE DATABASE " + oursDB + " TEMPLATE e2e_base"); err != nil {
		return ours, cli, nil, err
	}
	fmt.Printf("%s: %s --db %s %s\n", kind, *bin, pgDSN(oursDB), strings.Join(args, " "))
	bc := &backendCPU{conn: admin, db: oursDB, seen: map[int]time.Duration{}}
	cmd := exec.Command(*bin, append([]string{"--db", pgDSN(oursDB)}, args...)...)
	cmd.Stdout = io.Discard
	ours, err = timed(cmd, bc.sample)
	if err != nil {
		return ours, cli, nil, err
	}
	ours.server, ours.serverBackends = bc.total()
	fmt.Printf("  maillage: wall %.2f s, CPU client %.2f s + server %.2f s, max RSS %d MB\n", ours.wall.Seconds(), (ours.user + ours.sys).Seconds(), ours.server.Seconds(), ours.maxRSS/1024)
	rows = map[string]int{}
	var script strings.Builder
	script.WriteString("\\set ON_ERROR_STOP on\nBEGIN;\n")
	var trunc []string
	for _, t := range tables[kind] {
		csvPath := filepath.Join(*work, "pg-"+kind+"-"+t+".csv")
		if err := run("psql", "-X", "-q", "-d", pgDSN(oursDB), "-c", fmt.Sprintf("\\copy (SELECT * FROM %s) TO '%s' (FORMAT csv)", t, csvPath)); err != nil {
			return ours, cli, nil, err
		}
		rows[t], _ = countLines(csvPath)
		trunc = append(trunc, t)
		if rows[t] > 0 {
			fmt.Fprintf(&script, "\\copy %s FROM '%s' (FORMAT csv)\n", t, csvPath)
		}
	}
	script.WriteString("COMMIT;\n")
	if *skipCLI {
		return ours, cli, rows, nil
	}
	if err := exec1("CREATE DATABASE " + cliDB + " TEMPLATE e2e_base"); err != nil {
		return ours, cli, nil, err
	}
	if err := run("psql", "-X", "-q", "-d", pgDSN(cliDB), "-c", "TRUNCATE "+strings.Join(trunc, ", ")+" CASCADE"); err != nil {
		return ours, cli, nil, err
	}
	scriptPath := filepath.Join(*work, "pg-"+kind+"-cli.sql")
	if err := os.WriteFile(scriptPath, []byte(script.String()), 0o644); err != nil {
		return ours, cli, nil, err
	}
	fmt.Printf("  psql -X -q -d %s -f %s:\n%s", pgDSN(cliDB), scriptPath, indent(script.String()))
	bc = &backendCPU{conn: admin, db: cliDB, seen: map[int]time.Duration{}}
	c := exec.Command("psql", "-X", "-q", "-d", pgDSN(cliDB), "-f", scriptPath)
	c.Stdout = io.Discard
	cli, err = timed(c, bc.sample)
	if err != nil {
		return ours, cli, nil, err
	}
	cli.server, cli.serverBackends = bc.total()
	fmt.Printf("  psql: wall %.2f s, CPU client %.2f s + server %.2f s\n", cli.wall.Seconds(), (cli.user + cli.sys).Seconds(), cli.server.Seconds())
	for _, d := range []string{oursDB, cliDB} {
		exec1("DROP DATABASE IF EXISTS " + d)
	}
	return ours, cli, rows, nil
}
