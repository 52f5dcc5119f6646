package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// migrationLockKey is the PostgreSQL advisory lock that serialises servers
// migrating the same database at once.
const migrationLockKey = 7_345_120_001

// Migrate applies the dialect's pending migrations from fsys (dir holds
// NNNN_name.sql files), each in its own transaction, recording each in
// schema_migrations. It is roll-forward only.
func Migrate(ctx context.Context, db *sql.DB, d *Dialect, fsys fs.FS, dir string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d.Dollar {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("migrations: verrou : %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}
	if _, err := conn.ExecContext(ctx, qCreateMigrations); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(path.Base(name), ".sql")
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if err := applyMigration(ctx, conn, d, version, string(body)); err != nil {
			return fmt.Errorf("migration %s : %w", version, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, d *Dialect, version, body string) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, d.Q(qMigrationApplied), version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.Q(qMigrationRecord), version, d.TimeArg(nowUTC())); err != nil {
		return err
	}
	return tx.Commit()
}
