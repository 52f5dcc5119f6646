// Package store opens Maillage's storage: an SQLite file by default, or
// PostgreSQL for multi-user deployments.
package store

import (
	"context"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/store/postgres"
	"maillage/internal/store/sqlite"
)

// Open opens the database named by dsn, runs the migrations and seeds a
// fresh database: a postgres:// or postgresql:// URL selects PostgreSQL,
// anything else is an SQLite file path.
func Open(ctx context.Context, dsn string) (domain.Store, error) {
	if IsPostgres(dsn) {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, dsn)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
