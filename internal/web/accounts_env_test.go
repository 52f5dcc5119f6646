package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"maillage/internal/auth"
	"maillage/internal/auth/authhttp"
	"maillage/internal/domain"
	"maillage/internal/server"
)

// accountsServer is the whole server with accounts over a store, as
// `maillage serve` runs it: test users share one password and log in as
// session cookies; forms are posted with the Origin header a browser sends.
type accountsServer struct {
	t   *testing.T
	srv *httptest.Server
	acc *authhttp.Handlers
}

const testPassword = "un mot de passe solide"

func newAccountsServer(t *testing.T, s domain.Store) *accountsServer {
	t.Helper()
	acc := authhttp.Setup(s, s, authhttp.Options{})
	opts := server.Options{Wrap: acc.Wrap}
	acc.APIOptions(&opts.API)
	h, err := server.New(context.Background(), acc.Store(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &accountsServer{t: t, srv: srv, acc: acc}
}

// user creates an account with testPassword.
func (a *accountsServer) user(email, name string, org int64, role string) {
	a.t.Helper()
	if _, err := a.acc.Service().CreateUser(context.Background(), email, name, testPassword, org, role); err != nil {
		a.t.Fatal(err)
	}
}

// login opens a session and returns its cookie.
func (a *accountsServer) login(email string) *http.Cookie {
	a.t.Helper()
	_, tok, err := a.acc.Service().Login(context.Background(), email, testPassword, "127.0.0.1")
	if err != nil {
		a.t.Fatal(err)
	}
	return &http.Cookie{Name: auth.SessionCookie, Value: tok}
}

// do sends a request with the session cookie c (nil: anonymous) and, with
// a form, posts it; redirects are not followed.
func (a *accountsServer) do(c *http.Cookie, method, path string, form url.Values) resp {
	a.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", a.srv.URL)
	}
	if c != nil {
		req.AddCookie(c)
	}
	r, err := noRedirect.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, string(b), r.Header}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfToken is the session's CSRF token in a page's forms.
func csrfToken(t *testing.T, r resp) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no CSRF token in the page: %.600s", r.body)
	}
	return m[1]
}
