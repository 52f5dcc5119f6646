package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

// newDemo loads the demo territory into s and serves the interface.
func newDemo(t testing.TB, s domain.Store, opts web.Options) *httptest.Server {
	t.Helper()
	if err := demo.Build(context.Background(), s); err != nil {
		t.Fatalf("demo: %v", err)
	}
	h, err := web.New(s, opts)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type resp struct {
	status int
	body   string
	header http.Header
}

func get(t testing.TB, srv *httptest.Server, path string) resp {
	t.Helper()
	r, err := noRedirect.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, string(b), r.Header}
}

func post(t testing.TB, srv *httptest.Server, path string, form url.Values) resp {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	r, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, string(b), r.Header}
}

func must(t testing.TB, r resp, status int, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body:\n%.2000s", r.status, status, r.body)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			t.Errorf("page lacks %q", c)
		}
	}
}

var (
	inlineScript = regexp.MustCompile(`<script(?:\s+[^>]*)?>[^<]+</script>`)
	styleAttr    = regexp.MustCompile(`\sstyle="`)
)

// checkPage asserts what every page must have: French, landmarks, skip
// links, a title, no inline script or style (the CSP forbids them).
func checkPage(t testing.TB, r resp) {
	t.Helper()
	for _, want := range []string{`<html lang="fr"`, `role="banner"`, `role="main"`, `role="contentinfo"`, `class="fr-skiplinks"`, `aria-label="Menu principal"`, "<title>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if m := inlineScript.FindString(r.body); m != "" {
		t.Errorf("inline script: %.200s", m)
	}
	if m := styleAttr.FindString(r.body); m != "" {
		t.Errorf("inline style attribute found")
	}
	if !strings.Contains(r.header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("no CSP header")
	}
}

func TestPages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
		ctx := context.Background()

		t.Run("home", func(t *testing.T) {
			r := get(t, srv, "/")
			must(t, r, 200, demo.DeptName, "Fraîcheur des données", `href="/territoires/96"`, "Diagnostics partagés", "Restitution-débat", "Conventions", "Décisions en retard")
			checkPage(t, r)
		})
		t.Run("territories", func(t *testing.T) {
			r := get(t, srv, "/territoires?type=epci")
			must(t, r, 200, "<caption>", `scope="col"`)
			checkPage(t, r)
		})
		t.Run("portrait", func(t *testing.T) {
			r := get(t, srv, "/territoires/96")
			must(t, r, 200, "Chiffres clés", `role="img"`, "<svg", "Tableau des données de la carte", "Source :", "Comparaison avec les territoires parents", demo.RegionName)
			checkPage(t, r)
			if n := strings.Count(r.body, "<path "); n < 50 {
				t.Errorf("map has %d communes, want the 60 of the demo", n)
			}
			// the région of the demo holds only its département: same figures
			row := regexp.MustCompile(`<tr><th scope="row">Population municipale[^<]*<span[^>]*>[^<]*</span></th><td class="nombre">([^<]*)</td><td class="nombre">([^<]*)</td>`).FindStringSubmatch(r.body)
			if row == nil || row[1] != row[2] || row[1] == "–" {
				t.Fatalf("comparison with the région: %q", row)
			}
			rate := regexp.MustCompile(`<tr><th scope="row">Taux de pauvreté[^<]*<span[^>]*>[^<]*</span></th><td class="nombre">([^<]*)</td><td class="nombre">([^<]*)</td>`).FindStringSubmatch(r.body)
			if rate == nil || rate[1] != rate[2] || rate[1] == "–" {
				t.Fatalf("poverty rate compared with the région: %q", rate)
			}
			r = get(t, srv, "/territoires/96?indicateur=taux_pauvrete")
			must(t, r, 200, `<option value="taux_pauvrete" selected>`, "Taux de pauvreté par commune")
			must(t, get(t, srv, "/territoires/nope"), 404, "introuvable")
		})
		t.Run("actions", func(t *testing.T) {
			all, err := s.Actions(ctx, domain.ActionFilter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			r := get(t, srv, "/actions")
			must(t, r, 200, strconv.Itoa(all.Total)+" action(s)", `<label class="fr-label" for="thematique">`)
			checkPage(t, r)
			par, err := s.Actions(ctx, domain.ActionFilter{Theme: "parentalite", Territory: "96", Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if par.Total == 0 || par.Total == all.Total {
				t.Fatalf("demo has %d parentalité actions of %d: the filter test needs some, not all", par.Total, all.Total)
			}
			r = get(t, srv, "/actions?thematique=parentalite&territoire=96")
			must(t, r, 200, strconv.Itoa(par.Total)+" action(s)", "Carte", `<option value="parentalite" selected>`)
			a := par.Items[0]
			r = get(t, srv, "/actions/"+strconv.FormatInt(a.ID, 10))
			must(t, r, 200, html.EscapeString(a.Title), "Financements", "Territoires servis")
			checkPage(t, r)
			must(t, get(t, srv, "/actions/999999"), 404)
		})
		t.Run("edit", func(t *testing.T) {
			pg, _ := s.Actions(ctx, domain.ActionFilter{Limit: 1})
			a, err := s.Action(ctx, pg.Items[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			id := strconv.FormatInt(a.ID, 10)
			r := get(t, srv, "/actions/"+id+"/modifier")
			must(t, r, 200, `name="version" value="`+strconv.FormatInt(a.Version, 10)+`"`, `for="title"`)
			checkPage(t, r)
			form := url.Values{"version": {strconv.FormatInt(a.Version, 10)}, "title": {""}, "operator_id": {strconv.FormatInt(a.OperatorID, 10)},
				"themes": a.Themes, "publics": a.Publics, "zone": {strings.Join(a.Zone, " ")}, "capacity": {"douze"},
				"status": {a.Status}, "visibility": {string(a.Visibility)}}
			r = post(t, srv, "/actions/"+id+"/modifier", form)
			must(t, r, 422, "Le formulaire contient", `id="title-erreur"`, "obligatoire", `id="capacity-erreur"`, "nombre attendu")
			form.Set("title", "Titre corrigé")
			form.Set("capacity", "12,5")
			r = post(t, srv, "/actions/"+id+"/modifier", form)
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/actions/"+id+"?ok=modifie" {
				t.Fatalf("fixed form: status %d location %q, body %.1500s", r.status, r.header.Get("Location"), r.body)
			}
			got, _ := s.Action(ctx, a.ID)
			if got.Title != "Titre corrigé" || got.Capacity != 12.5 {
				t.Fatalf("stored %q %v", got.Title, got.Capacity)
			}
			must(t, get(t, srv, "/actions/"+id+"?ok=modifie"), 200, "Les modifications ont été enregistrées.")
			// stale version: conflict, nothing overwritten
			form.Set("title", "Écrasement")
			r = post(t, srv, "/actions/"+id+"/modifier", form)
			must(t, r, 409, "Cette action a été modifiée entre-temps", "Écrasement")
			if got2, _ := s.Action(ctx, a.ID); got2.Title != "Titre corrigé" {
				t.Fatalf("conflict overwrote the title: %q", got2.Title)
			}
			// unknown referential code: field error
			form.Set("version", strconv.FormatInt(got.Version, 10))
			form["themes"] = []string{"inconnue"}
			must(t, post(t, srv, "/actions/"+id+"/modifier", form), 422, "thématique inconnu(e)")
		})
		t.Run("create", func(t *testing.T) {
			pg, _ := s.Actions(ctx, domain.ActionFilter{Limit: 1})
			must(t, get(t, srv, "/actions/nouvelle"), 200, "Nouvelle action")
			form := url.Values{"title": {"Café des parents"}, "operator_id": {strconv.FormatInt(pg.Items[0].OperatorID, 10)},
				"themes": {"parentalite"}, "zone": {"96001"}, "capacity": {"30"}, "status": {"active"}, "visibility": {"public"}, "start_date": {"01/09/2024"}}
			r := post(t, srv, "/actions/nouvelle", form)
			if r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "?ok=cree") {
				t.Fatalf("create: status %d, body %.1500s", r.status, r.body)
			}
			must(t, get(t, srv, r.header.Get("Location")), 200, "Café des parents", "L’action a été créée.")
		})
		t.Run("analysis", func(t *testing.T) {
			r := get(t, srv, "/analyse?perimetre=96&thematique=parentalite")
			must(t, r, 200, "Accessibilité et zones blanches", "Chevauchements", "Financements", "Réseau partenarial", "Équité", "Pourquoi ce chiffre ?", `id="carte-acces-t"`, `id="reseau-t"`)
			checkPage(t, r)
			m := regexp.MustCompile(`href="(/analyse/explication\?[^"]+)"`).FindStringSubmatch(r.body)
			if m == nil {
				t.Fatal("no explanation link")
			}
			r = get(t, srv, strings.ReplaceAll(m[1], "&amp;", "&"))
			must(t, r, 200, "Pourquoi ce chiffre ?", "Formule", "Retour à l’analyse")
			must(t, get(t, srv, "/analyse?perimetre=inconnu"), 400)
		})
		t.Run("public", func(t *testing.T) {
			r := get(t, srv, "/public/96")
			must(t, r, 200, "Actions ouvertes au public")
			checkPage(t, r)
		})
		t.Run("export", func(t *testing.T) {
			r := get(t, srv, "/exports/actions/csv?territoire=96")
			must(t, r, 200)
			if !strings.HasPrefix(r.body, "\ufeff") || !strings.Contains(r.header.Get("Content-Type"), "text/csv") {
				t.Fatalf("CSV export: content type %q, starts %q", r.header.Get("Content-Type"), r.body[:min(20, len(r.body))])
			}
			r = get(t, srv, "/exports/actions/geojson?territoire=96")
			must(t, r, 200, `"FeatureCollection"`)
			must(t, get(t, srv, "/exports/actions/pdf"), 404)
		})
		t.Run("placeholders", func(t *testing.T) {
			for _, p := range []string{"/diagnostics", "/conventions", "/accessibilite", "/donnees", "/public"} {
				r := get(t, srv, p)
				must(t, r, 200)
				checkPage(t, r)
			}
			must(t, get(t, srv, "/nimporte/quoi"), 404, "Page introuvable")
		})
	})
}

func TestWritesNeedAnAccount(t *testing.T) {
	s := storetest.OpenSQLite(t)
	srv := newDemo(t, s, web.Options{})
	must(t, get(t, srv, "/actions/nouvelle"), 403, "Connectez-vous")
	r := post(t, srv, "/actions/nouvelle", url.Values{"title": {"x"}})
	must(t, r, 403)
	if strings.Contains(get(t, srv, "/actions").body, "Nouvelle action") {
		t.Error("the directory offers to create an action to a visitor")
	}
}

func TestStaticAssets(t *testing.T) {
	s := storetest.OpenSQLite(t)
	h, err := web.New(s, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	home := get(t, srv, "/accessibilite").body
	m := regexp.MustCompile(`href="(/static/([0-9a-f]{12})/app/maillage\.css)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatal("no checksum-addressed stylesheet link")
	}
	r := get(t, srv, m[1])
	must(t, r, 200, ".carte")
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control %q, want immutable", cc)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	old := get(t, srv, "/static/000000000000/app/maillage.css")
	if cc := old.header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("stale hash: Cache-Control %q, want no-cache", cc)
	}
	must(t, get(t, srv, "/static/"+m[2]+"/dsfr/package.json"), 404)
	must(t, get(t, srv, "/static/"+m[2]+"/web.go"), 404)
	if strings.Contains(home, "dsfr/dsfr.min.css") {
		r := get(t, srv, "/static/"+m[2]+"/dsfr/dsfr.min.css")
		must(t, r, 200, ".fr-header")
		must(t, get(t, srv, "/static/"+m[2]+"/dsfr/fonts/Marianne-Regular.woff2"), 200)
	} else if requireDSFR() {
		t.Fatal("the DSFR is not served: run npm ci")
	}
}

func TestLayoutForOtherPages(t *testing.T) {
	s := storetest.OpenSQLite(t)
	l, err := web.NewLayout(s, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.Render(w, r, http.StatusUnauthorized, "Connexion", `<form method="post" action="/connexion"><label class="fr-label" for="email">Adresse</label><input class="fr-input" id="email" name="email"></form>`)
	}))
	defer srv.Close()
	r := get(t, srv, "/connexion")
	must(t, r, 401, "<h1>Connexion</h1>", `action="/connexion"`, "<title>Connexion — Maillage</title>")
	checkPage(t, r)
}
