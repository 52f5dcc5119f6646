package web_test

// Browser journey "add a funding from the action's page": an error first
// (an amount in words), then the fix, and the new row in the table; then
// edit and delete pages. axe-core runs on the action's page with its form,
// on the form with an error, on the edit and delete pages.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

func TestBrowserFundings(t *testing.T) {
	b := newBrowser(t)
	s := storetest.OpenSQLite(t)
	srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
	b.base = srv.URL
	ctx := context.Background()

	pg, err := s.Actions(ctx, domain.ActionFilter{Limit: 1, Sort: "id"})
	if err != nil || len(pg.Items) == 0 {
		t.Fatalf("no demo action: %v", err)
	}
	a, err := s.Action(ctx, pg.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	const year = 2030
	taken := map[int64]bool{}
	for _, f := range a.Fundings {
		if f.Year == year {
			taken[f.FunderID] = true
		}
	}
	actors, err := s.Actors(ctx, domain.ActorFilter{Type: "caf", Limit: 1})
	if err != nil || len(actors.Items) == 0 || taken[actors.Items[0].ID] {
		t.Fatalf("demo CAF: %+v %v", actors.Items, err)
	}
	funder := actors.Items[0]
	page := fmt.Sprintf("/actions/%d", a.ID)
	rows := `[...document.querySelectorAll('#financements + .fr-table tbody tr')].map(r => r.textContent).join('\n')`

	b.open(t, page)
	b.checkAxe(t)
	if l := b.eval(t, `document.querySelector('label[for=champ-amount]').textContent`).(string); !strings.Contains(l, "Montant en euros") {
		t.Fatalf("amount label %q", l)
	}
	if lg := b.eval(t, `document.querySelector('#formulaire-financement fieldset legend').textContent`).(string); !strings.Contains(lg, "Nouveau financement") {
		t.Fatalf("legend %q", lg)
	}
	b.setValue(t, "#champ-funder", strconv.FormatInt(funder.ID, 10))
	b.setValue(t, "#champ-year", "")
	b.do(t, chromedp.SendKeys(chromedp.CSS("#champ-year"), strconv.Itoa(year)), chromedp.SendKeys(chromedp.CSS("#champ-amount"), "deux mille"))
	b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-financement")), `document.querySelector('#champ-amount-erreur')`)
	if msg := b.eval(t, `document.querySelector('#champ-amount-erreur').textContent`).(string); !strings.Contains(msg, "montant illisible") {
		t.Fatalf("amount error %q", msg)
	}
	if d := b.eval(t, `document.querySelector('#champ-amount').getAttribute('aria-describedby')`); d != "champ-amount-erreur" {
		t.Fatalf("amount not linked to its error: %v", d)
	}
	if v := b.eval(t, `document.querySelector('#champ-funder').value`); v != strconv.FormatInt(funder.ID, 10) {
		t.Fatalf("the funder chosen is lost after the error: %v", v)
	}
	// the summary links to the field
	if href := b.eval(t, `document.querySelector('#erreurs a').getAttribute('href')`); href != "#champ-amount" {
		t.Fatalf("summary link %v", href)
	}
	b.checkAxe(t)
	b.shot(t, "financement-erreur")
	if fs, _ := s.Fundings(ctx, domain.FundingFilter{Action: a.ID, Year: year}); len(fs.Items) != len(taken) {
		t.Fatalf("a refused form wrote: %+v", fs.Items)
	}

	b.setValue(t, "#champ-amount", "")
	b.do(t, chromedp.SendKeys(chromedp.CSS("#champ-amount"), "2 000,50"))
	b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-financement")), `document.querySelector('.fr-alert--success')`)
	if p := b.eval(t, "location.pathname"); p != page {
		t.Fatalf("after saving the browser is on %v", p)
	}
	txt := b.eval(t, rows).(string)
	if !strings.Contains(txt, funder.Name) || !strings.Contains(txt, strconv.Itoa(year)) || !strings.Contains(txt, "2\u202f000,5") {
		t.Fatalf("the new funding is not in the table:\n%s", txt)
	}
	if msg := b.eval(t, `document.querySelector('.fr-alert--success').textContent`).(string); !strings.Contains(msg, "Le financement a été ajouté.") {
		t.Fatalf("flash %q", msg)
	}
	b.shot(t, "financement-ajoute")
	fs, err := s.Fundings(ctx, domain.FundingFilter{Action: a.ID, Funder: funder.ID, Year: year})
	if err != nil || len(fs.Items) != 1 || fs.Items[0].Amount != 2000.5 {
		t.Fatalf("stored %+v %v", fs.Items, err)
	}
	f := fs.Items[0]

	// edit: the page, axe, a new amount
	b.open(t, fmt.Sprintf("%s/financements/%d/modifier", page, f.ID))
	b.checkAxe(t)
	b.setValue(t, "#champ-amount", "")
	b.do(t, chromedp.SendKeys(chromedp.CSS("#champ-amount"), "1 500,5"))
	b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-financement")), `document.querySelector('.fr-alert--success')`)
	if txt := b.eval(t, rows).(string); !strings.Contains(txt, "1\u202f500,5") {
		t.Fatalf("the edited amount is not in the table:\n%s", txt)
	}

	// delete: the confirmation page, axe, confirm
	b.open(t, fmt.Sprintf("%s/financements/%d/supprimer", page, f.ID))
	b.checkAxe(t)
	b.submit(t, chromedp.Click(chromedp.CSS("#confirmer-suppression")), `document.querySelector('.fr-alert--success')`)
	if txt := b.eval(t, `document.body.textContent`).(string); !strings.Contains(txt, "Le financement a été supprimé.") {
		t.Fatal("no message after the deletion")
	}
	if _, err := s.Funding(ctx, f.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("still stored: %v", err)
	}
}
