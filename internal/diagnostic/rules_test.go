package diagnostic

import (
	"archive/zip"
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"maillage/internal/domain"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func testDiag() *domain.Diagnostic {
	return &domain.Diagnostic{ID: 1, Title: "Jeunesse", Stage: domain.StageRestitution, Participants: []domain.Participant{
		{OrgID: 10, ActorType: "caf"},
		{OrgID: 20, ActorType: "epci"},
		{OrgID: 30, ActorType: "commune"},
		{OrgID: 40, ActorType: "centre_social"},
	}}
}

func at(day int) time.Time { return time.Date(2025, 3, day, 10, 0, 0, 0, time.UTC) }

func pos(id, f, org int64, stance string, day int) domain.Position {
	return domain.Position{ID: id, FindingID: f, OrgID: org, Stance: stance, At: at(day)}
}

func TestCrossHandComputed(t *testing.T) {
	d := testDiag()
	findings := []domain.Finding{{ID: 1}, {ID: 2}, {ID: 3}}
	ps := []domain.Position{
		pos(1, 1, 10, "agree", 1), pos(2, 1, 20, "agree", 1), pos(3, 1, 30, "nuance", 1), pos(4, 1, 40, "disagree", 1),
		pos(5, 2, 10, "agree", 1), pos(6, 2, 20, "agree", 1), pos(7, 2, 30, "agree", 1), pos(8, 2, 99, "disagree", 1),
		pos(9, 3, 10, "disagree", 1), pos(10, 3, 20, "agree", 1), pos(11, 3, 20, "nuance", 2),
	}
	cs := Cross(d, findings, ps, 0)
	// Finding 1: A2 N1 D1 → support (2+0.5)/4 = 0.625; F1 = .25, F2 = .5 → D = .75.
	c := cs[0]
	if c.Tally != (Tally{Agree: 2, Nuance: 1, Disagree: 1, N: 4}) || !near(c.Support, 0.625) || !near(c.Dispersion, 0.75) {
		t.Fatalf("finding 1: %+v", c)
	}
	// Kinds: CAF 1, collectivités (agree, nuance) .75, associations 0 → gap 1.
	if len(c.ByKind) != 3 || c.ByKind[0].Kind != KindCAF || !near(c.ByKind[1].Support, 0.75) || !near(c.KindGap, 1) || !c.Contested {
		t.Fatalf("finding 1 kinds: %+v", c)
	}
	// Finding 2: non-participant 99 ignored; 40 missing; consensus.
	c = cs[1]
	if c.Tally.N != 3 || !near(c.Support, 1) || c.Dispersion != 0 || c.KindGap != 0 || c.Contested || len(c.Missing) != 1 || c.Missing[0] != 40 {
		t.Fatalf("finding 2: %+v", c)
	}
	// Finding 3: 20 changed agree → nuance (history): D1 N1 → support .25,
	// F1 = .5, F2 = 1 → D = .5 + 0 = .5 → contested; gap CAF 0 vs coll. .5.
	c = cs[2]
	if c.Tally != (Tally{Nuance: 1, Disagree: 1, N: 2}) || !near(c.Support, 0.25) || !near(c.Dispersion, 0.5) || !near(c.KindGap, 0.5) || !c.Contested {
		t.Fatalf("finding 3: %+v", c)
	}

	pairs := Pairs(d, ps)
	want := []struct {
		a, b int64
		n    int
		ag   float64
	}{{10, 40, 1, 0}, {20, 40, 1, 0}, {30, 40, 1, 0.5}, {10, 30, 2, 0.75}, {20, 30, 2, 0.75}, {10, 20, 3, 2.5 / 3}}
	if len(pairs) != len(want) {
		t.Fatalf("pairs: %+v", pairs)
	}
	for i, w := range want {
		p := pairs[i]
		if p.OrgA != w.a || p.OrgB != w.b || p.Findings != w.n || !near(p.Agreement, w.ag) {
			t.Errorf("pair %d = %+v, want %+v", i, p, w)
		}
	}
}

func TestDispersionExtremes(t *testing.T) {
	for _, c := range []struct {
		t    Tally
		want float64
	}{
		{Tally{Agree: 3, N: 3}, 0},
		{Tally{Nuance: 3, N: 3}, 0},
		{Tally{Agree: 2, Disagree: 2, N: 4}, 1},
		{Tally{Agree: 1, Nuance: 1, Disagree: 1, N: 3}, 2.0 / 3},
	} {
		if got := c.t.Dispersion(); !near(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.t, got, c.want)
		}
	}
}

func testRestitution() *domain.Restitution {
	return &domain.Restitution{ID: 5, DiagnosticID: 1, Allowance: 10, Priorities: []domain.Priority{
		{Key: "a", Title: "Réseau parentalité"}, {Key: "b", Title: "Diagnostic jeunesse"},
		{Key: "c", Title: "Mobilité"}, {Key: "d", Title: "Coordination"},
	}}
}

func TestRankHandComputed(t *testing.T) {
	d, r := testDiag(), testRestitution()
	vote := func(org int64, pts map[string]int) domain.PriorityVote {
		return domain.PriorityVote{RestitutionID: 5, OrgID: org, Points: pts}
	}
	votes := []domain.PriorityVote{
		vote(10, map[string]int{"a": 5, "b": 5}),
		vote(20, map[string]int{"b": 6, "c": 4}),
		vote(30, map[string]int{"a": 4, "b": 2, "c": 4}),
		vote(40, map[string]int{"a": 4, "c": 2, "d": 4}),
		vote(99, map[string]int{"d": 10}), // not a participant: ignored
	}
	rk := Rank(d, r, votes)
	// a 13 (3 supporters), b 13 (3), c 10, d 4 → ranks 1, 1, 3, 4.
	got := ""
	for _, p := range rk {
		got += p.Key + ":" + itoa(int64(p.Points)) + "#" + itoa(int64(p.Rank)) + " "
	}
	if got != "a:13#1 b:13#1 c:10#3 d:4#4 " {
		t.Fatalf("ranking %q", got)
	}
	a := rk[0]
	// a: [5,0,4,4] mean 3.25, variance (1.75²+3.25²+.75²+.75²)/4 = 3.6875.
	if a.Supporters != 3 || a.Voters != 4 || !near(a.Mean, 3.25) || a.Min != 0 || a.Max != 5 ||
		!near(a.StdDev, math.Sqrt(3.6875)) || !near(a.Share, 13.0/40) {
		t.Fatalf("a: %+v", a)
	}
	if a.ByKind[KindCAF] != 5 || a.ByKind[KindCollectivite] != 4 || a.ByKind[KindAssociation] != 4 {
		t.Fatalf("a by kind: %+v", a.ByKind)
	}
}

func TestVoteChecks(t *testing.T) {
	d, r := testDiag(), testRestitution()
	over := &domain.PriorityVote{OrgID: 10, Points: map[string]int{"a": 6, "b": 5}}
	err := CheckVote(d, r, over)
	if domain.ErrorCode(err) != domain.EINVALID || !strings.Contains(err.Error(), "points : 11 points attribués pour 10") {
		t.Fatalf("over allowance: %v", err)
	}
	if err := CheckVote(d, r, &domain.PriorityVote{OrgID: 99, Points: map[string]int{"a": 1}}); err == nil || !strings.Contains(err.Error(), "org_id") {
		t.Fatalf("non participant: %v", err)
	}
	if err := CheckVote(d, r, &domain.PriorityVote{OrgID: 10, Points: map[string]int{"zz": 1}}); err == nil || !strings.Contains(err.Error(), "priorité inconnue") {
		t.Fatalf("unknown priority: %v", err)
	}
	if err := CheckVote(d, r, &domain.PriorityVote{OrgID: 10, Points: map[string]int{"a": 10}}); err != nil {
		t.Fatal(err)
	}
}

func TestStageMachine(t *testing.T) {
	d := &domain.Diagnostic{Stage: domain.StagePreparation}
	if err := CheckStageMove(d, domain.StageRestitution, nil); err == nil || !strings.Contains(err.Error(), "passage impossible") {
		t.Fatalf("skip: %v", err)
	}
	if err := CheckStageMove(d, domain.StageFieldwork, nil); err == nil || !strings.Contains(err.Error(), "participants") {
		t.Fatalf("no participant: %v", err)
	}
	d.Participants = []domain.Participant{{OrgID: 1}}
	if err := CheckStageMove(d, domain.StageFieldwork, nil); err != nil {
		t.Fatal(err)
	}
	d.Stage = domain.StageFieldwork
	if err := CheckStageMove(d, domain.StagePreparation, nil); err != nil {
		t.Fatalf("back one: %v", err)
	}
	if err := CheckStageMove(d, domain.StageRestitution, nil); err == nil {
		t.Fatal("restitution without findings accepted")
	}
	d.Stage = domain.StageRestitution
	fs := []domain.Finding{{ID: 1, Status: domain.FindingValidated}, {ID: 2, Status: domain.FindingDebated}}
	if err := CheckStageMove(d, domain.StageValidated, fs); err == nil || !strings.Contains(err.Error(), "[2]") {
		t.Fatalf("unreviewed: %v", err)
	}
	fs[1].Status = domain.FindingRejected
	if err := CheckStageMove(d, domain.StageValidated, fs); err != nil {
		t.Fatal(err)
	}
	d.Stage = domain.StageValidated
	if err := CheckStageMove(d, domain.StageRestitution, fs); err == nil || !strings.Contains(err.Error(), "ne se rouvre pas") {
		t.Fatalf("reopen validated: %v", err)
	}
	if err := CheckStageMove(d, "nimporte", fs); err == nil || !strings.Contains(err.Error(), "étape inconnue") {
		t.Fatalf("unknown: %v", err)
	}
}

func TestPositionAndReview(t *testing.T) {
	d := testDiag()
	d.Stage = domain.StageFieldwork
	f := &domain.Finding{ID: 7, DiagnosticID: 1, Statement: "Peu d'offre jeunesse", Status: domain.FindingProposed}
	if err := CheckPosition(d, f, &domain.Position{FindingID: 7, OrgID: 99, Stance: "agree"}); err == nil || !strings.Contains(err.Error(), "org_id : l'organisation 99 ne participe pas") {
		t.Fatalf("non participant: %v", err)
	}
	if err := CheckPosition(d, f, &domain.Position{FindingID: 7, OrgID: 10, Stance: "disagree"}); err == nil || !strings.Contains(err.Error(), "comment") {
		t.Fatalf("disagree without comment: %v", err)
	}
	if err := CheckPosition(d, f, &domain.Position{FindingID: 7, OrgID: 10, Stance: "agree"}); err != nil {
		t.Fatal(err)
	}
	r := &domain.Restitution{ID: 3, DiagnosticID: 1}
	if err := ApplyReview(d, r, f, domain.Review{Decision: "amended", NewStatement: "x"}); err == nil {
		t.Fatal("review outside restitution accepted")
	}
	d.Stage = domain.StageRestitution
	if err := ApplyReview(d, r, f, domain.Review{Decision: "amended"}); err == nil || !strings.Contains(err.Error(), "new_statement") {
		t.Fatalf("amend without wording: %v", err)
	}
	if err := ApplyReview(d, r, f, domain.Review{Decision: "amended", NewStatement: "Offre jeunesse concentrée à Saint-Martin"}); err != nil {
		t.Fatal(err)
	}
	if f.Status != domain.FindingAmended || f.Statement != "Offre jeunesse concentrée à Saint-Martin" || len(f.Previous) != 1 || len(r.Reviews) != 1 {
		t.Fatalf("after review: %+v %+v", f, r)
	}
	// A second review of the same finding replaces the first.
	if err := ApplyReview(d, r, f, domain.Review{Decision: "validated"}); err != nil || len(r.Reviews) != 1 || f.Status != domain.FindingValidated {
		t.Fatalf("re-review: %v %+v", err, r.Reviews)
	}
}

func day(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestProgressHandComputed(t *testing.T) {
	c := &domain.Convention{ID: 1, Title: "CTG", Start: day("2023-01-01"), End: day("2026-12-31")}
	fiches := []domain.FicheAction{
		{ID: 1, Number: "1", Status: domain.FicheInProgress, Indicators: []domain.FicheIndicator{
			{Key: "places", Label: "Places ALSH", Baseline: 10, Target: 30},
			{Key: "delai", Label: "Délai", Baseline: 100, Target: 50},
		}, Budget: []domain.BudgetLine{{FunderName: "CAF", Year: 2024, Amount: 1000}, {FunderName: "CAF", Year: 2025, Amount: 500}, {FunderName: "EPCI", Year: 2024, Amount: 250}}},
		{ID: 2, Number: "2", Status: domain.FicheInProgress, Milestones: []domain.Milestone{{Done: true}, {}, {}, {}}},
		{ID: 3, Number: "3", Status: domain.FicheAbandoned, Milestones: []domain.Milestone{{}}},
	}
	ms := []domain.Measurement{
		{ID: 2, FicheID: 1, Indicator: "places", Date: day("2025-06-30"), Value: 20},
		{ID: 1, FicheID: 1, Indicator: "places", Date: day("2024-06-30"), Value: 14},
		{ID: 3, FicheID: 1, Indicator: "delai", Date: day("2024-12-31"), Value: 80},
	}
	cp := ProgressOfConvention(c, fiches, ms, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), 0)
	f1 := cp.Fiches[0]
	// places: (20−10)/(30−10) = .5 ; délai: (80−100)/(50−100) = .4 → .45.
	if f1.Indicators[0].Latest.Value != 20 || !near(*f1.Indicators[0].Progress, 0.5) || !near(*f1.Indicators[1].Progress, 0.4) || !near(*f1.Progress, 0.45) {
		t.Fatalf("fiche 1: %+v", f1)
	}
	if f1.Budget != 1750 || f1.BudgetByFunder["CAF"] != 1500 {
		t.Fatalf("budget: %+v", f1)
	}
	// Fiche 2: milestones 1/4; fiche 3 abandoned: excluded → (.45+.25)/2.
	if !near(*cp.Fiches[1].Progress, 0.25) || !near(*cp.Progress, 0.35) {
		t.Fatalf("convention: %v / %v", *cp.Fiches[1].Progress, *cp.Progress)
	}
	if cp.Renewal == nil || cp.Renewal.Level != "due_soon" || cp.Renewal.DaysLeft != 36 {
		t.Fatalf("renewal: %+v", cp.Renewal)
	}
	if a := RenewalOf(c, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 0); a != nil {
		t.Fatalf("early alert: %+v", a)
	}
	if a := RenewalOf(c, time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), 0); a == nil || a.Level != "expired" || a.DaysLeft != -5 {
		t.Fatalf("expired: %+v", a)
	}
	c.Renewal = domain.RenewalDone
	if a := RenewalOf(c, time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), 0); a != nil {
		t.Fatalf("renewed still flagged: %+v", a)
	}
}

func TestMeasurementOutsidePeriod(t *testing.T) {
	c := &domain.Convention{Start: day("2023-01-01"), End: day("2026-12-31")}
	f := &domain.FicheAction{ID: 1, Indicators: []domain.FicheIndicator{{Key: "places", Label: "x"}}}
	m := &domain.Measurement{FicheID: 1, Indicator: "places", Date: day("2027-01-01"), Value: 3}
	if err := m.Validate(f, c); err == nil || !strings.Contains(err.Error(), "date : la mesure du 2027-01-01 est hors de la période") {
		t.Fatalf("outside: %v", err)
	}
	m.Date, m.Indicator = day("2024-01-01"), "autre"
	if err := m.Validate(f, c); err == nil || !strings.Contains(err.Error(), "indicator") {
		t.Fatalf("unknown indicator: %v", err)
	}
}

func TestOverdue(t *testing.T) {
	d1, d2 := day("2025-01-10"), day("2025-03-01")
	ds := []domain.Decision{
		{ID: 1, DueDate: &d2, Status: domain.DecisionOpen},
		{ID: 2, DueDate: &d1, Status: domain.DecisionInProgress},
		{ID: 3, DueDate: &d1, Status: domain.DecisionDone},
	}
	got := Overdue(ds, time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC))
	if len(got) != 2 || got[0].ID != 2 || got[1].ID != 1 {
		t.Fatalf("overdue: %+v", got)
	}
	if got := Overdue(ds, time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)); len(got) != 1 {
		t.Fatalf("due today is not overdue: %+v", got)
	}
}

func TestSniffAttachment(t *testing.T) {
	var docx bytes.Buffer
	zw := zip.NewWriter(&docx)
	for _, n := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, _ := zw.Create(n)
		w.Write([]byte("<x/>"))
	}
	zw.Close()
	var plainZip bytes.Buffer
	zw = zip.NewWriter(&plainZip)
	w, _ := zw.Create("virus.exe")
	w.Write([]byte("MZ"))
	zw.Close()
	ok := map[string][]byte{
		"a.pdf":  []byte("%PDF-1.7\n..."),
		"a.png":  []byte("\x89PNG\r\n\x1a\n\x00\x00"),
		"a.docx": docx.Bytes(),
		"a.csv":  []byte("commune;places\n18001;12\n"),
		"a.txt":  []byte("Compte rendu de l'entretien : éléments clés."),
	}
	want := map[string]string{"a.pdf": mtPDF, "a.png": mtPNG, "a.docx": mtDOCX, "a.csv": mtCSV, "a.txt": mtText}
	for n, b := range ok {
		mt, err := SniffAttachment(n, b, 0)
		if err != nil || mt != want[n] {
			t.Errorf("%s: %q %v", n, mt, err)
		}
	}
	bad := map[string][]byte{
		"rapport.pdf": []byte("MZ\x90\x00binary"),
		"page.txt":    []byte("<!DOCTYPE html><html><body>x</body></html>"),
		"logo.png":    []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"doc.docx":    plainZip.Bytes(),
		"x.sh":        []byte("#!/bin/sh\nrm -rf /"),
	}
	for n, b := range bad {
		if _, err := SniffAttachment(n, b, 0); err == nil || !strings.Contains(err.Error(), "file : type de fichier refusé") {
			t.Errorf("%s accepted: %v", n, err)
		}
	}
	if _, err := SniffAttachment("big.pdf", append([]byte("%PDF-"), make([]byte, 2000)...), 1024); err == nil || !strings.Contains(err.Error(), "trop volumineux") {
		t.Errorf("size: %v", err)
	}
}
