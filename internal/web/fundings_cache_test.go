package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"maillage/internal/domain"
	"maillage/internal/store/storetest"
	"maillage/internal/web"
)

// TestFundingChangesAnalysis: a funding added through the action's form
// shows in the funding total of the territory's analysis page, although
// that page is cached and the analysis engine works on a snapshot (both
// databases). Deleting it brings the total back; a funding written
// directly in the store shows too.
func TestFundingChangesAnalysis(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		srv := newDemo(t, s, web.Options{AllowAnonymousWrite: true})
		totalRe := regexp.MustCompile(`En (\d{4}), ([0-9\x{202f}]+) € financent les actions de ce périmètre`)
		const analyse = "/analyse?perimetre=96"
		total := func() (int, int) {
			t.Helper()
			r := get(t, srv, analyse)
			must(t, r, 200)
			m := totalRe.FindStringSubmatch(r.body)
			if m == nil {
				t.Fatalf("no funding total on the analysis page: %.300s", r.body)
			}
			y, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(strings.ReplaceAll(m[2], "\u202f", ""))
			return y, n
		}
		// waitTotal reads the (cached) page until it shows want.
		waitTotal := func(want int) {
			t.Helper()
			deadline := time.Now().Add(90 * time.Second)
			for {
				_, got := total()
				if got == want {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("the analysis still shows %d €, want %d €", got, want)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		year, before := total()
		if _, again := total(); again != before {
			t.Fatalf("unstable total %d then %d", before, again)
		}

		// an action of the département running that year, and a funder
		// that does not fund it that year yet
		pg, err := s.Actions(ctx, domain.ActionFilter{Territory: "96", Year: year, Limit: 1, Sort: "id"})
		if err != nil || len(pg.Items) == 0 {
			t.Fatalf("no action in 96 in %d: %v", year, err)
		}
		a, err := s.Action(ctx, pg.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		funds := map[int64]bool{}
		for _, f := range a.Fundings {
			if f.Year == year {
				funds[f.FunderID] = true
			}
		}
		actors, err := s.Actors(ctx, domain.ActorFilter{Limit: 100, Sort: "name"})
		if err != nil {
			t.Fatal(err)
		}
		var funder int64
		for _, ac := range actors.Items {
			if !funds[ac.ID] {
				funder = ac.ID
				break
			}
		}
		id := strconv.FormatInt(a.ID, 10)
		r := post(t, srv, "/actions/"+id+"/financements", url.Values{"funder": {strconv.FormatInt(funder, 10)},
			"year": {strconv.Itoa(year)}, "amount": {"12 345"}})
		must(t, r, 303)
		waitTotal(before + 12345)

		fs, err := s.Fundings(ctx, domain.FundingFilter{Action: a.ID, Funder: funder, Year: year})
		if err != nil || len(fs.Items) != 1 {
			t.Fatalf("stored fundings %+v %v", fs.Items, err)
		}
		f := fs.Items[0]
		r = post(t, srv, "/actions/"+id+"/financements/"+strconv.FormatInt(f.ID, 10)+"/supprimer",
			url.Values{"version": {strconv.FormatInt(f.Version, 10)}})
		must(t, r, 303)
		waitTotal(before)

		// A write that does not go through the web forms (the API, an
		// import): the engine finds it at its next check, and no page
		// computed from the old snapshot meanwhile stays in the cache.
		total() // caches the page at the current version
		direct := domain.Funding{ActionID: a.ID, FunderID: funder, Year: year, Amount: 777}
		if err := s.CreateFunding(ctx, &direct); err != nil {
			t.Fatal(err)
		}
		waitTotal(before + 777)
	})
}
