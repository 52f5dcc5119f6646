package export_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/export"
	"maillage/internal/importer"
	"maillage/internal/store/storetest"
)

func totals(t *testing.T, s domain.Store) [3]int {
	t.Helper()
	ctx := context.Background()
	ap, err := s.Actors(ctx, domain.ActorFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	xp, err := s.Actions(ctx, domain.ActionFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	fp, err := s.Fundings(ctx, domain.FundingFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return [3]int{ap.Total, xp.Total, fp.Total}
}

// TestReimportInPlace exports the demo (and records created through the
// API, named maillage:<id>) as CSV and imports the export into the same
// database: the records are found in place, nothing is duplicated, and
// everything is unchanged.
func TestReimportInPlace(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if err := demo.Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		ops, err := s.Actors(ctx, domain.ActorFilter{Limit: 1})
		if err != nil || len(ops.Items) == 0 {
			t.Fatal(ops, err)
		}
		actor := &domain.Actor{Name: "Association créée dans Maillage", Type: "association"}
		if err := s.CreateActor(ctx, actor); err != nil {
			t.Fatal(err)
		}
		act := &domain.Action{Title: "Action créée dans Maillage", OperatorID: actor.ID, Themes: []string{"parentalite"},
			Zone: []string{ops.Items[0].Commune}}
		act.Visibility = domain.VisibilityPrivate
		if act.Zone[0] == "" {
			act.Zone = []string{"18"}
		}
		if err := s.CreateAction(ctx, act); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateFunding(ctx, &domain.Funding{ActionID: act.ID, FunderID: ops.Items[0].ID, Year: 2024, Amount: 1500}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, kind := range []string{"actors", "actions", "fundings"} {
			if err := os.WriteFile(filepath.Join(dir, kind+".csv"), exportTo(t, s, kind, "csv", export.Filter{}), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		before := totals(t, s)
		rep, err := importer.ImportActions(ctx, s, dir, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if after := totals(t, s); after != before {
			t.Fatalf("actors, actions, fundings %v → %v after importing the export", before, after)
		}
		for _, k := range rep.Kinds {
			if k.Read == 0 || k.Unchanged != k.Read || k.Created+k.Updated+k.Rejected != 0 {
				t.Errorf("%s: %+v, want every record unchanged", k.Kind, *k)
			}
		}
		// An edit made since the export is undone in place by importing it.
		cur, err := s.Action(ctx, act.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur.Title = "Titre changé depuis l'export"
		if err := s.UpdateAction(ctx, cur); err != nil {
			t.Fatal(err)
		}
		if _, err := importer.ImportActions(ctx, s, dir, importer.Options{}); err != nil {
			t.Fatal(err)
		}
		if after := totals(t, s); after != before {
			t.Fatalf("actors, actions, fundings %v → %v after the second import", before, after)
		}
		got, err := s.Action(ctx, act.ID)
		if err != nil || got.Title != "Action créée dans Maillage" || got.Visibility != domain.VisibilityPrivate {
			t.Fatalf("action %+v, %v", got, err)
		}
	})
}
