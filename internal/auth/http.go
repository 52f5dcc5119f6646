package auth

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"

	"maillage/internal/domain"
)

// Cookie and form names.
const (
	SessionCookie = "maillage_session"
	CSRFField     = "csrf_token"
	CSRFHeader    = "X-CSRF-Token"
	LoginPath     = "/connexion"
)

type sessionKey struct{}

// SessionFrom returns the session of a request authenticated by cookie.
func SessionFrom(ctx context.Context) *domain.Session {
	s, _ := ctx.Value(sessionKey{}).(*domain.Session)
	return s
}

// CSRFToken returns the token HTML forms must carry in the csrf_token field
// ("" without a session: forms of the public need none).
func CSRFToken(ctx context.Context) string {
	if s := SessionFrom(ctx); s != nil {
		return s.CSRF
	}
	return ""
}

// ClientAddress returns the request's client address (the connection's: put
// Maillage behind a proxy that rewrites RemoteAddr, or accept that a proxy's
// address is shared).
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RequestBaseURL is the address a request came to: https when served over
// TLS, with secure cookies (behind a TLS proxy) or with
// X-Forwarded-Proto: https; the Host header otherwise.
func RequestBaseURL(r *http.Request, secure bool) string {
	scheme := "http"
	if r.TLS != nil || secure || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// isAPI reports whether the request is for the JSON API.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// SetSessionCookie sends the session cookie.
func (s *Service) SetSessionCookie(w http.ResponseWriter, r *http.Request, token string, se *domain.Session) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode, Expires: se.AbsoluteExpires})
}

// ClearSessionCookie removes the session cookie.
func (s *Service) ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// Authenticate finds the principal of a request: a bearer token (personal
// API token, or what the Fallback authenticators know: the bootstrap admin
// token), else the session cookie. It returns (nil, nil, nil) for the public.
func (s *Service) Authenticate(r *http.Request) (*domain.Principal, *domain.Session, error) {
	ctx := r.Context()
	if tok, ok := bearer(r); ok {
		if strings.HasPrefix(tok, PrefixAPIToken) {
			p, err := s.TokenPrincipal(ctx, tok)
			return p, nil, err
		}
		for _, a := range s.Fallback {
			p, err := a.Authenticate(r)
			if err != nil || p != nil {
				return p, nil, err
			}
		}
		return nil, nil, ErrBadToken
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		p, se, err := s.SessionPrincipal(ctx, c.Value)
		if err != nil {
			if domain.ErrorCode(err) == domain.EUNAUTHORIZED {
				return nil, nil, nil // expired or unknown: the public (the cookie is cleared)
			}
			return nil, nil, err
		}
		return p, se, nil
	}
	return nil, nil, nil
}

// Middleware authenticates every request, records its principal (nil for
// the public, but always recorded: see domain.HasPrincipal), checks the
// per-session CSRF token of state-changing requests made with a session
// cookie, and enforces the route policy (Routes). Cross-origin requests are
// refused by http.CrossOriginProtection, which the server puts in front.
func (s *Service) Middleware(next http.Handler) http.Handler {
	routes, _ := newRouteMux()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.RawQuery, "%00") || strings.ContainsRune(r.URL.Path, 0) || strings.Contains(r.URL.RawPath, "%00") {
			// No text column of either database holds NUL (PostgreSQL
			// refuses it): refuse it here rather than fail deep down.
			writeProblem(w, r, http.StatusBadRequest, domain.EINVALID, "Caractère nul interdit dans l'adresse.")
			return
		}
		addr := ClientAddress(r)
		ctx := WithAddress(r.Context(), addr)
		// Handlers that build their own Service (the web administration)
		// link and mail invitations like this one: under BaseURL, else
		// the address the request came to.
		base := s.BaseURL
		if base == "" {
			base = RequestBaseURL(r, s.SecureCookies)
		}
		ctx = WithBaseURL(ctx, strings.TrimRight(base, "/"))
		if s.Mailer != nil {
			ctx = WithMailer(ctx, s.Mailer)
		}
		r = r.WithContext(ctx)
		p, se, err := s.Authenticate(r)
		if err != nil {
			s.deny(w, r, err)
			return
		}
		if se == nil {
			if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				s.ClearSessionCookie(w, r) // stale cookie: never adopted
			}
		}
		ctx = domain.WithPrincipal(ctx, p)
		if se != nil {
			ctx = context.WithValue(ctx, sessionKey{}, se)
		}
		r = r.WithContext(ctx)

		_, pattern := routes.Handler(r)
		rule, known := Routes[pattern]
		if !known && !safeMethod(r.Method) {
			if allow := allowedMethods(routes, r); len(allow) > 0 {
				// the path is a route of another method: 405, nothing runs
				w.Header().Set("Allow", strings.Join(allow, ", "))
				msg := "Méthode " + r.Method + " non permise sur " + r.URL.Path + " (permises : " + strings.Join(allow, ", ") + ")."
				if isAPI(r) {
					writeProblem(w, r, http.StatusMethodNotAllowed, "method_not_allowed", msg)
				} else {
					http.Error(w, msg, http.StatusMethodNotAllowed)
				}
				return
			}
		}

		if !safeMethod(r.Method) && se != nil && !rule.NewSession {
			got := r.Header.Get(CSRFHeader)
			if got == "" {
				got = formValue(r, CSRFField)
			}
			if got == "" || !Equal(got, se.CSRF) {
				s.deny(w, r, domain.Errorf(domain.EFORBIDDEN, "Jeton de sécurité du formulaire manquant ou périmé : rechargez la page et recommencez."))
				return
			}
		}

		if !known {
			if !safeMethod(r.Method) {
				s.deny(w, r, domain.Errorf(domain.EFORBIDDEN, "Opération non prévue par la politique d'accès."))
				return
			}
			rule = Rule{Class: Data, Action: Read} // a new page: reads stay filtered by the store
		}
		if err := CheckRule(p, rule); err != nil {
			s.deny(w, r, err)
			return
		}
		if rule.Action == Export && !rule.Open {
			s.Audit(ctx, "export", string(rule.Class), r.URL.Path, nil, map[string]string{"query": r.URL.RawQuery})
		}
		next.ServeHTTP(w, r)
	})
}

// CheckRule applies a route rule to a principal: nil when allowed,
// EUNAUTHORIZED for the public on a route that needs an account, EFORBIDDEN
// otherwise.
func CheckRule(p *domain.Principal, rule Rule) error {
	if rule.Open {
		return nil
	}
	signedIn := p != nil && (p.UserID != 0 || p.Via == "admin_token")
	if rule.SignedIn && !signedIn {
		return ErrSignedOut
	}
	if Allowed(p, rule.Action, rule.Class) {
		if ScopeOf(RoleOf(p), rule.Action, rule.Class) == ScopeSelf && (p == nil || p.UserID == 0) {
			return ErrSignedOut
		}
		return nil
	}
	if !signedIn {
		return ErrSignedOut
	}
	return domain.Errorf(domain.EFORBIDDEN, "Votre rôle ne permet pas cette opération.")
}

// formValue reads a form field of an urlencoded or multipart body (other
// bodies are left alone for their handler).
func formValue(r *http.Request, name string) string {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
		return r.PostFormValue(name)
	}
	return ""
}

// deny answers a refused request: problem+json for the API; for the web,
// a redirect to the login page for the public and a plain page otherwise.
func (s *Service) deny(w http.ResponseWriter, r *http.Request, err error) {
	code := domain.ErrorCode(err)
	status := http.StatusForbidden
	switch code {
	case domain.EUNAUTHORIZED:
		status = http.StatusUnauthorized
	case domain.ENOTFOUND:
		status = http.StatusNotFound
	case domain.EINTERNAL:
		status = http.StatusInternalServerError
		if s.Log != nil {
			s.Log.Error("authentification", "err", err)
		}
	}
	if !isAPI(r) && status == http.StatusUnauthorized && safeMethod(r.Method) {
		http.Redirect(w, r, LoginPath+"?retour="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	writeProblem(w, r, status, code, domain.ErrorMessage(err))
}

// allowedMethods returns the methods the policy knows for the request's
// path when its own method has no route there (the catch-all "GET /", the
// not-found page, does not count): the Allow header of a 405.
func allowedMethods(routes *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := routes.Handler(probe); pattern != "" && pattern != "GET /" {
			allow = append(allow, m)
		}
	}
	return allow
}

// problemTitles mirrors the titles of internal/api/problem.go (which
// imports this package, so it cannot be reused); a test keeps them equal.
var problemTitles = map[int]string{
	http.StatusBadRequest:          "Requête invalide",
	http.StatusUnauthorized:        "Authentification requise",
	http.StatusForbidden:           "Accès refusé",
	http.StatusNotFound:            "Introuvable",
	http.StatusMethodNotAllowed:    "Méthode non permise",
	http.StatusInternalServerError: "Erreur interne",
}

// WriteProblem writes an application/problem+json answer (RFC 9457) in the
// API's format: French title, type urn:maillage:problem:<code>.
func WriteProblem(w http.ResponseWriter, status int, code, detail string) {
	writeProblem(w, nil, status, code, detail)
}

// writeProblem is WriteProblem with the request's path as the instance.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="maillage"`)
	}
	w.WriteHeader(status)
	title := problemTitles[status]
	if title == "" {
		title = http.StatusText(status)
	}
	p := struct {
		Type     string `json:"type"`
		Title    string `json:"title"`
		Status   int    `json:"status"`
		Detail   string `json:"detail,omitempty"`
		Instance string `json:"instance,omitempty"`
		Code     string `json:"code"`
	}{Type: "urn:maillage:problem:" + code, Title: title, Status: status, Detail: detail, Code: code}
	if r != nil {
		p.Instance = r.URL.Path
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
}
