// Package store opens Maillage's storage: an SQLite file by default, or
// PostgreSQL for multi-user deployments.
//
// Layout:
//   - migrations: the SQL schema per dialect (0001–0009 core storage,
//     0010+ accounts, 0020+ diagnostics), applied in order by Open;
//   - sqldb: domain.Store written once over database/sql ("?" queries
//     rebound for PostgreSQL), the migration runner and the shared bulk
//     logic (validation, natural keys, idempotent upserts);
//   - sqlite, postgres: connections, pragmas and each database's fastest
//     bulk writer (multi-row INSERTs; COPY);
//   - storetest: the contract suite both pass, and ForEach/OpenSQLite/
//     OpenPostgres for other packages' tests;
//   - bench: the import benchmark against sqlite3 .import and psql COPY
//     (BENCHMARKS.md).
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
	if isKeyValueDSN(dsn) {
		return nil, domain.Errorf(domain.EINVALID, "%q ressemble à une connexion PostgreSQL au format clé=valeur, que Maillage ne lit pas (il créerait un fichier SQLite de ce nom) : donnez une URL, par exemple postgres://utilisateur@hôte:5432/base?sslmode=disable", dsn)
	}
	if IsPostgres(dsn) {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, dsn)
}

// isKeyValueDSN reports whether dsn looks like a libpq key=value
// connection string ("host=… user=… dbname=…").
func isKeyValueDSN(dsn string) bool {
	for _, f := range strings.Fields(dsn) {
		k, _, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "host", "hostaddr", "port", "user", "dbname", "password", "sslmode", "connect_timeout", "application_name", "search_path":
			return true
		}
	}
	return false
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
