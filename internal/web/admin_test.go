package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"maillage/internal/auth"
	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

// asPrincipal serves the interface as if the accounts middleware had
// signed in p (nil: the public).
func asPrincipal(t testing.TB, s domain.Store, p **domain.Principal) *httptest.Server {
	t.Helper()
	h, err := web.New(s, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(domain.WithPrincipal(r.Context(), *p)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAdministration(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if err := demo.Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		acc := auth.NewService(s)
		u, err := acc.CreateUser(ctx, "admin@caf.example", "Alix Admin", "un mot de passe solide", domain.InstanceOrganisation, domain.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		admin := &domain.Principal{UserID: u.ID, Email: u.Email, OrgID: domain.InstanceOrganisation, Role: domain.RoleAdmin, Via: "session"}
		staff := &domain.Principal{UserID: u.ID, OrgID: domain.InstanceOrganisation, Role: domain.RoleCAFStaff, Via: "session"}
		p := admin
		srv := asPrincipal(t, s, &p)

		t.Run("only_admins", func(t *testing.T) {
			p = staff
			defer func() { p = admin }()
			for _, path := range []string{"/administration", "/administration/journal", "/administration/imports", "/administration/journal/export"} {
				must(t, get(t, srv, path), 403)
			}
			must(t, post(t, srv, "/administration/organisations", url.Values{"nom": {"X"}}), 403)
			p = nil
			must(t, get(t, srv, "/administration"), 403)
		})
		t.Run("home", func(t *testing.T) {
			r := get(t, srv, "/administration")
			must(t, r, 200, "Organisations de l’instance", "admin@caf.example", "Administrateur", "Inviter une personne", `for="inv-email"`)
			checkPage(t, r)
		})
		t.Run("create_organisation", func(t *testing.T) {
			must(t, post(t, srv, "/administration/organisations", url.Values{"nom": {" "}}), 422, `id="org-nom-erreur"`, "obligatoire")
			must(t, post(t, srv, "/administration/organisations", url.Values{"nom": {"Centre social des Tilleuls"}, "acteur": {"999999"}}), 422, "aucune fiche acteur")
			must(t, post(t, srv, "/administration/organisations", url.Values{"nom": {"Centre social des Tilleuls"}, "acteur": {"1"}}), 303)
			must(t, get(t, srv, "/administration?ok=organisation"), 200, "L’organisation est créée.", "Centre social des Tilleuls")
		})
		t.Run("invite", func(t *testing.T) {
			must(t, post(t, srv, "/administration/invitations", url.Values{"email": {"pas-une-adresse"}, "organisation": {"1"}, "role": {"partner_editor"}}), 422, `id="inv-email-erreur"`)
			r := post(t, srv, "/administration/invitations", url.Values{"email": {"Camille@Commune.example"}, "organisation": {"1"}, "role": {"partner_editor"}})
			must(t, r, 200, "Invitation créée pour camille@commune.example", "ne sera plus affiché", "Aucun serveur SMTP n")
			m := regexp.MustCompile(`/invitation/([A-Za-z0-9_-]+)"`).FindStringSubmatch(r.body)
			if m == nil {
				t.Fatalf("no one-time link in the page")
			}
			inv, err := acc.CheckInvitation(ctx, m[1])
			if err != nil || inv.Role != domain.RolePartnerEditor || inv.Email != "camille@commune.example" {
				t.Fatalf("invitation from the link: %+v, %v", inv, err)
			}
		})
		t.Run("role", func(t *testing.T) {
			must(t, post(t, srv, "/administration/roles", url.Values{"compte": {"999999"}, "organisation": {"1"}, "role": {"observer"}}), 422, "compte inconnu")
			orgs, _ := s.Organisations(ctx)
			last := orgs[len(orgs)-1].ID
			must(t, post(t, srv, "/administration/roles", url.Values{"compte": {fmt.Sprint(u.ID)}, "organisation": {fmt.Sprint(last)}, "role": {"observer"}}), 303)
			ms, _ := s.Memberships(ctx, u.ID)
			found := false
			for _, m := range ms {
				found = found || (m.OrgID == last && m.Role == domain.RoleObserver)
			}
			if !found {
				t.Fatalf("memberships: %+v", ms)
			}
		})
		t.Run("audit", func(t *testing.T) {
			r := get(t, srv, "/administration/journal")
			must(t, r, 200, "ligne(s) du journal", "invitation", `scope="col"`)
			checkPage(t, r)
			r = get(t, srv, "/administration/journal?type=organisation")
			must(t, r, 200, "organisation")
			if strings.Contains(r.body, "<td>invitation</td>") {
				t.Error("the kind filter keeps invitations")
			}
			r = get(t, srv, "/administration/journal/export?type=invitation")
			must(t, r, 200, "\ufeffid;date;utilisateur", ";invite;invitation;")
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("content type %q", ct)
			}
		})
		t.Run("imports", func(t *testing.T) {
			must(t, get(t, srv, "/administration/imports"), 200, "Aperçu seulement", `enctype="multipart/form-data"`)
			r := upload(t, srv, map[string]string{"type": "actions", "mode": "apercu"}, "", "")
			must(t, r, 422, `id="import-fichier-erreur"`)
			csv := "id;name;type;siren;commune\nIMP-1;Association des parents du Val;association;;96001\nIMP-2;;association;;96001\n"
			r = upload(t, srv, map[string]string{"type": "actions", "mode": "apercu", "ignorer": "1"}, "actors.csv", csv)
			must(t, r, 303)
			job := r.header.Get("Location")
			r = waitJob(t, srv, job)
			must(t, r, 200, "Aperçu de l’import", "Ce qui changerait", "Lignes refusées", "name", "Importer pour de bon")
			checkPage(t, r)
			if n, _ := s.Actors(ctx, domain.ActorFilter{Text: "Association des parents du Val", Limit: 1}); n.Total != 0 {
				t.Fatal("the dry run wrote an actor")
			}
			r = post(t, srv, "/administration/imports", url.Values{"confirmer": {strings.TrimPrefix(job, "/administration/imports/")}})
			must(t, r, 303)
			must(t, post(t, srv, "/administration/imports", url.Values{"confirmer": {strings.TrimPrefix(job, "/administration/imports/")}}), 404)
			r = waitJob(t, srv, r.header.Get("Location"))
			must(t, r, 200, "Résultat de l’import", "Ce qui a changé", "Télécharger le fichier des rejets")
			if n, _ := s.Actors(ctx, domain.ActorFilter{Text: "Association des parents du Val", Limit: 1}); n.Total != 1 {
				t.Fatalf("after the import: %d actors", n.Total)
			}
			// all-or-nothing refusal
			r = upload(t, srv, map[string]string{"type": "actions", "mode": "importer"}, "actors.csv", "id;name;type;siren;commune\nIMP-3;;association;;96001\n")
			must(t, r, 303)
			must(t, waitJob(t, srv, r.header.Get("Location")), 200, "Import refusé", "refusé")
		})
	})
}

func upload(t *testing.T, srv *httptest.Server, fields map[string]string, name, content string) resp {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("fichier", name)
		io.WriteString(fw, content)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/administration/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", srv.URL)
	r, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, string(b), r.Header}
}

func waitJob(t *testing.T, srv *httptest.Server, path string) resp {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := get(t, srv, path)
		if r.status != 200 || !strings.Contains(r.body, "data-actualiser") {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still running at %s", path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
