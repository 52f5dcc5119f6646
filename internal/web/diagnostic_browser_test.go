package web_test

// Browser journeys of the diagnostic, governance, convention and
// administration screens in headless Chromium (same harness as
// browser_test.go): record a position on a finding, distribute priority
// points (an over-allowance error, then a valid vote), the printable report
// (print media, screenshot and PDF), keyboard-only submission of the
// position form, and axe-core on every page with zero serious or critical
// violations.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"maillage/internal/auth"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

// diagBrowser starts Chromium on a demo server holding the diagnostic
// fixture (writes allowed without an account, as a demo instance).
func diagBrowser(t *testing.T) (*browser, *diagFixture, domain.Store) {
	b := newBrowser(t)
	s := storetest.OpenSQLite(t)
	srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
	fx := seedDiagnostic(t, s)
	b.base = srv.URL
	return b, fx, s
}

func (b *browser) checkAxe(t *testing.T) {
	t.Helper()
	for _, v := range b.axe(t) {
		msg := fmt.Sprintf("%s [%s] %s (%d nœuds, ex. %v)", v.ID, v.Impact, v.Help, v.Nodes, v.Target)
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe: %s", msg)
		} else {
			t.Logf("axe: %s", msg)
		}
	}
}

func TestBrowserDiagnostic(t *testing.T) {
	b, fx, s := diagBrowser(t)
	ctx := context.Background()
	diag := fmt.Sprintf("/diagnostics/%d", fx.Diag)

	t.Run("record_a_position", func(t *testing.T) {
		b.open(t, diag)
		f := fmt.Sprint(fx.F3)
		b.setValue(t, "#organisation-"+f, fmt.Sprint(fx.CS))
		b.do(t, chromedp.Click(chromedp.CSS(`label[for="position-`+f+`-nuance"]`)))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-position-"+f)), `document.querySelector('#commentaire-`+f+`-erreur')`)
		if msg := b.eval(t, `document.querySelector('#commentaire-`+f+`-erreur').textContent`).(string); !strings.Contains(msg, "obligatoire") {
			t.Fatalf("comment error %q", msg)
		}
		if d := b.eval(t, `document.querySelector('#commentaire-`+f+`').getAttribute('aria-describedby')`); d != "commentaire-"+f+"-erreur" {
			t.Fatalf("comment not linked to its error: %v", d)
		}
		if c := b.eval(t, `document.querySelector('#position-`+f+`-nuance').checked`); c != true {
			t.Fatal("the stance chosen is lost after the error")
		}
		b.shot(t, "diagnostic-position-erreur")
		b.do(t, chromedp.SetValue(chromedp.CSS("#commentaire-"+f), "Les parents connaissent la PMI, pas le LAEP."))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-position-"+f)), `document.querySelector('.fr-alert--success')`)
		if txt := b.eval(t, `document.querySelector('#constat-`+f+`').textContent`).(string); !strings.Contains(txt, "Les parents connaissent la PMI, pas le LAEP.") || !strings.Contains(txt, "1 nuancé") {
			t.Fatalf("finding after the position: %.400s", txt)
		}
		b.shot(t, "diagnostic-position-ok")
		ps, err := s.Positions(ctx, domain.PositionFilter{Finding: fx.F3})
		if err != nil || len(ps) != 1 || ps[0].OrgID != fx.CS || ps[0].Stance != domain.StanceNuance {
			t.Fatalf("stored positions: %+v %v", ps, err)
		}
	})

	t.Run("distribute_priority_points", func(t *testing.T) {
		b.open(t, diag+"/restitution")
		b.setValue(t, "#organisation-vote", fmt.Sprint(fx.CS))
		b.do(t, chromedp.SetValue(chromedp.CSS("#points-laep"), ""), chromedp.SendKeys(chromedp.CSS("#points-laep"), "8"),
			chromedp.SetValue(chromedp.CSS("#points-jeunes"), ""), chromedp.SendKeys(chromedp.CSS("#points-jeunes"), "5"))
		b.waitJS(t, `document.querySelector('#points-restants').textContent.includes('-3')`)
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-points")), `document.querySelector('#points-erreur')`)
		if msg := b.eval(t, `document.querySelector('#points-erreur').textContent`).(string); !strings.Contains(msg, "13 points attribués pour 10 disponibles") {
			t.Fatalf("over-allowance message %q", msg)
		}
		if v := b.eval(t, `document.querySelector('#points-laep').value`); v != "8" {
			t.Fatalf("the points typed are lost: %v", v)
		}
		b.shot(t, "restitution-points-erreur")
		b.do(t, chromedp.SetValue(chromedp.CSS("#points-laep"), "7"), chromedp.SetValue(chromedp.CSS("#points-jeunes"), "0"), chromedp.SetValue(chromedp.CSS("#points-info"), "3"))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-points")), `document.querySelector('.fr-alert--success')`)
		if txt := b.eval(t, `document.body.textContent`).(string); !strings.Contains(txt, "3 organisation(s) ont voté") {
			t.Fatal("the ranking does not count the new vote")
		}
		first := b.eval(t, `document.querySelector('#priorites ~ .fr-table tbody tr th').textContent`).(string)
		if first != "Ouvrir un lieu d’accueil enfants-parents au nord" {
			t.Fatalf("first priority %q", first)
		}
		b.shot(t, "restitution-points-ok")
	})

	t.Run("review_a_finding", func(t *testing.T) {
		b.open(t, fmt.Sprintf("%s/restitution?constat=%d", diag, fx.F2))
		b.do(t, chromedp.Click(chromedp.CSS(`label[for="decision-rejected"]`)))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-decision")), `document.querySelector('#motif-erreur')`)
		b.do(t, chromedp.SetValue(chromedp.CSS("#motif"), "Les données de fréquentation contredisent le constat."))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-decision")), `document.querySelector('.fr-alert--success')`)
		f, err := s.Finding(ctx, fx.F2)
		if err != nil || f.Status != domain.FindingRejected {
			t.Fatalf("finding after review: %+v %v", f, err)
		}
	})

	t.Run("print_view", func(t *testing.T) {
		b.open(t, diag+"/rapport")
		b.waitJS(t, `document.querySelector('svg.carte')`)
		b.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		for _, sel := range []string{".fr-header", ".fr-footer", ".rapport .no-print", ".fr-breadcrumb"} {
			if d := b.eval(t, `getComputedStyle(document.querySelector('`+sel+`')).display`); d != "none" {
				t.Errorf("%s display in print: %v", sel, d)
			}
		}
		if d := b.eval(t, `getComputedStyle(document.querySelector('.constat-rapport')).breakInside`); d != "avoid" {
			t.Errorf("a finding may break across pages in print: %v", d)
		}
		b.shot(t, "diagnostic-rapport-impression")
		b.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			yes := true
			res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PrintBackground: &yes, PreferCSSPageSize: &yes})
			if err != nil {
				return err
			}
			if len(res.Data) < 5000 {
				return fmt.Errorf("PDF of %d bytes", len(res.Data))
			}
			return os.WriteFile(filepath.Join(b.artDir, "diagnostic-rapport.pdf"), res.Data, 0o644)
		}))
		b.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
			return err
		}))
	})

	t.Run("keyboard_only_position", func(t *testing.T) {
		b.open(t, diag)
		f := fmt.Sprint(fx.F3)
		b.do(t, chromedp.KeyEvent(kb.Tab))
		if txt := b.eval(t, `document.activeElement.textContent`).(string); txt != "Contenu" {
			t.Fatalf("first Tab stop is %q, want the skip link « Contenu »", txt)
		}
		visible := func() {
			if o := b.eval(t, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' || s.boxShadow !== 'none' })()`); o != true {
				t.Fatalf("focus not visible on %v", b.eval(t, `document.activeElement.outerHTML.slice(0, 120)`))
			}
		}
		reached := false
		for i := 0; i < 250 && !reached; i++ {
			b.do(t, chromedp.KeyEvent(kb.Tab))
			reached = b.eval(t, `document.activeElement.id`) == "organisation-"+f
		}
		if !reached {
			t.Fatal("the position form cannot be reached with Tab")
		}
		visible()
		// the organisation stays the first participant (the CAF); Tab to the stances
		b.do(t, chromedp.KeyEvent(kb.Tab))
		if id := b.eval(t, `document.activeElement.id`); id != "position-"+f+"-agree" {
			t.Fatalf("after the organisation, focus on %v", id)
		}
		b.do(t, chromedp.KeyEvent(" "))
		if c := b.eval(t, `document.activeElement.checked`); c != true {
			t.Fatal("Space does not check the stance")
		}
		b.do(t, chromedp.KeyEvent(kb.Tab))
		if id := b.eval(t, `document.activeElement.id`); id != "commentaire-"+f {
			t.Fatalf("after the stances, focus on %v", id)
		}
		visible()
		b.do(t, chromedp.KeyEvent("Constat partagé par la CAF."))
		b.do(t, chromedp.KeyEvent(kb.Tab))
		if id := b.eval(t, `document.activeElement.id`); id != "enregistrer-position-"+f {
			t.Fatalf("after the comment, focus on %v", id)
		}
		visible()
		b.submit(t, chromedp.KeyEvent(kb.Enter), `document.querySelector('.fr-alert--success')`)
		b.shot(t, "diagnostic-position-clavier")
		ps, err := s.Positions(ctx, domain.PositionFilter{Finding: fx.F3})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range ps {
			found = found || (p.OrgID == fx.CAF && p.Stance == domain.StanceAgree && p.Comment == "Constat partagé par la CAF.")
		}
		if !found {
			t.Fatalf("the keyboard position is not stored: %+v", ps)
		}
	})

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "exception") {
			t.Errorf("browser console: %s", m)
		} else {
			t.Logf("browser console: %s", m)
		}
	}
}

// TestAccessibilityDiagnostic runs axe-core on the diagnostic, governance,
// convention, steering and administration pages, and on forms with errors.
func TestAccessibilityDiagnostic(t *testing.T) {
	b, fx, s := diagBrowser(t)
	pages := []string{"/diagnostics", fmt.Sprintf("/diagnostics/%d", fx.Diag), fmt.Sprintf("/diagnostics/%d/restitution", fx.Diag),
		fmt.Sprintf("/diagnostics/%d/rapport", fx.Diag), "/pilotage", "/instances", fmt.Sprintf("/instances/%d", fx.Body),
		"/conventions", fmt.Sprintf("/conventions/%d", fx.Conv)}
	// the demo's own diagnostics and conventions, as a newcomer sees them
	if ds, err := s.Diagnostics(context.Background(), domain.DiagnosticFilter{}); err == nil {
		for _, d := range ds.Items {
			if d.ID != fx.Diag {
				pages = append(pages, fmt.Sprintf("/diagnostics/%d", d.ID), fmt.Sprintf("/diagnostics/%d/restitution", d.ID))
			}
		}
	}
	if cs, err := s.Conventions(context.Background(), domain.ConventionFilter{}); err == nil {
		for _, c := range cs.Items {
			if c.ID != fx.Conv {
				pages = append(pages, fmt.Sprintf("/conventions/%d", c.ID))
			}
		}
	}
	for _, p := range pages {
		t.Run(strings.Trim(strings.NewReplacer("/", "_", "?", "_").Replace(p), "_"), func(t *testing.T) {
			b.open(t, p)
			b.checkAxe(t)
			b.shot(t, "axe"+strings.ReplaceAll(p, "/", "-"))
		})
	}
	t.Run("position_form_with_errors", func(t *testing.T) {
		f := fmt.Sprint(fx.F3)
		b.open(t, fmt.Sprintf("/diagnostics/%d", fx.Diag))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-position-"+f)), `document.querySelector('#stance-`+f+`-erreur')`)
		b.checkAxe(t)
	})
	t.Run("points_form_with_errors", func(t *testing.T) {
		b.open(t, fmt.Sprintf("/diagnostics/%d/restitution", fx.Diag))
		b.do(t, chromedp.SetValue(chromedp.CSS("#points-laep"), "6"), chromedp.SetValue(chromedp.CSS("#points-jeunes"), "6"))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer-points")), `document.querySelector('#points-erreur')`)
		b.checkAxe(t)
	})

	// administration, as an administrator
	ctx := context.Background()
	u, err := auth.NewService(s).CreateUser(ctx, "admin@caf.example", "Alix Admin", "un mot de passe solide", domain.InstanceOrganisation, domain.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	p := &domain.Principal{UserID: u.ID, Email: u.Email, OrgID: domain.InstanceOrganisation, Role: domain.RoleAdmin, Via: "session"}
	b.base = asPrincipal(t, s, &p).URL
	for _, path := range []string{"/administration", "/administration/journal", "/administration/imports"} {
		t.Run(strings.ReplaceAll(path, "/", "_"), func(t *testing.T) {
			b.open(t, path)
			b.checkAxe(t)
			b.shot(t, "axe"+strings.ReplaceAll(path, "/", "-"))
		})
	}
	t.Run("invitation_link", func(t *testing.T) {
		b.open(t, "/administration")
		b.setValue(t, "#inv-email", "dominique@commune.example")
		b.submit(t, chromedp.Click(chromedp.CSS("#inviter")), `document.querySelector('#invitation-creee')`)
		if v := b.eval(t, `document.querySelector('#lien-invitation').value`).(string); !strings.Contains(v, "/invitation/inv_") {
			t.Fatalf("invitation link %q", v)
		}
		b.checkAxe(t)
		b.shot(t, "administration-invitation")
	})
}
