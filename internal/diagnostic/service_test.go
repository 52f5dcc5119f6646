package diagnostic_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"maillage/internal/diagnostic"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

type world struct {
	svc                *diagnostic.Service
	s                  domain.Store
	caf, epci, cs, out int64 // organisations
	cafActor           int64
}

// setup writes a small territory (an EPCI of two communes) and four
// organisations with their actors.
func setup(t *testing.T, s domain.Store) *world {
	t.Helper()
	ctx := context.Background()
	b, err := s.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.UpsertTerritories(ctx, []domain.Territory{
		{Code: "18", Type: domain.TypeDepartement, Name: "Cher", Departement: "18"},
		{Code: "200066330", Type: domain.TypeEPCI, Name: "CC Terres du Haut Berry", Departement: "18"},
		{Code: "18223", Type: domain.TypeCommune, Name: "Saint-Martin-d'Auxigny", Departement: "18", Parent: "200066330"},
		{Code: "18003", Type: domain.TypeCommune, Name: "Les Aix-d'Angillon", Departement: "18", Parent: "200066330"},
	}))
	must(b.SetMembers(ctx, "200066330", []string{"18003", "18223"}))
	must(b.Commit())
	w := &world{s: s}
	mk := func(name, typ string) (int64, int64) {
		a := &domain.Actor{Name: name, Type: typ}
		must(s.CreateActor(ctx, a))
		o := &domain.Organisation{Name: name, ActorID: a.ID}
		must(s.CreateOrganisation(ctx, o))
		return o.ID, a.ID
	}
	w.caf, w.cafActor = mk("CAF du Cher", "caf")
	w.epci, _ = mk("CC Terres du Haut Berry", "epci")
	w.cs, _ = mk("Centre social", "centre_social")
	w.out, _ = mk("Association extérieure", "association")
	w.svc, err = diagnostic.NewService(s)
	must(err)
	return w
}

func as(org int64, role string) context.Context {
	return domain.WithPrincipal(context.Background(), &domain.Principal{UserID: 100 + org, OrgID: org, Role: role, Via: "session"})
}

func TestPermissionsAndVisibility(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		w := setup(t, s)
		svc := w.svc
		cafCtx := as(w.caf, domain.RoleCAFStaff)
		d := &domain.Diagnostic{Title: "Diagnostic", Perimeter: "200066330", Themes: []string{"jeunesse"},
			Participants: []domain.Participant{{OrgID: w.caf}, {OrgID: w.epci}, {OrgID: w.cs}}}
		if err := svc.CreateDiagnostic(cafCtx, d); err != nil {
			t.Fatal(err)
		}
		if d.OwnerOrg != w.caf || d.Visibility != domain.VisibilityPartners || d.Participants[0].ActorType != "caf" || d.Participants[0].Name != "CAF du Cher" {
			t.Fatalf("created: %+v", d)
		}
		// Visibility: participants see it, an outsider and the public do not.
		if _, err := svc.Diagnostic(as(w.cs, domain.RolePartnerReader), d.ID); err != nil {
			t.Errorf("participant cannot read: %v", err)
		}
		if _, err := svc.Diagnostic(as(w.out, domain.RolePartnerEditor), d.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("outsider reads: %v", err)
		}
		if _, err := svc.Diagnostic(domain.WithPrincipal(context.Background(), nil), d.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("public reads: %v", err)
		}
		if p, _ := svc.Diagnostics(as(w.out, domain.RolePartnerEditor), domain.DiagnosticFilter{}); p.Total != 0 {
			t.Errorf("outsider lists %d", p.Total)
		}
		// Only the owner moves the stage; the move records who.
		if _, err := svc.MoveStage(as(w.epci, domain.RolePartnerEditor), d.ID, domain.StageFieldwork, ""); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("partner moved the stage: %v", err)
		}
		d, err := svc.MoveStage(cafCtx, d.ID, domain.StageFieldwork, "")
		if err != nil {
			t.Fatal(err)
		}
		if mv := d.StageMoves[0]; mv.UserID != 100+w.caf || mv.OrgID != w.caf {
			t.Errorf("move: %+v", mv)
		}
		// A partner editor writes a finding and positions for its own
		// organisation only; a reader cannot write.
		csCtx := as(w.cs, domain.RolePartnerEditor)
		f := &domain.Finding{DiagnosticID: d.ID, Statement: "Constat", Theme: "jeunesse"}
		if err := svc.AddFinding(csCtx, f); err != nil {
			t.Fatal(err)
		}
		if f.AuthorOrg != w.cs || f.OwnerOrg != w.cs {
			t.Errorf("finding author: %+v", f)
		}
		if err := svc.AddPosition(csCtx, &domain.Position{FindingID: f.ID, OrgID: w.caf, Stance: "agree"}); err == nil || !strings.Contains(err.Error(), "org_id") {
			t.Errorf("position for another organisation: %v", err)
		}
		if err := svc.AddPosition(csCtx, &domain.Position{FindingID: f.ID, Stance: "agree"}); err != nil {
			t.Errorf("own position: %v", err)
		}
		if err := svc.AddPosition(as(w.epci, domain.RolePartnerReader), &domain.Position{FindingID: f.ID, Stance: "agree"}); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("reader position: %v", err)
		}
		if err := svc.AddPosition(as(w.out, domain.RolePartnerEditor), &domain.Position{FindingID: f.ID, Stance: "agree"}); domain.ErrorCode(err) == "" {
			t.Error("outsider position accepted")
		}
		// The CAF may not edit the centre social's finding.
		f.Statement = "Autre"
		if err := svc.UpdateFinding(cafCtx, f); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("update by another organisation: %v", err)
		}
		// Writes are in the audit log, with who.
		page, err := s.Audit(context.Background(), domain.AuditFilter{Kind: "position"})
		if err != nil || page.Total != 1 || page.Items[0].OrgID != w.cs || page.Items[0].UserID != 100+w.cs {
			t.Errorf("audit: %+v %v", page, err)
		}
		// Attachments: the configured size limit.
		a := &domain.Activity{DiagnosticID: d.ID, Kind: domain.ActivityInterview, Title: "Entretien", Date: mustDay("2024-01-10")}
		if err := svc.AddActivity(cafCtx, a); err != nil {
			t.Fatal(err)
		}
		svc.MaxAttachment = 64
		if _, err := svc.AddAttachment(cafCtx, a.ID, "note.txt", []byte(strings.Repeat("texte ", 20))); err == nil || !strings.Contains(err.Error(), "trop volumineux") {
			t.Errorf("size limit: %v", err)
		}
		if _, err := svc.AddAttachment(cafCtx, a.ID, "note.txt", []byte("court")); err != nil {
			t.Errorf("small attachment: %v", err)
		}
		// Children take the diagnostic's visibility, except personal data.
		pub := &domain.Diagnostic{Title: "Public", Perimeter: "200066330", Themes: []string{"jeunesse"}, Participants: []domain.Participant{{OrgID: w.caf}}, Meta: domain.Meta{Visibility: domain.VisibilityPublic}}
		if err := svc.CreateDiagnostic(cafCtx, pub); err != nil {
			t.Fatal(err)
		}
		pf := &domain.Finding{DiagnosticID: pub.ID, Statement: "Public", Theme: "jeunesse"}
		named := &domain.Activity{DiagnosticID: pub.ID, Kind: domain.ActivityInterview, Title: "Entretien", Date: mustDay("2024-01-10"),
			Participants: []domain.ActivityParticipant{{OrgID: w.caf, Person: "M. X"}}}
		if err := svc.AddFinding(cafCtx, pf); err != nil {
			t.Fatal(err)
		}
		if err := svc.AddActivity(cafCtx, named); err != nil {
			t.Fatal(err)
		}
		if pf.Visibility != domain.VisibilityPublic || named.Visibility != domain.VisibilityPartners {
			t.Errorf("inherited visibility: finding %s, activity with personal data %s", pf.Visibility, named.Visibility)
		}
		publicCtx := domain.WithPrincipal(context.Background(), nil)
		if fs, err := svc.Findings(publicCtx, pub.ID); err != nil || len(fs) != 1 {
			t.Errorf("public findings: %v %v", fs, err)
		}
		if as, err := svc.Activities(publicCtx, pub.ID); err != nil || len(as) != 0 {
			t.Errorf("the public sees personal data: %v %v", as, err)
		}
		// Nothing was stored by the refused writes.
		fs, _ := svc.Findings(cafCtx, d.ID)
		atts, _ := s.Attachments(context.Background(), d.ID)
		ps, _ := svc.Positions(cafCtx, d.ID, true)
		if len(fs) != 1 || fs[0].Statement != "Constat" || len(atts) != 1 || len(ps) != 1 {
			t.Errorf("after refusals: %d findings (%q), %d attachments, %d positions", len(fs), fs[0].Statement, len(atts), len(ps))
		}
	})
}

// TestPortraitIsFrozen checks that a portrait keeps its parameters, data
// version and result after the data changed.
func TestPortraitIsFrozen(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		w := setup(t, s)
		ctx := context.Background()
		d := &domain.Diagnostic{Title: "Diagnostic", Perimeter: "200066330", Themes: []string{"jeunesse"}, Participants: []domain.Participant{{OrgID: w.caf}}}
		if err := w.svc.CreateDiagnostic(ctx, d); err != nil {
			t.Fatal(err)
		}
		p1, err := w.svc.FreezePortrait(ctx, d.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		act := &domain.Action{Title: "Accueil jeunes", OperatorID: w.cafActor, Themes: []string{"jeunesse"}, Zone: []string{"18223"}, Capacity: 30}
		if err := s.CreateAction(ctx, act); err != nil {
			t.Fatal(err)
		}
		p2, err := w.svc.FreezePortrait(ctx, d.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.Portrait(ctx, p1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(again.Result) != string(p1.Result) || string(again.Params) != string(p1.Params) || again.DataVersion != p1.DataVersion {
			t.Error("the first portrait changed")
		}
		if p2.DataVersion <= p1.DataVersion || string(p2.Result) == string(p1.Result) {
			t.Errorf("data versions %d → %d; results equal: %v", p1.DataVersion, p2.DataVersion, string(p2.Result) == string(p1.Result))
		}
		if !strings.Contains(string(p1.Params), `"scope":"200066330"`) {
			t.Errorf("params: %s", p1.Params)
		}
	})
}

func mustDay(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestConcurrentEdits: two people save the same finding (or fiche) from the
// same read at once; exactly one wins, the other gets a conflict.
func TestConcurrentEdits(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		w := setup(t, s)
		ctx := context.Background()
		d := &domain.Diagnostic{Title: "D", Perimeter: "200066330", Themes: []string{"jeunesse"}, Participants: []domain.Participant{{OrgID: w.caf}}}
		if err := w.svc.CreateDiagnostic(ctx, d); err != nil {
			t.Fatal(err)
		}
		f := &domain.Finding{DiagnosticID: d.ID, Statement: "Constat", Theme: "jeunesse", AuthorOrg: w.caf}
		if err := w.svc.AddFinding(ctx, f); err != nil {
			t.Fatal(err)
		}
		c := &domain.Convention{Kind: domain.ConventionCTG, Title: "CTG", Perimeter: "200066330", Start: mustDay("2024-01-01"), End: mustDay("2027-12-31")}
		if err := w.svc.CreateConvention(ctx, c); err != nil {
			t.Fatal(err)
		}
		fa := &domain.FicheAction{ConventionID: c.ID, Title: "Fiche", Objective: "Objectif", LeadName: "CAF"}
		if err := w.svc.AddFiche(ctx, fa); err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 5; round++ {
			errs := make(chan error, 4)
			for i := 0; i < 2; i++ {
				ff, fc := *f, *fa
				ff.Statement = fmt.Sprintf("Rédaction %d.%d", round, i)
				fc.Objective = fmt.Sprintf("Objectif %d.%d", round, i)
				go func() { errs <- w.svc.UpdateFinding(ctx, &ff) }()
				go func() { errs <- w.svc.UpdateFiche(ctx, &fc) }()
			}
			ok, conflicts := 0, 0
			for i := 0; i < 4; i++ {
				switch err := <-errs; domain.ErrorCode(err) {
				case "":
					ok++
				case domain.ECONFLICT:
					conflicts++
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if ok != 2 || conflicts != 2 {
				t.Fatalf("round %d: %d saved, %d conflicts (want 2 and 2)", round, ok, conflicts)
			}
			var err error
			if f, err = s.Finding(ctx, f.ID); err != nil {
				t.Fatal(err)
			}
			if fa, err = s.Fiche(ctx, fa.ID); err != nil {
				t.Fatal(err)
			}
			if f.Version != int64(round+2) || fa.Version != int64(round+2) {
				t.Fatalf("round %d: versions %d and %d", round, f.Version, fa.Version)
			}
		}
	})
}
