package demo

import (
	"context"
	"testing"

	"maillage/internal/diagnostic"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestDemoDiagnosticAndCTG checks the demo's shared diagnostic (restitution
// stage, fieldwork, positions of three organisations, a priority vote) and
// its CTG in progress (two fiches, measurements over two years), and that a
// rebuild does not duplicate them.
func TestDemoDiagnosticAndCTG(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		for i := 0; i < 2; i++ {
			if err := Build(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		svc, err := diagnostic.NewService(s)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := svc.Diagnostics(ctx, domain.DiagnosticFilter{Perimeter: CTGCode})
		if err != nil || ds.Total != 1 {
			t.Fatalf("diagnostics: %+v %v", ds, err)
		}
		syn, err := svc.Synthesis(ctx, ds.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if syn.Diagnostic.Stage != domain.StageRestitution || len(syn.Activities) != 4 || len(syn.Findings) != 4 || len(syn.Portraits) != 1 {
			t.Fatalf("diagnostic: stage %s, %d activities, %d findings, %d portraits", syn.Diagnostic.Stage, len(syn.Activities), len(syn.Findings), len(syn.Portraits))
		}
		orgs := map[int64]bool{}
		for _, p := range syn.Positions {
			orgs[p.OrgID] = true
		}
		contested := 0
		for _, c := range syn.Crossings {
			if c.Contested {
				contested++
			}
		}
		if len(orgs) != 3 || contested == 0 {
			t.Errorf("positions from %d organisations, %d contested findings", len(orgs), contested)
		}
		rk := syn.Restitutions[0].Ranking
		if len(syn.Restitutions[0].Votes) != 3 || rk[0].Key != "animateur_jeunesse" || rk[0].Points != 9 {
			t.Errorf("ranking: %+v", rk)
		}
		cs, err := svc.Conventions(ctx, domain.ConventionFilter{Perimeter: CTGCode})
		if err != nil || cs.Total != 1 {
			t.Fatalf("conventions: %+v %v", cs, err)
		}
		rep, err := svc.Report(ctx, cs.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		years := map[int]bool{}
		for _, m := range rep.Measurements {
			years[m.Date.Year()] = true
		}
		if len(rep.Fiches) != 2 || len(years) != 2 || rep.Progress.Progress == nil || *rep.Progress.Progress <= 0 || *rep.Progress.Progress >= 1 {
			t.Errorf("CTG: %d fiches, years %v, progress %+v", len(rep.Fiches), years, rep.Progress.Progress)
		}
		overdue, err := svc.OverdueDecisions(ctx, domain.DecisionFilter{})
		if err != nil || len(overdue) == 0 {
			t.Errorf("overdue decisions: %+v %v", overdue, err)
		}
	})
}
