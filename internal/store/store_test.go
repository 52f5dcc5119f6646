package store_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maillage/internal/domain"
	"maillage/internal/store"
	"maillage/internal/store/storetest"
)

// TestSameResults loads the same data into SQLite and PostgreSQL (opened
// through store.Open) and checks that every read answers the same.
func TestSameResults(t *testing.T) {
	ctx := context.Background()
	lite, err := store.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	u, _ := storetest.NewPostgresSchema(t)
	pg, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if lite.Dialect() != "sqlite" || pg.Dialect() != "postgres" {
		t.Fatalf("dialects %s %s", lite.Dialect(), pg.Dialect())
	}
	var fl, fp storetest.Fixture
	fl.Load(t, lite)
	fp.Load(t, pg)
	storetest.ImportSample(t, lite, &fl)
	storetest.ImportSample(t, pg, &fp)
	if a, b := storetest.Snapshot(t, lite), storetest.Snapshot(t, pg); a != b {
		t.Errorf("snapshots differ:\n--- sqlite\n%s--- postgres\n%s", a, b)
	}
	reads := map[string]func(s domain.Store) (any, error){
		"actions by theme sorted by title": func(s domain.Store) (any, error) {
			return s.Actions(ctx, domain.ActionFilter{Theme: "parentalite", Sort: "-title"})
		},
		"actions in 18 page 2": func(s domain.Store) (any, error) {
			return s.Actions(ctx, domain.ActionFilter{Territory: "18", Sort: "capacity", Limit: 2, Offset: 2})
		},
		"actions text": func(s domain.Store) (any, error) { return s.Actions(ctx, domain.ActionFilter{Text: "ACCUEIL"}) },
		"actions year": func(s domain.Store) (any, error) {
			return s.Actions(ctx, domain.ActionFilter{Year: 2023, Sort: "start_date"})
		},
		"action": func(s domain.Store) (any, error) { return s.Action(ctx, 1) },
		"territories": func(s domain.Store) (any, error) {
			return s.Territories(ctx, domain.TerritoryFilter{WithMembers: true})
		},
		"territory 18": func(s domain.Store) (any, error) { return s.Territory(ctx, "18") },
		"values": func(s domain.Store) (any, error) {
			return s.IndicatorValues(ctx, domain.IndicatorValueFilter{Territory: "18"})
		},
		"indicators":   func(s domain.Store) (any, error) { return s.Indicators(ctx) },
		"actors":       func(s domain.Store) (any, error) { return s.Actors(ctx, domain.ActorFilter{Sort: "-name"}) },
		"fundings":     func(s domain.Store) (any, error) { return s.Fundings(ctx, domain.FundingFilter{}) },
		"referentials": func(s domain.Store) (any, error) { r, err := s.Referentials(ctx); return r.All(), err },
		"aliases":      func(s domain.Store) (any, error) { return s.Aliases(ctx) },
		"communes R24": func(s domain.Store) (any, error) { return s.CommunesOf(ctx, "R24") },
	}
	for name, read := range reads {
		a, err := read(lite)
		if err != nil {
			t.Fatalf("%s on sqlite: %v", name, err)
		}
		b, err := read(pg)
		if err != nil {
			t.Fatalf("%s on postgres: %v", name, err)
		}
		if ja, jb := canonical(t, a), canonical(t, b); ja != jb {
			t.Errorf("%s differs:\nsqlite:   %s\npostgres: %s", name, ja, jb)
		}
	}
}

// canonical renders v as JSON with timestamps removed (they differ by
// construction).
func canonical(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	json.Unmarshal(b, &x)
	var strip func(any) any
	strip = func(v any) any {
		switch y := v.(type) {
		case map[string]any:
			for k := range y {
				if k == "created_at" || k == "updated_at" {
					y[k] = time.Time{}
				} else {
					y[k] = strip(y[k])
				}
			}
		case []any:
			for i := range y {
				y[i] = strip(y[i])
			}
		}
		return v
	}
	out, _ := json.Marshal(strip(x))
	return string(out)
}

// A libpq key=value DSN is refused with a message naming the URL form,
// instead of silently creating an SQLite file of that name.
func TestOpenRefusesKeyValueDSN(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	dsn := "host=127.0.0.1 user=postgres dbname=test"
	s, err := store.Open(context.Background(), dsn)
	if err == nil {
		s.Close()
		t.Fatal("key=value DSN accepted")
	}
	if !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("message: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files created: %v", entries)
	}
	// A file path with '=' in it is still a file.
	s, err = store.Open(context.Background(), filepath.Join(dir, "a=b.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
