package web_test

// Browser journey "create an actor through the form, with an error first,
// and land on its page", then find it in the directory; axe-core on the
// form (empty and with errors), the new actor's page, a funder's page and
// the directory.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

func TestBrowserActor(t *testing.T) {
	b := newBrowser(t)
	s := storetest.OpenSQLite(t)
	srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
	b.base = srv.URL
	ctx := context.Background()
	seat, err := s.Territory(ctx, "96001")
	if err != nil {
		t.Fatal(err)
	}
	siren := luhnSIREN(t, "51234987")
	const name = "Espace de vie sociale Les Tilleuls"

	t.Run("create_with_error_then_fix", func(t *testing.T) {
		b.open(t, "/acteurs")
		b.submit(t, chromedp.Click(chromedp.CSS(`a[href="/acteurs/nouveau"]`)), `document.querySelector('#name')`)
		if cur := b.eval(t, `document.querySelector('nav#navigation-principale a[aria-current=page]').textContent`); cur != "Acteurs" {
			t.Fatalf("current menu entry %v, want Acteurs", cur)
		}
		b.checkAxe(t)
		// an error first: a name but no type and a SIREN with a wrong key
		b.do(t, chromedp.SendKeys(chromedp.CSS("#name"), name), chromedp.SendKeys(chromedp.CSS("#siren"), "123 456 789"))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer")), `document.querySelector('#erreurs')`)
		if msg := b.eval(t, `document.querySelector('#type-erreur').textContent`).(string); !strings.Contains(msg, "obligatoire") {
			t.Fatalf("type error %q", msg)
		}
		if msg := b.eval(t, `document.querySelector('#siren-erreur').textContent`).(string); !strings.Contains(msg, "SIREN invalide") {
			t.Fatalf("SIREN error %q", msg)
		}
		for _, f := range []string{"type", "siren"} {
			if d := b.eval(t, `document.querySelector('#`+f+`').getAttribute('aria-describedby')`); d != f+"-erreur" {
				t.Fatalf("%s not linked to its error: %v", f, d)
			}
		}
		if v := b.eval(t, `document.querySelector('#name').value`); v != name {
			t.Fatalf("the name typed is lost after the error: %v", v)
		}
		// the summary's links lead to the fields
		if n := b.eval(t, `document.querySelectorAll('#erreurs a[href="#type"], #erreurs a[href="#siren"]').length`); n != float64(2) {
			t.Fatalf("error summary links: %v", n)
		}
		b.checkAxe(t)
		b.shot(t, "acteur-nouveau-erreur")

		b.setValue(t, "#siren", "")
		b.do(t, chromedp.SetValue(chromedp.CSS("#type"), "evs"), chromedp.SetValue(chromedp.CSS("#visibility"), "public"),
			chromedp.SendKeys(chromedp.CSS("#siren"), siren[:3]+" "+siren[3:6]+" "+siren[6:]), chromedp.SendKeys(chromedp.CSS("#commune"), "96001"))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer")), `document.querySelector('.fr-alert--success')`)
		if !strings.HasPrefix(b.eval(t, "location.pathname").(string), "/acteurs/") {
			t.Fatalf("not on the actor page: %v", b.eval(t, "location.href"))
		}
		if h1 := b.eval(t, `document.querySelector('h1').textContent`); h1 != name {
			t.Fatalf("h1 %v", h1)
		}
		ident := b.eval(t, `document.querySelector('#identite').textContent`).(string)
		for _, want := range []string{siren, seat.Name, "Espace de vie sociale", "publique"} {
			if !strings.Contains(ident, want) {
				t.Errorf("identity lacks %q: %s", want, ident)
			}
		}
		b.checkAxe(t)
		b.shot(t, "acteur-cree")

		pg, err := s.Actors(ctx, domain.ActorFilter{Text: name})
		if err != nil || pg.Total != 1 {
			t.Fatalf("stored actors named so: %+v %v", pg.Items, err)
		}
		a := pg.Items[0]
		if a.Type != "evs" || a.SIREN != siren || a.Commune != "96001" || a.Visibility != domain.VisibilityPublic {
			t.Fatalf("stored %+v", a)
		}
		if p := b.eval(t, "location.pathname"); p != fmt.Sprintf("/acteurs/%d", a.ID) {
			t.Fatalf("page %v, want the new actor's", p)
		}
	})

	t.Run("find_in_directory", func(t *testing.T) {
		b.open(t, "/acteurs")
		b.do(t, chromedp.SendKeys(chromedp.CSS("#texte"), "Tilleuls"), chromedp.SetValue(chromedp.CSS("#type"), "evs"))
		b.submit(t, chromedp.Click(chromedp.CSS("#filtrer")), `location.search.includes('texte=Tilleuls')`)
		if h := b.eval(t, `document.querySelector('#resultats').textContent`); h != "1 acteur(s)" {
			t.Fatalf("results heading %v", h)
		}
		b.checkAxe(t)
		b.submit(t, chromedp.Click(chromedp.CSS("table tbody tr td a")), `location.pathname.startsWith('/acteurs/')`)
		if h1 := b.eval(t, `document.querySelector('h1').textContent`); h1 != name {
			t.Fatalf("opened %v", h1)
		}
	})

	t.Run("funder_page", func(t *testing.T) {
		cafs, _ := s.Actors(ctx, domain.ActorFilter{Type: "caf"})
		b.open(t, fmt.Sprintf("/acteurs/%d", cafs.Items[0].ID))
		if n := b.eval(t, `document.querySelectorAll('#financements tbody tr').length`).(float64); n < 1 {
			t.Fatal("no funded action on the CAF's page")
		}
		if n := b.eval(t, `document.querySelectorAll('#partenaires ~ ul li a[href^="/acteurs/"]').length`).(float64); n < 1 {
			t.Fatal("no partner on the CAF's page")
		}
		b.checkAxe(t)
		b.shot(t, "acteur-financeur")
	})

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "exception") {
			t.Errorf("browser console: %s", m)
		}
	}
}
