package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maillage/internal/diagnostic"
	"maillage/internal/diagnostic/diagtest"
	"maillage/internal/domain"
	"maillage/internal/store"
	"maillage/internal/store/storetest"
)

// TestDiagnosticCycleCLI runs the shared-diagnostic cycle through the
// command line on both databases: the CC Terres du Haut Berry (real COG), an
// interview and a working group, findings, positions from three
// organisations, a restitution that validates and amends, ranked
// priorities, a CTG with two fiches action and measurements over two years.
func TestDiagnosticCycleCLI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { cliCycle(t, filepath.Join(t.TempDir(), "m.db")) })
	t.Run("postgres", func(t *testing.T) {
		u, _ := storetest.NewPostgresSchema(t)
		cliCycle(t, u)
	})
}

func cliCycle(t *testing.T, dsn string) {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	diagtest.LoadCOG(t, st)
	o := diagtest.MakeOrgs(t, st)
	st.Close()

	dir := t.TempDir()
	file := func(name string, v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// run runs maillage and decodes its JSON answer into out (when not nil).
	run := func(want int, out any, args ...string) string {
		t.Helper()
		var so, se bytes.Buffer
		code := Main(append([]string{"--db", dsn}, args...), strings.NewReader(""), &so, &se)
		if code != want {
			t.Fatalf("maillage %s: code %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, so.String(), se.String())
		}
		if out != nil {
			if err := json.Unmarshal(so.Bytes(), out); err != nil {
				t.Fatalf("maillage %s: %v\n%s", strings.Join(args, " "), err, so.String())
			}
		}
		return so.String() + se.String()
	}
	id := func(n int64) string { return fmt.Sprint(n) }

	var d domain.Diagnostic
	run(0, &d, "diagnostic", "create", "--file", file("d.json", map[string]any{
		"title": "Diagnostic jeunesse du Haut Berry", "perimeter": diagtest.HautBerry, "themes": []string{"jeunesse", "parentalite"},
		"participants": []map[string]any{{"org_id": o.CAF.ID}, {"org_id": o.EPCI.ID}, {"org_id": o.CentreSocial.ID}},
	}))
	if msg := run(1, nil, "diagnostic", "stage", id(d.ID), "--to", "validated"); !strings.Contains(msg, "passage impossible") {
		t.Errorf("impossible move: %s", msg)
	}
	run(0, &d, "diagnostic", "stage", id(d.ID), "--to", "fieldwork")
	var interview, group domain.Activity
	run(0, &interview, "diagnostic", "activity", "add", "--diagnostic", id(d.ID), "--file", file("a1.json", map[string]any{
		"kind": "interview", "title": "Entretien avec l'élu à la jeunesse", "date": "2024-03-12", "participants": []map[string]any{{"org_id": o.EPCI.ID, "role": "élu"}}}))
	run(0, &group, "diagnostic", "activity", "--diagnostic", id(d.ID), "--file", file("a2.json", map[string]any{
		"kind": "working_group", "title": "Groupe de travail parentalité", "date": "2024-05-23", "participants": []map[string]any{{"org_id": o.CAF.ID}, {"org_id": o.CentreSocial.ID}}}))
	csv := filepath.Join(dir, "questionnaire.csv")
	os.WriteFile(csv, []byte("commune;reponses\n18223;41\n18003;17\n"), 0o644)
	var att domain.Attachment
	run(0, &att, "diagnostic", "attach", "--activity", id(group.ID), csv)
	exe := filepath.Join(dir, "rapport.pdf")
	os.WriteFile(exe, []byte("MZ\x90\x00\x03binary"), 0o644)
	if msg := run(1, nil, "diagnostic", "attach", "--activity", id(group.ID), exe); !strings.Contains(msg, "file : type de fichier refusé") {
		t.Errorf("executable attachment: %s", msg)
	}

	var f1, f2 domain.Finding
	run(0, &f1, "diagnostic", "finding", "add", "--diagnostic", id(d.ID), "--file", file("f1.json", map[string]any{
		"statement": "L'offre jeunesse est concentrée au sud.", "theme": "jeunesse", "author_org": o.CAF.ID,
		"evidence": []map[string]any{{"kind": "activity", "activity_id": interview.ID}}}))
	run(0, &f2, "diagnostic", "finding", "add", "--diagnostic", id(d.ID), "--file", file("f2.json", map[string]any{
		"statement": "Le LAEP est mal connu des familles rurales.", "theme": "parentalite", "author_org": o.CentreSocial.ID}))
	// A stale version is a conflict.
	stale := f1
	f1.Statement = "L'offre jeunesse est concentrée au sud du territoire."
	run(0, &f1, "diagnostic", "finding", "update", "--file", file("f1u.json", f1))
	stale.Statement = "Concurrent"
	if msg := run(1, nil, "diagnostic", "finding", "update", "--file", file("f1s.json", stale)); !strings.Contains(msg, "a changé entre-temps") {
		t.Errorf("conflict: %s", msg)
	}
	position := func(f domain.Finding, org int64, stance, comment string, want int) string {
		return run(want, nil, "diagnostic", "position", "--finding", id(f.ID), "--org", id(org), "--stance", stance, "--comment", comment)
	}
	position(f1, o.CAF.ID, "agree", "", 0)
	position(f1, o.EPCI.ID, "nuance", "Moins vrai l'été.", 0)
	position(f1, o.CentreSocial.ID, "disagree", "Des accueils existent au nord.", 0)
	position(f2, o.CAF.ID, "agree", "", 0)
	position(f2, o.EPCI.ID, "agree", "", 0)
	position(f2, o.CentreSocial.ID, "agree", "", 0)
	if msg := position(f1, o.Outsider.ID, "agree", "", 1); !strings.Contains(msg, "org_id") {
		t.Errorf("non participant: %s", msg)
	}

	run(0, &d, "diagnostic", "stage", id(d.ID), "--to", "restitution")
	var rs domain.Restitution
	run(0, &rs, "diagnostic", "restitution", "add", "--diagnostic", id(d.ID), "--file", file("r.json", map[string]any{
		"date": "2024-11-20", "allowance": 10, "priorities": []map[string]any{
			{"key": "reseau_parentalite", "title": "Un réseau local parentalité"},
			{"key": "diagnostic_jeunesse", "title": "Un diagnostic de la politique jeunesse"},
			{"key": "mobilite_ados", "title": "La mobilité des adolescents"}}}))
	var rf domain.Finding
	run(0, &rf, "diagnostic", "review", "--restitution", id(rs.ID), "--finding", id(f1.ID), "--decision", "amended", "--statement", "L'offre jeunesse manque au nord du territoire.")
	if rf.Status != domain.FindingAmended {
		t.Errorf("amended: %+v", rf)
	}
	run(0, &rf, "diagnostic", "review", "--restitution", id(rs.ID), "--finding", id(f2.ID), "--decision", "validated")
	run(0, nil, "diagnostic", "vote", "--restitution", id(rs.ID), "--org", id(o.CAF.ID), "--points", "reseau_parentalite=4,diagnostic_jeunesse=6")
	run(0, nil, "diagnostic", "vote", "--restitution", id(rs.ID), "--org", id(o.EPCI.ID), "--points", "diagnostic_jeunesse=5,mobilite_ados=5")
	if msg := run(1, nil, "diagnostic", "vote", "--restitution", id(rs.ID), "--org", id(o.CentreSocial.ID), "--points", "reseau_parentalite=8,mobilite_ados=3"); !strings.Contains(msg, "11 points attribués pour 10") {
		t.Errorf("over allowance: %s", msg)
	}
	run(0, nil, "diagnostic", "vote", "--restitution", id(rs.ID), "--org", id(o.CentreSocial.ID), "--points", "reseau_parentalite=8,mobilite_ados=2")
	var syn diagnostic.Synthesis
	run(0, &syn, "diagnostic", "show", id(d.ID))
	rk := syn.Restitutions[0].Ranking
	// reseau 4+8 = 12, jeunesse 6+5 = 11, mobilité 5+2 = 7.
	if rk[0].Key != "reseau_parentalite" || rk[0].Points != 12 || rk[1].Key != "diagnostic_jeunesse" || rk[2].Points != 7 {
		t.Errorf("ranking: %+v", rk)
	}
	// Finding 1: agree, nuance, disagree → Leik dispersion 2/3, contested.
	if c := syn.Crossings[0]; !c.Contested || c.Tally.N != 3 {
		t.Errorf("crossing: %+v", c)
	}
	run(0, &d, "diagnostic", "stage", id(d.ID), "--to", "validated")
	out := filepath.Join(dir, "diag.md")
	run(0, nil, "diagnostic", "export", id(d.ID), "--format", "markdown", "--out", out)
	md, _ := os.ReadFile(out)
	if !strings.Contains(string(md), "Rédaction initiale : « L'offre jeunesse est concentrée au sud du territoire. »") {
		t.Errorf("markdown: %s", md)
	}
	var sv diagnostic.SteeringView
	run(0, &sv, "diagnostic", "steering")
	if len(sv.Sites) != 1 || len(sv.Lessons) != 2 {
		t.Errorf("steering: %+v", sv)
	}
	var listed []domain.Diagnostic
	run(0, &listed, "diagnostic", "list", "--stage", "validated")
	if len(listed) != 1 {
		t.Errorf("list: %+v", listed)
	}

	// Governance.
	var body domain.Body
	run(0, &body, "instance", "create", "--file", file("b.json", map[string]any{"name": "COPIL CTG", "kind": "comite_pilotage",
		"members": []map[string]any{{"org_id": o.CAF.ID, "role": "co-président"}, {"org_id": o.EPCI.ID, "role": "co-président"}}}))
	run(0, nil, "instance", "meeting", "--body", id(body.ID), "--file", file("m.json", map[string]any{"date": "2025-03-14", "minutes": "Validation des fiches."}))
	run(0, nil, "instance", "decision", "--body", id(body.ID), "--file", file("dec.json", map[string]any{"text": "Recruter un animateur", "owner_org_id": o.EPCI.ID, "due_date": "2025-06-30"}))
	var overdue []domain.Decision
	run(0, &overdue, "instance", "overdue")
	if len(overdue) != 1 {
		t.Errorf("overdue: %+v", overdue)
	}

	// A CTG with two fiches and measurements over two years.
	var ctg domain.Convention
	run(0, &ctg, "convention", "create", "--file", file("c.json", map[string]any{"kind": "ctg", "title": "CTG du Haut Berry", "perimeter": diagtest.HautBerry,
		"start": "2023-01-01", "end": "2026-12-31", "themes": []string{"jeunesse", "parentalite"}, "diagnostic_id": d.ID,
		"signatories": []map[string]any{{"actor_id": o.CAF.ActorID}, {"actor_id": o.EPCI.ActorID}}}))
	var fa1, fa2 domain.FicheAction
	run(0, &fa1, "convention", "fiche", "add", "--convention", id(ctg.ID), "--file", file("fa1.json", map[string]any{
		"title": "Réseau local parentalité", "objective": "Coordonner le soutien à la parentalité", "lead_actor_id": o.CentreSocial.ActorID,
		"budget":     []map[string]any{{"funder_id": o.CAF.ActorID, "year": 2024, "amount": 8000}},
		"indicators": []map[string]any{{"key": "familles", "label": "Familles touchées", "baseline": 40, "target": 120}}}))
	run(0, &fa2, "convention", "fiche", "--convention", id(ctg.ID), "--file", file("fa2.json", map[string]any{
		"title": "Accueil des adolescents", "objective": "Ouvrir un accueil au nord", "lead_actor_id": o.EPCI.ActorID,
		"indicators": []map[string]any{{"key": "places_ados", "label": "Places 11-17 ans", "baseline": 24, "target": 48}}}))
	measure := func(f domain.FicheAction, ind, date, v string, want int) string {
		return run(want, nil, "convention", "measure", "--fiche", id(f.ID), "--indicator", ind, "--date", date, "--value", v)
	}
	measure(fa1, "familles", "2024-12-31", "70", 0)
	measure(fa1, "familles", "2025-12-31", "100", 0)
	measure(fa2, "places_ados", "2024-09-01", "30", 0)
	measure(fa2, "places_ados", "2025-09-01", "36", 0)
	if msg := measure(fa2, "places_ados", "2022-06-01", "20", 1); !strings.Contains(msg, "hors de la période") {
		t.Errorf("outside the period: %s", msg)
	}
	stalef := fa2
	fa2.Objective = "Ouvrir un accueil itinérant au nord"
	run(0, &fa2, "convention", "fiche", "update", "--file", file("fa2u.json", fa2))
	if msg := run(1, nil, "convention", "fiche", "update", "--file", file("fa2s.json", stalef)); !strings.Contains(msg, "a changé entre-temps") {
		t.Errorf("fiche conflict: %s", msg)
	}
	var rep diagnostic.ConventionReport
	run(0, &rep, "convention", "show", id(ctg.ID))
	// (100−40)/(120−40) = .75 and (36−24)/(48−24) = .5 → .625.
	if p := rep.Progress.Progress; p == nil || *p != 0.625 {
		t.Errorf("convention progress: %+v", rep.Progress)
	}
	run(0, nil, "convention", "renewals")
	var cl []domain.Convention
	run(0, &cl, "convention", "list")
	if len(cl) != 1 {
		t.Errorf("conventions: %+v", cl)
	}
}
