package web_test

import (
	"context"
	"testing"
	"time"

	"maillage/internal/demo"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
)

// diagFixture is a shared diagnostic on the demo territory at the
// restitution stage, a governance body with an overdue decision and a CTG
// with a fiche action and two measurements, created through the diagnostic
// service (the demo does not hold them yet).
type diagFixture struct {
	Diag                   int64
	F1, F2, F3             int64 // F2 is contested, F3 has no position
	Restit                 int64
	CAF, EPCI, CS, Outside int64 // organisations
	Body, Decision         int64
	Conv, Fiche            int64
}

func seedDiagnostic(t testing.TB, s domain.Store) *diagFixture {
	t.Helper()
	ctx := context.Background()
	actor := func(typ string) *domain.Actor {
		pg, err := s.Actors(ctx, domain.ActorFilter{Type: typ, Limit: 1})
		if err != nil || len(pg.Items) == 0 {
			t.Fatalf("demo actor of type %s: %v", typ, err)
		}
		return &pg.Items[0]
	}
	org := func(a *domain.Actor) int64 {
		o := &domain.Organisation{Name: a.Name, ActorID: a.ID}
		if err := s.CreateOrganisation(ctx, o); err != nil {
			t.Fatalf("organisation %s: %v", a.Name, err)
		}
		return o.ID
	}
	fx := &diagFixture{CAF: org(actor("caf")), EPCI: org(actor("epci")), CS: org(actor("centre_social")), Outside: org(actor("association"))}
	svc, err := diagnostic.NewService(s)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	date := func(s string) domain.Date {
		d, err := domain.ParseDate(s)
		must(err)
		return d
	}
	start, end := date("2025-01-01"), date("2025-12-31")
	d := &domain.Diagnostic{Title: "Diagnostic partagé parentalité et jeunesse — CTG Nord", Description: "Observation partagée préalable à la CTG.",
		Perimeter: demo.CTGCode, Themes: []string{"parentalite", "jeunesse"}, PeriodStart: &start, PeriodEnd: &end,
		Participants: []domain.Participant{{OrgID: fx.CAF, Role: "pilote"}, {OrgID: fx.EPCI, Role: "partenaire"}, {OrgID: fx.CS, Role: "partenaire"}}}
	must(svc.CreateDiagnostic(ctx, d))
	fx.Diag = d.ID
	_, err = svc.FreezePortrait(ctx, d.ID, nil)
	must(err)
	_, err = svc.MoveStage(ctx, d.ID, domain.StageFieldwork, "entretiens lancés")
	must(err)
	must(svc.AddActivity(ctx, &domain.Activity{DiagnosticID: d.ID, Kind: domain.ActivityInterview, Title: "Entretien avec la directrice du centre social", Date: date("2025-03-12"), Place: "Centre social",
		Participants: []domain.ActivityParticipant{{OrgID: fx.CS, Role: "directrice"}}}))
	must(svc.AddActivity(ctx, &domain.Activity{DiagnosticID: d.ID, Kind: domain.ActivityWorkingGroup, Title: "Groupe de travail jeunesse", Date: date("2025-04-02"),
		Participants: []domain.ActivityParticipant{{OrgID: fx.CAF}, {OrgID: fx.EPCI}}}))
	acts, err := svc.Activities(ctx, d.ID)
	must(err)
	_, err = svc.AddAttachment(ctx, acts[0].ID, "compte-rendu.txt", []byte("Compte rendu de l’entretien.\n"))
	must(err)
	finding := func(stmt, theme string, author int64) int64 {
		f := &domain.Finding{DiagnosticID: d.ID, Statement: stmt, Theme: theme, AuthorOrg: author}
		must(svc.AddFinding(ctx, f))
		return f.ID
	}
	fx.F1 = finding("Les familles monoparentales du nord du territoire n’ont pas de lieu d’accueil enfants-parents à moins de 20 minutes.", "parentalite", fx.CAF)
	fx.F2 = finding("L’offre pour les 12-17 ans se concentre dans la ville-centre.", "jeunesse", fx.EPCI)
	fx.F3 = finding("Les parents connaissent mal les actions de soutien à la parentalité.", "parentalite", fx.CS)
	pos := func(f, o int64, stance, comment string) {
		must(svc.AddPosition(ctx, &domain.Position{FindingID: f, OrgID: o, Stance: stance, Comment: comment}))
	}
	pos(fx.F1, fx.CAF, domain.StanceAgree, "")
	pos(fx.F1, fx.EPCI, domain.StanceAgree, "")
	pos(fx.F1, fx.CS, domain.StanceNuance, "Le bus itinérant passe une fois par mois.")
	pos(fx.F2, fx.CAF, domain.StanceAgree, "")
	pos(fx.F2, fx.EPCI, domain.StanceDisagree, "Les séjours d’été touchent toutes les communes.")
	pos(fx.F2, fx.CS, domain.StanceDisagree, "Nos ateliers jeunes sont en périphérie.")
	_, err = svc.MoveStage(ctx, d.ID, domain.StageRestitution, "")
	must(err)
	r := &domain.Restitution{DiagnosticID: d.ID, Date: date("2025-06-20"), Place: "Salle du conseil communautaire", Allowance: 10,
		Priorities: []domain.Priority{{Key: "laep", Title: "Ouvrir un lieu d’accueil enfants-parents au nord"}, {Key: "jeunes", Title: "Mailler l’offre jeunesse"}, {Key: "info", Title: "Mieux informer les parents"}}}
	must(svc.CreateRestitution(ctx, r))
	fx.Restit = r.ID
	must(svc.Vote(ctx, &domain.PriorityVote{RestitutionID: r.ID, OrgID: fx.CAF, Points: map[string]int{"laep": 6, "info": 4}}))
	must(svc.Vote(ctx, &domain.PriorityVote{RestitutionID: r.ID, OrgID: fx.EPCI, Points: map[string]int{"jeunes": 5, "info": 5}}))

	// governance: a COPIL with a meeting and an overdue decision
	b := &domain.Body{Name: "Comité de pilotage de la CTG Nord", Kind: domain.BodySteering, Territory: demo.CTGCode, DiagnosticID: d.ID,
		Members: []domain.Member{{OrgID: fx.CAF, Role: "présidence"}, {OrgID: fx.EPCI, Role: "membre"}, {Name: "Centre social", Role: "membre"}}}
	must(svc.CreateBody(ctx, b))
	fx.Body = b.ID
	m := &domain.Meeting{BodyID: b.ID, Date: date("2025-02-10"), Place: "CAF", Agenda: []domain.AgendaItem{{Title: "Lancement du diagnostic", Duration: 30}},
		Attendance: []domain.Attendance{{OrgID: fx.CAF, Present: true}, {OrgID: fx.EPCI, Present: false}}, Minutes: "Le comité lance le diagnostic."}
	must(svc.AddMeeting(ctx, m))
	due := date("2025-03-31")
	dec := &domain.Decision{BodyID: b.ID, MeetingID: m.ID, Text: "Recenser les lieux d’accueil enfants-parents", OwnerName: "CAF", DueDate: &due}
	dec.OwnerOrgID = fx.CAF
	must(svc.AddDecision(ctx, dec))
	fx.Decision = dec.ID

	// a CTG ending within a year (renewal alert), one fiche, two measurements
	today := time.Now().UTC()
	c := &domain.Convention{Kind: domain.ConventionCTG, Title: "CTG du nord du territoire 2024-" + today.AddDate(0, 6, 0).Format("2006"), Perimeter: demo.CTGCode,
		Start: date("2024-01-01"), End: domain.Date{Time: time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 6, 0)},
		Themes: []string{"parentalite", "jeunesse"}, DiagnosticID: d.ID, BodyID: b.ID,
		Signatories: []domain.Signatory{{OrgID: fx.CAF, Name: "CAF", Role: "signataire"}, {OrgID: fx.EPCI, Name: "Communauté de communes", Role: "signataire"}}}
	must(svc.CreateConvention(ctx, c))
	fx.Conv = c.ID
	f := &domain.FicheAction{ConventionID: c.ID, Number: "1.1", Axis: "Parentalité", Title: "Un lieu d’accueil enfants-parents au nord", Objective: "Ouvrir un LAEP itinérant",
		Theme: "parentalite", LeadName: "CAF", Status: domain.FicheInProgress,
		Budget:     []domain.BudgetLine{{FunderName: "CAF", Year: 2024, Amount: 12000}, {FunderName: "EPCI", Year: 2025, Amount: 8000}},
		Indicators: []domain.FicheIndicator{{Key: "familles", Label: "Familles accueillies par an", Unit: "familles", Baseline: 10, Target: 40}}}
	must(svc.AddFiche(ctx, f))
	fx.Fiche = f.ID
	must(svc.AddMeasurement(ctx, &domain.Measurement{FicheID: f.ID, Indicator: "familles", Date: date("2024-06-30"), Value: 15}))
	must(svc.AddMeasurement(ctx, &domain.Measurement{FicheID: f.ID, Indicator: "familles", Date: date("2025-06-30"), Value: 25}))
	return fx
}
