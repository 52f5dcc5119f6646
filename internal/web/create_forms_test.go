package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"maillage/internal/demo"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

// TestCreateForms runs every creation form of the diagnostic, governance
// and convention screens inside the whole server with accounts, on both
// databases: a submission with an error shows the field's message and
// writes nothing, a valid one creates the record and redirects to it, a
// reader is refused the form and the submission.
func TestCreateForms(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if err := demo.Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		fx := seedDiagnostic(t, s)
		svc, err := diagnostic.NewService(s)
		if err != nil {
			t.Fatal(err)
		}
		as := newAccountsServer(t, s)
		as.user("agente@caf.example", "Agathe", fx.CAF, domain.RoleCAFStaff)
		as.user("lecteur@epci.example", "Léo", fx.EPCI, domain.RolePartnerReader)
		login, do := as.login, as.do
		agent, reader := login("agente@caf.example"), login("lecteur@epci.example")
		// the meeting, decision and fiche go to the body and the convention
		// the agent creates (the seeded ones belong to the instance)
		var newBody, newConv int64
		count := func(what string) int {
			t.Helper()
			var n int
			var err error
			switch what {
			case "diagnostics":
				var pg domain.Page[domain.Diagnostic]
				pg, err = svc.Diagnostics(ctx, domain.DiagnosticFilter{})
				n = pg.Total
			case "bodies":
				var pg domain.Page[domain.Body]
				pg, err = svc.Bodies(ctx, domain.BodyFilter{})
				n = pg.Total
			case "meetings":
				var ms []domain.Meeting
				ms, err = svc.Meetings(ctx, newBody)
				n = len(ms)
			case "decisions":
				var ds []domain.Decision
				ds, err = svc.Decisions(ctx, domain.DecisionFilter{Body: newBody})
				n = len(ds)
			case "conventions":
				var pg domain.Page[domain.Convention]
				pg, err = svc.Conventions(ctx, domain.ConventionFilter{})
				n = pg.Total
			case "fiches":
				var fs []domain.FicheAction
				fs, err = svc.Fiches(ctx, newConv)
				n = len(fs)
			}
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		id := func(v int64) string { return fmt.Sprint(v) }
		cases := []struct {
			name, kind string
			path       func() string
			bad        url.Values
			badMsg     []string
			good       url.Values
			location   string
		}{
			{"diagnostic", "diagnostics", func() string { return "/diagnostics/nouveau" },
				url.Values{"title": {""}, "perimeter": {demo.CTGCode}, "themes": {"parentalite"}, "period_start": {"2026-13-45"}},
				[]string{`id="champ-title-erreur"`, "obligatoire", `id="champ-period_start-erreur"`, "date invalide"},
				url.Values{"title": {"Diagnostic petite enfance"}, "perimeter": {demo.CTGCode}, "themes": {"petite_enfance"}, "participants": {id(fx.CAF), id(fx.EPCI)},
					"period_start": {"2026-01-01"}, "period_end": {"2026-12-31"}, "steering_body_id": {id(fx.Body)}},
				"/diagnostics/"},
			{"body", "bodies", func() string { return "/instances/nouvelle" },
				url.Values{"name": {""}, "kind": {domain.BodyTechnical}, "members": {"Centre social ; membre"}},
				[]string{`id="champ-name-erreur"`, "obligatoire"},
				url.Values{"name": {"Comité technique petite enfance"}, "kind": {domain.BodyTechnical}, "territory": {demo.CTGCode}, "themes": {"petite_enfance"},
					"members": {"Centre social ; animation ; Mme Martin\nAssociation des parents ; membre"}},
				"/instances/"},
			{"meeting", "meetings", func() string { return "/instances/" + id(newBody) + "/reunions/nouvelle" },
				url.Values{"date": {"31/02/2026"}, "agenda": {"Point d’étape ; 30"}},
				[]string{`id="champ-date-erreur"`, "date invalide"},
				url.Values{"date": {"12/03/2026"}, "place": {"Mairie"}, "agenda": {"Point d’étape ; 30\nQuestions diverses"}, "attendance": {"Centre social ; présent\nAssociation ; absent"},
					"minutes": {"Le comité valide le calendrier."}},
				"/instances/"},
			{"decision", "decisions", func() string { return "/instances/" + id(newBody) + "/decisions/nouvelle" },
				url.Values{"text": {"Recenser les assistantes maternelles"}, "owner_org_id": {""}, "owner_name": {""}},
				[]string{`id="champ-owner_org_id-erreur"`, "qui porte la décision"},
				url.Values{"text": {"Recenser les assistantes maternelles"}, "owner_org_id": {id(fx.EPCI)}, "due_date": {"2026-06-30"}},
				"/instances/"},
			{"convention", "conventions", func() string { return "/conventions/nouvelle" },
				url.Values{"kind": {domain.ConventionCTG}, "title": {"CTG sud"}, "perimeter": {demo.CTGCode}, "start": {"2026-01-01"}, "end": {"2025-01-01"}},
				[]string{`id="champ-end-erreur"`},
				url.Values{"kind": {domain.ConventionCTG}, "title": {"CTG sud 2026-2029"}, "perimeter": {demo.CTGCode}, "start": {"2026-01-01"}, "end": {"2029-12-31"},
					"themes": {"parentalite"}, "signatories": {id(fx.CAF), id(fx.EPCI)}, "other_signatories": {"Conseil départemental ; signataire"}, "diagnostic_id": {id(fx.Diag)}},
				"/conventions/"},
			{"fiche", "fiches", func() string { return "/conventions/" + id(newConv) + "/fiches/nouvelle" },
				url.Values{"title": {"Relais petite enfance"}, "objective": {""}, "lead_name": {"CAF"}, "budget": {"CAF ; deux mille ; 100"}},
				[]string{`id="champ-budget-erreur"`, "année invalide"},
				url.Values{"number": {"2.1"}, "title": {"Relais petite enfance"}, "objective": {"Ouvrir un relais itinérant"}, "lead_name": {"CAF"},
					"budget": {"CAF ; 2026 ; 12 000\nEPCI ; 2027 ; 8 000,50"}, "indicator_label": {"Familles informées par an"}, "indicator_unit": {"familles"},
					"indicator_baseline": {"20"}, "indicator_target": {"120"}},
				"/conventions/"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				path := c.path()
				r := do(agent, "GET", path, nil)
				must(t, r, 200, `id="formulaire-creation"`)
				m := csrfRe.FindStringSubmatch(r.body)
				if m == nil {
					t.Fatal("no CSRF token in the form")
				}
				before := count(c.kind)
				// without the token: refused
				must(t, do(agent, "POST", path, c.good), 403)
				bad := url.Values{"csrf_token": {m[1]}}
				for k, v := range c.bad {
					bad[k] = v
				}
				r = do(agent, "POST", path, bad)
				must(t, r, 422, append([]string{"Le formulaire contient des erreurs"}, c.badMsg...)...)
				if n := count(c.kind); n != before {
					t.Fatalf("%s: a refused form wrote something (%d → %d)", c.kind, before, n)
				}
				good := url.Values{"csrf_token": {m[1]}}
				for k, v := range c.good {
					good[k] = v
				}
				r = do(agent, "POST", path, good)
				must(t, r, 303)
				if loc := r.header.Get("Location"); !strings.HasPrefix(loc, c.location) {
					t.Fatalf("redirect to %q, want %q…", loc, c.location)
				}
				if n := count(c.kind); n != before+1 {
					t.Fatalf("%s: %d → %d after a valid form", c.kind, before, n)
				}
				must(t, do(agent, "GET", strings.SplitN(r.header.Get("Location"), "#", 2)[0], nil), 200, "fr-alert--success")
				loc := strings.SplitN(r.header.Get("Location"), "?", 2)[0]
				var created int64
				fmt.Sscanf(loc[strings.LastIndex(loc, "/")+1:], "%d", &created)
				switch c.kind {
				case "bodies":
					newBody = created
				case "conventions":
					newConv = created
				}

				// a reader may neither open nor submit the form
				rr := do(reader, "GET", path, nil)
				if rr.status != 403 {
					t.Fatalf("reader GET %s: status %d, want 403", path, rr.status)
				}
				rm := csrfRe.FindStringSubmatch(do(reader, "GET", "/diagnostics", nil).body)
				if rm == nil {
					t.Fatal("no CSRF token for the reader")
				}
				good.Set("csrf_token", rm[1])
				must(t, do(reader, "POST", path, good), 403)
				if n := count(c.kind); n != before+1 {
					t.Fatalf("%s: a reader wrote something", c.kind)
				}
			})
		}

		// the fiche carries its budget and indicator; the diagnostic its participants
		fs, _ := svc.Fiches(ctx, newConv)
		if len(fs) == 0 {
			t.Fatal("no fiche")
		}
		last := fs[len(fs)-1]
		if len(last.Budget) != 2 || last.Budget[1].Amount != 8000.5 || len(last.Indicators) != 1 || last.Indicators[0].Target != 120 || last.Indicators[0].Key != "familles_informees_par_an" {
			t.Errorf("fiche: %+v", last)
		}
		ds, _ := svc.Diagnostics(ctx, domain.DiagnosticFilter{})
		var nd *domain.Diagnostic
		for i := range ds.Items {
			if ds.Items[i].Title == "Diagnostic petite enfance" {
				nd = &ds.Items[i]
			}
		}
		if nd == nil || len(nd.Participants) != 2 || nd.SteeringBodyID != fx.Body || nd.OwnerOrg != fx.CAF {
			t.Errorf("diagnostic: %+v", nd)
		}
	})
}

// TestDiagnosticFromAnalysis creates a diagnostic from the analysis page's
// parameters: the form is prefilled with them, and the diagnostic's frozen
// portrait has them (scope, themes, year, radius).
func TestDiagnosticFromAnalysis(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
		r := get(t, srv, "/analyse?perimetre="+demo.CTGCode+"&thematique=petite_enfance&annee=2024&rayon=12")
		must(t, r, 200, `action="/diagnostics/nouveau"`, `name="perimetre" value="`+demo.CTGCode+`"`, `name="thematique" value="petite_enfance"`, `name="rayon" value="12"`)
		r = get(t, srv, "/diagnostics/nouveau?perimetre="+demo.CTGCode+"&thematique=petite_enfance&annee=2024&rayon=12")
		must(t, r, 200, `name="perimeter" value="`+demo.CTGCode+`"`, `value="petite_enfance" checked`, `name="analyse_rayon" value="12"`, `name="period_start" value="2024-01-01"`)
		form := url.Values{"title": {"Petite enfance 2024"}, "perimeter": {demo.CTGCode}, "themes": {"petite_enfance"}, "analyse": {"1"},
			"analyse_perimetre": {demo.CTGCode}, "analyse_thematique": {"petite_enfance"}, "analyse_annee": {"2024"}, "analyse_rayon": {"12"}}
		r = post(t, srv, "/diagnostics/nouveau", form)
		must(t, r, 303)
		loc := r.header.Get("Location")
		if !strings.HasSuffix(loc, "?ok=portrait") {
			t.Fatalf("redirect %q", loc)
		}
		r = get(t, srv, loc)
		must(t, r, 200, "Le portrait de données est figé", "Petite enfance 2024")
		svc, _ := diagnostic.NewService(s)
		ds, _ := svc.Diagnostics(ctx, domain.DiagnosticFilter{})
		var created int64
		for _, d := range ds.Items {
			if d.Title == "Petite enfance 2024" {
				created = d.ID
			}
		}
		pts, err := svc.Diag.Portraits(ctx, created)
		if err != nil || len(pts) != 1 {
			t.Fatalf("portraits %v %v", pts, err)
		}
		par := string(pts[0].Params)
		for _, want := range []string{`"scope":"` + demo.CTGCode + `"`, `"petite_enfance"`, `"year":2024`, `"radius_km":12`} {
			if !strings.Contains(par, want) {
				t.Errorf("portrait params %s: no %s", par, want)
			}
		}
	})
}
