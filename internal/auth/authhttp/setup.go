package authhttp

import (
	"log/slog"
	"net/http"
	"strings"

	"maillage/internal/api"
	"maillage/internal/auth"
	"maillage/internal/domain"
)

// Options configure the accounts over HTTP.
type Options struct {
	// SecureCookies marks the session cookie Secure even without TLS seen by
	// this process (behind a TLS-terminating proxy): maillage serve --secure-cookies.
	SecureCookies bool
	// BaseURL prefixes invitation links; empty: taken from the request.
	BaseURL string
	Logger  *slog.Logger
	// Mailer sends invitation links by mail (nil: no SMTP server, no mail).
	Mailer *auth.Mailer
}

// Handlers serves the accounts routes and pages.
type Handlers struct {
	svc   *auth.Service
	store domain.Store // guarded
	opts  Options
	pages http.Handler
}

// Setup wires accounts into a server:
//
//	acc, _ := st.(domain.AccountStore)
//	h := authhttp.Setup(st, acc, authhttp.Options{...})
//	opts := server.Options{...}
//	h.Configure(&opts)
//	handler, err := server.New(ctx, h.Store(), opts)
//
// Store() is the guarded store (write policy and audit) that the API and the
// web interface must use.
func Setup(st domain.Store, acc domain.AccountStore, o Options) *Handlers {
	svc := auth.NewService(acc)
	svc.SecureCookies = o.SecureCookies
	svc.BaseURL = o.BaseURL
	svc.Mailer = o.Mailer
	if o.Logger != nil {
		svc.Log = o.Logger
	}
	svc.Fallback = []auth.Authenticator{api.AdminToken{Settings: st}}
	svc.UseSharedWork(st)
	h := &Handlers{svc: svc, store: auth.GuardServer(st, acc, svc.Log), opts: o}
	h.pages = h.webPages()
	return h
}

// Service returns the accounts service.
func (h *Handlers) Service() *auth.Service { return h.svc }

// Store returns the guarded store.
func (h *Handlers) Store() domain.Store { return h.store }

// Wrap is server.Options.Wrap: the accounts pages, then authentication and
// the route policy in front of the API and the web interface.
func (h *Handlers) Wrap(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", next)
	for _, p := range PagePatterns {
		mux.Handle(p, h.pages)
	}
	return h.svc.Middleware(mux)
}

// Authorize is api.Options.Authorize: the route must be in auth.Routes, and
// its rule must allow the principal (the middleware already checked it; this
// catches API routes added without a policy).
func Authorize(r *http.Request, p *domain.Principal, rt *api.Route) error {
	rule, ok := auth.Routes[rt.Pattern()]
	if !ok {
		return domain.Errorf(domain.EFORBIDDEN, "Route sans politique d'accès : %s.", rt.Pattern())
	}
	return auth.CheckRule(p, rule)
}

// Authenticator is for api.Options.Authenticators: the middleware has
// already set the principal, so the API only has to find it.
type noAuth struct{}

func (noAuth) Authenticate(*http.Request) (*domain.Principal, error) { return nil, nil }

// APIOptions fills the API options: the accounts routes, the route policy,
// and no authentication of its own (the middleware did it).
func (h *Handlers) APIOptions(o *api.Options) {
	o.Authenticators = []api.Authenticator{noAuth{}}
	o.Authorize = Authorize
	o.Routes = append(o.Routes, h.Routes()...)
}

// link is the invitation link for a token.
func (h *Handlers) link(r *http.Request, token string) string {
	return h.base(r) + "/invitation/" + token
}

// base is the public address of the instance for links.
func (h *Handlers) base(r *http.Request) string {
	if base := strings.TrimRight(h.opts.BaseURL, "/"); base != "" {
		return base
	}
	return auth.RequestBaseURL(r, h.opts.SecureCookies)
}

// CreateOrganisation creates an organisation, checking its actor exists.
func (h *Handlers) CreateOrganisation(r *http.Request, name string, actorID int64) (*domain.Organisation, error) {
	ctx := r.Context()
	if actorID != 0 {
		if _, err := h.store.Actor(ctx, actorID); err != nil {
			return nil, err
		}
	}
	o := &domain.Organisation{Name: name, ActorID: actorID}
	if err := h.svc.Accounts.CreateOrganisation(ctx, o); err != nil {
		return nil, err
	}
	h.svc.Audit(ctx, "create", "organisation", itoa(o.ID), nil, o)
	return o, nil
}
