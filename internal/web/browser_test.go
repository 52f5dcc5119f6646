package web_test

// Browser tests: the main journeys in headless Chromium (Debian's chromium
// package) driven with chromedp against an httptest server on the demo data,
// axe-core on every main page, keyboard-only navigation and the print view.
// Screenshots go to test-artifacts/browser/ at the repository root
// (gitignored). Without /usr/bin/chromium the tests skip, except when
// MAILLAGE_REQUIRE_BROWSER=1 (CI, set by .ci/run) where they fail.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"maillage/internal/store/storetest"
	"maillage/internal/testutil"
	"maillage/internal/web"
)

const chromiumPath = "/usr/bin/chromium"

func requireBrowser() bool { return os.Getenv("MAILLAGE_REQUIRE_BROWSER") != "" }

type browser struct {
	t       *testing.T
	ctx     context.Context
	base    string
	artDir  string
	mu      sync.Mutex
	console []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath
	if p := os.Getenv("MAILLAGE_CHROMIUM"); p != "" {
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		if requireBrowser() {
			t.Fatalf("Chromium introuvable (%s) alors que MAILLAGE_REQUIRE_BROWSER est défini : apt-get install -y chromium", path)
		}
		t.Skipf("browser tests skipped: %s not found (apt-get install -y chromium; set MAILLAGE_REQUIRE_BROWSER=1 to make this a failure)", path)
	}
	s := storetest.OpenSQLite(t)
	srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx, base: srv.URL, artDir: filepath.Join(testutil.ModuleRoot(), "test-artifacts", "browser")}
	os.MkdirAll(b.artDir, 0o755)
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.console = append(b.console, m.String())
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs steps with a time limit.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

func (b *browser) open(t *testing.T, path string) {
	t.Helper()
	b.do(t, chromedp.Navigate(b.base+path))
}

func (b *browser) eval(t *testing.T, js string) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js))
	if err != nil {
		t.Fatalf("evaluate %q: %v", js, err)
	}
	return v
}

// waitJS polls a JavaScript predicate until it is true (across navigations).
func (b *browser) waitJS(t *testing.T, js string) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.shot(t, "echec-"+strings.ReplaceAll(t.Name(), "/", "-"))
	t.Fatalf("timed out waiting for %s (page %v)", js, b.eval(t, "location.href"))
}

// submit runs an action that leaves the page, then waits for the new page
// to be loaded and pred to hold.
func (b *browser) submit(t *testing.T, action chromedp.Action[chromedp.Void], pred string) {
	t.Helper()
	b.eval(t, "window.__pageAvant = true")
	b.do(t, action)
	b.waitJS(t, "!window.__pageAvant && document.readyState === 'complete' && ("+pred+")")
}

// setValue sets a form field's value as a user would leave it.
func (b *browser) setValue(t *testing.T, sel, v string) {
	t.Helper()
	js, _ := json.Marshal(v)
	qs, _ := json.Marshal(sel)
	b.eval(t, "(() => { const e = document.querySelector("+string(qs)+"); e.value = "+string(js)+"; e.dispatchEvent(new Event('change', {bubbles: true})); return true })()")
}

func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(b.artDir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  int      `json:"nodes"`
	Target []string `json:"target"`
}

// axe runs axe-core (from node_modules) on the current page and returns
// its violations.
func (b *browser) axe(t *testing.T) []axeViolation {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(testutil.ModuleRoot(), "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if requireBrowser() {
			t.Fatalf("axe-core introuvable (npm ci) : %v", err)
		}
		t.Skipf("axe-core not installed (npm ci): %v", err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](string(src))); err != nil {
		t.Fatalf("injecting axe-core: %v", err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.length, target: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return vs
}

func TestBrowserJourneys(t *testing.T) {
	b := newBrowser(t)

	t.Run("portrait_change_indicator", func(t *testing.T) {
		b.open(t, "/territoires/96")
		b.waitJS(t, `document.querySelector('#carte-t') && document.querySelector('#carte-t').textContent.includes('Allocataires')`)
		b.do(t, chromedp.SetValue(chromedp.CSS("#indicateur"), "taux_pauvrete"))
		b.submit(t, chromedp.Click(chromedp.CSS("#afficher-carte")), `document.querySelector('#carte-t') && document.querySelector('#carte-t').textContent.includes('Taux de pauvreté')`)
		if n := b.eval(t, `document.querySelectorAll('svg.carte path').length`).(float64); n < 50 {
			t.Fatalf("map shows %v communes", n)
		}
		if !strings.Contains(b.eval(t, "location.search").(string), "indicateur=taux_pauvrete") {
			t.Fatal("indicator not in the URL")
		}
		b.shot(t, "portrait-taux-pauvrete")
	})

	t.Run("filter_actions_and_open_one", func(t *testing.T) {
		b.open(t, "/actions")
		b.do(t, chromedp.SetValue(chromedp.CSS("#thematique"), "parentalite"), chromedp.SetValue(chromedp.CSS("#territoire"), "96"))
		b.submit(t, chromedp.Click(chromedp.CSS("#filtrer")), `location.search.includes('thematique=parentalite')`)
		b.shot(t, "actions-parentalite")
		title := b.eval(t, `document.querySelector('table tbody tr td a').textContent`).(string)
		b.submit(t, chromedp.Click(chromedp.CSS("table tbody tr td a")), `location.pathname.startsWith('/actions/')`)
		if h1 := b.eval(t, `document.querySelector('h1').textContent`).(string); h1 != title {
			t.Fatalf("opened %q, want %q", h1, title)
		}
		b.shot(t, "action")
	})

	t.Run("edit_with_error_then_fix", func(t *testing.T) {
		id := b.eval(t, `location.pathname.split('/')[2]`).(string)
		b.open(t, "/actions/"+id+"/modifier")
		b.setValue(t, "#title", "")
		b.setValue(t, "#capacity", "beaucoup")
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer")), `document.querySelector('#title-erreur')`)
		msg := b.eval(t, `document.querySelector('#title-erreur').textContent`).(string)
		if !strings.Contains(msg, "obligatoire") {
			t.Fatalf("title error %q", msg)
		}
		if d := b.eval(t, `document.querySelector('#title').getAttribute('aria-describedby')`); d != "title-erreur" {
			t.Fatalf("title field not linked to its error: %v", d)
		}
		b.shot(t, "modifier-erreur")
		b.do(t, chromedp.SetValue(chromedp.CSS("#title"), "Lieu d’accueil enfants-parents rénové"), chromedp.SetValue(chromedp.CSS("#capacity"), "40"))
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer")), `document.querySelector('.fr-alert--success')`)
		if h1 := b.eval(t, `document.querySelector('h1').textContent`).(string); h1 != "Lieu d’accueil enfants-parents rénové" {
			t.Fatalf("after the fix the page shows %q", h1)
		}
		b.shot(t, "modifier-ok")
	})

	t.Run("analysis_and_explanation", func(t *testing.T) {
		b.open(t, "/analyse")
		b.do(t, chromedp.SetValue(chromedp.CSS("#perimetre"), "96"), chromedp.Click(chromedp.CSS("label[for=thematique-parentalite]")))
		b.submit(t, chromedp.Click(chromedp.CSS("#analyser")), `document.querySelector('#synthese')`)
		if !strings.Contains(b.eval(t, "location.search").(string), "thematique=parentalite") {
			t.Fatal("theme not sent")
		}
		b.shot(t, "analyse")
		b.submit(t, chromedp.Click(chromedp.CSS("a[href^='/analyse/explication']")), `location.pathname === '/analyse/explication'`)
		if h1 := b.eval(t, `document.querySelector('h1').textContent`).(string); h1 != "Pourquoi ce chiffre ?" {
			t.Fatalf("explanation h1 %q", h1)
		}
		b.shot(t, "explication")
	})

	t.Run("print_view", func(t *testing.T) {
		b.open(t, "/territoires/96")
		b.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		if d := b.eval(t, `getComputedStyle(document.querySelector('.fr-footer')).display`); d != "none" {
			t.Fatalf("footer display in print: %v", d)
		}
		if d := b.eval(t, `getComputedStyle(document.querySelector('form.filtres')).display`); d != "none" {
			t.Fatalf("map form display in print: %v", d)
		}
		b.shot(t, "portrait-impression")
		b.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			yes := true
			res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PrintBackground: &yes})
			if err != nil {
				return err
			}
			if len(res.Data) < 1000 {
				return fmt.Errorf("PDF of %d bytes", len(res.Data))
			}
			return os.WriteFile(filepath.Join(b.artDir, "portrait.pdf"), res.Data, 0o644)
		}))
		b.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
			return err
		}))
	})

	t.Run("keyboard_only", func(t *testing.T) {
		b.open(t, "/actions")
		b.do(t, chromedp.KeyEvent(kb.Tab))
		if txt := b.eval(t, `document.activeElement.textContent`).(string); txt != "Contenu" {
			t.Fatalf("first Tab stop is %q, want the skip link « Contenu »", txt)
		}
		found := false
		for i := 0; i < 60 && !found; i++ {
			b.do(t, chromedp.KeyEvent(kb.Tab))
			found = b.eval(t, `document.activeElement.id`) == "texte"
			// focus must be visible on every stop
			if o := b.eval(t, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' || s.boxShadow !== 'none' })()`); o != true {
				t.Fatalf("focus not visible on %v", b.eval(t, `document.activeElement.outerHTML.slice(0, 120)`))
			}
		}
		if !found {
			t.Fatal("the keyword field of the filters cannot be reached with Tab")
		}
		b.do(t, chromedp.KeyEvent("Parents"))
		b.submit(t, chromedp.KeyEvent(kb.Enter), `location.search.includes('texte=Parents')`)
		b.shot(t, "clavier-filtre")
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

// TestAccessibility runs axe-core on every main page: no serious or
// critical violation is accepted.
func TestAccessibility(t *testing.T) {
	b := newBrowser(t)
	pages := []string{"/", "/territoires", "/territoires/96", "/territoires/96?indicateur=taux_pauvrete", "/actions", "/actions?thematique=parentalite&territoire=96",
		"/actions/1", "/actions/1/modifier", "/actions/nouvelle", "/analyse?perimetre=96&thematique=parentalite",
		"/analyse/explication?perimetre=96&thematique=parentalite&commune=96001", "/public", "/public/96", "/diagnostics", "/accessibilite",
		"/acteurs", "/acteurs?type=association", "/acteurs/1", "/acteurs/nouveau", "/acteurs/1/modifier"}
	// a form with errors
	for _, p := range pages {
		t.Run(strings.Trim(strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(p), "_"), func(t *testing.T) {
			b.open(t, p)
			vs := b.axe(t)
			for _, v := range vs {
				msg := fmt.Sprintf("%s [%s] %s (%d nœuds, ex. %v)", v.ID, v.Impact, v.Help, v.Nodes, v.Target)
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("axe: %s", msg)
				} else {
					t.Logf("axe: %s", msg)
				}
			}
		})
	}
	t.Run("form_with_errors", func(t *testing.T) {
		b.open(t, "/actions/1/modifier")
		b.setValue(t, "#title", "")
		b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer")), `document.querySelector('#title-erreur')`)
		for _, v := range b.axe(t) {
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Errorf("axe: %s [%s] %s %v", v.ID, v.Impact, v.Help, v.Target)
			}
		}
	})
}

var _ = httptest.NewServer
