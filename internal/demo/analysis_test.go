package demo

import (
	"context"
	"testing"

	"maillage/internal/analysis"
	"maillage/internal/store/storetest"
)

// TestDemoAnalysis runs the complementarity analysis on the demo: the rural
// corner is a white zone for the family themes, and the parentalité pairs
// built into the demo come out as overlaps.
func TestDemoAnalysis(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	if err := Build(ctx, s); err != nil {
		t.Fatal(err)
	}
	snap, err := analysis.Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, theme := range []string{"parentalite", "petite_enfance"} {
		r, err := analysis.Analyse(snap, analysis.Params{Scope: DeptCode, Themes: []string{theme}, Year: LastYear})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d white zones, %d under-served, %d overlaps, CAF share %.2f, HHI %.2f",
			theme, len(r.WhiteZones), len(r.UnderServed), r.OverlapsTotal, r.Funding.CAFShare, r.Funding.HHI)
		if len(r.WhiteZones) == 0 {
			t.Errorf("%s: no white zone in the demo", theme)
		}
		if len(r.WhiteZones) > len(r.Communes)/3 {
			t.Errorf("%s: %d white zones of %d communes", theme, len(r.WhiteZones), len(r.Communes))
		}
		if theme == "parentalite" && r.OverlapsTotal == 0 {
			t.Errorf("%s: no overlap in the demo", theme)
		}
	}
}
