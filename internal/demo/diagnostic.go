package demo

// Demo content of the shared diagnostic and of the CTG: a diagnostic on the
// CTG perimeter of the northern communauté de communes, at the restitution
// stage, with fieldwork, findings, positions from three organisations and a
// priority vote; a steering committee with a meeting and decisions; a CTG in
// progress with two fiches action and indicator measurements over two years.
// Everything goes through the diagnostic service, so the demo obeys the same
// rules as the API and the command line.

import (
	"context"
	"fmt"
	"time"

	"maillage/internal/diagnostic"
	"maillage/internal/domain"
)

// DiagnosticTitle and CTGTitle identify the demo diagnostic and CTG (a
// rebuild finds them and leaves them as they are).
const (
	DiagnosticTitle = "Diagnostic partagé enfance-jeunesse et parentalité du nord de la Maille"
	CTGTitle        = "Convention territoriale globale du nord de la Maille 2024-2027"
)

func writeDiagnosticAndCTG(ctx context.Context, s domain.Store, d *Dataset) error {
	svc, err := diagnostic.NewService(s)
	if err != nil {
		return err
	}
	orgs, err := demoOrganisations(ctx, s, d, "caf-96", "epci-2", "cs-03")
	if err != nil {
		return err
	}
	caf, epci, cs := orgs[0], orgs[1], orgs[2]
	diag, err := demoDiagnostic(ctx, svc, d, caf, epci, cs)
	if err != nil {
		return fmt.Errorf("diagnostic : %w", err)
	}
	if err := demoCTG(ctx, svc, d, diag, caf, epci, cs); err != nil {
		return fmt.Errorf("CTG : %w", err)
	}
	return nil
}

// demoOrg is an organisation of the demo and its actor.
type demoOrg struct {
	ID      int64
	ActorID int64
}

// demoOrganisations returns (creating when missing) an organisation for
// each demo actor.
func demoOrganisations(ctx context.Context, s domain.Store, d *Dataset, externalIDs ...string) ([]demoOrg, error) {
	existing, err := s.Organisations(ctx)
	if err != nil {
		return nil, err
	}
	var out []demoOrg
	for _, ext := range externalIDs {
		actorID := d.ActorIDs[ext]
		if actorID == 0 {
			a, err := s.ActorByExternalID(ctx, "demo", ext)
			if err != nil {
				return nil, fmt.Errorf("acteur de démonstration %s : %w", ext, err)
			}
			actorID = a.ID
		}
		var org int64
		for _, o := range existing {
			if o.ActorID == actorID {
				org = o.ID
			}
		}
		if org == 0 {
			a, err := s.Actor(ctx, actorID)
			if err != nil {
				return nil, err
			}
			o := &domain.Organisation{Name: a.Name, ActorID: actorID}
			if err := s.CreateOrganisation(ctx, o); err != nil {
				return nil, err
			}
			org = o.ID
		}
		out = append(out, demoOrg{ID: org, ActorID: actorID})
	}
	return out, nil
}

func demoDate(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func demoDatePtr(s string) *domain.Date {
	d := demoDate(s)
	return &d
}

func demoDiagnostic(ctx context.Context, svc *diagnostic.Service, d *Dataset, caf, epci, cs demoOrg) (*domain.Diagnostic, error) {
	have, err := svc.Diag.Diagnostics(ctx, domain.DiagnosticFilter{Perimeter: CTGCode})
	if err != nil {
		return nil, err
	}
	for i := range have.Items {
		if have.Items[i].Title == DiagnosticTitle {
			return &have.Items[i], nil
		}
	}
	diag := &domain.Diagnostic{
		Title: DiagnosticTitle, Perimeter: CTGCode,
		Description: "Diagnostic conduit avec la CAF, l'intercommunalité et le centre social pour préparer la CTG : " +
			"chaque partenaire prend position sur les constats, la restitution-débat classe les priorités.",
		Themes:      []string{"enfance", "jeunesse", "parentalite"},
		Publics:     []string{"enfants_3_11", "adolescents_12_17", "parents"},
		PeriodStart: demoDatePtr("2022-09-01"), PeriodEnd: demoDatePtr("2023-12-31"),
		Participants: []domain.Participant{
			{OrgID: caf.ID, ActorID: caf.ActorID, Role: "pilote"},
			{OrgID: epci.ID, ActorID: epci.ActorID, Role: "co-pilote"},
			{OrgID: cs.ID, ActorID: cs.ActorID, Role: "partenaire"},
		},
	}
	if err := svc.CreateDiagnostic(ctx, diag); err != nil {
		return nil, err
	}
	if diag, err = svc.MoveStage(ctx, diag.ID, domain.StageFieldwork, "lancement du travail de terrain"); err != nil {
		return nil, err
	}
	pt, err := svc.FreezePortrait(ctx, diag.ID, nil)
	if err != nil {
		return nil, err
	}
	acts := []*domain.Activity{
		{Kind: domain.ActivityInterview, Title: "Entretien avec la vice-présidente enfance-jeunesse", Date: demoDate("2022-10-04"),
			Participants: []domain.ActivityParticipant{{OrgID: epci.ID, Role: "élue"}},
			Notes:        "- les familles du nord vont vers l'agglomération pour l'accueil de loisirs\n- le transport du mercredi est le premier frein"},
		{Kind: domain.ActivitySiteVisit, Title: "Visite du centre social", Date: demoDate("2022-11-15"),
			Participants: []domain.ActivityParticipant{{OrgID: cs.ID, Role: "directrice"}, {OrgID: caf.ID, Role: "conseillère territoriale"}},
			Notes:        "Le centre social accueille des ateliers parents-enfants le samedi ; ils sont complets."},
		{Kind: domain.ActivityWorkingGroup, Title: "Groupe de travail parentalité", Date: demoDate("2023-01-26"),
			Participants: []domain.ActivityParticipant{{OrgID: caf.ID}, {OrgID: epci.ID}, {OrgID: cs.ID}, {Name: "Relais petite enfance", Role: "animatrice"}},
			Notes:        "Les parents connaissent mal les lieux de soutien ; l'offre du REAAP est concentrée dans l'agglomération."},
		{Kind: domain.ActivityQuestionnaire, Title: "Questionnaire aux familles (212 réponses)", Date: demoDate("2023-03-31"),
			Participants: []domain.ActivityParticipant{{OrgID: cs.ID, Role: "diffusion"}},
			Notes:        "58 % des familles citent le transport ; 41 % ne connaissent aucun lieu d'accueil enfants-parents."},
	}
	for _, a := range acts {
		a.DiagnosticID = diag.ID
		if err := svc.AddActivity(ctx, a); err != nil {
			return nil, err
		}
	}
	if _, err := svc.AddAttachment(ctx, acts[3].ID, "questionnaire-familles.csv",
		[]byte("question;oui;non\ntransport;123;89\nconnait_laep;87;125\n")); err != nil {
		return nil, err
	}
	type fspec struct {
		stmt, theme string
		author      demoOrg
		ev          []domain.Evidence
		stances     [3]string // CAF, EPCI, centre social
		comments    [3]string
	}
	specs := []fspec{
		{"Les enfants du nord de la Maille vont à l'accueil de loisirs de l'agglomération faute d'accueil proche le mercredi.", "enfance", caf,
			[]domain.Evidence{{Kind: domain.EvidenceActivity, ActivityID: acts[0].ID}, {Kind: domain.EvidenceAnalysis, PortraitID: pt.ID, Ref: "white_zones"}},
			[3]string{"agree", "nuance", "agree"}, [3]string{"", "Deux communes ont un accueil périscolaire le mercredi matin.", ""}},
		{"Les parents connaissent mal les lieux de soutien à la parentalité.", "parentalite", cs,
			[]domain.Evidence{{Kind: domain.EvidenceActivity, ActivityID: acts[2].ID}, {Kind: domain.EvidenceActivity, ActivityID: acts[3].ID}},
			[3]string{"agree", "agree", "agree"}, [3]string{}},
		{"Le transport est le premier frein à la participation des adolescents.", "jeunesse", epci,
			[]domain.Evidence{{Kind: domain.EvidenceActivity, ActivityID: acts[3].ID}, {Kind: domain.EvidenceIndicator, Indicator: domain.IndicatorPop11to17, Territory: CTGCode, Year: LastYear}},
			[3]string{"nuance", "agree", "disagree"}, [3]string{"Le transport à la demande existe mais il est peu connu.", "", "Le frein principal est l'absence d'animateur jeunesse, pas le transport."}},
		{"Les ateliers parents-enfants du centre social ne suffisent plus à la demande.", "parentalite", cs,
			[]domain.Evidence{{Kind: domain.EvidenceActivity, ActivityID: acts[1].ID}},
			[3]string{"agree", "disagree", "agree"}, [3]string{"", "La demande reste à objectiver : les listes d'attente ne sont pas tenues.", ""}},
	}
	var findings []*domain.Finding
	for _, sp := range specs {
		f := &domain.Finding{DiagnosticID: diag.ID, Statement: sp.stmt, Theme: sp.theme, AuthorOrg: sp.author.ID, Territory: CTGCode, Evidence: sp.ev}
		if err := svc.AddFinding(ctx, f); err != nil {
			return nil, err
		}
		findings = append(findings, f)
		for i, org := range []demoOrg{caf, epci, cs} {
			p := &domain.Position{FindingID: f.ID, OrgID: org.ID, Stance: sp.stances[i], Comment: sp.comments[i]}
			if err := svc.AddPosition(ctx, p); err != nil {
				return nil, err
			}
		}
	}
	if diag, err = svc.MoveStage(ctx, diag.ID, domain.StageRestitution, "restitution-débat du 16 novembre 2023"); err != nil {
		return nil, err
	}
	// The demo tells a story set in 2022-2023: date the stage moves then.
	diag.StageMoves[0].At = time.Date(2022, 9, 5, 9, 0, 0, 0, time.UTC)
	diag.StageMoves[1].At = time.Date(2023, 11, 16, 18, 0, 0, 0, time.UTC)
	if err := svc.Diag.UpdateDiagnostic(ctx, diag); err != nil {
		return nil, err
	}
	r := &domain.Restitution{DiagnosticID: diag.ID, Date: demoDate("2023-11-16"), Place: "Salle polyvalente du centre social",
		Attendees: []int64{caf.ID, epci.ID, cs.ID}, Allowance: 10,
		Notes: "Une quarantaine de participants : élus, professionnels, parents. Deux constats arbitrés en séance, deux renvoyés au comité de pilotage.",
		Priorities: []domain.Priority{
			{Key: "accueil_mercredi", Title: "Un accueil de loisirs le mercredi au nord", Theme: "enfance", Findings: []int64{findings[0].ID}},
			{Key: "reseau_parentalite", Title: "Un réseau local parentalité", Theme: "parentalite", Findings: []int64{findings[1].ID, findings[3].ID}},
			{Key: "animateur_jeunesse", Title: "Un animateur jeunesse itinérant", Theme: "jeunesse", Findings: []int64{findings[2].ID}},
			{Key: "mobilite", Title: "Faire connaître le transport à la demande", Theme: "mobilite", Findings: []int64{findings[2].ID}},
		}}
	if err := svc.CreateRestitution(ctx, r); err != nil {
		return nil, err
	}
	if _, _, err := svc.Review(ctx, r.ID, domain.Review{FindingID: findings[1].ID, Decision: domain.ReviewValidated}, 0); err != nil {
		return nil, err
	}
	if _, _, err := svc.Review(ctx, r.ID, domain.Review{FindingID: findings[0].ID, Decision: domain.ReviewAmended,
		NewStatement: "Hors de deux communes, les enfants du nord de la Maille n'ont pas d'accueil de loisirs proche le mercredi après-midi.",
		Reason:       "précision apportée par l'intercommunalité"}, 0); err != nil {
		return nil, err
	}
	for _, v := range []struct {
		org demoOrg
		pts map[string]int
	}{
		{caf, map[string]int{"accueil_mercredi": 4, "reseau_parentalite": 4, "animateur_jeunesse": 2}},
		{epci, map[string]int{"accueil_mercredi": 5, "mobilite": 3, "animateur_jeunesse": 2}},
		{cs, map[string]int{"reseau_parentalite": 5, "animateur_jeunesse": 5}},
	} {
		if err := svc.Vote(ctx, &domain.PriorityVote{RestitutionID: r.ID, OrgID: v.org.ID, Points: v.pts}); err != nil {
			return nil, err
		}
	}
	return diag, nil
}

func demoCTG(ctx context.Context, svc *diagnostic.Service, d *Dataset, diag *domain.Diagnostic, caf, epci, cs demoOrg) error {
	have, err := svc.Gov.Conventions(ctx, domain.ConventionFilter{Perimeter: CTGCode})
	if err != nil {
		return err
	}
	for _, c := range have.Items {
		if c.Title == CTGTitle {
			return nil
		}
	}
	body := &domain.Body{Name: "Comité de pilotage de la CTG du nord de la Maille", Kind: domain.BodySteering, Territory: CTGCode,
		Themes: []string{"enfance", "jeunesse", "parentalite"}, DiagnosticID: diag.ID,
		Members: []domain.Member{{OrgID: caf.ID, Role: "co-présidence"}, {OrgID: epci.ID, Role: "co-présidence"}, {OrgID: cs.ID, Role: "membre"},
			{Name: "Conseil départemental du " + DeptName, Role: "membre invité"}}}
	if err := svc.CreateBody(ctx, body); err != nil {
		return err
	}
	meeting := &domain.Meeting{BodyID: body.ID, Date: demoDate("2024-03-12"), Place: "Siège de la communauté de communes",
		Agenda: []domain.AgendaItem{{Title: "Priorités issues de la restitution", Duration: 45}, {Title: "Fiches action de la CTG", Duration: 60}, {Title: "Calendrier", Duration: 15}},
		Attendance: []domain.Attendance{{OrgID: caf.ID, Present: true}, {OrgID: epci.ID, Present: true}, {OrgID: cs.ID, Present: true},
			{Name: "Conseil départemental du " + DeptName, Present: false}},
		Minutes: "Le comité retient deux fiches action pour 2024-2025 : le réseau parentalité et l'accueil du mercredi."}
	if err := svc.AddMeeting(ctx, meeting); err != nil {
		return err
	}
	for _, dec := range []*domain.Decision{
		{Text: "Recruter une coordinatrice du réseau parentalité", OwnerOrgID: cs.ID, DueDate: demoDatePtr("2024-09-30"), Status: domain.DecisionDone,
			FollowUps: []domain.FollowUp{{Date: demoDate("2024-09-02"), Text: "Coordinatrice en poste", Status: domain.DecisionDone}}},
		{Text: "Étudier l'ouverture d'un accueil de loisirs le mercredi", OwnerOrgID: epci.ID, DueDate: demoDatePtr("2025-06-30"), Status: domain.DecisionInProgress,
			FollowUps: []domain.FollowUp{{Date: demoDate("2025-02-10"), Text: "Deux locaux identifiés", Status: domain.DecisionInProgress}}},
		{Text: "Préparer l'évaluation à mi-parcours de la CTG", OwnerOrgID: caf.ID, DueDate: demoDatePtr("2026-03-31"), Status: domain.DecisionOpen},
	} {
		dec.BodyID, dec.MeetingID = body.ID, meeting.ID
		if err := svc.AddDecision(ctx, dec); err != nil {
			return err
		}
	}
	c := &domain.Convention{Kind: domain.ConventionCTG, Title: CTGTitle, Perimeter: CTGCode,
		Start: demoDate("2024-01-01"), End: demoDate("2027-12-31"), Themes: []string{"petite_enfance", "enfance", "jeunesse", "parentalite"},
		Signatories: []domain.Signatory{{ActorID: caf.ActorID, OrgID: caf.ID, Role: "CAF", SignedOn: demoDatePtr("2024-02-06")},
			{ActorID: epci.ActorID, OrgID: epci.ID, Role: "communauté de communes", SignedOn: demoDatePtr("2024-02-06")}},
		DiagnosticID: diag.ID, BodyID: body.ID,
		Amendments: []domain.Amendment{{Number: 1, Date: demoDate("2025-01-20"), Summary: "Ajout de l'axe jeunesse et de l'animateur itinérant"}}}
	if err := svc.CreateConvention(ctx, c); err != nil {
		return err
	}
	f1 := &domain.FicheAction{ConventionID: c.ID, Number: "1.1", Axis: "Parentalité", Title: "Créer un réseau local parentalité",
		Objective: "Faire connaître et coordonner les actions de soutien à la parentalité du nord de la Maille", Theme: "parentalite",
		LeadActorID: cs.ActorID, Partners: []int64{caf.ActorID, epci.ActorID},
		Budget: []domain.BudgetLine{{FunderID: caf.ActorID, Year: 2024, Amount: 12000}, {FunderID: epci.ActorID, Year: 2024, Amount: 6000},
			{FunderID: caf.ActorID, Year: 2025, Amount: 12000}, {FunderID: epci.ActorID, Year: 2025, Amount: 6000}},
		Start: demoDatePtr("2024-03-01"), End: demoDatePtr("2027-12-31"), Priorities: []string{"reseau_parentalite"}, Status: domain.FicheInProgress,
		Milestones: []domain.Milestone{{Date: demoDate("2024-09-02"), Title: "Coordinatrice en poste", Done: true}, {Date: demoDate("2025-06-30"), Title: "Charte du réseau signée", Done: true},
			{Date: demoDate("2026-06-30"), Title: "Annuaire des lieux de soutien publié"}},
		Indicators: []domain.FicheIndicator{
			{Key: "familles_touchees", Label: "Familles touchées par le réseau", Unit: "familles", Baseline: 60, BaselineDate: demoDatePtr("2023-12-31"), Target: 200, TargetDate: demoDatePtr("2027-12-31")},
			{Key: "partenaires_reseau", Label: "Partenaires membres du réseau", Baseline: 3, Target: 12},
		}}
	f2 := &domain.FicheAction{ConventionID: c.ID, Number: "2.1", Axis: "Enfance-jeunesse", Title: "Ouvrir un accueil de loisirs le mercredi au nord",
		Objective: "Offrir un accueil de loisirs de proximité le mercredi aux enfants de 3 à 11 ans", Theme: "enfance",
		LeadActorID: epci.ActorID, Partners: []int64{caf.ActorID},
		Budget: []domain.BudgetLine{{FunderID: epci.ActorID, Year: 2024, Amount: 30000}, {FunderID: caf.ActorID, Year: 2024, Amount: 18000},
			{FunderID: epci.ActorID, Year: 2025, Amount: 45000}, {FunderID: caf.ActorID, Year: 2025, Amount: 27000}},
		Start: demoDatePtr("2024-09-01"), Priorities: []string{"accueil_mercredi"}, Status: domain.FicheInProgress,
		Indicators: []domain.FicheIndicator{
			{Key: "places_mercredi", Label: "Places d'accueil le mercredi", Unit: "places", Baseline: 0, Target: 48},
			{Key: "taux_occupation", Label: "Taux d'occupation", Unit: "%", Baseline: 0, Target: 80},
		}}
	for _, f := range []*domain.FicheAction{f1, f2} {
		if err := svc.AddFiche(ctx, f); err != nil {
			return err
		}
	}
	for _, m := range []domain.Measurement{
		{FicheID: f1.ID, Indicator: "familles_touchees", Date: demoDate("2024-12-31"), Value: 95},
		{FicheID: f1.ID, Indicator: "familles_touchees", Date: demoDate("2025-12-31"), Value: 130, Comment: "bilan annuel du réseau"},
		{FicheID: f1.ID, Indicator: "partenaires_reseau", Date: demoDate("2024-12-31"), Value: 6},
		{FicheID: f1.ID, Indicator: "partenaires_reseau", Date: demoDate("2025-12-31"), Value: 9},
		{FicheID: f2.ID, Indicator: "places_mercredi", Date: demoDate("2024-09-04"), Value: 24},
		{FicheID: f2.ID, Indicator: "places_mercredi", Date: demoDate("2025-09-03"), Value: 36},
		{FicheID: f2.ID, Indicator: "taux_occupation", Date: demoDate("2024-12-31"), Value: 62},
		{FicheID: f2.ID, Indicator: "taux_occupation", Date: demoDate("2025-06-30"), Value: 74},
	} {
		m := m
		if err := svc.AddMeasurement(ctx, &m); err != nil {
			return err
		}
	}
	return nil
}
