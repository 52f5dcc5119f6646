package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"maillage/internal/auth/authhttp"
	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/server"
	"maillage/internal/store/storetest"
)

// TestBrowserSignIn runs the interface inside the whole server with the
// accounts (as `maillage serve` does): a visitor cannot edit, signs in, then
// edits an action (the form carries the session's CSRF token).
func TestBrowserSignIn(t *testing.T) {
	b := newBrowser(t)
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	if err := demo.Build(ctx, s); err != nil {
		t.Fatal(err)
	}
	acc := authhttp.Setup(s, s, authhttp.Options{})
	opts := server.Options{Wrap: acc.Wrap}
	acc.APIOptions(&opts.API)
	h, err := server.New(ctx, acc.Store(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	const email, password = "camille@caf.example", "un mot de passe solide"
	if _, err := acc.Service().CreateUser(ctx, email, "Camille", password, domain.InstanceOrganisation, domain.RoleCAFStaff); err != nil {
		t.Fatal(err)
	}
	b.base = srv.URL

	// a visitor asking for the edit form is sent to the sign-in page
	b.open(t, "/actions/1/modifier")
	if p := b.eval(t, `location.pathname`).(string); p != "/connexion" {
		t.Fatalf("a visitor asking for the edit form lands on %q", p)
	}
	b.open(t, "/")
	b.submit(t, chromedp.Click(chromedp.CSS(`a[href="/connexion"]`)), `location.pathname === '/connexion'`)
	b.setValue(t, "#email", email)
	b.setValue(t, "#password", password)
	b.shot(t, "connexion")
	b.submit(t, chromedp.Click(chromedp.CSS(`form[action="/connexion"] button[type=submit]`)), `location.pathname !== '/connexion'`)
	if txt := b.eval(t, `document.querySelector('.fr-header__tools').textContent`).(string); !strings.Contains(txt, email) {
		t.Fatalf("after sign-in the header shows %q", txt)
	}
	b.open(t, "/actions/1/modifier")
	b.setValue(t, "#title", "Action modifiée après connexion")
	b.submit(t, chromedp.Click(chromedp.CSS("#enregistrer")), `document.querySelector('.fr-alert--success')`)
	if h1 := b.eval(t, `document.querySelector('h1').textContent`).(string); h1 != "Action modifiée après connexion" {
		t.Fatalf("after the edit the page shows %q", h1)
	}
	b.shot(t, "connecte-modification")
}

var _ = httptest.NewServer
