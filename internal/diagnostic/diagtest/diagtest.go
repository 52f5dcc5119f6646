// Package diagtest sets up the shared-diagnostic tests: the real COG (the CC
// Terres du Haut Berry, EPCI 200066330, in the Cher), the organisations that
// take part, with their actors.
package diagtest

import (
	"context"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/importer"
	"maillage/internal/store/postgres"
	"maillage/internal/testutil"
)

// HautBerry is the SIREN of the CC Terres du Haut Berry (Cher), the EPCI of
// the CTG studied in the Odas action-research.
const HautBerry = "200066330"

// SaintMartin is Saint-Martin-d'Auxigny, a member commune.
const SaintMartin = "18223"

// LoadCOG imports the real COG of /work/shared/data with the importer.
func LoadCOG(t testing.TB, s domain.Store) {
	t.Helper()
	dir := testutil.SharedData(t)
	if _, err := importer.ImportCOG(context.Background(), s, dir+"/cog", importer.Options{}); err != nil {
		t.Fatalf("import COG: %v", err)
	}
	if _, err := s.Territory(context.Background(), HautBerry); err != nil {
		t.Fatalf("EPCI %s after the COG import: %v", HautBerry, err)
	}
	analyze(t, s)
}

// analyze refreshes PostgreSQL's planner statistics of the test schema after
// the bulk import: without them, reading every commune (analysis.Load, for
// the frozen portrait) takes minutes instead of seconds (reported to the
// storage work: the bulk import could run ANALYZE itself).
func analyze(t testing.TB, s domain.Store) {
	ps, ok := s.(*postgres.Store)
	if !ok {
		return
	}
	rows, err := ps.W.Query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	for _, n := range tables {
		if _, err := ps.W.Exec("ANALYZE " + n); err != nil {
			t.Fatal(err)
		}
	}
}

// Org is a participating organisation and its actor.
type Org struct {
	ID      int64
	ActorID int64
	Name    string
	Type    string
}

// Orgs are the three organisations of the test cycle.
type Orgs struct {
	CAF, EPCI, CentreSocial, Outsider Org
}

// MakeOrgs creates the actors and organisations: the CAF du Cher, the CC
// Terres du Haut Berry, a centre social, and an outsider that does not take
// part.
func MakeOrgs(t testing.TB, s domain.Store) Orgs {
	t.Helper()
	ctx := context.Background()
	mk := func(name, typ, territory string) Org {
		a := &domain.Actor{Name: name, Type: typ, Territory: territory}
		if err := s.CreateActor(ctx, a); err != nil {
			t.Fatalf("actor %s: %v", name, err)
		}
		o := &domain.Organisation{Name: name, ActorID: a.ID}
		if err := s.CreateOrganisation(ctx, o); err != nil {
			t.Fatalf("organisation %s: %v", name, err)
		}
		return Org{ID: o.ID, ActorID: a.ID, Name: name, Type: typ}
	}
	return Orgs{
		CAF:          mk("CAF du Cher", "caf", "18"),
		EPCI:         mk("CC Terres du Haut Berry", "epci", HautBerry),
		CentreSocial: mk("Centre social du Haut Berry", "centre_social", ""),
		Outsider:     mk("Association extérieure", "association", ""),
	}
}
