package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"maillage/internal/diagnostic"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

func TestDiagnosticPages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
		fx := seedDiagnostic(t, s)
		ctx := context.Background()
		base := fmt.Sprintf("/diagnostics/%d", fx.Diag)
		org := func(id int64) string { return fmt.Sprint(id) }

		t.Run("list", func(t *testing.T) {
			r := get(t, srv, "/diagnostics")
			must(t, r, 200, "Diagnostic partagé parentalité et jeunesse", "Restitution-débat", "diagnostic(s)</caption>", `scope="col"`)
			checkPage(t, r)
			if strings.Contains(get(t, srv, "/diagnostics?etape=preparation").body, "Diagnostic partagé parentalité et jeunesse") {
				t.Error("the stage filter keeps a diagnostic at the restitution stage")
			}
		})
		t.Run("page", func(t *testing.T) {
			r := get(t, srv, base)
			must(t, r, 200, "fr-stepper", `data-fr-current-step="3"`, "Étape 3 sur 5", "Terrain → Restitution-débat", "entretiens lancés",
				"Portrait du", "Ouvrir l’analyse avec les paramètres figés", "compte-rendu.txt", `href="/api/v1/attachments/`, "/analyse?", "Entretien avec la directrice du centre social",
				"Constat n°", ">contesté<", "barre-positions", "constat(s) contesté(s)", "Le bus itinérant passe une fois par mois.",
				`name="position"`, `for="commentaire-`)
			checkPage(t, r)
			// the contested finding is F2 only
			sec := section(r.body, fmt.Sprintf(`id="constat-%d"`, fx.F2))
			if !strings.Contains(sec, ">contesté<") {
				t.Errorf("finding %d (1 agree, 2 disagree) is not marked contested", fx.F2)
			}
			if strings.Contains(section(r.body, fmt.Sprintf(`id="constat-%d"`, fx.F3)), ">contesté<") {
				t.Errorf("finding %d (no position) is marked contested", fx.F3)
			}
		})
		t.Run("position_errors_then_ok", func(t *testing.T) {
			path := fmt.Sprintf("%s/constats/%d/position", base, fx.F3)
			r := post(t, srv, path, url.Values{"organisation": {org(fx.EPCI)}, "position": {"nuance"}})
			must(t, r, 422, fmt.Sprintf(`id="commentaire-%d-erreur"`, fx.F3), "obligatoire pour une position nuancée", fmt.Sprintf(`aria-describedby="commentaire-%d-erreur"`, fx.F3))
			checkPage(t, r)
			r = post(t, srv, path, url.Values{"organisation": {org(fx.EPCI)}})
			must(t, r, 422, fmt.Sprintf(`id="stance-%d-erreur"`, fx.F3), "choisissez une position")
			r = post(t, srv, path, url.Values{"organisation": {org(fx.Outside)}, "position": {"agree"}})
			must(t, r, 422, "ne participe pas au diagnostic")
			r = post(t, srv, path, url.Values{"organisation": {org(fx.EPCI)}, "position": {"disagree"}, "commentaire": {"Les permanences sont connues."}})
			must(t, r, 303)
			if loc := r.header.Get("Location"); !strings.Contains(loc, fmt.Sprintf("#constat-%d", fx.F3)) {
				t.Errorf("redirect to %q", loc)
			}
			ps, err := s.Positions(ctx, domain.PositionFilter{Finding: fx.F3})
			if err != nil || len(ps) != 1 || ps[0].OrgID != fx.EPCI || ps[0].Stance != domain.StanceDisagree {
				t.Fatalf("positions after the form: %+v, %v", ps, err)
			}
			must(t, get(t, srv, base+"?ok=position"), 200, "Votre position est enregistrée.", "Les permanences sont connues.")
		})
		t.Run("activity", func(t *testing.T) {
			r := post(t, srv, base+"/activites", url.Values{"kind": {"site_visit"}, "date": {"2025-05-05"}})
			must(t, r, 422, `id="act-title-erreur"`, "L’activité contient")
			r = post(t, srv, base+"/activites", url.Values{"kind": {"site_visit"}, "title": {"Visite de l’EVS"}, "date": {"2025-05-05"}, "participants": {"EVS des Confins — animatrice"}})
			must(t, r, 303)
			must(t, get(t, srv, base), 200, "Visite de l’EVS", "EVS des Confins — animatrice")
		})
		t.Run("restitution_votes", func(t *testing.T) {
			rp := fmt.Sprintf("%s/restitution", base)
			r := get(t, srv, rp)
			must(t, r, 200, "Examen des constats, un par un", "Classement des priorités", "Mieux informer les parents", "Répartition des points par organisation", `id="points-laep"`, "2 organisation(s) ont voté")
			checkPage(t, r)
			vp := fmt.Sprintf("%s/%d/points", rp, fx.Restit)
			r = post(t, srv, vp, url.Values{"organisation": {org(fx.CS)}, "points-laep": {"8"}, "points-jeunes": {"5"}})
			must(t, r, 422, "13 points attribués pour 10 disponibles", `value="8"`, "restants : <strong>-3</strong>")
			r = post(t, srv, vp, url.Values{"organisation": {org(fx.CS)}, "points-laep": {"beaucoup"}})
			must(t, r, 422, `id="points-laep-erreur"`, "nombre entier positif")
			r = post(t, srv, vp, url.Values{"organisation": {org(fx.CS)}, "points-laep": {"7"}, "points-info": {"3"}})
			must(t, r, 303)
			r = get(t, srv, rp)
			must(t, r, 200, "3 organisation(s) ont voté")
			// laep: 6 + 7 = 13 points, first
			first := section(r.body, "<caption>Classement des priorités")
			if i, j := strings.Index(first, "Ouvrir un lieu d’accueil"), strings.Index(first, "Mieux informer"); i < 0 || j < 0 || i > j {
				t.Errorf("ranking order wrong:\n%.1500s", first)
			}
		})
		t.Run("restitution_reviews", func(t *testing.T) {
			rv := fmt.Sprintf("%s/restitution/%d/examen", base, fx.Restit)
			f, _ := s.Finding(ctx, fx.F1)
			r := post(t, srv, rv, url.Values{"constat": {fmt.Sprint(fx.F1)}, "version": {fmt.Sprint(f.Version)}, "decision": {"rejected"}})
			must(t, r, 422, `id="motif-erreur"`, "obligatoire pour un constat rejeté")
			r = post(t, srv, rv, url.Values{"constat": {fmt.Sprint(fx.F1)}, "version": {fmt.Sprint(f.Version)}, "decision": {"amended"}, "nouvelle_redaction": {"Le nord du territoire n’a pas de LAEP."}})
			must(t, r, 303)
			r = post(t, srv, rv, url.Values{"constat": {fmt.Sprint(fx.F1)}, "version": {fmt.Sprint(f.Version)}, "decision": {"validated"}})
			must(t, r, 409, "modifié par quelqu’un d’autre")
			f, _ = s.Finding(ctx, fx.F1)
			if f.Status != domain.FindingAmended || f.Statement != "Le nord du territoire n’a pas de LAEP." {
				t.Fatalf("finding after review: %s %q", f.Status, f.Statement)
			}
			must(t, get(t, srv, fmt.Sprintf("%s/restitution?constat=%d", base, fx.F1)), 200, "Décision enregistrée :", "Amendé")
		})
		t.Run("report", func(t *testing.T) {
			r := get(t, srv, base+"/rapport")
			must(t, r, 200, "Rapport du diagnostic partagé", "app/diagnostic.css", "data-imprimer", "Constats et positions", "Classement des priorités",
				"Accessibilité pour 1 000 personnes concernées", `class="carte"`, "Le nord du territoire n’a pas de LAEP.", "Rédaction initiale")
			checkPage(t, r)
			css := get(t, srv, between(r.body, `href="`, `app/diagnostic.css"`)+"app/diagnostic.css")
			must(t, css, 200, "@media print", "break-inside: avoid")
		})
		t.Run("steering", func(t *testing.T) {
			r := get(t, srv, "/pilotage")
			must(t, r, 200, "Comparaison des sites", "Enseignements partagés", "Le nord du territoire n’a pas de LAEP.", "Diagnostics par étape", `scope="row"`, "Diagnostics par département", "Ouvrir un lieu d’accueil enfants-parents au nord", "Avancement moyen des conventions par site")
			checkPage(t, r)
		})
		t.Run("propose_finding", func(t *testing.T) {
			r := post(t, srv, base+"/constats", url.Values{"organisation": {org(fx.CS)}, "enonce": {" "}, "thematique": {"parentalite"}})
			must(t, r, 422, `id="constat-enonce-erreur"`, "obligatoire")
			r = post(t, srv, base+"/constats", url.Values{"organisation": {org(fx.Outside)}, "enonce": {"Un constat"}, "thematique": {"parentalite"}})
			must(t, r, 422, "ne participe pas")
			r = post(t, srv, base+"/constats", url.Values{"organisation": {org(fx.CS)}, "enonce": {"Les horaires des permanences ne conviennent pas aux parents qui travaillent."}, "thematique": {"parentalite"}})
			must(t, r, 303)
			must(t, get(t, srv, base+"?ok=constat"), 200, "Le constat est proposé", "Les horaires des permanences ne conviennent pas")
		})
		t.Run("freeze_portrait", func(t *testing.T) {
			before, _ := s.Portraits(ctx, fx.Diag)
			must(t, post(t, srv, base+"/portrait", url.Values{}), 303)
			after, _ := s.Portraits(ctx, fx.Diag)
			if len(after) != len(before)+1 {
				t.Fatalf("portraits %d → %d", len(before), len(after))
			}
			must(t, get(t, srv, base+"?ok=portrait"), 200, "Le portrait de données est figé")
		})
		t.Run("stage_move_refused", func(t *testing.T) {
			r := post(t, srv, base+"/etape", url.Values{"etape": {"follow_up"}})
			must(t, r, 422, "passage impossible")
		})
		t.Run("every_record_renders", func(t *testing.T) {
			// the demo's own diagnostic, bodies and conventions too
			ds, err := s.Diagnostics(ctx, domain.DiagnosticFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds.Items {
				for _, p := range []string{"", "/restitution", "/rapport"} {
					must(t, get(t, srv, fmt.Sprintf("/diagnostics/%d%s", d.ID, p)), 200)
				}
			}
			bs, err := s.Bodies(ctx, domain.BodyFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs.Items {
				must(t, get(t, srv, fmt.Sprintf("/instances/%d", b.ID)), 200)
			}
			cs, err := s.Conventions(ctx, domain.ConventionFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs.Items {
				must(t, get(t, srv, fmt.Sprintf("/conventions/%d", c.ID)), 200)
			}
		})
		t.Run("not_found", func(t *testing.T) {
			must(t, get(t, srv, "/diagnostics/999999"), 404)
			must(t, get(t, srv, "/diagnostics/abc"), 404)
		})
	})
}

// TestDiagnosticWritesNeedAnAccount: without AllowAnonymousWrite and
// without a principal allowed to write, the forms are not shown and posts
// are refused.
func TestDiagnosticWritesNeedAnAccount(t *testing.T) {
	s := storetest.OpenSQLite(t)
	srv := newDemo(t, s, web.Options{})
	fx := seedDiagnostic(t, s)
	base := fmt.Sprintf("/diagnostics/%d", fx.Diag)
	r := get(t, srv, base)
	must(t, r, 200)
	if strings.Contains(r.body, `name="position"`) {
		t.Error("position form shown to a visitor who may not write")
	}
	must(t, post(t, srv, fmt.Sprintf("%s/constats/%d/position", base, fx.F3), url.Values{"position": {"agree"}, "organisation": {fmt.Sprint(fx.CAF)}}), 403)
	must(t, post(t, srv, fmt.Sprintf("%s/restitution/%d/points", base, fx.Restit), url.Values{"points-laep": {"1"}}), 403)
}

// section returns the body from marker to the next closing </section> or
// </table>.
func section(body, marker string) string {
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	for _, end := range []string{"</section>", "</table>"} {
		if j := strings.Index(rest, end); j >= 0 {
			return rest[:j]
		}
	}
	return rest
}

// between returns the last static prefix before suffix (the hashed
// static URL prefix).
func between(body, prefix, suffix string) string {
	j := strings.Index(body, suffix)
	if j < 0 {
		return ""
	}
	i := strings.LastIndex(body[:j], prefix)
	return body[i+len(prefix) : j]
}

var _ = diagnostic.Cross
