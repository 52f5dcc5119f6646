package store_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store"
	"maillage/internal/store/postgres"
	"maillage/internal/store/sqldb"
	"maillage/internal/store/sqlite"
	"maillage/internal/store/storetest"
)

// Records created in Maillage get their id as external id (the natural
// key through which the import of an export finds them), and migration
// 0003 gives it to those created before.
func TestMaillageNaturalKey(t *testing.T) {
	ctx := context.Background()
	pg, _ := storetest.NewPostgresSchema(t)
	for _, dsn := range []string{filepath.Join(t.TempDir(), "m.db"), pg} {
		s, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		a := &domain.Actor{Name: "Association", Type: "association"}
		if err := s.CreateActor(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.Source != domain.SourceMaillage || a.ExternalID != strconv.FormatInt(a.ID, 10) {
			t.Fatalf("%s: created actor %q %q (id %d)", s.Dialect(), a.Source, a.ExternalID, a.ID)
		}
		// An update without the external id keeps it.
		a.ExternalID = ""
		a.Name = "Association renommée"
		if err := s.UpdateActor(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ActorByExternalID(ctx, domain.SourceMaillage, strconv.FormatInt(a.ID, 10)); err != nil || got.ID != a.ID {
			t.Fatalf("%s: after update %+v, %v", s.Dialect(), got, err)
		}
		// A row from before: no external id, migration not applied.
		var db *sqldb.DB
		switch x := s.(type) {
		case *sqlite.Store:
			db = x.DB
		case *postgres.Store:
			db = x.DB
		default:
			t.Fatalf("store %T", s)
		}
		for _, q := range []string{"UPDATE actors SET external_id = NULL WHERE id = " + strconv.FormatInt(a.ID, 10),
			"DELETE FROM schema_migrations WHERE version = '0003_maillage_external_ids'"} {
			if _, err := db.W.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		s, err = store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ActorByExternalID(ctx, domain.SourceMaillage, strconv.FormatInt(a.ID, 10))
		if err != nil || got.ID != a.ID || got.Name != "Association renommée" {
			t.Fatalf("%s: after migration %+v, %v", s.Dialect(), got, err)
		}
		s.Close()
	}
}
