package authhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"maillage/internal/auth"
	"maillage/internal/auth/authhttp"
	"maillage/internal/domain"
	"maillage/internal/server"
	"maillage/internal/store/storetest"
)

func TestMain(m *testing.M) {
	auth.Argon2 = auth.TestArgon2
	os.Exit(m.Run())
}

var bg = context.Background()

const password = "un mot de passe assez long"

// env is a running Maillage with organisations, people of every role and
// records of every visibility.
type env struct {
	t   testing.TB
	s   domain.Store
	acc domain.AccountStore
	h   *authhttp.Handlers
	srv *httptest.Server

	CAF, Partner, Other int64            // organisations (CAF and Partner are partners)
	Users               map[string]int64 // role → user id
	Emails              map[string]string
	// Actions[org][visibility] is an action owned by org with that visibility.
	Actions map[int64]map[domain.Visibility]int64
	Actors  map[int64]int64 // org → an actor it owns (network)

	mu    sync.Mutex
	slept []time.Duration // login throttle delays asked for
}

// roles and the organisation each test person acts for.
var people = []struct{ role, email string }{
	{domain.RoleAdmin, "admin@maillage.test"},
	{domain.RoleCAFStaff, "conseillere@caf.test"},
	{domain.RolePartnerEditor, "editeur@partenaire.test"},
	{domain.RolePartnerReader, "lecteur@partenaire.test"},
	{domain.RoleObserver, "observatrice@recherche.test"},
}

func newEnv(t testing.TB, s domain.Store) *env {
	t.Helper()
	acc, ok := s.(domain.AccountStore)
	if !ok {
		t.Fatalf("%T is not an AccountStore", s)
	}
	e := &env{t: t, s: s, acc: acc, Users: map[string]int64{}, Emails: map[string]string{},
		Actions: map[int64]map[domain.Visibility]int64{}, Actors: map[int64]int64{}}
	e.h = authhttp.Setup(s, acc, authhttp.Options{})
	e.h.Service().Throttle.Sleep = func(_ context.Context, d time.Duration) {
		e.mu.Lock()
		e.slept = append(e.slept, d)
		e.mu.Unlock()
	}

	var f storetest.Fixture
	f.LoadTerritories(t, s)
	for _, o := range []*int64{&e.CAF, &e.Partner, &e.Other} {
		org := &domain.Organisation{Name: "Organisation"}
		must(t, acc.CreateOrganisation(bg, org))
		*o = org.ID
	}
	must(t, acc.AddPartnership(bg, e.CAF, e.Partner))
	orgOf := map[string]int64{domain.RoleAdmin: domain.InstanceOrganisation, domain.RoleCAFStaff: e.CAF,
		domain.RolePartnerEditor: e.Partner, domain.RolePartnerReader: e.Partner, domain.RoleObserver: e.Other}
	svc := e.h.Service()
	for _, p := range people {
		u, err := svc.CreateUser(bg, p.email, "", password, orgOf[p.role], p.role)
		must(t, err)
		e.Users[p.role], e.Emails[p.role] = u.ID, p.email
	}
	for _, org := range []int64{domain.InstanceOrganisation, e.CAF, e.Partner, e.Other} {
		actor := &domain.Actor{Name: "Acteur de l'organisation", Type: "association", Meta: domain.Meta{OwnerOrg: org, Visibility: domain.VisibilityNetwork}}
		must(t, s.CreateActor(bg, actor))
		e.Actors[org] = actor.ID
		e.Actions[org] = map[domain.Visibility]int64{}
		for _, v := range []domain.Visibility{domain.VisibilityPrivate, domain.VisibilityPartners, domain.VisibilityNetwork, domain.VisibilityPublic} {
			a := &domain.Action{Title: fmt.Sprintf("Action o%d %s", org, v), OperatorID: actor.ID, Themes: []string{"parentalite"}, Zone: []string{"18033"},
				Meta: domain.Meta{OwnerOrg: org, Visibility: v}}
			must(t, s.CreateAction(bg, a))
			e.Actions[org][v] = a.ID
			must(t, s.CreateFunding(bg, &domain.Funding{ActionID: a.ID, FunderID: actor.ID, Year: 2024, Amount: 100, Meta: domain.Meta{OwnerOrg: org, Visibility: v}}))
		}
	}
	// The server starts last: its analysis engine loads a snapshot of the data.
	opts := server.Options{Wrap: e.h.Wrap, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.h.APIOptions(&opts.API)
	handler, err := server.New(bg, e.h.Store(), opts)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(handler)
	t.Cleanup(e.srv.Close)
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// client is a browser or a script.
type client struct {
	e      *env
	hc     *http.Client
	csrf   string
	bearer string
	header http.Header
}

func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, header: http.Header{}}
}

// login signs a person of the role in through the JSON API.
func (e *env) login(role string) *client {
	e.t.Helper()
	c := e.anon()
	res := c.do("POST", "/api/v1/auth/login", map[string]string{"email": e.Emails[role], "password": password})
	if res.status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", role, res.status, res.body)
	}
	var me authhttp.Me
	must(e.t, json.Unmarshal(res.body, &me))
	c.csrf = me.CSRFToken
	return c
}

// token returns a script client with a personal API token of the role.
func (e *env) token(role string) *client {
	e.t.Helper()
	c := e.login(role)
	res := c.do("POST", "/api/v1/auth/tokens", map[string]string{"name": "script"})
	if res.status != http.StatusCreated {
		e.t.Fatalf("token: %d %s", res.status, res.body)
	}
	var nt authhttp.NewToken
	must(e.t, json.Unmarshal(res.body, &nt))
	s := e.anon()
	s.bearer = nt.Token
	return s
}

type response struct {
	status int
	body   []byte
	header http.Header
}

func (r response) String() string { return string(r.body) }

// do sends a request; a map or struct body is sent as JSON, url.Values as a form.
func (c *client) do(method, path string, body any) response {
	c.e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	must(c.e.t, err)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.csrf != "" && ct != "application/x-www-form-urlencoded" {
		req.Header.Set(auth.CSRFHeader, c.csrf)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	must(c.e.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: b, header: res.Header}
}
