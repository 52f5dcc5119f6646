package web_test

// Browser journey "run an analysis → create a diagnostic from it → land on
// the diagnostic page with its frozen portrait", and axe-core on the
// creation forms (empty and with errors).

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"maillage/internal/analysis"
	"maillage/internal/domain"
)

func TestBrowserDiagnosticFromAnalysis(t *testing.T) {
	b, _, s := diagBrowser(t)
	ctx := context.Background()

	b.open(t, "/analyse")
	b.do(t, chromedp.SetValue(chromedp.CSS("#perimetre"), "96"), chromedp.Click(chromedp.CSS("label[for=thematique-parentalite]")),
		chromedp.SetValue(chromedp.CSS("#rayon"), "12"))
	b.submit(t, chromedp.Click(chromedp.CSS("#analyser")), `document.querySelector('#creer-diagnostic-bouton')`)
	b.submit(t, chromedp.Click(chromedp.CSS("#creer-diagnostic-bouton")), `document.querySelector('#formulaire-creation')`)
	if v := b.eval(t, `document.querySelector('#champ-perimeter').value`); v != "96" {
		t.Fatalf("perimeter not carried from the analysis: %v", v)
	}
	if c := b.eval(t, `document.querySelector('#champ-themes input[value=parentalite]').checked`); c != true {
		t.Fatal("theme not carried from the analysis")
	}
	// an error first: no title
	b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer")), `document.querySelector('#champ-title-erreur')`)
	if d := b.eval(t, `document.querySelector('#champ-title').getAttribute('aria-describedby')`); d != "champ-title-erreur" {
		t.Fatalf("title not linked to its error: %v", d)
	}
	b.shot(t, "diagnostic-nouveau-erreur")
	b.do(t, chromedp.SendKeys(chromedp.CSS("#champ-title"), "Parentalité dans le département"))
	b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer")), `document.querySelector('.fr-alert--success')`)
	if !strings.HasPrefix(b.eval(t, "location.pathname").(string), "/diagnostics/") {
		t.Fatal("not on the diagnostic page")
	}
	txt := b.eval(t, `document.body.textContent`).(string)
	if !strings.Contains(txt, "Le portrait de données est figé") || !strings.Contains(txt, "Parentalité dans le département") {
		t.Fatalf("diagnostic page: %.600s", txt)
	}
	b.shot(t, "diagnostic-depuis-analyse")

	ds, err := s.Diagnostics(ctx, domain.DiagnosticFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, d := range ds.Items {
		if d.Title == "Parentalité dans le département" {
			id = d.ID
		}
	}
	pts, err := s.Portraits(ctx, id)
	if err != nil || len(pts) != 1 {
		t.Fatalf("portraits of %d: %v %v", id, pts, err)
	}
	var par analysis.Params
	if err := json.Unmarshal(pts[0].Params, &par); err != nil {
		t.Fatal(err)
	}
	if par.Scope != "96" || len(par.Themes) != 1 || par.Themes[0] != "parentalite" || par.RadiusKm != 12 || par.Year == 0 {
		t.Fatalf("frozen parameters %+v", par)
	}
}

// TestAccessibilityCreateForms runs axe-core on every creation form, empty
// and after a submission with errors.
func TestAccessibilityCreateForms(t *testing.T) {
	b, fx, _ := diagBrowser(t)
	for _, p := range []string{"/diagnostics/nouveau?perimetre=96&thematique=parentalite&annee=2024", "/instances/nouvelle",
		fmt.Sprintf("/instances/%d/reunions/nouvelle", fx.Body), fmt.Sprintf("/instances/%d/decisions/nouvelle", fx.Body),
		"/conventions/nouvelle", fmt.Sprintf("/conventions/%d/fiches/nouvelle", fx.Conv)} {
		name := strings.Trim(strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "_").Replace(p), "_")
		t.Run(name, func(t *testing.T) {
			b.open(t, p)
			b.checkAxe(t)
			b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer")), `document.querySelector('#erreurs')`)
			b.checkAxe(t)
			b.shot(t, "axe-creation-"+name)
		})
	}
}
