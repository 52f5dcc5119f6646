// Package storetest holds the contract test suite that every domain.Store
// implementation passes, and helpers that give a test a fresh store on each
// database.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"maillage/internal/domain"
	"maillage/internal/store/postgres"
	"maillage/internal/store/sqlite"
)

// DefaultPostgres is the test database used when MAILLAGE_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresURL returns the PostgreSQL test database URL.
func PostgresURL() string {
	if u := os.Getenv("MAILLAGE_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// ForEach runs fn as subtests "sqlite" and "postgres", each on a fresh store.
func ForEach(t *testing.T, fn func(t *testing.T, s domain.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t)) })
}

// OpenSQLite returns a store on a new SQLite file in a temporary directory.
func OpenSQLite(t testing.TB) domain.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "maillage.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// OpenPostgres returns a store on a new schema t_<random> of the test
// database, dropped when the test ends. It fails when PostgreSQL is
// unreachable, unless MAILLAGE_SKIP_POSTGRES=1 (then it skips).
func OpenPostgres(t testing.TB) domain.Store {
	t.Helper()
	u, _ := NewPostgresSchema(t)
	s, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// NewPostgresSchema creates a fresh schema in the test database and returns
// a URL whose connections all use it (search_path), plus the schema name.
// The schema is dropped at cleanup.
func NewPostgresSchema(t testing.TB) (string, string) {
	t.Helper()
	if os.Getenv("MAILLAGE_SKIP_POSTGRES") == "1" {
		t.Skip("PostgreSQL ignoré (MAILLAGE_SKIP_POSTGRES=1)")
	}
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres %s: %v", base, err)
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		t.Fatalf("PostgreSQL unreachable at %s (set MAILLAGE_TEST_POSTGRES, or MAILLAGE_SKIP_POSTGRES=1 to skip): %v", base, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres url: %v", err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String(), schema
}
