// Package sqlite is Maillage's storage on an embedded SQLite file
// (modernc.org/sqlite, pure Go): WAL, foreign keys, one writer connection
// and a separate read pool, as PocketBase does.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"maillage/internal/domain"
	"maillage/internal/store/migrations"
	"maillage/internal/store/sqldb"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is the SQLite domain.Store.
type Store struct {
	*sqldb.DB
}

var _ domain.Store = (*Store)(nil)

// pragmas apply to every connection. busy_timeout covers the rare case of
// another process (a second maillage, the sqlite3 CLI) holding the lock;
// inside one process writers queue on the single writer connection.
// temp_store=MEMORY keeps statement journals (written by multi-row upserts
// inside a transaction) off the disk.
var pragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "temp_store(MEMORY)"}

func dsn(path string, extra ...string) string {
	p := path
	if !strings.HasPrefix(p, "file:") {
		p = "file:" + (&url.URL{Path: path}).EscapedPath()
	}
	q := url.Values{}
	for _, pr := range pragmas {
		q.Add("_pragma", pr)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Add(extra[i], extra[i+1])
	}
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	return p + sep + q.Encode()
}

// Open opens (creating if needed) the SQLite database at path, migrates it,
// seeds it and fills the search values it lacks.
func Open(ctx context.Context, path string) (*Store, error) {
	w, err := sql.Open("sqlite", dsn(path, "_txlock", "immediate"))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("ouverture de la base SQLite %s : %w", path, err)
	}
	if err := sqldb.Migrate(ctx, w, sqldb.SQLite, migrations.FS, "sqlite"); err != nil {
		w.Close()
		return nil, err
	}
	if err := sqldb.Seed(ctx, w, sqldb.SQLite); err != nil {
		w.Close()
		return nil, err
	}
	if err := sqldb.BackfillSearch(ctx, w, sqldb.SQLite); err != nil {
		w.Close()
		return nil, err
	}
	// Readers keep a 64 MiB page cache each: a département portrait reads
	// ~100,000 indicator values, and the default 2 MB cache re-read them from
	// the OS every time. No mmap: mapped pages count in the resident size of
	// the process for as long as the idle connections live (the national
	// analysis snapshot reads the whole 1.2 GB file: 2.1 GB resident with a
	// 2 GB mmap, 1.5 GB without, for the same load time).
	r, err := sql.Open("sqlite", dsn(path, "_pragma", "query_only(1)", "_pragma", "cache_size(-65536)"))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &Store{DB: sqldb.New(w, r, sqldb.SQLite)}, nil
}

// Bulk opens a bulk-load transaction (BEGIN IMMEDIATE on the writer).
func (s *Store) Bulk(ctx context.Context) (domain.BulkTx, error) {
	b, err := sqldb.BeginBulk(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	// A big page cache keeps the b-trees being appended to in memory during
	// a national import (pages are only allocated when touched).
	if _, err := b.Tx.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
		b.Rollback()
		return nil, err
	}
	l := &loader{tx: b.Tx, conn: b.Conn, stmts: map[string]driver.Stmt{}, deferIdx: map[string]bool{}}
	for _, t := range deferredIndexTables {
		if b.Empty(t) {
			l.deferIdx[t] = true
		}
	}
	b.L = l
	next := map[string]int64{}
	b.Alloc = func(ctx context.Context, table string, n int) ([]int64, error) {
		if _, ok := next[table]; !ok {
			var m int64
			if err := b.Tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM "+table).Scan(&m); err != nil {
				return nil, err
			}
			next[table] = m + 1
		}
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = next[table]
			next[table]++
		}
		return ids, nil
	}
	return &bulk{Bulk: b}, nil
}

// bulk restores the default page cache when the transaction ends.
type bulk struct{ *sqldb.Bulk }

func (b *bulk) Commit() error {
	// The secondary indexes dropped for the load, built in one sorted pass.
	for _, q := range b.L.(*loader).dropped {
		if _, err := b.Tx.Exec(q); err != nil {
			b.Rollback()
			return fmt.Errorf("reconstruction d'index après import : %w", err)
		}
	}
	b.Tx.Exec("PRAGMA cache_size = -2000")
	if err := b.Bulk.Commit(); err != nil {
		return err
	}
	// Fresh statistics after a load, so that the planner keeps choosing the
	// key probes; analysis_limit bounds the cost to a sample per index.
	_, err := b.S.W.Exec("PRAGMA analysis_limit = 1000; ANALYZE")
	return err
}

func (b *bulk) Rollback() error {
	b.Tx.Exec("PRAGMA cache_size = -2000")
	return b.Bulk.Rollback()
}

// loader writes rows with prepared multi-row INSERT statements, executed on
// the driver connection itself: database/sql would convert and copy every
// argument into a fresh []driver.NamedValue per statement (200 KB for a
// 256-row statement of 20 columns), which at a million rows was a fifth of
// all the memory a national import allocates.
type loader struct {
	tx    *sql.Tx
	conn  *sql.Conn
	stmts map[string]driver.Stmt
	nv    []driver.NamedValue
	q     strings.Builder

	// deferIdx lists the tables, empty when the transaction began, whose
	// non-unique indexes are dropped at their first load and recreated at
	// commit (dropped holds the CREATE statements): filled row by row in
	// random key order (actions by title and operator, fundings by funder),
	// they cost a b-tree descent and a statement-journal page copy per row,
	// where CREATE INDEX sorts once. Unique indexes stay: they enforce keys.
	deferIdx map[string]bool
	dropped  []string
}

// deferredIndexTables are the big tables of a national import whose
// secondary indexes are built after a first load.
var deferredIndexTables = []string{"actions", "fundings"}

// dropIndexes drops the non-unique indexes of table, remembering them.
func (l *loader) dropIndexes(ctx context.Context, table string) error {
	rows, err := l.tx.QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%'", table)
	if err != nil {
		return err
	}
	var names, sqls []string
	for rows.Next() {
		var n, q string
		if err := rows.Scan(&n, &q); err != nil {
			rows.Close()
			return err
		}
		names, sqls = append(names, n), append(sqls, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, n := range names {
		if _, err := l.tx.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
			return err
		}
		l.dropped = append(l.dropped, sqls[i])
	}
	return nil
}

// rowsPerStatement balances statement length (parse and bind cost) against
// the number of statement executions.
func rowsPerStatement(cols int) int { return max(1, min(256, 8192/cols)) }

func (l *loader) Load(ctx context.Context, sp *sqldb.Spec, args []any) error {
	k := len(sp.Cols)
	n := len(args) / k
	if n == 0 {
		return nil
	}
	if l.deferIdx[sp.Table] {
		delete(l.deferIdx, sp.Table)
		if err := l.dropIndexes(ctx, sp.Table); err != nil {
			return err
		}
	}
	per := rowsPerStatement(k)
	head := "INSERT INTO " + sp.Table + " (" + strings.Join(sp.Cols, ", ") + ") VALUES "
	tail := ""
	if sp.Conflict != "" {
		tail = " " + sp.Conflict
	}
	return l.conn.Raw(func(dc any) error {
		cp, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("sqlite: driver connection %T cannot prepare", dc)
		}
		for i := 0; i < n; {
			rows := min(per, n-i)
			l.q.Reset()
			l.q.WriteString(head)
			l.q.WriteString(sqldb.Rows(rows, k))
			l.q.WriteString(tail)
			q := l.q.String()
			st, cached := l.stmts[q]
			if !cached {
				var err error
				if st, err = cp.PrepareContext(ctx, q); err != nil {
					return err
				}
				if rows == per {
					l.stmts[q] = st
				}
			}
			part := args[i*k : (i+rows)*k]
			l.nv = l.nv[:0]
			for j, a := range part {
				v, err := driverValue(a)
				if err != nil {
					return err
				}
				l.nv = append(l.nv, driver.NamedValue{Ordinal: j + 1, Value: v})
			}
			_, err := st.(driver.StmtExecContext).ExecContext(ctx, l.nv)
			if rows != per {
				st.Close()
			}
			if err != nil {
				return loadErr(sp, err)
			}
			i += rows
		}
		clear(l.nv) // drop the references to the rows
		return nil
	})
}

// driverValue converts an argument as database/sql would.
func driverValue(a any) (driver.Value, error) {
	switch v := a.(type) {
	case nil, string, int64, float64, bool, []byte, time.Time:
		return v, nil
	case int:
		return int64(v), nil
	}
	return driver.DefaultParameterConverter.ConvertValue(a)
}

func loadErr(sp *sqldb.Spec, err error) error {
	if sqldb.IsForeignKey(err) {
		return domain.Errorf(domain.EINVALID, "Référence inconnue dans %s : %v", sp.Table, err)
	}
	if sqldb.IsUnique(err) {
		return domain.Errorf(domain.ECONFLICT, "Doublon dans %s : %v", sp.Table, err)
	}
	return err
}

func (l *loader) Close() error {
	if len(l.stmts) == 0 {
		return nil
	}
	return l.conn.Raw(func(any) error {
		for q, st := range l.stmts {
			st.Close()
			delete(l.stmts, q)
		}
		return nil
	})
}
