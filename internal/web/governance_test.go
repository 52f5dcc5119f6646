package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

func TestGovernanceAndConventionPages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
		fx := seedDiagnostic(t, s)
		ctx := context.Background()

		t.Run("bodies_and_overdue", func(t *testing.T) {
			r := get(t, srv, "/instances")
			must(t, r, 200, "Décisions en retard", "Recenser les lieux d’accueil enfants-parents", "Comité de pilotage de la CTG Nord", "jour(s)")
			checkPage(t, r)
			r = get(t, srv, fmt.Sprintf("/instances/%d", fx.Body))
			must(t, r, 200, "Membres de l’instance", "présidence", "Réunion du 10 février 2025", "Ordre du jour", "Lancement du diagnostic",
				"Présents :", "absents ou excusés", "Le comité lance le diagnostic.", "en retard de", "31 mars 2025")
			checkPage(t, r)
			if !strings.Contains(section(r.body, "<caption>Décisions de l’instance"), "Caisse d") {
				t.Error("the decision's carrier (the CAF organisation) is not shown")
			}
			must(t, get(t, srv, "/instances/999999"), 404)
		})
		t.Run("decision_follow_up", func(t *testing.T) {
			d, err := s.Decision(ctx, fx.Decision)
			if err != nil {
				t.Fatal(err)
			}
			p := fmt.Sprintf("/instances/%d/decisions/%d/suivi", fx.Body, fx.Decision)
			r := post(t, srv, p, url.Values{"version": {fmt.Sprint(d.Version)}, "statut": {"in_progress"}})
			must(t, r, 422, fmt.Sprintf(`id="suivi-%d-texte-erreur"`, fx.Decision))
			r = post(t, srv, p, url.Values{"version": {fmt.Sprint(d.Version)}, "statut": {"done"}, "texte": {"Recensement remis au comité."}, "date": {"2025-04-15"}})
			must(t, r, 303)
			r = post(t, srv, p, url.Values{"version": {fmt.Sprint(d.Version)}, "texte": {"Doublon"}})
			must(t, r, 409, "modifiée par quelqu’un d’autre")
			d, _ = s.Decision(ctx, fx.Decision)
			if d.Status != domain.DecisionDone || len(d.FollowUps) != 1 {
				t.Fatalf("decision after follow-up: %s %+v", d.Status, d.FollowUps)
			}
			r = get(t, srv, "/instances")
			if strings.Contains(section(r.body, `id="en-retard"`), "Recenser les lieux") {
				t.Error("a done decision is still listed overdue")
			}
			must(t, get(t, srv, fmt.Sprintf("/instances/%d?ok=suivi", fx.Body)), 200, "Recensement remis au comité.", "Faite")
		})
		t.Run("conventions_list", func(t *testing.T) {
			r := get(t, srv, "/conventions")
			must(t, r, 200, "Renouvellements à préparer", "convention à renouveler", "CTG du nord du territoire", "à renouveler", `class="progression"`)
			checkPage(t, r)
		})
		t.Run("convention_page", func(t *testing.T) {
			p := fmt.Sprintf("/conventions/%d", fx.Conv)
			r := get(t, srv, p)
			// progress: (25 - 10) / (40 - 10) = 50 %
			must(t, r, 200, "Fiche 1.1", "Familles accueillies par an : mesures et cible", "Mesure du 30/06/2024", "Valeur de référence", `role="img"`,
				"Mesures de l’indicateur", "progression vers la cible 50 %", "Signataires de la convention", "000 €")
			checkPage(t, r)
			mp := fmt.Sprintf("%s/fiches/%d/mesures", p, fx.Fiche)
			r = post(t, srv, mp, url.Values{"indicator": {"familles"}, "date": {"2019-01-01"}, "value": {"30"}})
			must(t, r, 422, "hors de la période de la convention", fmt.Sprintf(`id="mesure-%d-date-erreur"`, fx.Fiche))
			r = post(t, srv, mp, url.Values{"indicator": {"familles"}, "date": {"2025-12-31"}, "value": {"abc"}})
			must(t, r, 422, "nombre attendu")
			r = post(t, srv, mp, url.Values{"indicator": {"familles"}, "date": {"2025-12-31"}, "value": {"34"}, "comment": {"fin d’année"}})
			must(t, r, 303)
			ms, err := s.Measurements(ctx, domain.MeasurementFilter{Fiche: fx.Fiche})
			if err != nil || len(ms) != 3 {
				t.Fatalf("measurements: %d, %v", len(ms), err)
			}
			r = get(t, srv, p)
			must(t, r, 200, "progression vers la cible 80 %", "fin d’année")
			if strings.Count(r.body, "<svg") < 2 {
				t.Error("no chart")
			}
		})
	})
}
