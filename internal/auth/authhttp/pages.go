package authhttp

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"maillage/internal/auth"
	"maillage/internal/domain"
)

// PagePatterns are the HTML pages of the accounts (listed in auth.Routes).
var PagePatterns = []string{
	"GET /connexion", "POST /connexion", "POST /deconnexion",
	"GET /invitation/{token}", "POST /invitation/{token}",
	"GET /compte", "POST /compte/mot-de-passe", "POST /compte/organisation",
	"POST /compte/jetons", "POST /compte/jetons/{id}/revoquer",
}

// The pages are minimal, DSFR-classed HTML without inline script or style;
// the web interface may restyle them through its own templates.
var tmpl = template.Must(template.New("layout").Parse(`{{define "layout"}}<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — Maillage</title></head>
<body><header role="banner"><p><a href="/">Maillage</a></p></header>
<main role="main" id="contenu" class="fr-container"><h1>{{.Title}}</h1>
{{if .Error}}<div class="fr-alert fr-alert--error" role="alert"><p>{{.Error}}</p></div>{{end}}
{{if .Info}}<div class="fr-alert fr-alert--success" role="status"><p>{{.Info}}</p></div>{{end}}
{{template "body" .}}
</main></body></html>{{end}}`))

var pages = map[string]*template.Template{
	"login": page(`{{define "body"}}<form method="post" action="/connexion">
<input type="hidden" name="retour" value="{{.Return}}">
<div class="fr-input-group"><label class="fr-label" for="email">Adresse électronique</label>
<input class="fr-input" id="email" name="email" type="email" autocomplete="username" required value="{{.Email}}"></div>
<div class="fr-input-group"><label class="fr-label" for="password">Mot de passe</label>
<input class="fr-input" id="password" name="password" type="password" autocomplete="current-password" required></div>
<button class="fr-btn" type="submit">Se connecter</button></form>{{end}}`),
	"invitation": page(`{{define "body"}}{{with .Invitation}}<p>Vous êtes invité·e à rejoindre <strong>{{$.OrgName}}</strong> avec le rôle <strong>{{.Role}}</strong> ({{.Email}}).</p>
<form method="post" action="/invitation/{{$.Token}}">
<div class="fr-input-group"><label class="fr-label" for="name">Nom (facultatif)</label>
<input class="fr-input" id="name" name="name" autocomplete="name"></div>
<div class="fr-input-group"><label class="fr-label" for="password">Mot de passe (12 caractères au moins)</label>
<input class="fr-input" id="password" name="password" type="password" autocomplete="new-password" minlength="12" required></div>
<button class="fr-btn" type="submit">Activer mon compte</button></form>{{end}}{{end}}`),
	"account": page(`{{define "body"}}<p>Connecté·e : <strong>{{.User.Email}}</strong>{{if .User.Name}} ({{.User.Name}}){{end}}.</p>
<h2>Organisation</h2>
<form method="post" action="/compte/organisation"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label class="fr-label" for="org">J'agis pour</label><select class="fr-select" id="org" name="org_id">
{{range .Memberships}}<option value="{{.OrgID}}"{{if eq .OrgID $.OrgID}} selected{{end}}>{{.OrgName}} — {{.Role}}</option>{{end}}
</select><button class="fr-btn fr-btn--secondary" type="submit">Changer</button></form>
<h2>Mot de passe</h2>
<form method="post" action="/compte/mot-de-passe"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<div class="fr-input-group"><label class="fr-label" for="current">Mot de passe actuel</label>
<input class="fr-input" id="current" name="current_password" type="password" autocomplete="current-password" required></div>
<div class="fr-input-group"><label class="fr-label" for="new">Nouveau mot de passe (12 caractères au moins)</label>
<input class="fr-input" id="new" name="new_password" type="password" autocomplete="new-password" minlength="12" required></div>
<button class="fr-btn" type="submit">Changer le mot de passe</button></form>
<h2>Jetons d'API</h2>
{{if .NewToken}}<div class="fr-alert fr-alert--info"><p>Votre nouveau jeton (affiché une seule fois) : <code>{{.NewToken}}</code></p></div>{{end}}
<ul>{{range .Tokens}}<li>{{.Name}} — <code>{{.Prefix}}…</code>{{if .RevokedAt}} (révoqué){{else}}
<form method="post" action="/compte/jetons/{{.ID}}/revoquer"><input type="hidden" name="csrf_token" value="{{$.CSRF}}"><button class="fr-btn fr-btn--tertiary fr-btn--sm" type="submit">Révoquer</button></form>{{end}}</li>{{end}}</ul>
<form method="post" action="/compte/jetons"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label class="fr-label" for="tname">Nom du jeton</label><input class="fr-input" id="tname" name="name" required maxlength="100">
<button class="fr-btn fr-btn--secondary" type="submit">Créer un jeton</button></form>
<h2>Mes données</h2><p><a href="/api/v1/auth/me/export">Exporter mes données personnelles (JSON)</a></p>
<form method="post" action="/deconnexion"><input type="hidden" name="csrf_token" value="{{.CSRF}}"><button class="fr-btn fr-btn--tertiary" type="submit">Se déconnecter</button></form>{{end}}`),
}

func page(body string) *template.Template {
	return template.Must(template.Must(tmpl.Clone()).Parse(body))
}

type pageData struct {
	Title, Error, Info string
	Return, Email      string
	Token, OrgName     string
	Invitation         *domain.Invitation
	User               *domain.User
	Memberships        []domain.Membership
	OrgID              int64
	CSRF               string
	Tokens             []domain.APIToken
	NewToken           string
}

func render(w http.ResponseWriter, status int, name string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pages[name].ExecuteTemplate(w, "layout", d)
}

// safeReturn keeps only local paths (no open redirect).
func safeReturn(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.ContainsAny(s, "\r\n") {
		return "/"
	}
	return s
}

func (h *Handlers) webPages() http.Handler {
	s := h.svc
	mux := http.NewServeMux()
	mux.HandleFunc("GET /connexion", func(w http.ResponseWriter, r *http.Request) {
		render(w, http.StatusOK, "login", pageData{Title: "Connexion", Return: safeReturn(r.URL.Query().Get("retour"))})
	})
	mux.HandleFunc("POST /connexion", func(w http.ResponseWriter, r *http.Request) {
		email, ret := r.PostFormValue("email"), safeReturn(r.PostFormValue("retour"))
		se, tok, err := s.Login(r.Context(), email, r.PostFormValue("password"), auth.ClientAddress(r))
		if err != nil {
			status := http.StatusUnauthorized
			if domain.ErrorCode(err) == domain.EFORBIDDEN {
				status = http.StatusTooManyRequests
			} else if domain.ErrorCode(err) == domain.EINTERNAL {
				status = http.StatusInternalServerError
			}
			render(w, status, "login", pageData{Title: "Connexion", Error: domain.ErrorMessage(err), Email: email, Return: ret})
			return
		}
		s.SetSessionCookie(w, r, tok, se)
		http.Redirect(w, r, ret, http.StatusSeeOther)
	})
	mux.HandleFunc("POST /deconnexion", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(auth.SessionCookie); err == nil {
			_ = s.Logout(r.Context(), c.Value)
		}
		s.ClearSessionCookie(w, r)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	invitation := func(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
		tok := r.PathValue("token")
		inv, err := s.CheckInvitation(r.Context(), tok)
		if err != nil {
			render(w, http.StatusNotFound, "invitation", pageData{Title: "Invitation", Error: domain.ErrorMessage(err)})
			return
		}
		d := pageData{Title: "Invitation", Invitation: inv, Token: tok, Error: errMsg}
		if o, err := s.Accounts.Organisation(r.Context(), inv.OrgID); err == nil {
			d.OrgName = o.Name
		}
		render(w, status, "invitation", d)
	}
	mux.HandleFunc("GET /invitation/{token}", func(w http.ResponseWriter, r *http.Request) {
		invitation(w, r, http.StatusOK, "")
	})
	mux.HandleFunc("POST /invitation/{token}", func(w http.ResponseWriter, r *http.Request) {
		se, tok, err := s.AcceptInvitation(r.Context(), r.PathValue("token"), r.PostFormValue("name"), r.PostFormValue("password"), auth.ClientAddress(r))
		if err != nil {
			invitation(w, r, http.StatusBadRequest, describe(err))
			return
		}
		s.SetSessionCookie(w, r, tok, se)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /compte", func(w http.ResponseWriter, r *http.Request) {
		h.account(w, r, http.StatusOK, "", "", "")
	})
	mux.HandleFunc("POST /compte/mot-de-passe", func(w http.ResponseWriter, r *http.Request) {
		se, tok, err := s.ChangePassword(r.Context(), domain.PrincipalFrom(r.Context()), r.PostFormValue("current_password"), r.PostFormValue("new_password"), auth.ClientAddress(r))
		if err != nil {
			h.account(w, r, http.StatusBadRequest, describe(err), "", "")
			return
		}
		s.SetSessionCookie(w, r, tok, se)
		http.Redirect(w, r, "/compte", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /compte/organisation", func(w http.ResponseWriter, r *http.Request) {
		org, _ := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
		se := auth.SessionFrom(r.Context())
		if se == nil {
			http.Redirect(w, r, auth.LoginPath, http.StatusSeeOther)
			return
		}
		if err := s.SwitchOrg(r.Context(), se, org); err != nil {
			h.account(w, r, http.StatusBadRequest, describe(err), "", "")
			return
		}
		http.Redirect(w, r, "/compte", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /compte/jetons", func(w http.ResponseWriter, r *http.Request) {
		tok, _, err := s.CreateAPIToken(r.Context(), domain.PrincipalFrom(r.Context()), strings.TrimSpace(r.PostFormValue("name")))
		if err != nil {
			h.account(w, r, http.StatusBadRequest, describe(err), "", "")
			return
		}
		h.account(w, r, http.StatusCreated, "", "Jeton créé.", tok)
	})
	mux.HandleFunc("POST /compte/jetons/{id}/revoquer", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err := s.RevokeAPIToken(r.Context(), domain.PrincipalFrom(r.Context()), id); err != nil {
			h.account(w, r, http.StatusNotFound, describe(err), "", "")
			return
		}
		http.Redirect(w, r, "/compte", http.StatusSeeOther)
	})
	return mux
}

func describe(err error) string {
	var msgs []string
	msgs = append(msgs, domain.ErrorMessage(err))
	if de, ok := err.(*domain.Error); ok {
		for _, f := range de.Fields {
			msgs = append(msgs, f.Reason)
		}
	}
	return strings.Join(msgs, " : ")
}

func (h *Handlers) account(w http.ResponseWriter, r *http.Request, status int, errMsg, info, newToken string) {
	ctx := r.Context()
	p := domain.PrincipalFrom(ctx)
	if p == nil || p.UserID == 0 {
		http.Redirect(w, r, auth.LoginPath+"?retour=/compte", http.StatusSeeOther)
		return
	}
	u, err := h.svc.Accounts.User(ctx, p.UserID)
	if err != nil {
		http.Error(w, "Compte introuvable.", http.StatusNotFound)
		return
	}
	ms, _ := h.svc.Accounts.Memberships(ctx, u.ID)
	ts, _ := h.svc.Accounts.APITokens(ctx, u.ID)
	render(w, status, "account", pageData{Title: "Mon compte", Error: errMsg, Info: info, User: u, Memberships: ms, OrgID: p.OrgID,
		CSRF: auth.CSRFToken(ctx), Tokens: ts, NewToken: newToken})
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
