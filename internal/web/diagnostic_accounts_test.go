package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/store/storetest"
)

// TestDiagnosticWithAccounts runs the diagnostic pages inside the whole
// server with the accounts (as `maillage serve` does): a partner editor of a
// participating organisation takes position for it (the form carries the
// session's CSRF token), a reader sees no form and is refused, the
// administration is refused to a non-administrator.
func TestDiagnosticWithAccounts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if err := demo.Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		fx := seedDiagnostic(t, s)
		as := newAccountsServer(t, s)
		as.user("editrice@epci.example", "Élise", fx.EPCI, domain.RolePartnerEditor)
		as.user("lecteur@epci.example", "Léo", fx.EPCI, domain.RolePartnerReader)
		login := func(email string) (*http.Cookie, string) { return as.login(email), "" }
		do := as.do
		base := fmt.Sprintf("/diagnostics/%d", fx.Diag)
		path := fmt.Sprintf("%s/constats/%d/position", base, fx.F3)

		ed, _ := login("editrice@epci.example")
		r := do(ed, "GET", base, nil)
		must(t, r, 200, "Vous prenez position pour : <strong>", `id="position-`)
		if strings.Contains(r.body, `id="organisation-`) {
			t.Error("a partner chooses the organisation it speaks for")
		}
		m := csrfRe.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatal("no CSRF token in the form")
		}
		must(t, do(ed, "POST", path, url.Values{"position": {"agree"}}), 403) // no token
		r = do(ed, "POST", path, url.Values{"csrf_token": {m[1]}, "position": {"agree"}, "organisation": {fmt.Sprint(fx.CAF)}})
		must(t, r, 422, "vous agissez pour") // cannot speak for the CAF
		must(t, do(ed, "POST", path, url.Values{"csrf_token": {m[1]}, "position": {"agree"}}), 303)
		ps, err := s.Positions(ctx, domain.PositionFilter{Finding: fx.F3})
		if err != nil || len(ps) != 1 || ps[0].OrgID != fx.EPCI {
			t.Fatalf("positions: %+v %v", ps, err)
		}
		r = do(ed, "GET", base+"/restitution", nil)
		must(t, r, 200, `id="form-points"`)
		if strings.Contains(r.body, `id="form-examen"`) {
			t.Error("a partner of another organisation may review the CAF's findings")
		}
		must(t, do(ed, "GET", "/administration", nil), 403)

		rd, _ := login("lecteur@epci.example")
		r = do(rd, "GET", base, nil)
		must(t, r, 200)
		if strings.Contains(r.body, `id="position-`) {
			t.Error("a reader sees the position form")
		}
		m = csrfRe.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatal("no CSRF token for the reader (logout form)")
		}
		must(t, do(rd, "POST", path, url.Values{"csrf_token": {m[1]}, "position": {"agree"}}), 403)

		// the public is sent to the sign-in page for writes, reads what is public only
		must(t, do(nil, "POST", path, url.Values{"position": {"agree"}}), 401)
	})
}
