// Command bench measures Maillage's bulk import against the database's own
// bulk load of the same rows into the same tables: the sqlite3 CLI's
// .import for SQLite, psql's COPY FROM STDIN for PostgreSQL.
//
//	go run ./internal/store/bench -db sqlite -dir /tmp/mbench
//	go run ./internal/store/bench -db postgres -dir /tmp/mbench
//
// It generates, deterministically, ~35,000 communes in 96 départements and
// 13 régions, ~1,250 EPCI, 30 indicators, 20,000 actors, 1,000,000 actions
// (themes, publics, labels, zone of a commune, an EPCI or a département,
// places, dates) and 10,500,000 indicator values (30 indicators × 10 years
// × 35,000 communes, in file order: indicator, year, commune). The
// territories, indicators and actors are loaded first (the setup, timed
// apart); then the actions and the values are loaded once through
// domain.BulkTx and once by the CLI, each into a copy of the same set-up
// database, and the times and ratios are printed. See BENCHMARKS.md.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"maillage/internal/domain"
	"maillage/internal/store/postgres"
	"maillage/internal/store/sqldb"
	"maillage/internal/store/sqlite"
	"maillage/internal/store/storetest"
)

var (
	flagDB      = flag.String("db", "sqlite", "sqlite or postgres")
	flagDir     = flag.String("dir", filepath.Join(os.TempDir(), "maillage-bench"), "work directory (databases, CSV files)")
	flagActions = flag.Int("actions", 1_000_000, "number of actions")
	flagYears   = flag.Int("years", 10, "years of indicator values (× 30 indicators × 35,000 communes)")
	flagSkip    = flag.String("skip", "", "comma-separated steps to skip: go, cli, actions, values, queries")
	flagPG      = flag.String("pg", storetest.PostgresURL(), "PostgreSQL URL (a fresh schema is created per run)")
	flagKeep    = flag.Bool("keep", false, "keep the BulkTx database (SQLite file go.db, PostgreSQL schema) for inspection")
	flagProfile = flag.String("cpuprofile", "", "write a CPU profile of the BulkTx loads to this file")
)

// cpu returns the CPU time (user + system) used so far by this process:
// on a shared machine it is steadier than wall time.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timing is wall and CPU time of a step.
type timing struct{ wall, cpu, server time.Duration }

func (t timing) String() string {
	s := fmt.Sprintf("%6.2f s (CPU %6.2f s", t.wall.Seconds(), t.cpu.Seconds())
	if t.server > 0 {
		s += fmt.Sprintf(", server CPU %6.2f s", t.server.Seconds())
	}
	return s + ")"
}

// measure times fn in wall and this process's CPU time.
func measure(fn func()) timing {
	w, c := time.Now(), cpu()
	fn()
	return timing{wall: time.Since(w), cpu: cpu() - c}
}

func main() {
	flag.Parse()
	log.SetFlags(0)
	must(os.MkdirAll(*flagDir, 0o755))
	d := generate()
	fmt.Printf("data: %d territories (%d communes), %d actors, %d actions, %d indicator values\n",
		len(d.territories), len(d.communes), len(d.actors), *flagActions, len(d.indicators)*(*flagYears)*len(d.communes))
	skip := map[string]bool{}
	for _, s := range strings.Split(*flagSkip, ",") {
		skip[s] = true
	}
	switch *flagDB {
	case "sqlite":
		benchSQLite(d, skip)
	case "postgres":
		benchPostgres(d, skip)
	default:
		log.Fatalf("unknown -db %q", *flagDB)
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// data is the generated national data set.
type data struct {
	territories []domain.Territory
	communes    []string
	epci        []string
	members     map[string][]string
	deps        []string
	indicators  []domain.Indicator
	actors      []domain.Actor
	seed        uint64
}

var (
	themes  = []string{"parentalite", "petite_enfance", "enfance", "jeunesse", "animation_vie_sociale", "rythmes_scolaires", "acces_aux_droits", "logement", "handicap", "insertion", "numerique", "vacances_loisirs", "sante", "mobilite"}
	publics = []string{"enfants_0_3", "enfants_3_11", "adolescents_12_17", "jeunes_18_25", "parents", "familles", "familles_monoparentales", "seniors", "personnes_handicapees", "beneficiaires_minima_sociaux", "tous_publics"}
	labels  = []string{"laep", "reaap", "clas", "centre_social", "evs", "promeneurs_du_net", "mediation_familiale", "eaje", "ram_rpe", "alsh", "pedt", "france_services", "vacaf"}
	types   = []string{"caf", "commune", "epci", "departement", "etat", "association", "centre_social", "evs", "etablissement_scolaire", "entreprise"}
	words   = []string{"Accueil", "Atelier", "Relais", "Point", "Permanence", "Espace", "Lieu", "Service", "Réseau", "Maison"}
	objects = []string{"parents", "enfants", "jeunes", "familles", "numérique", "loisirs", "droits", "santé", "mobilité", "vacances"}
)

func generate() *data {
	d := &data{members: map[string][]string{}, seed: 42}
	var deps []string
	for i := 1; i <= 95; i++ {
		if i == 20 {
			deps = append(deps, "2A", "2B")
			continue
		}
		deps = append(deps, fmt.Sprintf("%02d", i))
	}
	d.deps = deps
	for r := 0; r < 13; r++ {
		d.territories = append(d.territories, domain.Territory{Code: domain.RegionCode(fmt.Sprintf("%02d", 11+r*6)), Type: domain.TypeRegion, Name: fmt.Sprintf("Région %d", r+1)})
	}
	region := func(k int) string { return domain.RegionCode(fmt.Sprintf("%02d", 11+(k%13)*6)) }
	for k, dep := range deps {
		d.territories = append(d.territories, domain.Territory{Code: dep, Type: domain.TypeDepartement, Name: "Département " + dep, Region: region(k)})
	}
	ep := 0
	for k, dep := range deps {
		n := 364
		if k < 35000-96*364 {
			n = 365
		}
		var group []string
		flush := func() {
			if len(group) == 0 {
				return
			}
			ep++
			code := storetest.SIREN(20000000 + ep)
			d.epci = append(d.epci, code)
			d.members[code] = group
			d.territories = append(d.territories, domain.Territory{Code: code, Type: domain.TypeEPCI, Name: fmt.Sprintf("Communauté %d", ep), Departement: dep, Region: region(k), SIREN: code})
			group = nil
		}
		for j := 1; j <= n; j++ {
			c := fmt.Sprintf("%s%03d", dep, j)
			d.communes = append(d.communes, c)
			lat, lon := 42+float64(k%10)*0.9+float64(j)/1000, -4+float64(k/10)*1.1+float64(j)/1000
			d.territories = append(d.territories, domain.Territory{Code: c, Type: domain.TypeCommune, Name: "Commune " + c, Departement: dep, Region: region(k), Lat: &lat, Lon: &lon})
			group = append(group, c)
			if len(group) == 28 {
				flush()
			}
		}
		flush()
	}
	d.indicators = domain.DefaultIndicators()
	for i := len(d.indicators) + 1; i <= 30; i++ {
		d.indicators = append(d.indicators, domain.Indicator{Code: fmt.Sprintf("ind_%02d", i), Label: fmt.Sprintf("Indicateur %d", i), Unit: "nombre"})
	}
	slices.SortFunc(d.indicators, func(a, b domain.Indicator) int { return strings.Compare(a.Code, b.Code) })
	r := rand.New(rand.NewPCG(d.seed, 1))
	for i := 1; i <= 20000; i++ {
		d.actors = append(d.actors, domain.Actor{Source: domain.SourceImport, ExternalID: fmt.Sprintf("O%d", i), Name: fmt.Sprintf("Acteur %d", i),
			Type: types[r.IntN(len(types))], Commune: d.communes[r.IntN(len(d.communes))]})
	}
	return d
}

func pick(r *rand.Rand, xs []string, n int) []string {
	out := make([]string, 0, n)
	for len(out) < n {
		x := xs[r.IntN(len(xs))]
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// actions yields the actions in batches of 100,000 (an importer's chunk),
// operators resolved to the actor ids.
func (d *data) actions(actorIDs []int64, yield func([]domain.Action) error) error {
	r := rand.New(rand.NewPCG(d.seed, 2))
	batch := make([]domain.Action, 0, 100_000)
	for i := 1; i <= *flagActions; i++ {
		a := domain.Action{Source: domain.SourceImport, ExternalID: "A" + strconv.Itoa(i), OperatorID: actorIDs[r.IntN(len(actorIDs))],
			Themes: pick(r, themes, 1+r.IntN(2)), Publics: pick(r, publics, 1+r.IntN(2)), Capacity: float64(5 + r.IntN(200))}
		a.Title = words[r.IntN(len(words))] + " " + objects[r.IntN(len(objects))] + " " + strconv.Itoa(i)
		if r.IntN(2) == 0 {
			a.Description = "Action de proximité pour les " + objects[r.IntN(len(objects))]
		}
		if r.IntN(3) == 0 {
			a.Labels = pick(r, labels, 1)
		}
		c := d.communes[r.IntN(len(d.communes))]
		switch x := r.IntN(10); {
		case x < 7:
			a.Zone = []string{c}
		case x < 9:
			a.Zone = []string{d.epci[r.IntN(len(d.epci))]}
		default:
			a.Zone = []string{domain.DepartementOfCommune(c)}
		}
		if r.IntN(2) == 0 {
			a.Places = []string{c}
		}
		y := 2015 + r.IntN(10)
		a.StartDate = &domain.Date{Time: time.Date(y, time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)}
		if r.IntN(3) == 0 {
			a.EndDate = &domain.Date{Time: time.Date(y+1+r.IntN(3), 6, 30, 0, 0, 0, 0, time.UTC)}
		}
		batch = append(batch, a)
		if len(batch) == cap(batch) {
			if err := yield(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return yield(batch)
	}
	return nil
}

// values yields the indicator values in file order.
func (d *data) values(yield func(domain.IndicatorValue) bool) {
	r := rand.New(rand.NewPCG(d.seed, 3))
	pop := make([]float64, len(d.communes))
	for i := range pop {
		pop[i] = math.Max(10, math.Round(math.Exp(r.NormFloat64()*1.3+6.3)))
	}
	for _, ind := range d.indicators {
		for y := 2015; y < 2015+*flagYears; y++ {
			for ci, c := range d.communes {
				v := math.Round(r.Float64()*100000) / 1000
				if ind.Code == domain.IndicatorPopulation {
					v = math.Round(pop[ci] * (1 + 0.005*float64(y-2020)))
				}
				if !yield(domain.IndicatorValue{Territory: c, Indicator: ind.Code, Year: y, Value: v}) {
					return
				}
			}
		}
	}
}

// setup loads territories, indicators and actors; it returns the actor ids.
func setup(ctx context.Context, s domain.Store, d *data) []int64 {
	t0 := time.Now()
	b, err := s.Bulk(ctx)
	must(err)
	must(b.UpsertTerritories(ctx, d.territories))
	for _, e := range d.epci {
		must(b.SetMembers(ctx, e, d.members[e]))
	}
	must(b.UpsertIndicators(ctx, d.indicators))
	ids, err := b.UpsertActors(ctx, d.actors)
	must(err)
	must(b.Commit())
	fmt.Printf("setup (territories, members, indicators, actors) through BulkTx: %.2f s\n", time.Since(t0).Seconds())
	return ids
}

// loadActions loads every action through one bulk transaction.
func loadActions(ctx context.Context, s domain.Store, d *data, actorIDs []int64) time.Duration {
	t0 := time.Now()
	b, err := s.Bulk(ctx)
	must(err)
	must(d.actions(actorIDs, func(as []domain.Action) error {
		_, err := b.UpsertActions(ctx, as)
		return err
	}))
	must(b.Commit())
	return time.Since(t0)
}

func loadValues(ctx context.Context, s domain.Store, d *data) time.Duration {
	t0 := time.Now()
	b, err := s.Bulk(ctx)
	must(err)
	n, err := b.PutIndicatorValues(ctx, d.values)
	must(err)
	must(b.Commit())
	_ = n
	return time.Since(t0)
}

// null is written as an empty unquoted field: NULL for PostgreSQL's COPY
// (an empty string is written "", as COPY reads it).
const null = "\x00"

// csvWriter writes CSV rows for the CLI loads.
type csvWriter struct {
	f *os.File
	w *bufio.Writer
}

func newCSV(path string) *csvWriter {
	f, err := os.Create(path)
	must(err)
	return &csvWriter{f: f, w: bufio.NewWriterSize(f, 1<<20)}
}

func (c *csvWriter) row(fields ...string) {
	for i, f := range fields {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if f == null {
			continue
		}
		if f == "" || strings.ContainsAny(f, ",\"\n") {
			c.w.WriteString(`"` + strings.ReplaceAll(f, `"`, `""`) + `"`)
		} else {
			c.w.WriteString(f)
		}
	}
	c.w.WriteByte('\n')
}

func (c *csvWriter) close() {
	must(c.w.Flush())
	must(c.f.Close())
}

// writeCSVs writes the rows that BulkTx writes, in the same tables' column
// order: actions.csv, action_territories.csv, indicator_values.csv. Actions
// get ids firstID, firstID+1... as the store assigns them.
func writeCSVs(d *data, dir string, actorIDs []int64, firstID int64, now string) {
	acts := newCSV(filepath.Join(dir, "actions.csv"))
	links := newCSV(filepath.Join(dir, "action_territories.csv"))
	id := firstID
	date := func(x *domain.Date) string {
		if x == nil {
			return null
		}
		return x.String()
	}
	type pair struct {
		c  string
		id int64
	}
	must(d.actions(actorIDs, func(as []domain.Action) error {
		for start := 0; start < len(as); start += sqldb.ActionChunk {
			var ps []pair
			for i := start; i < min(start+sqldb.ActionChunk, len(as)); i++ {
				a := &as[i]
				a.Status = domain.StatusActive
				acts.row(strconv.FormatInt(id, 10), a.Source, a.ExternalID, a.Title, a.Description, strconv.FormatInt(a.OperatorID, 10),
					sqldb.JoinList(a.Themes), sqldb.JoinList(a.Publics), sqldb.JoinList(a.Labels), sqldb.JoinList(a.Zone), sqldb.JoinList(a.Places),
					strconv.FormatFloat(a.Capacity, 'g', -1, 64), date(a.StartDate), date(a.EndDate), a.Status, "1", "network", now, now, "1",
					sqldb.ActionSearch(a))
				seen := map[string]bool{}
				for _, c := range append(slices.Clone(a.Zone), a.Places...) {
					if !seen[c] {
						seen[c] = true
						ps = append(ps, pair{c, id})
					}
				}
				id++
			}
			// The store sorts each chunk's links in key order; so does the file.
			slices.SortFunc(ps, func(x, y pair) int {
				if c := strings.Compare(x.c, y.c); c != 0 {
					return c
				}
				return int(x.id - y.id)
			})
			for _, p := range ps {
				links.row(p.c, strconv.FormatInt(p.id, 10))
			}
		}
		return nil
	}))
	acts.close()
	links.close()
	vals := newCSV(filepath.Join(dir, "indicator_values.csv"))
	for v := range d.values {
		vals.row(v.Indicator, strconv.Itoa(v.Year), v.Territory, strconv.FormatFloat(v.Value, 'g', -1, 64))
	}
	vals.close()
}

func copyFile(dst, src string) {
	in, err := os.Open(src)
	must(err)
	defer in.Close()
	out, err := os.Create(dst)
	must(err)
	_, err = io.Copy(out, in)
	must(err)
	must(out.Close())
}

func removeDB(path string) {
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(path + s)
	}
}

func report(what string, g, c timing, cli string) {
	fmt.Printf("%-18s BulkTx %s   %s %s   ratio %.2f× wall", what, g, cli, c, g.wall.Seconds()/c.wall.Seconds())
	if c.cpu > 0 {
		fmt.Printf(", %.2f× CPU", g.cpu.Seconds()/c.cpu.Seconds())
	}
	if c.server > 0 {
		// client + server CPU of the Go load against the server CPU of COPY
		// (psql's own CPU is negligible).
		fmt.Printf(", %.2f× CPU (Go client + server vs COPY server), %.2f× server CPU",
			(g.cpu+g.server).Seconds()/c.server.Seconds(), g.server.Seconds()/c.server.Seconds())
	}
	fmt.Println()
}

// queries times the reads that the API and the analysis make on the loaded
// national data set (median of 3 runs each).
func queries(ctx context.Context, s domain.Store, d *data) {
	epci := d.epci[len(d.epci)/2]
	qs := []struct {
		name string
		fn   func() (int, error)
	}{
		{"Actions theme=parentalite (count all + first 20)", func() (int, error) {
			p, err := s.Actions(ctx, domain.ActionFilter{Theme: "parentalite", Limit: 20})
			return p.Total, err
		}},
		{"Actions public=seniors label=clas, 20", func() (int, error) {
			p, err := s.Actions(ctx, domain.ActionFilter{Public: "seniors", Label: "clas", Limit: 20})
			return p.Total, err
		}},
		{"Actions territory=18 (département), 20", func() (int, error) {
			p, err := s.Actions(ctx, domain.ActionFilter{Territory: "18", Limit: 20})
			return p.Total, err
		}},
		{"Actions territory=18 all rows", func() (int, error) {
			p, err := s.Actions(ctx, domain.ActionFilter{Territory: "18"})
			return len(p.Items), err
		}},
		{"Actions territory=EPCI theme year, 20", func() (int, error) {
			p, err := s.Actions(ctx, domain.ActionFilter{Territory: epci, Theme: "enfance", Year: 2020, Limit: 20})
			return p.Total, err
		}},
		{"Actions territory=commune 18001, 20", func() (int, error) {
			p, err := s.Actions(ctx, domain.ActionFilter{Territory: "18001", Limit: 20})
			return p.Total, err
		}},
		{"Actions text=numérique sort=title, 20", func() (int, error) {
			p, err := s.Actions(ctx, domain.ActionFilter{Text: "numérique", Sort: "title", Limit: 20})
			return p.Total, err
		}},
		{"Territory 18001 (with population)", func() (int, error) {
			_, err := s.Territory(ctx, "18001")
			return 1, err
		}},
		{"Territory 18 (members + population)", func() (int, error) {
			t, err := s.Territory(ctx, "18")
			return len(t.Members), err
		}},
		{"Territories type=commune (35,000 with population)", func() (int, error) {
			p, err := s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeCommune})
			return len(p.Items), err
		}},
		{"IndicatorValues population 2024 territory=18", func() (int, error) {
			p, err := s.IndicatorValues(ctx, domain.IndicatorValueFilter{Indicator: "population", Year: 2024, Territory: "18"})
			return len(p.Items), err
		}},
		{"IndicatorValues territory=18001 (all)", func() (int, error) {
			p, err := s.IndicatorValues(ctx, domain.IndicatorValueFilter{Territory: "18001"})
			return len(p.Items), err
		}},
		{"IndicatorValues population 2024 (national map layer)", func() (int, error) {
			p, err := s.IndicatorValues(ctx, domain.IndicatorValueFilter{Indicator: "population", Year: 2024})
			return len(p.Items), err
		}},
	}
	for _, q := range qs {
		var ds []time.Duration
		n := 0
		for range 3 {
			t0 := time.Now()
			var err error
			n, err = q.fn()
			must(err)
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		fmt.Printf("  %-52s %8.1f ms  (%d)\n", q.name, float64(ds[1].Microseconds())/1000, n)
	}
}

// procCPU reads the CPU time (user + system) of a process from /proc: the
// PostgreSQL backend serving a connection, on this machine.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return parseStatCPU(string(b))
}

func parseStatCPU(stat string) time.Duration {
	// Fields after the command name (which may hold spaces, in parentheses).
	f := strings.Fields(stat[strings.LastIndexByte(stat, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * (time.Second / 100) // USER_HZ
}

func startProfile() func() {
	if *flagProfile == "" {
		return func() {}
	}
	f, err := os.Create(*flagProfile)
	must(err)
	must(pprof.StartCPUProfile(f))
	return func() { pprof.StopCPUProfile(); f.Close() }
}

func benchSQLite(d *data, skip map[string]bool) {
	ctx := context.Background()
	base := filepath.Join(*flagDir, "base.db")
	removeDB(base)
	s, err := sqlite.Open(ctx, base)
	must(err)
	actorIDs := setup(ctx, s, d)
	var maxID int64
	must(s.W.QueryRow("SELECT coalesce(max(id), 0) FROM actions").Scan(&maxID))
	_, err = s.W.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	must(err)
	must(s.Close())

	var goA, goV, cliA, cliV timing
	if !skip["go"] {
		path := filepath.Join(*flagDir, "go.db")
		removeDB(path)
		copyFile(path, base)
		s, err := sqlite.Open(ctx, path)
		must(err)
		checkpoint := func() {
			_, err := s.W.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
			must(err)
		}
		stop := startProfile()
		if !skip["actions"] {
			goA = measure(func() { loadActions(ctx, s, d, actorIDs); checkpoint() })
			fmt.Printf("BulkTx actions: %s (commit and WAL checkpoint included)\n", goA)
		}
		if !skip["values"] {
			goV = measure(func() { loadValues(ctx, s, d); checkpoint() })
			fmt.Printf("BulkTx values: %s (commit and WAL checkpoint included)\n", goV)
		}
		stop()
		if !skip["queries"] {
			fmt.Println("reads on the loaded data (median of 3):")
			queries(ctx, s, d)
		}
		must(s.Close())
		if *flagKeep {
			fmt.Println("kept", path)
		} else {
			removeDB(path)
		}
	}
	if !skip["cli"] {
		t0 := time.Now()
		writeCSVs(d, *flagDir, actorIDs, maxID+1, sqldb.FormatTime(time.Now()))
		fmt.Printf("CSV files written in %.1f s (not timed in the comparison)\n", time.Since(t0).Seconds())
		path := filepath.Join(*flagDir, "cli.db")
		removeDB(path)
		copyFile(path, base)
		// The same settings as the store's bulk transaction: foreign keys
		// checked, synchronous=NORMAL, a 256 MiB page cache; .import runs in
		// one transaction. The process's wall time includes the WAL
		// checkpoint at close.
		pre := "PRAGMA foreign_keys=ON;\nPRAGMA synchronous=NORMAL;\nPRAGMA cache_size=-262144;\n.mode csv\n"
		run := func(script string) timing {
			t0 := time.Now()
			cmd := exec.Command("sqlite3", path)
			cmd.Stdin = strings.NewReader(pre + script)
			out, err := cmd.CombinedOutput()
			if err != nil || len(out) > 0 {
				log.Fatalf("sqlite3: %v\n%s", err, out)
			}
			return timing{wall: time.Since(t0), cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
		}
		if !skip["actions"] {
			cliA = run(".import " + filepath.Join(*flagDir, "actions.csv") + " actions\n.import " + filepath.Join(*flagDir, "action_territories.csv") + " action_territories\n")
			fmt.Printf("sqlite3 .import actions + action_territories: %s\n", cliA)
		}
		if !skip["values"] {
			cliV = run(".import " + filepath.Join(*flagDir, "indicator_values.csv") + " indicator_values\n")
			fmt.Printf("sqlite3 .import indicator_values: %s\n", cliV)
		}
		removeDB(path)
	}
	if goA.wall > 0 && cliA.wall > 0 {
		report("actions", goA, cliA, "sqlite3 CLI")
	}
	if goV.wall > 0 && cliV.wall > 0 {
		report("indicator values", goV, cliV, "sqlite3 CLI")
	}
}

func benchPostgres(d *data, skip map[string]bool) {
	ctx := context.Background()
	fresh := func() (string, string, func()) {
		admin, err := sql.Open("pgx", *flagPG)
		must(err)
		defer admin.Close()
		schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
		_, err = admin.Exec("CREATE SCHEMA " + schema)
		must(err)
		sep := "?"
		if strings.Contains(*flagPG, "?") {
			sep = "&"
		}
		return *flagPG + sep + "search_path=" + schema, schema, func() {
			if *flagKeep {
				fmt.Println("kept schema", schema)
				return
			}
			db, err := sql.Open("pgx", *flagPG)
			must(err)
			defer db.Close()
			_, err = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			must(err)
		}
	}
	// CPU: the Go process (client) and the backend (server, from /proc);
	// for psql only the backend counts.
	var goA, goV, cliA, cliV timing
	var actorIDs []int64
	if !skip["go"] {
		u, _, drop := fresh()
		s, err := postgres.Open(ctx, u)
		must(err)
		// One connection, so that one backend does all the work and its
		// CPU time can be read from /proc.
		s.W.SetMaxOpenConns(1)
		var pid int
		must(s.W.QueryRow("SELECT pg_backend_pid()").Scan(&pid))
		actorIDs = setup(ctx, s, d)
		stop := startProfile()
		server := func(fn func()) timing {
			c := procCPU(pid)
			t := measure(fn)
			t.server = procCPU(pid) - c
			return t
		}
		if !skip["actions"] {
			goA = server(func() { loadActions(ctx, s, d, actorIDs) })
			fmt.Printf("BulkTx actions: %s\n", goA)
		}
		if !skip["values"] {
			goV = server(func() { loadValues(ctx, s, d) })
			fmt.Printf("BulkTx values: %s\n", goV)
		}
		stop()
		if !skip["queries"] {
			fmt.Println("reads on the loaded data (median of 3):")
			queries(ctx, s, d)
		}
		must(s.Close())
		drop()
	}
	if !skip["cli"] {
		u, schema, drop := fresh()
		s, err := postgres.Open(ctx, u)
		must(err)
		actorIDs = setup(ctx, s, d)
		var maxID int64
		must(s.W.QueryRow("SELECT coalesce(max(id), 0) FROM actions").Scan(&maxID))
		must(s.Close())
		writeCSVs(d, *flagDir, actorIDs, maxID+1, time.Now().UTC().Format(time.RFC3339Nano))
		// psql streams the file with COPY ... FROM STDIN (\copy) and prints
		// its backend's /proc stat before it exits, for the server CPU time.
		run := func(table, file string) timing {
			script := "SELECT pg_backend_pid() AS pid \\gset\n\\setenv PGPID :pid\n\\! cat /proc/$PGPID/stat\n" +
				"\\copy " + table + " FROM '" + file + "' (FORMAT csv)\n\\! cat /proc/$PGPID/stat\n"
			t0 := time.Now()
			cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *flagPG)
			cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+schema)
			cmd.Stdin = strings.NewReader(script)
			out, err := cmd.CombinedOutput()
			if err != nil {
				log.Fatalf("psql: %v\n%s", err, out)
			}
			t := timing{wall: time.Since(t0)}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) >= 2 {
				t.server = parseStatCPU(lines[len(lines)-1]) - parseStatCPU(lines[len(lines)-2])
			}
			return t
		}
		if !skip["actions"] {
			a, b := run("actions", filepath.Join(*flagDir, "actions.csv")), run("action_territories", filepath.Join(*flagDir, "action_territories.csv"))
			cliA = timing{wall: a.wall + b.wall, server: a.server + b.server}
			fmt.Printf("psql COPY actions + action_territories: %s\n", cliA)
		}
		if !skip["values"] {
			cliV = run("indicator_values", filepath.Join(*flagDir, "indicator_values.csv"))
			fmt.Printf("psql COPY indicator_values: %s\n", cliV)
		}
		drop()
	}
	if goA.wall > 0 && cliA.wall > 0 {
		report("actions", goA, cliA, "psql COPY")
	}
	if goV.wall > 0 && cliV.wall > 0 {
		report("indicator values", goV, cliV, "psql COPY")
	}
}
