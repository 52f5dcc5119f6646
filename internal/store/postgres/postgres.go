// Package postgres is Maillage's storage on PostgreSQL (pgx/v5 through
// database/sql), for multi-user deployments: servers keep no state, so
// several can share one database.
package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"maillage/internal/domain"
	"maillage/internal/store/migrations"
	"maillage/internal/store/sqldb"
)

// Store is the PostgreSQL domain.Store.
type Store struct {
	*sqldb.DB
}

var _ domain.Store = (*Store)(nil)

// Open connects to the database at url (postgres://...), migrates it, seeds
// it and fills the search values it lacks. A search_path parameter in the URL selects the schema (tests
// use one schema per test).
func Open(ctx context.Context, url string) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connexion à PostgreSQL impossible : %w", err)
	}
	if err := sqldb.Migrate(ctx, db, sqldb.Postgres, migrations.FS, "postgres"); err != nil {
		db.Close()
		return nil, err
	}
	if err := sqldb.Seed(ctx, db, sqldb.Postgres); err != nil {
		db.Close()
		return nil, err
	}
	if err := sqldb.BackfillSearch(ctx, db, sqldb.Postgres); err != nil {
		db.Close()
		return nil, err
	}
	return &Store{DB: sqldb.New(db, db, sqldb.Postgres)}, nil
}

// Bulk opens a bulk-load transaction whose large writes go through COPY.
func (s *Store) Bulk(ctx context.Context) (domain.BulkTx, error) {
	b, err := sqldb.BeginBulk(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	b.L = &loader{b: b, staged: map[string]bool{}, tables: map[string]bool{}}
	b.Alloc = func(ctx context.Context, table string, n int) ([]int64, error) {
		ids := make([]int64, 0, n)
		if n == 0 {
			return ids, nil
		}
		rows, err := b.Tx.QueryContext(ctx, "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)", table, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	return &bulk{Bulk: b}, nil
}

// loader writes small batches with multi-row INSERTs and large ones with
// COPY: straight into the table when no row can conflict, else into a
// temporary staging table followed by one INSERT ... SELECT ... ON CONFLICT.
type loader struct {
	b      *sqldb.Bulk
	staged map[string]bool
	tables map[string]bool // tables written, analyzed after commit
}

// trace prints the duration of every bulk write (MAILLAGE_BULK_TRACE=1).
var trace = os.Getenv("MAILLAGE_BULK_TRACE") == "1"

// copyThreshold is the batch size from which COPY beats a multi-row INSERT.
const copyThreshold = 200

func (l *loader) Load(ctx context.Context, sp *sqldb.Spec, args []any) error {
	if trace {
		defer func(t0 time.Time, n int) {
			fmt.Fprintf(os.Stderr, "bulk %s: %d rows in %v\n", sp.Table, n, time.Since(t0))
		}(time.Now(), len(args)/max(1, len(sp.Cols)))
	}
	k := len(sp.Cols)
	n := len(args) / k
	if n == 0 {
		return nil
	}
	l.tables[sp.Table] = true
	if n < copyThreshold {
		return l.insert(ctx, sp, args)
	}
	if sp.Conflict == "" {
		return l.copy(ctx, sp.Table, sp.Cols, args)
	}
	stage := "stage_" + sp.Table
	cols := strings.Join(sp.Cols, ", ")
	if !l.staged[stage] {
		if _, err := l.b.Tx.ExecContext(ctx, "CREATE TEMP TABLE "+stage+" ON COMMIT DROP AS SELECT "+cols+" FROM "+sp.Table+" WITH NO DATA"); err != nil {
			return err
		}
		l.staged[stage] = true
	} else if _, err := l.b.Tx.ExecContext(ctx, "TRUNCATE "+stage); err != nil {
		return err
	}
	if err := l.copy(ctx, stage, sp.Cols, args); err != nil {
		return err
	}
	_, err := l.b.Tx.ExecContext(ctx, "INSERT INTO "+sp.Table+" ("+cols+") SELECT "+cols+" FROM "+stage+" "+sp.Conflict)
	return loadErr(sp, err)
}

func (l *loader) insert(ctx context.Context, sp *sqldb.Spec, args []any) error {
	k := len(sp.Cols)
	n := len(args) / k
	per := max(1, min(1000, 65535/k))
	head := "INSERT INTO " + sp.Table + " (" + strings.Join(sp.Cols, ", ") + ") VALUES "
	for i := 0; i < n; i += per {
		rows := min(per, n-i)
		q := sqldb.Postgres.Q(head + sqldb.Rows(rows, k) + " " + sp.Conflict)
		if _, err := l.b.Tx.ExecContext(ctx, q, args[i*k:(i+rows)*k]...); err != nil {
			return loadErr(sp, err)
		}
	}
	return nil
}

// flatSource feeds flattened rows to CopyFrom without copying them.
type flatSource struct {
	args []any
	k, i int
}

func (f *flatSource) Next() bool             { f.i += f.k; return f.i < len(f.args) }
func (f *flatSource) Values() ([]any, error) { return f.args[f.i : f.i+f.k], nil }
func (f *flatSource) Err() error             { return nil }

func (l *loader) copy(ctx context.Context, table string, cols []string, args []any) error {
	return l.copyFrom(ctx, table, cols, &flatSource{args: args, k: len(cols), i: -len(cols)})
}

// copyFrom runs COPY on the bulk transaction's connection.
func (l *loader) copyFrom(ctx context.Context, table string, cols []string, src pgx.CopyFromSource) error {
	return l.b.Conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		_, err := c.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		return loadErr(&sqldb.Spec{Table: table}, err)
	})
}

func loadErr(sp *sqldb.Spec, err error) error {
	if err == nil {
		return nil
	}
	if sqldb.IsForeignKey(err) {
		return domain.Errorf(domain.EINVALID, "Référence inconnue dans %s : %v", sp.Table, err)
	}
	if sqldb.IsUnique(err) {
		return domain.Errorf(domain.ECONFLICT, "Doublon dans %s : %v", sp.Table, err)
	}
	return err
}

func (l *loader) Close() error { return nil }
