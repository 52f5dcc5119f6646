// Package web serves Maillage's server-rendered interface in the French
// State design system (DSFR): home, territory portraits with maps and charts,
// the actions directory and forms, the analysis page and public pages. Pages
// are plain HTML that reads without JavaScript; static files (DSFR and ours)
// are served by the binary itself under checksum-addressed URLs.
package web

import (
	"bytes"
	"context"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"maillage/internal/analysis"
	"maillage/internal/auth"
	"maillage/internal/domain"
)

// Options configure the web interface. The zero value is usable.
type Options struct {
	// DSFRDir is the dist folder of the @gouvfr/dsfr package, read at runtime
	// when the DSFR was not embedded at build time. Empty: embedded copy,
	// then $MAILLAGE_DSFR_DIR, then ./node_modules/@gouvfr/dsfr/dist.
	DSFRDir string
	// AllowAnonymousWrite lets visitors without an account create and edit
	// actions (demo instance, tests) until accounts are wired in. When false,
	// writes need a principal with role admin, caf_staff or partner_editor.
	AllowAnonymousWrite bool
	// Logger receives warnings (missing DSFR). Default: slog.Default().
	Logger *slog.Logger
	// Analysis is the analysis engine shared with the API; nil: the web
	// interface loads its own on the first analysis page.
	Analysis *analysis.Engine
}

type handler struct {
	s      domain.Store
	opts   Options
	log    *slog.Logger
	assets *assets
	pages  map[string]*template.Template
	cache  *cache
	engineState
}

func newHandler(s domain.Store, opts Options) (*handler, error) {
	h := &handler{s: s, opts: opts, log: opts.Logger, cache: newCache()}
	if h.log == nil {
		h.log = slog.Default()
	}
	a, err := loadAssets(opts.DSFRDir, h.log)
	if err != nil {
		return nil, err
	}
	h.assets = a
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	return h, nil
}

// Layout renders pages served by other packages (the accounts pages:
// sign-in, invitation, my account) inside Maillage's DSFR layout.
type Layout struct{ h *handler }

// NewLayout returns a Layout using the same assets as New.
func NewLayout(s domain.Store, opts Options) (*Layout, error) {
	h, err := newHandler(s, opts)
	if err != nil {
		return nil, err
	}
	return &Layout{h}, nil
}

// Render writes a full page: title (also the h1 and the breadcrumb's last
// item) and body, an HTML fragment that the caller has escaped (typically
// the output of its own html/template).
func (l *Layout) Render(w http.ResponseWriter, r *http.Request, status int, title string, body template.HTML) {
	if w.Header().Get("Content-Security-Policy") == "" {
		w.Header().Set("Content-Security-Policy", csp)
	}
	l.h.render(w, r, status, "fragment", page{Title: title, Crumbs: []crumb{{"Accueil", "/"}, {title, ""}},
		Data: map[string]any{"Title": title, "Body": body}})
}

// New returns the web interface handler, mounted at "/" by the server.
func New(s domain.Store, opts Options) (http.Handler, error) {
	h, err := newHandler(s, opts)
	if err != nil {
		return nil, err
	}
	a := h.assets
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/{hash}/{path...}", a.serve)
	mux.HandleFunc("GET /{$}", h.home)
	mux.HandleFunc("GET /territoires", h.territories)
	mux.HandleFunc("GET /territoires/{code}", h.portrait)
	mux.HandleFunc("GET /actions", h.actions)
	mux.HandleFunc("GET /actions/nouvelle", h.actionNew)
	mux.HandleFunc("POST /actions/nouvelle", h.actionCreate)
	mux.HandleFunc("GET /actions/{id}", h.action)
	mux.HandleFunc("GET /actions/{id}/modifier", h.actionEdit)
	mux.HandleFunc("POST /actions/{id}/modifier", h.actionUpdate)
	mux.HandleFunc("GET /exports/actions/{format}", h.actionsExport)
	// actors directory, page and forms (actors.go)
	mux.HandleFunc("GET /acteurs", h.actors)
	mux.HandleFunc("GET /acteurs/nouveau", h.actorNew)
	mux.HandleFunc("POST /acteurs/nouveau", h.actorCreate)
	mux.HandleFunc("GET /acteurs/{id}", h.actor)
	mux.HandleFunc("GET /acteurs/{id}/modifier", h.actorEdit)
	mux.HandleFunc("POST /acteurs/{id}/modifier", h.actorUpdate)
	mux.HandleFunc("GET /analyse", h.analysis)
	mux.HandleFunc("GET /analyse/explication", h.explanation)
	mux.HandleFunc("GET /public", h.publicIndex)
	mux.HandleFunc("GET /public/{code}", h.publicTerritory)
	h.registerDiagnostics(mux)
	h.registerGovernance(mux)
	h.registerAdmin(mux)
	h.registerFundings(mux) // an action's fundings: add, edit, delete (fundings.go)
	mux.HandleFunc("GET /accessibilite", h.static("accessibilite", "Déclaration d’accessibilité", ""))
	mux.HandleFunc("GET /donnees", h.static("donnees", "Sources des données", ""))
	mux.HandleFunc("GET /", h.notFound)
	cop := http.NewCrossOriginProtection()
	return cop.Handler(securityHeaders(mux)), nil
}

// csp forbids inline scripts and styles: every script and stylesheet is a
// static file of ours.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the CSP (no inline scripts or styles) and friends on
// every response of the interface.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// menuItem is an entry of the main navigation.
type menuItem struct {
	Label, Href, Key string
	Current          bool
}

var menu = []menuItem{
	{"Accueil", "/", "accueil", false},
	{"Territoires", "/territoires", "territoires", false},
	{"Actions", "/actions", "actions", false},
	{"Acteurs", "/acteurs", "acteurs", false},
	{"Analyse", "/analyse", "analyse", false},
	{"Diagnostics", "/diagnostics", "diagnostics", false},
	{"Conventions", "/conventions", "conventions", false},
	{"Administration", "/administration", "administration", false},
}

type crumb struct{ Label, Href string }

// page is what every template gets.
type page struct {
	Title     string
	Section   string
	Crumbs    []crumb
	Menu      []menuItem
	Principal *domain.Principal
	Assets    *assets
	Flash     string
	CSRF      string // the session's token for forms (auth.CSRFField)
	Data      any
	// Content, when set, is the already rendered body (page cache).
	Content template.HTML
}

func (h *handler) parseTemplates() error {
	funcs := template.FuncMap{
		"asset":   h.assets.URL,
		"num":     formatNum,
		"numd":    formatNumDec,
		"numi":    func(n int) string { return formatNumDec(float64(n), 0) },
		"svg":     func(b []byte) template.HTML { return template.HTML(b) },
		"join":    strings.Join,
		"add":     func(a, b int) int { return a + b },
		"eq64":    func(a, b int64) bool { return a == b },
		"hasStr":  hasStr,
		"dict":    dict,
		"mul100":  func(v float64) float64 { return v * 100 },
		"mul1000": func(v float64) float64 { return v * 1000 },
		"deref": func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		},
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(embedded, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return err
	}
	entries, err := fs.Glob(embedded, "templates/*.html")
	if err != nil {
		return err
	}
	h.pages = map[string]*template.Template{}
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimPrefix(e, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(embedded, e)
		if err != nil {
			return err
		}
		h.pages[name] = t
	}
	return nil
}

func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func hasStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// render writes a full page with the layout.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	h.renderPage(w, r, status, name, p, "")
}

// renderCached renders a page whose body depends only on the URL and the
// data (not on the visitor), and keeps the body under key until the data
// version moves (see sync).
func (h *handler) renderCached(w http.ResponseWriter, r *http.Request, status int, name string, p page, key string) {
	h.renderPage(w, r, status, name, p, key)
}

// serveCached answers from the page cache; it reports false on a miss.
func (h *handler) serveCached(w http.ResponseWriter, r *http.Request, key string) bool {
	c := h.cachedPage(key)
	if c == nil {
		return false
	}
	anon := domain.PrincipalFrom(r.Context()) == nil && auth.CSRFToken(r.Context()) == ""
	if anon {
		if b := c.anon.Load(); b != nil {
			writeHTML(w, c.status, *b)
			return true
		}
	}
	p := c.p
	p.Content = c.content
	b, err := h.execute(r, "", p)
	if err != nil {
		h.log.Error("rendu de page", "err", err)
		http.Error(w, "Erreur interne lors de l'affichage de la page.", http.StatusInternalServerError)
		return true
	}
	if anon {
		c.anon.Store(&b)
	}
	writeHTML(w, c.status, b)
	return true
}

// execute renders a page with the layout into a new byte slice.
func (h *handler) execute(r *http.Request, name string, p page) ([]byte, error) {
	t := h.pages[name]
	if p.Content != "" {
		t = h.pages["fragment"]
	}
	p.Assets = h.assets
	p.Principal = domain.PrincipalFrom(r.Context())
	p.CSRF = auth.CSRFToken(r.Context())
	p.Menu = make([]menuItem, len(menu))
	copy(p.Menu, menu)
	for i := range p.Menu {
		p.Menu[i].Current = p.Menu[i].Key == p.Section
	}
	buf := getBuf()
	defer putBuf(buf)
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

func writeHTML(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

func (h *handler) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, p page, cacheKey string) {
	t := h.pages[name]
	if p.Content != "" {
		t = h.pages["fragment"]
	}
	if t == nil {
		h.fail(w, r, domain.Errorf(domain.EINTERNAL, "gabarit inconnu %q", name))
		return
	}
	p.Assets = h.assets
	p.Principal = domain.PrincipalFrom(r.Context())
	p.CSRF = auth.CSRFToken(r.Context())
	p.Menu = make([]menuItem, len(menu))
	copy(p.Menu, menu)
	for i := range p.Menu {
		p.Menu[i].Current = p.Menu[i].Key == p.Section
	}
	buf := getBuf()
	defer putBuf(buf)
	if cacheKey != "" && p.Content == "" {
		if err := t.ExecuteTemplate(buf, "content", p); err != nil {
			h.log.Error("rendu de page", "page", name, "err", err)
			http.Error(w, "Erreur interne lors de l'affichage de la page.", http.StatusInternalServerError)
			return
		}
		c := &cachedPage{p: p, status: status, content: template.HTML(buf.String())}
		c.p.Principal, c.p.CSRF, c.p.Data = nil, "", nil
		h.storePage(cacheKey, c)
		p.Content = c.content
		t = h.pages["fragment"]
		buf.Reset()
	}
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		h.log.Error("rendu de page", "page", name, "err", err)
		http.Error(w, "Erreur interne lors de l'affichage de la page.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail shows a domain error as a page with the matching status.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	title := "Erreur"
	switch domain.ErrorCode(err) {
	case domain.ENOTFOUND:
		status, title = http.StatusNotFound, "Page introuvable"
	case domain.EINVALID:
		status, title = http.StatusBadRequest, "Demande invalide"
	case domain.EFORBIDDEN, domain.EUNAUTHORIZED:
		status, title = http.StatusForbidden, "Accès refusé"
	case domain.ECONFLICT:
		status, title = http.StatusConflict, "Conflit"
	default:
		h.log.Error("erreur de page", "path", r.URL.Path, "err", err)
	}
	h.render(w, r, status, "error", page{Title: title, Crumbs: []crumb{{"Accueil", "/"}, {title, ""}},
		Data: map[string]string{"Title": title, "Message": domain.ErrorMessage(err)}})
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, domain.NotFound("Page", r.URL.Path))
}

func (h *handler) static(name, title, section string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.render(w, r, http.StatusOK, name, page{Title: title, Section: section,
			Crumbs: []crumb{{"Accueil", "/"}, {title, ""}}})
	}
}

// canWrite reports whether the request may create actions (the accounts
// policy, auth.Allowed create × data), or any edit when AllowAnonymousWrite.
func (h *handler) canWrite(ctx context.Context) bool {
	if h.opts.AllowAnonymousWrite {
		return true
	}
	return auth.Allowed(domain.PrincipalFrom(ctx), auth.Create, auth.Data)
}

// canEdit reports whether the request may edit this action (auth.Can).
func (h *handler) canEdit(ctx context.Context, a *domain.Action) bool {
	return h.canEditMeta(ctx, a.Meta)
}

// canEditMeta reports whether the request may edit a data record (action,
// actor) with this owner and visibility (auth.Can).
func (h *handler) canEditMeta(ctx context.Context, m domain.Meta) bool {
	if h.opts.AllowAnonymousWrite {
		return true
	}
	return auth.Can(domain.PrincipalFrom(ctx), auth.Update, auth.Resource{Class: auth.Data, OwnerOrg: m.OwnerOrg, Visibility: m.Visibility})
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

type sbuf = bytes.Buffer

func getBuf() *sbuf  { b := bufPool.Get().(*sbuf); b.Reset(); return b }
func putBuf(b *sbuf) { bufPool.Put(b) }
