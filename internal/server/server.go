// Package server assembles Maillage's HTTP handler: the JSON API under
// /api/v1, the web interface at /, /healthz, and the middleware every
// request goes through (logging, panic recovery, security headers,
// cross-origin protection of state-changing requests, gzip).
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"maillage/internal/analysis"
	"maillage/internal/api"
	"maillage/internal/domain"
	"maillage/internal/web"
)

// Options configure the server.
type Options struct {
	// Logger receives the request log and internal errors; nil means slog.Default().
	Logger *slog.Logger
	// API and Web configure the two surfaces.
	API api.Options
	Web web.Options
	// CSP replaces the default Content-Security-Policy when not empty.
	CSP string
	// Wrap, when set, wraps the application (API and web) inside the
	// standard chain: the accounts work adds its session middleware here
	// (it sets domain.Principal, which the API then keeps).
	Wrap func(http.Handler) http.Handler
	// TrustedOrigins are extra origins allowed to send state-changing
	// requests (http.CrossOriginProtection), e.g. "https://maillage.example".
	TrustedOrigins []string
}

// DefaultCSP forbids inline scripts and framing.
const DefaultCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// New returns the complete handler.
func New(ctx context.Context, store domain.Store, opts Options) (http.Handler, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.API.Logger == nil {
		opts.API.Logger = log
	}
	// One analysis engine (an in-memory snapshot of the data, reloaded when
	// the data version moves) for the API and the web interface.
	switch {
	case opts.API.Analysis == nil && opts.Web.Analysis == nil:
		eng, err := analysis.NewEngine(ctx, store)
		if err != nil {
			return nil, err
		}
		eng.OnError = func(err error) { log.Error("analysis: reload failed", slog.Any("err", err)) }
		opts.API.Analysis, opts.Web.Analysis = eng, eng
	case opts.API.Analysis == nil:
		opts.API.Analysis = opts.Web.Analysis
	case opts.Web.Analysis == nil:
		opts.Web.Analysis = opts.API.Analysis
	}
	apiSrv, err := api.New(store, opts.API)
	if err != nil {
		return nil, err
	}
	webH, err := web.New(store, opts.Web)
	if err != nil {
		return nil, err
	}

	app := http.NewServeMux()
	app.Handle(api.Prefix+"/", catchUpAfterWrites(apiSrv, opts.API.Analysis))
	app.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		api.WriteProblem(w, r, api.Problem{Status: http.StatusNotFound, Code: domain.ENOTFOUND,
			Detail: "Aucune API à cette adresse : l'API est sous " + api.Prefix + "/."})
	})
	app.Handle("/", webH)

	var h http.Handler = app
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range opts.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusForbidden, "cross_origin",
			"Requête refusée : elle vient d'un autre site (protection contre la falsification de requêtes).")
	}))
	h = cop.Handler(h)
	h = gzipHandler(h)

	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", health(store))
	root.Handle("/", h)

	csp := opts.CSP
	if csp == "" {
		csp = DefaultCSP
	}
	var out http.Handler = root
	out = securityHeaders(out, csp)
	out = recoverer(out, log)
	out = logRequests(out, log)
	return out, nil
}

// health answers 200 when the database answers, 503 otherwise.
func health(store domain.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if _, err := store.DataVersion(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"indisponible","database":"` + store.Dialect() + `"}` + "\n"))
			return
		}
		w.Write([]byte(`{"status":"ok","database":"` + store.Dialect() + `"}` + "\n"))
	}
}

// Serve runs an http.Server with the handler on the listener until ctx ends,
// then shuts down gracefully (in-flight requests get up to grace to finish).
func Serve(ctx context.Context, l net.Listener, h http.Handler, log *slog.Logger, grace time.Duration) error {
	if log == nil {
		log = slog.Default()
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // imports upload files
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
