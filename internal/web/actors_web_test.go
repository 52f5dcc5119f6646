package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
	"maillage/internal/web/mapsvg"
)

// actorRowRe is a row of the actors directory: id, name, type, commune,
// SIREN, number of actions operated.
var actorRowRe = regexp.MustCompile(`<tr><td><a href="/acteurs/(\d+)">([^<]*)</a></td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td class="nombre">([^<]*)</td></tr>`)

type actorListRow struct {
	ID                                   int64
	Name, Type, Commune, SIREN, Operated string
}

func actorRows(t testing.TB, body string) []actorListRow {
	t.Helper()
	var out []actorListRow
	for _, m := range actorRowRe.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, actorListRow{id, html.UnescapeString(m[2]), html.UnescapeString(m[3]), html.UnescapeString(m[4]), m[5], m[6]})
	}
	return out
}

// actorBlock returns the part of body from the first from to the next to.
func actorBlock(body, from, to string) string {
	i := strings.Index(body, from)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, to); j >= 0 {
		return rest[:j]
	}
	return rest
}

// luhnSIREN returns a valid SIREN starting with the eight digits given.
func luhnSIREN(t testing.TB, prefix string) string {
	t.Helper()
	for d := '0'; d <= '9'; d++ {
		if s := prefix + string(d); domain.IsSIREN(s) {
			return s
		}
	}
	t.Fatalf("no SIREN for %s", prefix)
	return ""
}

// luhnSIRET returns a valid SIRET of the SIREN (establishment 0001x).
func luhnSIRET(t testing.TB, siren string) string {
	t.Helper()
	for d := '0'; d <= '9'; d++ {
		if s := siren + "0001" + string(d); domain.IsSIRET(s) {
			return s
		}
	}
	t.Fatalf("no SIRET for %s", siren)
	return ""
}

// TestActorDirectory checks the actors directory on the demo territory, on
// both databases: what each filter keeps is what the store says, the count,
// the pages, the order, and each row's type, commune and actions operated.
func TestActorDirectory(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
		ctx := context.Background()
		all, err := s.Actors(ctx, domain.ActorFilter{Sort: "name"})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total <= 25 {
			t.Fatalf("the demo has %d actors: the pagination test needs more than 25", all.Total)
		}

		t.Run("list", func(t *testing.T) {
			r := get(t, srv, "/acteurs")
			must(t, r, 200, "<h1>Acteurs</h1>", strconv.Itoa(all.Total)+" acteur(s)", `<label class="fr-label" for="type">`, `href="/acteurs/nouveau"`,
				`<a class="fr-nav__link" href="/acteurs" aria-current="page">Acteurs</a>`)
			checkPage(t, r)
			rows := actorRows(t, r.body)
			if len(rows) != 25 {
				t.Fatalf("page 1 shows %d rows, want 25", len(rows))
			}
			for i, row := range rows {
				if row.ID != all.Items[i].ID {
					t.Fatalf("row %d is %q, want %q (sorted by name)", i, row.Name, all.Items[i].Name)
				}
			}
			// page 2 holds the rest, with a link back
			r = get(t, srv, "/acteurs?page=2")
			must(t, r, 200, "page 2 sur 2", "Page précédente")
			rows2 := actorRows(t, r.body)
			if len(rows2) != all.Total-25 || rows2[0].ID != all.Items[25].ID {
				t.Fatalf("page 2: %d rows starting with %+v, want %d starting with %q", len(rows2), rows2, all.Total-25, all.Items[25].Name)
			}
			// reverse order
			rows = actorRows(t, get(t, srv, "/acteurs?tri=-name").body)
			if rows[0].ID != all.Items[len(all.Items)-1].ID {
				t.Fatalf("sorted Z→A starts with %q, want %q", rows[0].Name, all.Items[len(all.Items)-1].Name)
			}
		})

		t.Run("row_contents", func(t *testing.T) {
			// the CAF: its type label, seat commune, SIREN and the
			// number of actions it operates
			cafs, _ := s.Actors(ctx, domain.ActorFilter{Type: "caf"})
			caf := cafs.Items[0]
			ops, _ := s.Actions(ctx, domain.ActionFilter{Operator: caf.ID, Limit: 1})
			seat, err := s.Territory(ctx, caf.Commune)
			if err != nil {
				t.Fatal(err)
			}
			ref, _ := s.Referentials(ctx)
			label, _ := ref.Get(domain.RefActorType, "caf")
			rows := actorRows(t, get(t, srv, "/acteurs?type=caf").body)
			if len(rows) != 1 {
				t.Fatalf("type=caf: %+v", rows)
			}
			want := actorListRow{caf.ID, caf.Name, label.Label, seat.Name, caf.SIREN, strconv.Itoa(ops.Total)}
			if rows[0] != want {
				t.Fatalf("CAF row %+v, want %+v", rows[0], want)
			}
			// an operator with several actions shows their count
			busiest, most := int64(0), 0
			for _, a := range all.Items {
				if n, _ := s.Actions(ctx, domain.ActionFilter{Operator: a.ID, Limit: 1}); n.Total > most {
					busiest, most = a.ID, n.Total
				}
			}
			if most < 2 {
				t.Fatalf("no demo actor operates two actions")
			}
			var b domain.Actor
			for _, a := range all.Items {
				if a.ID == busiest {
					b = a
				}
			}
			found := false
			for _, row := range actorRows(t, get(t, srv, "/acteurs?texte="+url.QueryEscape(b.Name)).body) {
				if row.ID == busiest {
					found = true
					if row.Operated != strconv.Itoa(most) {
						t.Errorf("%s operates %d actions, the directory says %s", b.Name, most, row.Operated)
					}
				}
			}
			if !found {
				t.Fatalf("searching %q does not find it", b.Name)
			}
		})

		t.Run("filters", func(t *testing.T) {
			ids := func(pg domain.Page[domain.Actor]) []int64 {
				var out []int64
				for _, a := range pg.Items {
					out = append(out, a.ID)
				}
				sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
				return out
			}
			shown := func(path string) (int, []int64) {
				r := get(t, srv, path)
				must(t, r, 200)
				var out []int64
				for _, row := range actorRows(t, r.body) {
					out = append(out, row.ID)
				}
				sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
				m := regexp.MustCompile(`<h2 id="resultats">(\d+) acteur\(s\)</h2>`).FindStringSubmatch(r.body)
				if m == nil {
					t.Fatalf("%s: no count", path)
				}
				n, _ := strconv.Atoi(m[1])
				return n, out
			}
			epcis, _ := s.Territories(ctx, domain.TerritoryFilter{Type: domain.TypeEPCI, Limit: 1})
			epci := epcis.Items[0].Code
			cases := []struct {
				path string
				f    domain.ActorFilter
			}{
				{"/acteurs?type=association", domain.ActorFilter{Type: "association"}},
				{"/acteurs?type=commune", domain.ActorFilter{Type: "commune"}},
				{"/acteurs?territoire=" + epci, domain.ActorFilter{Territory: epci}},
				{"/acteurs?texte=centre", domain.ActorFilter{Text: "centre"}},
				{"/acteurs?texte=centre&type=centre_social&territoire=" + demo.DeptCode, domain.ActorFilter{Text: "centre", Type: "centre_social", Territory: demo.DeptCode}},
			}
			for _, c := range cases {
				want, err := s.Actors(ctx, c.f)
				if err != nil {
					t.Fatal(err)
				}
				if want.Total == 0 || want.Total == all.Total {
					t.Fatalf("%s: the store finds %d of %d actors; the test needs some, not all", c.path, want.Total, all.Total)
				}
				n, got := shown(c.path)
				if n != want.Total || fmt.Sprint(got) != fmt.Sprint(ids(want)) {
					t.Errorf("%s: shows %d %v, want %d %v", c.path, n, got, want.Total, ids(want))
				}
			}
			// the chosen filters stay selected
			r := get(t, srv, "/acteurs?type=association&territoire="+epci+"&tri=type")
			must(t, r, 200, `<option value="association" selected>`, `<option value="`+epci+`" selected>`, `<option value="type" selected>`)
			// a territory code that names nothing: said, not a broken page
			must(t, get(t, srv, "/acteurs?territoire=00000"), 200, "Territoire inconnu « 00000 »", "0 acteur(s)")
			must(t, get(t, srv, "/acteurs?texte=zzzzqqq"), 200, "Aucun acteur ne correspond à ces filtres.")
		})
	})
}

// TestActorPage checks an actor's page: identity, the actions it operates
// (links), the actions it funds with the total of each year as the store
// has them, and its partners; 404 for an unknown id.
func TestActorPage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
		ctx := context.Background()
		cafs, _ := s.Actors(ctx, domain.ActorFilter{Type: "caf"})
		caf := cafs.Items[0]

		t.Run("funder", func(t *testing.T) {
			fs, err := s.Fundings(ctx, domain.FundingFilter{Funder: caf.ID})
			if err != nil {
				t.Fatal(err)
			}
			if fs.Total == 0 {
				t.Fatal("the demo CAF funds nothing")
			}
			perYear := map[int]float64{}
			grand := 0.0
			funded := map[int64]bool{}
			for _, f := range fs.Items {
				perYear[f.Year] += f.Amount
				grand += f.Amount
				funded[f.ActionID] = true
			}
			r := get(t, srv, fmt.Sprintf("/acteurs/%d", caf.ID))
			must(t, r, 200, "<h1>"+html.EscapeString(caf.Name)+"</h1>", caf.SIREN, "Actions financées", "Partenaires",
				fmt.Sprintf("%d action(s) financée(s)", len(funded)))
			checkPage(t, r)
			table := section(r.body, `<table id="financements">`)
			if table == "" {
				t.Fatal("no funding table")
			}
			var ys []int
			for y := range perYear {
				ys = append(ys, y)
			}
			sort.Ints(ys)
			var head, foot strings.Builder
			for _, y := range ys {
				fmt.Fprintf(&head, `<th scope="col" class="nombre">%d</th>`, y)
				fmt.Fprintf(&foot, `<td class="nombre">%s</td>`, mapsvg.FormatNumber(perYear[y], 0))
			}
			fmt.Fprintf(&foot, `<td class="nombre">%s</td>`, mapsvg.FormatNumber(grand, 0))
			if !strings.Contains(table, head.String()) {
				t.Errorf("year columns: want %s in %.600s", head.String(), table)
			}
			if !strings.Contains(table, `<tfoot><tr><th scope="row">Total par année</th>`+foot.String()+`</tr></tfoot>`) {
				t.Errorf("yearly totals: want %s in %s", foot.String(), actorBlock(table, "<tfoot>", "</tfoot>"))
			}
			// the 30 most funded actions are detailed, each a link to its
			// page, with a link to all of them in the actions directory
			sums := map[int64]float64{}
			for _, f := range fs.Items {
				sums[f.ActionID] += f.Amount
			}
			var top []int64
			for id := range sums {
				top = append(top, id)
			}
			sort.Slice(top, func(i, j int) bool {
				if sums[top[i]] != sums[top[j]] {
					return sums[top[i]] > sums[top[j]]
				}
				return top[i] < top[j]
			})
			if len(top) <= 30 {
				t.Fatalf("the demo CAF funds %d actions: the test expects more than the 30 detailed", len(top))
			}
			top = top[:30]
			if n := strings.Count(table, `<tr><th scope="row"><a href="/actions/`); n != 30 {
				t.Errorf("%d funded actions detailed, want the 30 most funded", n)
			}
			for _, id := range top {
				if !strings.Contains(table, fmt.Sprintf(`<tr><th scope="row"><a href="/actions/%d">`, id)) {
					t.Errorf("funded action %d (%.0f €) not among the detailed rows", id, sums[id])
				}
			}
			must(t, r, 200, fmt.Sprintf(`<a href="/actions?financeur=%d">Voir toutes les actions financées`, caf.ID))
			// partners: the operator of a funded action and its co-funders
			partners := actorBlock(r.body, `<h2 id="partenaires">`, "Fiche créée")
			var operator, cofunder int64
			for _, id := range top {
				a, err := s.Action(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if a.OperatorID != caf.ID && operator == 0 {
					operator = a.OperatorID
				}
				for _, f := range a.Fundings {
					if f.FunderID != caf.ID && cofunder == 0 {
						cofunder = f.FunderID
					}
				}
			}
			if operator == 0 || cofunder == 0 {
				t.Fatalf("the demo CAF has no operator (%d) or co-funder (%d) partner", operator, cofunder)
			}
			for _, p := range []int64{operator, cofunder} {
				if !strings.Contains(partners, fmt.Sprintf(`<a href="/acteurs/%d">`, p)) {
					t.Errorf("partner %d missing from %.1500s", p, partners)
				}
			}
			if !strings.Contains(partners, "porte ") || !strings.Contains(partners, "cofinance ") {
				t.Errorf("partners do not say how they are linked: %.800s", partners)
			}
		})

		t.Run("operator", func(t *testing.T) {
			// an association operating actions: they are listed and linked,
			// and its funders are its partners
			assos, _ := s.Actors(ctx, domain.ActorFilter{Type: "association"})
			for _, a := range assos.Items {
				ops, _ := s.Actions(ctx, domain.ActionFilter{Operator: a.ID, Sort: "title"})
				if ops.Total == 0 {
					continue
				}
				r := get(t, srv, fmt.Sprintf("/acteurs/%d", a.ID))
				must(t, r, 200, html.EscapeString(a.Name), fmt.Sprintf("%d action(s) portée(s)", ops.Total))
				operated := actorBlock(r.body, `<h2 id="actions-portees">`, `<h2 id="actions-financees">`)
				// the first 20 by title, and a link to the others
				if len(ops.Items) > 20 {
					if !strings.Contains(operated, fmt.Sprintf(`<a href="/actions?porteur=%d">Voir les %d actions portées`, a.ID, ops.Total)) {
						t.Errorf("no link to the %d actions operated", ops.Total)
					}
					ops.Items = ops.Items[:20]
				}
				if n := strings.Count(operated, `<tr><td><a href="/actions/`); n != len(ops.Items) {
					t.Errorf("%d operated actions listed, want %d", n, len(ops.Items))
				}
				for _, op := range ops.Items {
					if !strings.Contains(operated, fmt.Sprintf(`<a href="/actions/%d">%s</a>`, op.ID, html.EscapeString(op.Title))) {
						t.Errorf("operated action %q not linked", op.Title)
					}
					full, _ := s.Action(ctx, op.ID)
					for _, f := range full.Fundings {
						if f.FunderID != a.ID && !strings.Contains(r.body, fmt.Sprintf(`<li><a href="/acteurs/%d">`, f.FunderID)) {
							t.Errorf("funder %d of %q is not among the partners", f.FunderID, op.Title)
						}
					}
				}
				if !strings.Contains(r.body, "Aucun financement de cet acteur n’est déclaré.") {
					if fs, _ := s.Fundings(ctx, domain.FundingFilter{Funder: a.ID}); fs.Total == 0 {
						t.Error("an association that funds nothing shows a funding table")
					}
				}
				return
			}
			t.Fatal("no demo association operates an action")
		})

		t.Run("not_found", func(t *testing.T) {
			must(t, get(t, srv, "/acteurs/999999"), 404, "Page introuvable", "Acteur introuvable")
			must(t, get(t, srv, "/acteurs/abc"), 404)
			must(t, get(t, srv, "/acteurs/999999/modifier"), 404)
		})
	})
}

// TestActorForm creates and edits an actor through the form (anonymous
// writes allowed, as in the demo): French errors per field and nothing
// written on a bad form, the flash after a good one, the version conflict
// that overwrites nothing.
func TestActorForm(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
		ctx := context.Background()
		count := func() int {
			pg, err := s.Actors(ctx, domain.ActorFilter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			return pg.Total
		}
		seat, err := s.Territory(ctx, "96001")
		if err != nil {
			t.Fatal(err)
		}
		siren := luhnSIREN(t, "43152876")
		siret := luhnSIRET(t, siren)
		before := count()

		r := get(t, srv, "/acteurs/nouveau")
		must(t, r, 200, "<h1>Nouvel acteur</h1>", `<label class="fr-label" for="name">`, `<option value="centre_social">`, `name="visibility"`)
		checkPage(t, r)

		// bad: no name, no type, a SIREN with a wrong key
		bad := url.Values{"name": {"  "}, "type": {""}, "siren": {"123456789"}, "siret": {""}, "commune": {"96001"}, "visibility": {"network"}}
		r = post(t, srv, "/acteurs/nouveau", bad)
		must(t, r, 422, "Le formulaire contient 3 erreur(s)", `id="name-erreur"`, "obligatoire", `id="type-erreur"`, "choisissez le type d’acteur",
			`id="siren-erreur"`, "SIREN invalide", `<a href="#siren">SIREN : SIREN invalide`, `value="123456789"`, `aria-describedby="siren-erreur"`)
		if n := count(); n != before {
			t.Fatalf("a refused form wrote an actor (%d → %d)", before, n)
		}
		// the SIRET must belong to the SIREN; an unknown commune is named
		bad = url.Values{"name": {"Maison des familles"}, "type": {"association"}, "siren": {siren}, "siret": {luhnSIRET(t, luhnSIREN(t, "43152877"))},
			"commune": {"96999"}, "visibility": {"network"}}
		r = post(t, srv, "/acteurs/nouveau", bad)
		must(t, r, 422, `id="siret-erreur"`, "ne commence pas par le SIREN")
		bad.Set("siret", siret)
		r = post(t, srv, "/acteurs/nouveau", bad)
		must(t, r, 422, `id="commune-erreur"`, "commune inconnue")
		if n := count(); n != before {
			t.Fatalf("a refused form wrote an actor (%d → %d)", before, n)
		}

		// the action form's operator list is cached: load it before
		must(t, get(t, srv, "/actions/nouvelle"), 200, `id="operator_id"`)

		// good, with the spaces people type in a SIREN
		good := url.Values{"name": {"Maison des familles du Berry"}, "type": {"association"}, "siren": {siren[:3] + " " + siren[3:6] + " " + siren[6:]},
			"siret": {siret}, "commune": {"96001"}, "territory": {""}, "visibility": {"public"}}
		r = post(t, srv, "/acteurs/nouveau", good)
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !regexp.MustCompile(`^/acteurs/\d+\?ok=cree$`).MatchString(loc) {
			t.Fatalf("create: status %d location %q body %.1500s", r.status, loc, r.body)
		}
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/acteurs/"), "?ok=cree"), 10, 64)
		got, err := s.Actor(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Maison des familles du Berry" || got.Type != "association" || got.SIREN != siren || got.SIRET != siret || got.Commune != "96001" ||
			got.Visibility != domain.VisibilityPublic || got.Source != domain.SourceMaillage {
			t.Fatalf("stored %+v", got)
		}
		r = get(t, srv, loc)
		must(t, r, 200, "L’acteur a été créé.", "<h1>Maison des familles du Berry</h1>", siren, siret, html.EscapeString(seat.Name), "publique",
			"Cet acteur ne porte aucune action enregistrée.", "Aucun financement de cet acteur n’est déclaré.", `href="/acteurs/`+strconv.FormatInt(id, 10)+`/modifier"`)
		// the new actor may at once carry an action
		must(t, get(t, srv, "/actions/nouvelle"), 200, fmt.Sprintf(`<option value="%d">Maison des familles du Berry</option>`, id))
		// and the directory finds it by name
		rows := actorRows(t, get(t, srv, "/acteurs?texte=familles+du+Berry").body)
		if len(rows) != 1 || rows[0].ID != id || rows[0].SIREN != siren || rows[0].Commune != seat.Name || rows[0].Operated != "0" {
			t.Fatalf("directory rows %+v", rows)
		}

		// edit
		path := "/acteurs/" + strconv.FormatInt(id, 10) + "/modifier"
		r = get(t, srv, path)
		must(t, r, 200, "<h1>Modifier l’acteur</h1>", `name="version" value="1"`, `value="Maison des familles du Berry"`, `<option value="association" selected>`)
		edit := url.Values{"version": {"1"}, "name": {"Maison des familles"}, "type": {"association"}, "siren": {siren}, "siret": {siret},
			"commune": {"96001"}, "visibility": {"network"}}
		r = post(t, srv, path, edit)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/acteurs/"+strconv.FormatInt(id, 10)+"?ok=modifie" {
			t.Fatalf("edit: status %d location %q body %.1500s", r.status, r.header.Get("Location"), r.body)
		}
		must(t, get(t, srv, r.header.Get("Location")), 200, "Les modifications ont été enregistrées.", "<h1>Maison des familles</h1>", "réseau")

		// the same stale version 1 again: conflict, nothing overwritten,
		// the user's input kept, the form now carries the current version
		edit.Set("name", "Écrasement")
		r = post(t, srv, path, edit)
		must(t, r, 409, "Cet acteur a été modifié entre-temps", `value="Écrasement"`, `name="version" value="2"`)
		if cur, _ := s.Actor(ctx, id); cur.Name != "Maison des familles" {
			t.Fatalf("the conflict overwrote the name: %q", cur.Name)
		}
		// submitting again overwrites knowingly
		edit.Set("version", "2")
		must(t, post(t, srv, path, edit), 303)
		if cur, _ := s.Actor(ctx, id); cur.Name != "Écrasement" || cur.Version != 3 {
			t.Fatalf("after the second submission: %q version %d", cur.Name, cur.Version)
		}
		// a field error on edit keeps the record as it was
		edit.Set("version", "3")
		edit.Set("commune", "abc")
		must(t, post(t, srv, path, edit), 422, `id="commune-erreur"`, "code commune invalide")
		if cur, _ := s.Actor(ctx, id); cur.Commune != "96001" {
			t.Fatalf("a refused edit changed the commune to %q", cur.Commune)
		}
	})
}

// TestActorWritesNeedAnAccount: without accounts and without anonymous
// writes, the forms are refused and the directory offers no creation.
func TestActorWritesNeedAnAccount(t *testing.T) {
	s := storetest.OpenSQLite(t)
	srv := newDemo(t, s, web.Options{})
	must(t, get(t, srv, "/acteurs/nouveau"), 403, "Connectez-vous")
	must(t, post(t, srv, "/acteurs/nouveau", url.Values{"name": {"x"}, "type": {"association"}}), 403)
	must(t, get(t, srv, "/acteurs/1/modifier"), 403, "Connectez-vous")
	if strings.Contains(get(t, srv, "/acteurs").body, "Nouvel acteur") {
		t.Error("the directory offers to create an actor to a visitor")
	}
}

// TestActorsWithAccounts runs the actor pages inside the whole server with
// accounts, on both databases: the CSRF token, a reader refused the forms,
// an agent creating an actor owned by her organisation and refused the
// edit of another organisation's, and visibility (a private actor is a
// 404 for other organisations and for the public).
func TestActorsWithAccounts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if err := demo.Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		as := newAccountsServer(t, s)
		cafOrg := &domain.Organisation{Name: "CAF du " + demo.DeptName}
		epciOrg := &domain.Organisation{Name: "Communauté de communes"}
		for _, o := range []*domain.Organisation{cafOrg, epciOrg} {
			if err := s.CreateOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		as.user("agente@caf.example", "Agathe", cafOrg.ID, domain.RoleCAFStaff)
		as.user("lecteur@epci.example", "Léo", epciOrg.ID, domain.RolePartnerReader)
		login, do := as.login, as.do
		token := func(c *http.Cookie, path string) string {
			t.Helper()
			return csrfToken(t, do(c, "GET", path, nil))
		}
		count := func() int {
			pg, err := s.Actors(ctx, domain.ActorFilter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			return pg.Total
		}
		agent, reader := login("agente@caf.example"), login("lecteur@epci.example")
		demoActors, _ := s.Actors(ctx, domain.ActorFilter{Type: "caf"})
		demoCAF := demoActors.Items[0]
		before := count()
		form := url.Values{"name": {"Relais petite enfance du Nord"}, "type": {"autre"}, "commune": {"96001"}, "visibility": {"private"}}

		// the reader: may read the directory, not open or submit the form
		r := do(reader, "GET", "/acteurs", nil)
		must(t, r, 200, "acteur(s)")
		if strings.Contains(r.body, "Nouvel acteur") {
			t.Error("the directory offers a reader to create an actor")
		}
		must(t, do(reader, "GET", "/acteurs/nouveau", nil), 403)
		f := cloneValues(form)
		f.Set("csrf_token", token(reader, "/acteurs"))
		must(t, do(reader, "POST", "/acteurs/nouveau", f), 403)
		if strings.Contains(do(reader, "GET", fmt.Sprintf("/acteurs/%d", demoCAF.ID), nil).body, "/modifier") {
			t.Error("the actor page offers a reader to edit")
		}

		// the agent: the form carries the token, a post without it is refused
		r = do(agent, "GET", "/acteurs/nouveau", nil)
		must(t, r, 200, `name="csrf_token"`)
		must(t, do(agent, "POST", "/acteurs/nouveau", form), 403)
		if n := count(); n != before {
			t.Fatalf("refused posts wrote actors (%d → %d)", before, n)
		}
		f = cloneValues(form)
		f.Set("csrf_token", token(agent, "/acteurs/nouveau"))
		r = do(agent, "POST", "/acteurs/nouveau", f)
		must(t, r, 303)
		loc := r.header.Get("Location")
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/acteurs/"), "?ok=cree"), 10, 64)
		got, err := s.Actor(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.OwnerOrg != cafOrg.ID || got.Visibility != domain.VisibilityPrivate {
			t.Fatalf("created actor owned by %d (%s), want %d (private)", got.OwnerOrg, got.Visibility, cafOrg.ID)
		}
		must(t, do(agent, "GET", loc, nil), 200, "L’acteur a été créé.", html.EscapeString(cafOrg.Name), "privée", "/modifier")

		// her own actor: she edits it (version conflict included)
		path := fmt.Sprintf("/acteurs/%d/modifier", id)
		must(t, do(agent, "GET", path, nil), 200, `name="csrf_token"`)
		f.Set("version", "1")
		f.Set("name", "Relais petite enfance")
		must(t, do(agent, "POST", path, f), 303)
		must(t, do(agent, "POST", path, f), 409, "Cet acteur a été modifié entre-temps")

		// another organisation's actor: no edit link, form and post refused
		demoPage := fmt.Sprintf("/acteurs/%d", demoCAF.ID)
		if strings.Contains(do(agent, "GET", demoPage, nil).body, demoPage+"/modifier") {
			t.Error("the page of another organisation's actor offers the agent to edit it")
		}
		must(t, do(agent, "GET", demoPage+"/modifier", nil), 403, "seuls son organisation propriétaire et les administrateurs le peuvent")
		g := url.Values{"csrf_token": {f.Get("csrf_token")}, "version": {strconv.FormatInt(demoCAF.Version, 10)}, "name": {"CAF renommée"},
			"type": {"caf"}, "visibility": {"public"}}
		must(t, do(agent, "POST", demoPage+"/modifier", g), 403)
		if cur, _ := s.Actor(ctx, demoCAF.ID); cur.Name != demoCAF.Name {
			t.Fatalf("a refused edit renamed the CAF to %q", cur.Name)
		}

		// visibility: the private actor is a 404 for the reader of another
		// organisation and for the public, and absent from their directory
		mine := fmt.Sprintf("/acteurs/%d", id)
		must(t, do(reader, "GET", mine, nil), 404, "introuvable")
		must(t, do(nil, "GET", mine, nil), 404)
		for _, c := range []*http.Cookie{reader, nil} {
			for _, row := range actorRows(t, do(c, "GET", "/acteurs?texte=Relais", nil).body) {
				if row.ID == id {
					t.Error("a private actor is listed for another organisation")
				}
			}
		}
		rows := actorRows(t, do(agent, "GET", "/acteurs?texte=Relais", nil).body)
		if len(rows) != 1 || rows[0].ID != id {
			t.Errorf("the owner's directory: %+v", rows)
		}
	})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
