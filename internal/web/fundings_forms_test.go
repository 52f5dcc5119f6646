package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestFundingForms manages an action's fundings from its page inside the
// whole server with accounts, on both databases: add (funder by list, by
// name), amounts typed the French way, a bad amount and an unknown or
// ambiguous funder refused with the field's message and nothing written,
// a duplicate refused, edit with a stale version (conflict), delete after
// confirmation, and the policy: a reader gets no form and is refused, a
// CAF agent may not change the fundings of another organisation, a form
// without the session's token is refused.
func TestFundingForms(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if err := demo.Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		as := newAccountsServer(t, s)

		actorOf := func(typ string) domain.Actor {
			t.Helper()
			pg, err := s.Actors(ctx, domain.ActorFilter{Type: typ, Limit: 1})
			if err != nil || len(pg.Items) == 0 {
				t.Fatalf("demo actor of type %s: %v", typ, err)
			}
			return pg.Items[0]
		}
		caf, dept, epci := actorOf("caf"), actorOf("departement"), actorOf("epci")
		cafOrg := &domain.Organisation{Name: caf.Name, ActorID: caf.ID}
		epciOrg := &domain.Organisation{Name: epci.Name, ActorID: epci.ID}
		for _, o := range []*domain.Organisation{cafOrg, epciOrg} {
			if err := s.CreateOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		as.user("agente@caf.example", "agente@caf.example", cafOrg.ID, domain.RoleCAFStaff)
		as.user("lecteur@epci.example", "lecteur@epci.example", epciOrg.ID, domain.RolePartnerReader)
		login, do := as.login, as.do
		token := func(r resp) string { return csrfToken(t, r) }
		agent, reader := login("agente@caf.example"), login("lecteur@epci.example")

		// an action of the demo with fundings (owned by the instance)
		pg, err := s.Actions(ctx, domain.ActionFilter{Territory: "96", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var a *domain.Action
		for _, x := range pg.Items {
			full, err := s.Action(ctx, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Fundings) > 0 {
				a = full
				break
			}
		}
		if a == nil {
			t.Fatal("no demo action with fundings")
		}
		demoFunding := a.Fundings[0]
		id := strconv.FormatInt(a.ID, 10)
		page := "/actions/" + id
		fundings := func() []domain.Funding {
			t.Helper()
			fs, err := s.Fundings(ctx, domain.FundingFilter{Action: a.ID, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			return fs.Items
		}
		before := len(fundings())
		find := func(funder int64, year int) *domain.Funding {
			for _, f := range fundings() {
				if f.FunderID == funder && f.Year == year {
					return &f
				}
			}
			return nil
		}

		r := do(agent, "GET", page, nil)
		must(t, r, 200, "Ajouter un financement", `id="formulaire-financement"`, `<legend class="fr-fieldset__legend" id="financement-legende">`,
			`<label class="fr-label" for="champ-funder">`, `<select class="fr-select" id="champ-funder" name="funder"`, html.EscapeString(caf.Name),
			`for="champ-year"`, `for="champ-amount"`, `action="/actions/`+id+`/financements"`)
		checkPage(t, r)
		if strings.Contains(r.body, fmt.Sprintf("/financements/%d/modifier", demoFunding.ID)) {
			t.Error("the agent is offered to edit a funding of another organisation")
		}
		tok := token(r)
		create := "/actions/" + id + "/financements"
		cafID := strconv.FormatInt(caf.ID, 10)

		t.Run("without_token", func(t *testing.T) {
			must(t, do(agent, "POST", create, url.Values{"funder": {cafID}, "year": {"2031"}, "amount": {"2 000"}}), 403)
			if n := len(fundings()); n != before {
				t.Fatalf("a form without the token wrote: %d → %d", before, n)
			}
		})
		t.Run("bad_amount", func(t *testing.T) {
			r := do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {cafID}, "year": {"2031"}, "amount": {"deux mille"}})
			must(t, r, 422, "Le formulaire contient des erreurs", `href="#champ-amount"`, `id="champ-amount-erreur"`,
				`aria-describedby="champ-amount-erreur"`, "montant illisible", `value="deux mille"`)
			checkPage(t, r)
			if !strings.Contains(r.body, `<option value="`+cafID+`" selected>`) {
				t.Error("the funder chosen is lost after the error")
			}
			if n := len(fundings()); n != before {
				t.Fatalf("a refused form wrote: %d → %d", before, n)
			}
			// a year that is not one, and nothing typed
			r = do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {""}, "year": {"deux"}, "amount": {""}})
			must(t, r, 422, `id="champ-year-erreur"`, "année attendue", `id="champ-amount-erreur"`, `id="champ-funder-erreur"`, "obligatoire")
			r = do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {cafID}, "year": {"1850"}, "amount": {"-5"}})
			must(t, r, 422, `id="champ-year-erreur"`, "année invalide 1850", `id="champ-amount-erreur"`, "montant invalide")
			if n := len(fundings()); n != before {
				t.Fatalf("a refused form wrote: %d → %d", before, n)
			}
		})
		t.Run("unknown_funder", func(t *testing.T) {
			for _, v := range []string{"999999", "Fondation inexistante"} {
				r := do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {v}, "year": {"2031"}, "amount": {"2 000"}})
				must(t, r, 422, `id="champ-funder-erreur"`, "aucun acteur ne correspond à « "+v+" »", `aria-describedby="champ-funder-erreur"`)
			}
			// two actors of the same name: ambiguous, the ids are given
			var twins []int64
			for range 2 {
				ac := &domain.Actor{Name: "Association des jumeaux", Type: "association"}
				if err := s.CreateActor(ctx, ac); err != nil {
					t.Fatal(err)
				}
				twins = append(twins, ac.ID)
			}
			r := do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {"association des jumeaux"}, "year": {"2031"}, "amount": {"2 000"}})
			must(t, r, 422, "désigne 2 acteurs", fmt.Sprintf("n° %d", twins[0]), fmt.Sprintf("n° %d", twins[1]))
			if n := len(fundings()); n != before {
				t.Fatalf("a refused form wrote: %d → %d", before, n)
			}
		})

		var mine *domain.Funding
		t.Run("add", func(t *testing.T) {
			r := do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {cafID}, "year": {"2031"}, "amount": {"2 000,50"}})
			must(t, r, 303)
			if loc := r.header.Get("Location"); loc != page+"?ok=financement-ajoute" {
				t.Fatalf("redirect to %q", loc)
			}
			mine = find(caf.ID, 2031)
			if mine == nil || mine.Amount != 2000.5 || mine.OwnerOrg != cafOrg.ID || mine.Visibility != a.Visibility {
				t.Fatalf("stored %+v", mine)
			}
			r = do(agent, "GET", page+"?ok=financement-ajoute", nil)
			must(t, r, 200, "Le financement a été ajouté.", "2\u202f000,5", fmt.Sprintf(`href="/actions/%d/financements/%d/modifier"`, a.ID, mine.ID),
				fmt.Sprintf(`href="/actions/%d/financements/%d/supprimer"`, a.ID, mine.ID), `<span class="fr-sr-only"> le financement de `)
			// the funder by its name, the amount with the euro sign
			r = do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {"  " + strings.ReplaceAll(dept.Name, " ", "  ") + " "}, "year": {"2031"}, "amount": {"2000 €"}})
			must(t, r, 303)
			if f := find(dept.ID, 2031); f == nil || f.Amount != 2000 {
				t.Fatalf("funder by name: %+v", f)
			}
			// the same funder and year again: refused on the funder
			r = do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {cafID}, "year": {"2031"}, "amount": {"10"}})
			must(t, r, 422, `id="champ-funder-erreur"`, "finance déjà cette action en 2031")
			if n := len(fundings()); n != before+2 {
				t.Fatalf("%d fundings, want %d", n, before+2)
			}
		})
		if mine == nil {
			t.Fatal("nothing added")
		}
		edit := fmt.Sprintf("/actions/%d/financements/%d/modifier", a.ID, mine.ID)
		del := fmt.Sprintf("/actions/%d/financements/%d/supprimer", a.ID, mine.ID)

		t.Run("edit", func(t *testing.T) {
			r := do(agent, "GET", edit, nil)
			must(t, r, 200, "Modifier un financement", `name="version" value="`+strconv.FormatInt(mine.Version, 10)+`"`, `value="2000,5"`, `value="2031"`)
			checkPage(t, r)
			version := mine.Version
			for _, c := range []struct {
				typed string
				want  float64
			}{{"1 500,5", 1500.5}, {"2 000", 2000}, {"2\u00a0000,50", 2000.5}, {"2000 €", 2000}} {
				r := do(agent, "POST", edit, url.Values{"csrf_token": {tok}, "version": {strconv.FormatInt(version, 10)}, "funder": {cafID}, "year": {"2032"}, "amount": {c.typed}})
				must(t, r, 303)
				if loc := r.header.Get("Location"); loc != page+"?ok=financement-modifie" {
					t.Fatalf("redirect to %q", loc)
				}
				got, err := s.Funding(ctx, mine.ID)
				if err != nil || got.Amount != c.want || got.Year != 2032 || got.Version != version+1 {
					t.Fatalf("%q: stored %+v %v, want %v", c.typed, got, err, c.want)
				}
				version = got.Version
			}
			must(t, do(agent, "GET", page+"?ok=financement-modifie", nil), 200, "Le financement a été modifié.")
			// a bad amount: nothing written
			r = do(agent, "POST", edit, url.Values{"csrf_token": {tok}, "version": {strconv.FormatInt(version, 10)}, "funder": {cafID}, "year": {"2032"}, "amount": {"deux mille"}})
			must(t, r, 422, `id="champ-amount-erreur"`, "montant illisible")
			// stale version: conflict, nothing overwritten, the typed values kept
			r = do(agent, "POST", edit, url.Values{"csrf_token": {tok}, "version": {strconv.FormatInt(mine.Version, 10)}, "funder": {cafID}, "year": {"2032"}, "amount": {"99"}})
			must(t, r, 409, "Ce financement a été modifié entre-temps", `value="99"`, `name="version" value="`+strconv.FormatInt(version, 10)+`"`)
			if got, _ := s.Funding(ctx, mine.ID); got.Amount != 2000 || got.Version != version {
				t.Fatalf("the conflict overwrote: %+v", got)
			}
			// saving again from the conflict page overwrites knowingly
			must(t, do(agent, "POST", edit, url.Values{"csrf_token": {tok}, "version": {strconv.FormatInt(version, 10)}, "funder": {cafID}, "year": {"2032"}, "amount": {"99"}}), 303)
			if got, _ := s.Funding(ctx, mine.ID); got.Amount != 99 {
				t.Fatalf("stored %+v", got)
			}
			// a funding of another organisation: refused by the policy
			other := fmt.Sprintf("/actions/%d/financements/%d/modifier", a.ID, demoFunding.ID)
			must(t, do(agent, "GET", other, nil), 403)
			must(t, do(agent, "POST", other, url.Values{"csrf_token": {tok}, "version": {strconv.FormatInt(demoFunding.Version, 10)}, "funder": {cafID}, "year": {"2033"}, "amount": {"1"}}), 403)
			if got, _ := s.Funding(ctx, demoFunding.ID); got.Amount != demoFunding.Amount || got.Version != demoFunding.Version {
				t.Fatalf("another organisation's funding changed: %+v", got)
			}
			// a funding seen through another action: not found
			pg, _ := s.Actions(ctx, domain.ActionFilter{Limit: 2, Sort: "id"})
			for _, x := range pg.Items {
				if x.ID != a.ID {
					must(t, do(agent, "GET", fmt.Sprintf("/actions/%d/financements/%d/modifier", x.ID, mine.ID), nil), 404)
				}
			}
		})

		t.Run("reader", func(t *testing.T) {
			r := do(reader, "GET", page, nil)
			must(t, r, 200)
			if strings.Contains(r.body, "Ajouter un financement") || strings.Contains(r.body, "/financements/") {
				t.Fatal("a reader is offered the funding forms")
			}
			rt := token(do(reader, "GET", "/actions", nil))
			cur, _ := s.Funding(ctx, mine.ID)
			n := len(fundings())
			must(t, do(reader, "POST", create, url.Values{"csrf_token": {rt}, "funder": {cafID}, "year": {"2034"}, "amount": {"5"}}), 403)
			must(t, do(reader, "GET", edit, nil), 403)
			must(t, do(reader, "POST", edit, url.Values{"csrf_token": {rt}, "version": {strconv.FormatInt(cur.Version, 10)}, "funder": {cafID}, "year": {"2032"}, "amount": {"5"}}), 403)
			must(t, do(reader, "POST", del, url.Values{"csrf_token": {rt}, "version": {strconv.FormatInt(cur.Version, 10)}}), 403)
			after, err := s.Funding(ctx, mine.ID)
			if err != nil || after.Amount != cur.Amount || after.Version != cur.Version || len(fundings()) != n {
				t.Fatalf("a reader changed something: %+v %v", after, err)
			}
		})

		t.Run("delete", func(t *testing.T) {
			cur, _ := s.Funding(ctx, mine.ID)
			r := do(agent, "GET", del, nil)
			must(t, r, 200, "Voulez-vous vraiment supprimer le financement de <strong>"+html.EscapeString(caf.Name)+"</strong> pour l’année <strong>2032</strong>",
				`name="version" value="`+strconv.FormatInt(cur.Version, 10)+`"`, `id="confirmer-suppression"`)
			checkPage(t, r)
			// a version older than the stored one: nothing deleted
			r = do(agent, "POST", del, url.Values{"csrf_token": {tok}, "version": {strconv.FormatInt(cur.Version-1, 10)}})
			must(t, r, 409, "Ce financement a été modifié entre-temps")
			if _, err := s.Funding(ctx, mine.ID); err != nil {
				t.Fatalf("deleted despite the conflict: %v", err)
			}
			must(t, do(agent, "POST", del, url.Values{"csrf_token": {tok}}), 409)
			r = do(agent, "POST", del, url.Values{"csrf_token": {tok}, "version": {strconv.FormatInt(cur.Version, 10)}})
			must(t, r, 303)
			if loc := r.header.Get("Location"); loc != page+"?ok=financement-supprime" {
				t.Fatalf("redirect to %q", loc)
			}
			if _, err := s.Funding(ctx, mine.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("still there: %v", err)
			}
			must(t, do(agent, "GET", page+"?ok=financement-supprime", nil), 200, "Le financement a été supprimé.")
			must(t, do(agent, "GET", del, nil), 404)
			// another organisation's funding
			must(t, do(agent, "POST", fmt.Sprintf("/actions/%d/financements/%d/supprimer", a.ID, demoFunding.ID),
				url.Values{"csrf_token": {tok}, "version": {strconv.FormatInt(demoFunding.Version, 10)}}), 403)
			if _, err := s.Funding(ctx, demoFunding.ID); err != nil {
				t.Fatalf("another organisation's funding deleted: %v", err)
			}
		})

		// too many actors for a list: the funder is typed (number, SIREN or
		// name) and found on the server
		t.Run("many_actors", func(t *testing.T) {
			all, err := s.Actors(ctx, domain.ActorFilter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			for i := all.Total; i <= 500; i++ {
				if err := s.CreateActor(ctx, &domain.Actor{Name: fmt.Sprintf("Association n° %03d", i), Type: "association"}); err != nil {
					t.Fatal(err)
				}
			}
			r := do(agent, "GET", page, nil)
			must(t, r, 200, `<input class="fr-input" type="text" id="champ-funder" name="funder"`, "numéro, SIREN ou nom de l’acteur")
			if strings.Contains(r.body, `<select class="fr-select" id="champ-funder"`) {
				t.Fatal("a list of more than 500 actors")
			}
			r = do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {"Association n°"}, "year": {"2035"}, "amount": {"1"}})
			must(t, r, 422, `id="champ-funder-erreur"`, "« Association n° » désigne", "Saisissez le numéro de l’acteur voulu")
			r = do(agent, "POST", create, url.Values{"csrf_token": {tok}, "funder": {epci.Name}, "year": {"2035"}, "amount": {"1 500,5"}})
			must(t, r, 303)
			if f := find(epci.ID, 2035); f == nil || f.Amount != 1500.5 {
				t.Fatalf("funder typed by name: %+v", f)
			}
			// the edit form shows the funder's number and name
			f := find(epci.ID, 2035)
			r = do(agent, "GET", fmt.Sprintf("/actions/%d/financements/%d/modifier", a.ID, f.ID), nil)
			must(t, r, 200, `value="`+strconv.FormatInt(epci.ID, 10)+`"`, "actuellement "+html.EscapeString(epci.Name))
		})
	})
}
