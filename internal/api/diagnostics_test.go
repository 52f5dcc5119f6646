package api_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"maillage/internal/api"
	"maillage/internal/diagnostic"
	"maillage/internal/diagnostic/diagtest"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

func init() {
	for _, mt := range append([]string{"text/markdown"}, diagnostic.AttachmentMediaTypes...) {
		openapi3filter.RegisterBodyDecoder(mt, openapi3filter.FileBodyDecoder)
	}
}

// ownTested lists the route kinds tested here rather than by TestAPI.
var ownTested = map[string]bool{"diagnostic": true, "body": true, "convention": true}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// TestDiagnosticCycle runs the whole shared-diagnostic cycle over the API on
// both databases: a diagnostic on the CC Terres du Haut Berry (real COG),
// an interview and a working group, findings, positions from three
// organisations, a restitution that validates, amends and rejects, ranked
// priorities, a governance body, and a CTG with two fiches action and
// measurements over two years; with the errors on the way (impossible stage
// moves, non-participants, points over the allowance, measurements outside
// the period, forbidden attachments, concurrent edits).
func TestDiagnosticCycle(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		t0 := time.Now()
		step := func(name string) { t.Logf("%-12s %v", name, time.Since(t0).Round(time.Millisecond)) }
		diagtest.LoadCOG(t, s)
		step("cog")
		o := diagtest.MakeOrgs(t, s)
		e := newEnv(t, s)
		h := e.auth()

		// Diagnostic.
		var d domain.Diagnostic
		bad := e.do("POST", "/api/v1/diagnostics", map[string]any{"title": "x", "perimeter": "999999999", "themes": []string{"jeunesse"}}, h).expect(400)
		bad.expectFields("perimeter")
		e.do("POST", "/api/v1/diagnostics", map[string]any{
			"title": "Diagnostic partagé jeunesse et parentalité", "perimeter": diagtest.HautBerry,
			"themes": []string{"jeunesse", "parentalite"}, "period_start": "2024-01-01", "period_end": "2025-12-31",
			"participants": []map[string]any{{"org_id": o.CAF.ID, "role": "pilote"}, {"org_id": o.EPCI.ID}, {"org_id": o.CentreSocial.ID}},
		}, h).expect(201).decode(&d)
		if d.Stage != domain.StagePreparation || len(d.Participants) != 3 || d.Participants[1].ActorType != "epci" || d.Participants[2].Name != o.CentreSocial.Name {
			t.Fatalf("created diagnostic: %+v", d)
		}
		id := fmt.Sprint(d.ID)
		base := "/api/v1/diagnostics/" + id
		e.do("GET", base, nil, h).expect(200)
		e.do("GET", "/api/v1/diagnostics/999999", nil, h).expect(404)
		var list api.List[domain.Diagnostic]
		e.do("GET", "/api/v1/diagnostics?perimeter="+diagtest.HautBerry, nil, h).expect(200).decode(&list)
		if list.Total != 1 {
			t.Fatalf("list: %+v", list)
		}
		e.do("GET", "/api/v1/diagnostics?stage=nowhere", nil, h).expect(400)
		d.Description = "Diagnostic conduit avec la CAF du Cher, l'intercommunalité et le centre social."
		e.do("PUT", base, d, h).expect(200).decode(&d)
		e.do("PUT", base, map[string]any{"title": "x", "perimeter": diagtest.HautBerry, "themes": []string{"jeunesse"}, "version": 1}, h).expect(409)
		e.do("PUT", base, map[string]any{"title": "x", "perimeter": diagtest.HautBerry, "themes": []string{"jeunesse"}, "steering_body_id": 999, "version": d.Version}, h).expect(400).expectFields("steering_body_id")

		// Impossible stage move, then fieldwork.
		e.do("POST", base+"/stage", map[string]any{"stage": "restitution"}, h).expect(400).expectFields("stage")
		e.do("POST", base+"/stage", map[string]any{"stage": "fieldwork", "note": "lancement du terrain"}, h).expect(200).decode(&d)
		if d.Stage != domain.StageFieldwork || len(d.StageMoves) != 1 || d.StageMoves[0].At.IsZero() || d.StageMoves[0].OrgID != domain.InstanceOrganisation {
			t.Fatalf("stage move: %+v", d.StageMoves)
		}

		// Frozen data portrait.
		step("diagnostic")
		var pt domain.Portrait
		e.do("POST", base+"/portraits", map[string]any{}, h).expect(201).decode(&pt)
		if pt.DataVersion == 0 || len(pt.Result) < 10 || !strings.Contains(string(pt.Params), diagtest.HautBerry) {
			t.Fatalf("portrait: version %d params %s result %.200s", pt.DataVersion, pt.Params, pt.Result)
		}
		e.do("POST", "/api/v1/diagnostics/999999/portraits", nil, h).expect(404)
		var refs []diagnostic.PortraitRef
		e.do("GET", base+"/portraits", nil, h).expect(200).decode(&refs)
		e.do("GET", "/api/v1/diagnostics/999999/portraits", nil, h).expect(404)
		var pt2 domain.Portrait
		e.do("GET", fmt.Sprint("/api/v1/portraits/", pt.ID), nil, h).expect(200).decode(&pt2)
		if string(pt2.Result) != string(pt.Result) || len(refs) != 1 {
			t.Fatal("portrait not stored as frozen")
		}
		e.do("GET", "/api/v1/portraits/999999", nil, h).expect(404)

		step("portrait")
		// Fieldwork: an interview and a working group, an attachment.
		var interview, group domain.Activity
		e.do("POST", base+"/activities", map[string]any{"kind": "interview", "title": "Entretien avec la coordinatrice jeunesse", "date": "2024-03-12",
			"place": "Saint-Martin-d'Auxigny", "participants": []map[string]any{{"org_id": o.EPCI.ID, "role": "coordinatrice jeunesse", "person": "Mme D."}},
			"notes": "## Points clés\n- offre concentrée au sud\n- transport scolaire contraint"}, h).expect(201).decode(&interview)
		if !interview.PersonalData {
			t.Error("an activity naming a person is personal data")
		}
		e.do("POST", base+"/activities", map[string]any{"kind": "working_group", "title": "Groupe de travail parentalité", "date": "2024-05-23",
			"participants": []map[string]any{{"org_id": o.CAF.ID}, {"org_id": o.CentreSocial.ID}, {"name": "Relais petite enfance"}}}, h).expect(201).decode(&group)
		e.do("POST", base+"/activities", map[string]any{"kind": "party", "title": "x", "date": "2024-05-23"}, h).expect(400).expectFields("kind")
		group.Notes = "Les familles des communes rurales connaissent mal le LAEP."
		e.do("PUT", fmt.Sprint("/api/v1/activities/", group.ID), group, h).expect(200).decode(&group)
		e.do("PUT", fmt.Sprint("/api/v1/activities/", group.ID), map[string]any{"kind": "working_group", "title": "x", "date": "2024-05-23"}, h).expect(428)
		pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
		var att domain.Attachment
		e.do("POST", fmt.Sprint("/api/v1/activities/", interview.ID, "/attachments?name=compte-rendu.pdf"), pdf, hdr{"Authorization": h["Authorization"], "Content-Type": "application/octet-stream"}).expect(201).decode(&att)
		if att.MediaType != "application/pdf" || att.Size != int64(len(pdf)) {
			t.Fatalf("attachment: %+v", att)
		}
		e.do("POST", fmt.Sprint("/api/v1/activities/", interview.ID, "/attachments?name=note.pdf"), []byte("<html><script>alert(1)</script></html>"),
			hdr{"Authorization": h["Authorization"], "Content-Type": "application/octet-stream"}).expect(400).expectFields("file")
		got := e.do("GET", fmt.Sprint("/api/v1/attachments/", att.ID), nil, h).expect(200)
		if string(got.Body) != string(pdf) || got.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("attachment content: %q %q", got.Body, got.Header.Get("Content-Type"))
		}
		e.do("GET", "/api/v1/attachments/999999", nil, h).expect(404)
		var acts []domain.Activity
		e.do("GET", base+"/activities", nil, h).expect(200).decode(&acts)
		if len(acts) != 2 || len(acts[0].Attachments) != 1 {
			t.Fatalf("activities: %+v", acts)
		}
		e.do("GET", "/api/v1/diagnostics/999999/activities", nil, h).expect(404)

		// Findings with evidence.
		finding := func(stmt, theme string, author int64, ev []map[string]any) domain.Finding {
			var f domain.Finding
			e.do("POST", base+"/findings", map[string]any{"statement": stmt, "theme": theme, "author_org": author, "territory": diagtest.HautBerry, "evidence": ev}, h).expect(201).decode(&f)
			return f
		}
		f1 := finding("L'offre jeunesse est concentrée à Saint-Martin-d'Auxigny.", "jeunesse", o.CAF.ID, []map[string]any{
			{"kind": "activity", "activity_id": interview.ID}, {"kind": "indicator", "indicator": "population", "territory": diagtest.SaintMartin, "year": 2023},
			{"kind": "analysis", "portrait_id": pt.ID, "ref": "white_zones"}})
		f2 := finding("Les parents des communes rurales connaissent mal le lieu d'accueil enfants-parents.", "parentalite", o.CentreSocial.ID, []map[string]any{{"kind": "activity", "activity_id": group.ID}})
		f3 := finding("Le transport limite l'accès des adolescents aux activités.", "jeunesse", o.EPCI.ID, nil)
		e.do("POST", base+"/findings", map[string]any{"statement": "x", "theme": "jeunesse", "author_org": o.Outsider.ID}, h).expect(400).expectFields("author_org")
		e.do("POST", base+"/findings", map[string]any{"statement": "x", "theme": "jeunesse", "evidence": []map[string]any{{"kind": "activity", "activity_id": 999999}}}, h).expect(400).expectFields("evidence")

		// Two people editing the same finding: the second gets a conflict.
		fp := fmt.Sprint("/api/v1/findings/", f1.ID)
		var read domain.Finding
		e.do("GET", fp, nil, h).expect(200).decode(&read)
		first, second := read, read
		first.Statement = "L'offre jeunesse est concentrée à Saint-Martin-d'Auxigny et aux Aix-d'Angillon."
		second.Statement = "Autre rédaction concurrente."
		e.do("PUT", fp, first, h).expect(200).decode(&f1)
		e.do("PUT", fp, second, h).expect(409)
		e.do("GET", "/api/v1/findings/999999", nil, h).expect(404)
		var fs []domain.Finding
		e.do("GET", base+"/findings", nil, h).expect(200).decode(&fs)
		if len(fs) != 3 || fs[0].Statement != first.Statement {
			t.Fatalf("findings: %+v", fs)
		}
		e.do("GET", "/api/v1/diagnostics/999999/findings", nil, h).expect(404)

		// Positions from three organisations (one changes its mind), and a
		// non-participant refused.
		pos := func(f domain.Finding, org int64, stance, comment string, want int) *result {
			return e.do("POST", fmt.Sprint("/api/v1/findings/", f.ID, "/positions"), map[string]any{"org_id": org, "stance": stance, "comment": comment}, h).expect(want)
		}
		pos(f1, o.CAF.ID, "agree", "", 201)
		pos(f1, o.EPCI.ID, "disagree", "L'offre existe aussi au nord.", 201)
		pos(f1, o.EPCI.ID, "nuance", "Vrai pour l'été, moins pendant l'année.", 201)
		pos(f1, o.CentreSocial.ID, "agree", "", 201)
		pos(f2, o.CAF.ID, "agree", "", 201)
		pos(f2, o.EPCI.ID, "agree", "", 201)
		pos(f2, o.CentreSocial.ID, "agree", "", 201)
		pos(f3, o.CAF.ID, "disagree", "Le transport à la demande existe.", 201)
		pos(f3, o.EPCI.ID, "agree", "", 201)
		pos(f3, o.CentreSocial.ID, "nuance", "Surtout le soir.", 201)
		pos(f1, o.Outsider.ID, "agree", "", 400).expectFields("org_id")
		pos(f1, o.CAF.ID, "maybe", "", 400).expectFields("stance")
		e.do("POST", "/api/v1/findings/999999/positions", map[string]any{"org_id": o.CAF.ID, "stance": "agree"}, h).expect(400).expectFields("finding_id")
		var hist, cur []domain.Position
		e.do("GET", base+"/positions?history=true", nil, h).expect(200).decode(&hist)
		e.do("GET", base+"/positions", nil, h).expect(200).decode(&cur)
		if len(hist) != 10 || len(cur) != 9 {
			t.Fatalf("positions: %d in history, %d current", len(hist), len(cur))
		}
		e.do("GET", "/api/v1/diagnostics/999999/positions", nil, h).expect(404)

		step("positions")
		// Crossing of viewpoints (hand-computed in docs/diagnostic.md).
		var syn diagnostic.Synthesis
		e.do("GET", base+"/synthesis", nil, h).expect(200).decode(&syn)
		c1, c2, c3 := syn.Crossings[0], syn.Crossings[1], syn.Crossings[2]
		if !near(c1.Support, 2.5/3) || !near(c1.Dispersion, 1.0/3) || !near(c1.KindGap, 0.5) || !c1.Contested {
			t.Errorf("finding 1 crossing: %+v", c1)
		}
		if c2.Support != 1 || c2.Dispersion != 0 || c2.Contested {
			t.Errorf("finding 2 crossing: %+v", c2)
		}
		if !near(c3.Support, 0.5) || !near(c3.Dispersion, 2.0/3) || !near(c3.KindGap, 1) || !c3.Contested {
			t.Errorf("finding 3 crossing: %+v", c3)
		}
		e.do("GET", "/api/v1/diagnostics/999999/synthesis", nil, h).expect(404)

		// Restitution-debate.
		e.do("POST", base+"/stage", map[string]any{"stage": "restitution"}, h).expect(200).decode(&d)
		var rs domain.Restitution
		e.do("POST", base+"/restitutions", map[string]any{"date": "2024-11-20", "place": "Salle des fêtes des Aix-d'Angillon",
			"attendees": []int64{o.CAF.ID, o.EPCI.ID, o.CentreSocial.ID}, "allowance": 10,
			"priorities": []map[string]any{
				{"key": "reseau_parentalite", "title": "Un réseau local parentalité", "theme": "parentalite", "findings": []int64{f2.ID}},
				{"key": "diagnostic_jeunesse", "title": "Un diagnostic de la politique jeunesse", "theme": "jeunesse", "findings": []int64{f1.ID}},
				{"key": "mobilite_ados", "title": "La mobilité des adolescents", "theme": "jeunesse"},
				{"key": "coordination", "title": "Une instance de coordination locale", "theme": "animation_vie_sociale"},
			}}, h).expect(201).decode(&rs)
		e.do("POST", base+"/restitutions", map[string]any{"date": "2024-11-20", "priorities": []map[string]any{{"key": "A B", "title": ""}}}, h).expect(400).expectFields("priorities")
		rp := fmt.Sprint("/api/v1/restitutions/", rs.ID)
		rs.Notes = "Débat riche ; le constat sur la jeunesse est reformulé."
		e.do("PUT", rp, rs, h).expect(200).decode(&rs)
		e.do("PUT", rp, map[string]any{"date": "2024-11-20", "version": 1}, h).expect(409)
		var rv api.ReviewResult
		e.do("POST", rp+"/reviews", map[string]any{"finding_id": f2.ID, "decision": "validated"}, h).expect(200).decode(&rv)
		amended := "L'offre jeunesse est concentrée au sud du territoire ; le nord manque d'accueils pour les 11-17 ans."
		e.do("POST", rp+"/reviews", map[string]any{"finding_id": f1.ID, "decision": "amended"}, h).expect(400).expectFields("new_statement")
		e.do("POST", rp+"/reviews", map[string]any{"finding_id": f1.ID, "decision": "amended", "new_statement": amended, "finding_version": 1}, h).expect(409)
		e.do("POST", rp+"/reviews", map[string]any{"finding_id": f1.ID, "decision": "amended", "new_statement": amended, "reason": "précision géographique"}, h).expect(200).decode(&rv)
		if rv.Finding.Status != domain.FindingAmended || rv.Finding.Statement != amended || len(rv.Finding.Previous) != 1 {
			t.Fatalf("amended finding: %+v", rv.Finding)
		}
		e.do("POST", rp+"/reviews", map[string]any{"finding_id": f3.ID, "decision": "rejected"}, h).expect(400).expectFields("reason")
		// Validating now fails: finding 3 is not reviewed yet.
		e.do("POST", base+"/stage", map[string]any{"stage": "validated"}, h).expect(400).expectFields("stage")
		e.do("POST", rp+"/reviews", map[string]any{"finding_id": f3.ID, "decision": "rejected", "reason": "le transport à la demande couvre ce besoin"}, h).expect(200).decode(&rv)
		if len(rv.Restitution.Reviews) != 3 {
			t.Fatalf("reviews: %+v", rv.Restitution.Reviews)
		}
		// A reviewed finding takes no more positions.
		pos(f2, o.CAF.ID, "nuance", "après coup", 400).expectFields("finding_id")

		// Priorities: each organisation distributes 10 points.
		vote := func(org int64, pts map[string]int, want int) *result {
			return e.do("POST", rp+"/votes", map[string]any{"org_id": org, "points": pts}, h).expect(want)
		}
		vote(o.CAF.ID, map[string]int{"reseau_parentalite": 4, "diagnostic_jeunesse": 6}, 201)
		vote(o.EPCI.ID, map[string]int{"diagnostic_jeunesse": 5, "mobilite_ados": 5}, 201)
		vote(o.CentreSocial.ID, map[string]int{"reseau_parentalite": 6, "diagnostic_jeunesse": 5, "coordination": 2}, 400).expectFields("points")
		vote(o.CentreSocial.ID, map[string]int{"reseau_parentalite": 6, "diagnostic_jeunesse": 2, "coordination": 2}, 201)
		vote(o.Outsider.ID, map[string]int{"coordination": 10}, 400).expectFields("org_id")
		vote(o.CAF.ID, map[string]int{"inconnue": 1}, 400).expectFields("points")
		var rr diagnostic.RestitutionResult
		e.do("GET", rp+"/ranking", nil, h).expect(200).decode(&rr)
		order := ""
		for _, p := range rr.Ranking {
			order += fmt.Sprintf("%s:%d#%d ", p.Key, p.Points, p.Rank)
		}
		if order != "diagnostic_jeunesse:13#1 reseau_parentalite:10#2 mobilite_ados:5#3 coordination:2#4 " {
			t.Errorf("ranking: %s", order)
		}
		if j := rr.Ranking[0]; j.Supporters != 3 || j.Min != 2 || j.Max != 6 || !near(j.Share, 13.0/30) {
			t.Errorf("spread: %+v", j)
		}
		e.do("GET", "/api/v1/restitutions/999999/ranking", nil, h).expect(404)
		var rss []domain.Restitution
		e.do("GET", base+"/restitutions", nil, h).expect(200).decode(&rss)
		if len(rss) != 1 {
			t.Fatalf("restitutions: %+v", rss)
		}
		e.do("GET", "/api/v1/diagnostics/999999/restitutions", nil, h).expect(404)

		e.do("POST", base+"/stage", map[string]any{"stage": "validated", "note": "validé en comité de pilotage"}, h).expect(200).decode(&d)
		e.do("POST", base+"/stage", map[string]any{"stage": "restitution"}, h).expect(400).expectFields("stage")
		// Once validated, the votes are closed.
		vote(o.CAF.ID, map[string]int{"coordination": 1}, 400).expectFields("stage")

		// Exports: JSON of everything and the Markdown document.
		js := e.do("GET", base+"/export", nil, h).expect(200)
		if !strings.Contains(string(js.Body), `"crossings"`) || !strings.Contains(string(js.Body), amended) {
			t.Errorf("JSON export: %.300s", js.Body)
		}
		md := e.do("GET", base+"/export?format=markdown", nil, h).expect(200)
		for _, want := range []string{"# Diagnostic partagé jeunesse et parentalité", "CC Terres du Haut Berry (200066330)", "constat discuté", "Rédaction initiale", "| 1 | Un diagnostic de la politique jeunesse | 13 |", "Entretien — Entretien avec la coordinatrice jeunesse"} {
			if !strings.Contains(string(md.Body), want) {
				t.Errorf("Markdown export lacks %q:\n%s", want, md.Body)
			}
		}
		e.do("GET", base+"/export?format=pdf", nil, h).expect(400)

		step("restitution")
		// Governance: a steering committee, a meeting, decisions.
		var body domain.Body
		e.do("POST", "/api/v1/bodies", map[string]any{"name": "Comité de pilotage de la CTG du Haut Berry", "kind": "comite_pilotage", "territory": diagtest.HautBerry,
			"diagnostic_id": d.ID, "members": []map[string]any{{"org_id": o.CAF.ID, "role": "co-président"}, {"org_id": o.EPCI.ID, "role": "co-président"}, {"org_id": o.CentreSocial.ID, "role": "membre"}}}, h).expect(201).decode(&body)
		e.do("POST", "/api/v1/bodies", map[string]any{"name": "x", "kind": "club"}, h).expect(400).expectFields("kind")
		bp := fmt.Sprint("/api/v1/bodies/", body.ID)
		e.do("GET", bp, nil, h).expect(200)
		e.do("GET", "/api/v1/bodies/999999", nil, h).expect(404)
		var bl api.List[domain.Body]
		e.do("GET", fmt.Sprint("/api/v1/bodies?member=", o.EPCI.ID), nil, h).expect(200).decode(&bl)
		if bl.Total != 1 {
			t.Errorf("bodies by member: %+v", bl)
		}
		e.do("GET", "/api/v1/bodies?kind=club", nil, h).expect(400)
		body.Members = append(body.Members, domain.Member{Name: "Conseil départemental du Cher", Role: "invité"})
		e.do("PUT", bp, body, h).expect(200).decode(&body)
		e.do("PUT", bp, map[string]any{"name": "x", "kind": "comite_pilotage", "version": 1}, h).expect(409)
		var mt domain.Meeting
		e.do("POST", bp+"/meetings", map[string]any{"date": "2025-03-14", "place": "Les Aix-d'Angillon",
			"agenda":     []map[string]any{{"title": "Restitution du diagnostic", "duration": 45}, {"title": "Fiches action", "duration": 60}},
			"attendance": []map[string]any{{"org_id": o.CAF.ID, "present": true}, {"org_id": o.EPCI.ID, "present": true}, {"org_id": o.CentreSocial.ID, "present": false}}}, h).expect(201).decode(&mt)
		e.do("POST", bp+"/meetings", map[string]any{"place": "x"}, h).expect(400).expectFields("date")
		mt.Minutes = "Le comité valide les deux fiches action."
		e.do("PUT", fmt.Sprint("/api/v1/meetings/", mt.ID), mt, h).expect(200)
		e.do("PUT", "/api/v1/meetings/999999", mt, h).expect(404)
		var ms []domain.Meeting
		e.do("GET", bp+"/meetings", nil, h).expect(200).decode(&ms)
		e.do("GET", "/api/v1/bodies/999999/meetings", nil, h).expect(404)
		var dec1, dec2 domain.Decision
		e.do("POST", bp+"/decisions", map[string]any{"meeting_id": mt.ID, "text": "Recruter un animateur jeunesse itinérant", "owner_org_id": o.EPCI.ID, "due_date": "2025-06-30"}, h).expect(201).decode(&dec1)
		e.do("POST", bp+"/decisions", map[string]any{"meeting_id": mt.ID, "text": "Préparer le renouvellement de la CTG", "owner_org_id": o.CAF.ID, "due_date": "2099-01-31"}, h).expect(201).decode(&dec2)
		e.do("POST", bp+"/decisions", map[string]any{"text": "Sans échéance", "owner_org_id": o.CAF.ID}, h).expect(400).expectFields("due_date")
		var overdue []domain.Decision
		e.do("GET", "/api/v1/decisions/overdue", nil, h).expect(200).decode(&overdue)
		if len(overdue) != 1 || overdue[0].ID != dec1.ID {
			t.Errorf("overdue: %+v", overdue)
		}
		e.do("GET", "/api/v1/decisions/overdue?body=x", nil, h).expect(400)
		dec1.Status = domain.DecisionInProgress
		dec1.FollowUps = []domain.FollowUp{{Date: mustDate("2025-09-01"), Text: "Fiche de poste rédigée", Status: "in_progress"}}
		e.do("PUT", fmt.Sprint("/api/v1/decisions/", dec1.ID), dec1, h).expect(200).decode(&dec1)
		e.do("PUT", fmt.Sprint("/api/v1/decisions/", dec1.ID), map[string]any{"text": "x", "owner_org_id": 1, "due_date": "2025-01-01", "version": 1}, h).expect(409)
		if dec1.OwnerOrgID != o.EPCI.ID || dec1.Meta.OwnerOrg != domain.InstanceOrganisation {
			t.Errorf("decision owners: carried by %d, record of %d", dec1.OwnerOrgID, dec1.Meta.OwnerOrg)
		}
		var decs []domain.Decision
		e.do("GET", bp+"/decisions?status=in_progress", nil, h).expect(200).decode(&decs)
		if len(decs) != 1 {
			t.Errorf("decisions in progress: %+v", decs)
		}
		e.do("GET", "/api/v1/bodies/999999/decisions", nil, h).expect(404)

		step("governance")
		// A CTG with two fiches action and measurements over two years.
		var ctg domain.Convention
		e.do("POST", "/api/v1/conventions", map[string]any{"kind": "ctg", "title": "Convention territoriale globale du Haut Berry 2023-2026", "perimeter": diagtest.HautBerry,
			"start": "2023-01-01", "end": "2026-12-31", "themes": []string{"petite_enfance", "enfance", "jeunesse", "parentalite"},
			"signatories":   []map[string]any{{"actor_id": o.CAF.ActorID, "role": "CAF", "signed_on": "2023-03-02"}, {"actor_id": o.EPCI.ActorID, "role": "EPCI", "signed_on": "2023-03-02"}},
			"diagnostic_id": d.ID, "body_id": body.ID}, h).expect(201).decode(&ctg)
		e.do("POST", "/api/v1/conventions", map[string]any{"kind": "ctg", "title": "x", "perimeter": diagtest.HautBerry, "start": "2026-01-01", "end": "2025-01-01"}, h).expect(400).expectFields("end")
		cp := fmt.Sprint("/api/v1/conventions/", ctg.ID)
		if ctg.Signatories[0].Name != o.CAF.Name {
			t.Errorf("signatory name: %+v", ctg.Signatories)
		}
		ctg.Amendments = []domain.Amendment{{Number: 1, Date: mustDate("2024-06-01"), Summary: "Ajout de l'axe jeunesse issu du diagnostic"}}
		e.do("PUT", cp, ctg, h).expect(200).decode(&ctg)
		e.do("PUT", cp, map[string]any{"kind": "ctg", "title": "x", "perimeter": diagtest.HautBerry, "start": "2023-01-01", "end": "2026-12-31", "version": 1}, h).expect(409)
		e.do("GET", cp, nil, h).expect(200)
		e.do("GET", "/api/v1/conventions/999999", nil, h).expect(404)
		var cl api.List[domain.Convention]
		e.do("GET", "/api/v1/conventions?kind=ctg", nil, h).expect(200).decode(&cl)
		e.do("GET", "/api/v1/conventions?kind=contrat", nil, h).expect(400)
		var fa1, fa2 domain.FicheAction
		e.do("POST", cp+"/fiches", map[string]any{"number": "1", "axis": "Parentalité", "title": "Créer un réseau local parentalité", "objective": "Faire connaître et coordonner les actions de soutien à la parentalité",
			"theme": "parentalite", "lead_actor_id": o.CentreSocial.ActorID, "partners": []int64{o.CAF.ActorID, o.EPCI.ActorID},
			"budget":     []map[string]any{{"funder_id": o.CAF.ActorID, "year": 2024, "amount": 8000}, {"funder_id": o.EPCI.ActorID, "year": 2024, "amount": 4000}, {"funder_id": o.CAF.ActorID, "year": 2025, "amount": 8000}},
			"indicators": []map[string]any{{"key": "familles", "label": "Familles touchées", "baseline": 40, "target": 120}, {"key": "actions_reseau", "label": "Actions du réseau", "baseline": 2, "target": 8}},
			"priorities": []string{"reseau_parentalite"}, "status": "in_progress"}, h).expect(201).decode(&fa1)
		e.do("POST", cp+"/fiches", map[string]any{"number": "2", "axis": "Jeunesse", "title": "Accueillir les adolescents au nord du territoire", "objective": "Ouvrir un accueil 11-17 ans itinérant",
			"theme": "jeunesse", "lead_actor_id": o.EPCI.ActorID,
			"budget":     []map[string]any{{"funder_id": o.EPCI.ActorID, "year": 2024, "amount": 15000}, {"funder_id": o.CAF.ActorID, "year": 2025, "amount": 9000}},
			"indicators": []map[string]any{{"key": "places_ados", "label": "Places pour les 11-17 ans", "unit": "places", "baseline": 24, "target": 48}}, "status": "in_progress"}, h).expect(201).decode(&fa2)
		e.do("POST", cp+"/fiches", map[string]any{"title": "x", "objective": "y", "lead_name": "z", "budget": []map[string]any{{"funder_name": "CAF", "year": 2030, "amount": 1}}}, h).expect(400).expectFields("budget")
		meas := func(f domain.FicheAction, ind, date string, v float64, want int) *result {
			return e.do("POST", fmt.Sprint("/api/v1/fiches/", f.ID, "/measurements"), map[string]any{"indicator": ind, "date": date, "value": v}, h).expect(want)
		}
		meas(fa1, "familles", "2024-12-31", 70, 201)
		meas(fa1, "familles", "2025-12-31", 100, 201)
		meas(fa1, "actions_reseau", "2024-12-31", 4, 201)
		meas(fa1, "actions_reseau", "2025-12-31", 6, 201)
		meas(fa2, "places_ados", "2024-09-01", 30, 201)
		meas(fa2, "places_ados", "2025-09-01", 36, 201)
		meas(fa2, "places_ados", "2027-01-15", 40, 400).expectFields("date")
		meas(fa2, "inconnu", "2025-01-15", 40, 400).expectFields("indicator")
		// Two people editing the same fiche.
		fiP := fmt.Sprint("/api/v1/fiches/", fa2.ID)
		var fr domain.FicheAction
		e.do("GET", fiP, nil, h).expect(200).decode(&fr)
		a, b := fr, fr
		a.Objective = "Ouvrir un accueil 11-17 ans itinérant dans quatre communes du nord"
		b.Objective = "Autre objectif concurrent"
		e.do("PUT", fiP, a, h).expect(200).decode(&fa2)
		e.do("PUT", fiP, b, h).expect(409)
		e.do("GET", "/api/v1/fiches/999999", nil, h).expect(404)
		var fl []domain.FicheAction
		e.do("GET", cp+"/fiches", nil, h).expect(200).decode(&fl)
		e.do("GET", "/api/v1/conventions/999999/fiches", nil, h).expect(404)
		if len(fl) != 2 {
			t.Fatalf("fiches: %+v", fl)
		}
		var rep diagnostic.ConventionReport
		e.do("GET", cp+"/report", nil, h).expect(200).decode(&rep)
		// Fiche 1: familles (100−40)/(120−40) = .75, actions (6−2)/(8−2) = 2/3
		// → 17/24; fiche 2: (36−24)/(48−24) = .5 → convention 29/48.
		if p := rep.Progress; p.Progress == nil || !near(*p.Fiches[0].Progress, 17.0/24) || !near(*p.Fiches[1].Progress, 0.5) || !near(*p.Progress, 29.0/48) || p.Budget != 44000 {
			t.Errorf("progress: %+v", rep.Progress)
		}
		e.do("GET", "/api/v1/conventions/999999/report", nil, h).expect(404)
		want := diagnostic.RenewalOf(&ctg, time.Now(), 0)
		var ren []diagnostic.RenewalAlert
		e.do("GET", "/api/v1/conventions/renewals", nil, h).expect(200).decode(&ren)
		if (want == nil) != (len(ren) == 0) || (want != nil && ren[0].Level != want.Level) {
			t.Errorf("renewals: %+v, want %+v", ren, want)
		}
		ex := e.do("GET", cp+"/export", nil, h).expect(200)
		if !strings.Contains(string(ex.Body), "places_ados") {
			t.Errorf("convention export: %.200s", ex.Body)
		}
		e.do("GET", "/api/v1/conventions/999999/export", nil, h).expect(404)
		// The convention's period cannot leave its measurements outside.
		short := ctg
		short.End = mustDate("2025-06-30")
		e.do("PUT", cp, short, h).expect(400).expectFields("end")

		step("convention")
		// The national steering view.
		var sv diagnostic.SteeringView
		e.do("GET", "/api/v1/steering?theme=jeunesse", nil, h).expect(200).decode(&sv)
		if len(sv.Sites) != 1 || len(sv.Sites[0].Diagnostics) != 1 || len(sv.Sites[0].Conventions) != 1 || sv.Sites[0].Overdue != 1 {
			t.Errorf("steering sites: %+v", sv.Sites)
		} else if ds := sv.Sites[0].Diagnostics[0]; ds.Stage != domain.StageValidated || ds.Findings != 3 || ds.Contested != 2 || ds.Validated != 2 || ds.TopRanked != "Un diagnostic de la politique jeunesse" {
			t.Errorf("steering diagnostic: %+v", ds)
		}
		if len(sv.Lessons) != 1 || sv.Lessons[0].Statement != amended {
			t.Errorf("lessons: %+v", sv.Lessons)
		}
		e.do("GET", "/api/v1/steering?theme=astrologie", nil, h).expect(400).expectFields("theme")

		// Without authentication, writes are refused.
		e.do("POST", "/api/v1/diagnostics", map[string]any{"title": "x"}, nil).expect(401)

		// Every route of these kinds was exercised, with a success and an error.
		for _, rt := range e.api.Routes() {
			if !ownTested[rt.Kind] {
				continue
			}
			key := rt.Method + " " + api.Prefix + rt.Path
			ok, bad := false, false
			for code := range e.exercised[key] {
				if code < 300 {
					ok = true
				} else {
					bad = true
				}
			}
			if !ok || (!bad && rt.Path != "/conventions/renewals") {
				t.Errorf("route %s: success %v, error %v", key, ok, bad)
			}
		}
	})
}

func mustDate(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
