package storetest

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/postgres"
	"maillage/internal/store/sqldb"
	"maillage/internal/store/sqlite"
)

// bulkActorCount makes the bulk loads of the search tests big enough for
// PostgreSQL's COPY paths (straight COPY, then COPY into a staging table
// and upsert), which start at 200 rows.
const bulkActorCount = 250

// searchActors are the actors loaded through Bulk by the search tests: the
// first is "Équipement de quartier Éloïse" with a SIRET, the others fill.
func searchActors(rename bool) []domain.Actor {
	as := make([]domain.Actor, bulkActorCount)
	for i := range as {
		as[i] = domain.Actor{Source: "import", ExternalID: fmt.Sprintf("S%03d", i), Name: fmt.Sprintf("Structure n° %d", i), Type: "association"}
	}
	as[0].Name = "Équipement de quartier Éloïse"
	as[0].SIREN = SIREN(41234567)
	as[0].SIRET = siret(as[0].SIREN)
	if rename {
		as[0].Name = "Maison des Sœurs Müller"
	}
	return as
}

// siret returns a valid SIRET of the SIREN (establishment 0001x).
func siret(siren string) string {
	for d := 0; d <= 9; d++ {
		s := siren + "0001" + strconv.Itoa(d)
		if domain.IsSIRET(s) {
			return s
		}
	}
	panic("unreachable")
}

// testTextSearch: text filters ignore case and accents, on every write
// path (create, update, bulk insert, bulk upsert, perimeter), the same on
// both databases.
func testTextSearch(t *testing.T, s domain.Store) {
	var f Fixture
	f.Load(t, s)
	creche := &domain.Action{Title: "Crèche familiale", Description: "Accueil à l’école maternelle", OperatorID: f.Assoc,
		Themes: []string{"petite_enfance"}, Publics: []string{"enfants_0_3"}, Zone: []string{"18033"}}
	ecole := &domain.Action{Title: "ÉCOLE des parents", Description: "Œuvre commune des associations", OperatorID: f.Commune,
		Themes: []string{"parentalite"}, Publics: []string{"parents"}, Zone: []string{"18033"}}
	must(t, s.CreateAction(bg, creche))
	must(t, s.CreateAction(bg, ecole))
	actions := func(name, text string, want ...int64) {
		t.Helper()
		p, err := s.Actions(bg, domain.ActionFilter{Text: text})
		must(t, err)
		if got := sorted(ids(p.Items)); !slices.Equal(got, sorted(want)) || p.Total != len(want) {
			t.Errorf("%s: Actions(Text %q) = %v (total %d), want %v", name, text, got, p.Total, sorted(want))
		}
	}
	actions("no accent", "creche", creche.ID)
	actions("upper case with accent", "CRÈCHE FAMILIALE", creche.ID)
	actions("white space", "  crèche \t familiale ", creche.ID)
	actions("upper case without accent", "ECOLE", creche.ID, ecole.ID)
	actions("lower case, accent in the title's capital", "école des", ecole.ID)
	actions("straight apostrophe finds the typographic one", "l'ecole", creche.ID)
	actions("oe finds œ", "oeuvre", ecole.ID)
	actions("Œ finds Œ", "Œuvre", ecole.ID)
	actions("a match never spans title and description", "familiale accueil")
	actions("wildcards are literal", "%creche%")
	// An update re-computes the search value.
	creche.Title = "Halte-garderie"
	must(t, s.UpdateAction(bg, creche))
	actions("old title", "creche")
	actions("new title", "HALTE-GARDERIE", creche.ID)
	actions("description kept", "maternelle", creche.ID)

	actors := func(name, text string, want ...int64) {
		t.Helper()
		p, err := s.Actors(bg, domain.ActorFilter{Text: text})
		must(t, err)
		got := []int64{}
		for _, a := range p.Items {
			got = append(got, a.ID)
		}
		if !slices.Equal(sorted(got), sorted(want)) || p.Total != len(want) {
			t.Errorf("%s: Actors(Text %q) = %v (total %d), want %v", name, text, got, p.Total, sorted(want))
		}
	}
	// Created one by one.
	oeuvre := &domain.Actor{Name: "Œuvre des pupilles de l’École publique", Type: "association", SIREN: SIREN(31234567)}
	must(t, s.CreateActor(bg, oeuvre))
	actors("oe finds Œ", "oeuvre", oeuvre.ID)
	actors("accents and apostrophe", "PUPILLES DE L'ECOLE", oeuvre.ID)
	actors("SIREN", oeuvre.SIREN, oeuvre.ID)
	actors("SIREN in groups", oeuvre.SIREN[:3]+" "+oeuvre.SIREN[3:6]+" "+oeuvre.SIREN[6:], oeuvre.ID)
	if p, err := s.Actors(bg, domain.ActorFilter{Text: "\u00a0" + strconv.FormatInt(oeuvre.ID, 10)}); err != nil ||
		!slices.ContainsFunc(p.Items, func(a domain.Actor) bool { return a.ID == oeuvre.ID }) {
		t.Errorf("the external id given by Maillage (the id) does not find the actor: %+v, %v", p.Items, err)
	}
	actors("fixture actor", "BERRY", f.Assoc)
	// Loaded through Bulk (COPY on PostgreSQL), then renamed by a re-import
	// (staged upsert on PostgreSQL).
	b, err := s.Bulk(bg)
	must(t, err)
	bulkIDs, err := b.UpsertActors(bg, searchActors(false))
	must(t, err)
	must(t, b.Commit())
	equip := bulkIDs[0]
	siren, siret := searchActors(false)[0].SIREN, searchActors(false)[0].SIRET
	actors("bulk: no accent", "equipement de quartier eloise", equip)
	actors("bulk: SIRET in groups", siret[:3]+" "+siret[3:6]+" "+siret[6:9]+" "+siret[9:], equip)
	actors("bulk: SIREN", siren, equip)
	actors("bulk: external id", "s000", equip)
	b, err = s.Bulk(bg)
	must(t, err)
	_, err = b.UpsertActors(bg, searchActors(true))
	must(t, err)
	must(t, b.Commit())
	actors("bulk upsert: old name", "equipement")
	actors("bulk upsert: new name", "soeurs muller", equip)
	// Creating and updating one by one after the bulk loads.
	cafe := &domain.Actor{Name: "Café des familles", Type: "association"}
	must(t, s.CreateActor(bg, cafe))
	actors("created after bulk", "CAFE DES FAMILLES", cafe.ID)
	cafe.Name = "Café-crèche"
	must(t, s.UpdateActor(bg, cafe))
	actors("updated: old name", "familles", f.Assoc)
	actors("updated: new name", "cafe-creche", cafe.ID)

	terr := func(name, text string, want ...string) {
		t.Helper()
		p, err := s.Territories(bg, domain.TerritoryFilter{Text: text})
		must(t, err)
		if got := codes(p.Items); !slices.Equal(got, want) || p.Total != len(want) {
			t.Errorf("%s: Territories(Text %q) = %v (total %d), want %v", name, text, got, p.Total, want)
		}
	}
	b, err = s.Bulk(bg)
	must(t, err)
	must(t, b.UpsertTerritories(bg, []domain.Territory{{Code: "18205", Type: domain.TypeCommune, Name: "Saint-Éloy-de-Gy", Departement: "18", Region: "R24"}}))
	must(t, b.Commit())
	terr("bulk: no accent", "saint-eloy", "18205")
	terr("fixture: capital with accent", "ILE-DE-FRANCE", "R11")
	terr("code", "18002", "18002")
	// a code matches from its start, and the territory with that very code
	// comes first
	p, err := s.Territories(bg, domain.TerritoryFilter{Text: "18"})
	must(t, err)
	if len(p.Items) == 0 || p.Items[0].Code != "18" {
		t.Errorf("Territories(Text 18): the Cher does not come first: %v", terrCodes(p.Items))
	}
	for _, it := range p.Items {
		if !strings.HasPrefix(it.Code, "18") {
			t.Errorf("Territories(Text 18) lists %s", it.Code)
		}
	}
	if p, _ := s.Territories(bg, domain.TerritoryFilter{Text: "002"}); p.Total != 0 {
		t.Errorf("Territories(Text 002) matched inside codes: %v", terrCodes(p.Items))
	}
	must(t, s.SavePerimeter(bg, &domain.Territory{Code: "QPV-ECOLES", Name: "Quartier des Écoles", Members: []string{"18033"}}))
	terr("perimeter", "quartier des ecoles", "QPV-ECOLES")
	terr("perimeter code", "qpv-écoles", "QPV-ECOLES")

	// Diagnostics (filtered in Go) fold the same way.
	d := &domain.Diagnostic{Title: "Diagnostic petite enfance", Description: "Places en crèche et Œuvres sociales", Perimeter: f.EPCI1,
		Themes: []string{"petite_enfance"}}
	must(t, s.CreateDiagnostic(bg, d))
	for _, text := range []string{"CRECHE", "oeuvres", "Diagnostic  PETITE"} {
		p, err := s.Diagnostics(bg, domain.DiagnosticFilter{Text: text})
		must(t, err)
		if p.Total != 1 || p.Items[0].ID != d.ID {
			t.Errorf("Diagnostics(Text %q) = %d found, want diagnostic %d", text, p.Total, d.ID)
		}
	}
}

// RunReopen runs the tests that close and reopen a database: reopener
// returns a function that opens the same database at each call.
func RunReopen(t *testing.T, reopener func(t testing.TB) func() domain.Store) {
	t.Run("SearchBackfill", func(t *testing.T) { testSearchBackfill(t, reopener(t)) })
}

// SQLiteReopener opens a new SQLite file, the same at each call.
func SQLiteReopener(t testing.TB) func() domain.Store {
	path := filepath.Join(t.TempDir(), "maillage.db")
	return func() domain.Store {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// PostgresReopener opens a new PostgreSQL schema, the same at each call.
func PostgresReopener(t testing.TB) func() domain.Store {
	u, _ := NewPostgresSchema(t)
	return func() domain.Store {
		s, err := postgres.Open(context.Background(), u)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// RawDB returns the database/sql pools of a store, for tests that need
// SQL the store does not offer (simulating an old database).
func RawDB(t testing.TB, s domain.Store) *sqldb.DB {
	t.Helper()
	switch x := s.(type) {
	case *sqlite.Store:
		return x.DB
	case *postgres.Store:
		return x.DB
	}
	t.Fatalf("store %T", s)
	return nil
}

// searchValues returns table's key and search value of every row.
func searchValues(t testing.TB, s domain.Store, table, key string) map[string]string {
	t.Helper()
	rows, err := RawDB(t, s).W.QueryContext(bg, "SELECT CAST("+key+" AS TEXT), search FROM "+table)
	must(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		must(t, rows.Scan(&k, &v))
		out[k] = v
	}
	must(t, rows.Err())
	return out
}

// testSearchBackfill: a database whose search values are missing (emptied,
// or created before migration 0004) gets them at the next Open, in
// batches, equal to those the write paths compute.
func testSearchBackfill(t *testing.T, open func() domain.Store) {
	s := open()
	var f Fixture
	f.Load(t, s)
	must(t, s.CreateAction(bg, &domain.Action{Title: "Crèche familiale", OperatorID: f.Assoc, Themes: []string{"petite_enfance"},
		Publics: []string{"enfants_0_3"}, Zone: []string{"18033"}}))
	b, err := s.Bulk(bg)
	must(t, err)
	_, err = b.UpsertActors(bg, searchActors(false))
	must(t, err)
	must(t, b.Commit())
	tables := [][2]string{{"actions", "id"}, {"actors", "id"}, {"territories", "code"}}
	want := map[string]map[string]string{}
	for _, tk := range tables {
		want[tk[0]] = searchValues(t, s, tk[0], tk[1])
		for k, v := range want[tk[0]] {
			if v == "" {
				t.Fatalf("%s %s written without a search value", tk[0], k)
			}
		}
		if _, err := RawDB(t, s).W.ExecContext(bg, "UPDATE "+tk[0]+" SET search = ''"); err != nil {
			t.Fatal(err)
		}
	}
	if p, _ := s.Actions(bg, domain.ActionFilter{Text: "creche"}); p.Total != 0 {
		t.Fatalf("search values not emptied: %d actions found", p.Total)
	}
	s.Close()

	old := sqldb.BackfillBatch
	sqldb.BackfillBatch = 7 // several batches per table, the last one partial
	t.Cleanup(func() { sqldb.BackfillBatch = old })
	s = open()
	for _, tk := range tables {
		if got := searchValues(t, s, tk[0], tk[1]); !maps.Equal(got, want[tk[0]]) {
			t.Errorf("%s after back-fill:\n got %q\nwant %q", tk[0], got, want[tk[0]])
		}
	}
	if p, _ := s.Actions(bg, domain.ActionFilter{Text: "CRECHE"}); p.Total != 1 {
		t.Errorf("after back-fill, %d actions found, want 1", p.Total)
	}
	if p, _ := s.Actors(bg, domain.ActorFilter{Text: "équipement"}); p.Total != 1 {
		t.Errorf("after back-fill, %d actors found, want 1", p.Total)
	}
	if p, _ := s.Territories(bg, domain.TerritoryFilter{Text: "ile-de-france"}); p.Total != 1 {
		t.Errorf("after back-fill, %d territories found, want 1", p.Total)
	}
	// Nothing left to do: a further Open changes nothing.
	s.Close()
	s = open()
	for _, tk := range tables {
		if got := searchValues(t, s, tk[0], tk[1]); !maps.Equal(got, want[tk[0]]) {
			t.Errorf("%s after a second open differs", tk[0])
		}
	}

	// A database from before migration 0004: no column, no index.
	for _, tk := range tables {
		for _, q := range []string{"DROP INDEX " + tk[0] + "_search_pending", "ALTER TABLE " + tk[0] + " DROP COLUMN search"} {
			if _, err := RawDB(t, s).W.ExecContext(bg, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	if _, err := RawDB(t, s).W.ExecContext(bg, "DELETE FROM schema_migrations WHERE version = '0004_search'"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open()
	for _, tk := range tables {
		if got := searchValues(t, s, tk[0], tk[1]); !maps.Equal(got, want[tk[0]]) {
			t.Errorf("%s after migrating an old database:\n got %q\nwant %q", tk[0], got, want[tk[0]])
		}
	}
	if p, _ := s.Actions(bg, domain.ActionFilter{Text: "crèche"}); p.Total != 1 {
		t.Errorf("after migrating an old database, %d actions found, want 1", p.Total)
	}
}

func terrCodes(ts []domain.Territory) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Code)
	}
	return out
}
