// Package authhttp exposes the accounts over HTTP: the JSON routes under
// /api/v1/auth and /api/v1/admin (declared in the API's route table, so the
// OpenAPI document describes them), the minimal HTML pages (login, logout,
// invitation, account), and Setup, which wires sessions, the policy and the
// audit into the server.
package authhttp

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"maillage/internal/api"
	"maillage/internal/auth"
	"maillage/internal/domain"
)

// Bodies and answers of the JSON routes.
type (
	LoginRequest struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	Me struct {
		User        *domain.User        `json:"user,omitempty"`
		Principal   *domain.Principal   `json:"principal"`
		Memberships []domain.Membership `json:"memberships"`
		CSRFToken   string              `json:"csrf_token,omitempty"`
	}
	SwitchOrgRequest struct {
		OrgID int64 `json:"org_id"`
	}
	PasswordRequest struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	InvitationInfo struct {
		Email     string    `json:"email"`
		OrgID     int64     `json:"org_id"`
		OrgName   string    `json:"org_name"`
		Role      string    `json:"role"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	AcceptRequest struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	TokenRequest struct {
		Name string `json:"name"`
	}
	NewToken struct {
		Token    string           `json:"token"` // shown once
		APIToken *domain.APIToken `json:"api_token"`
	}
	DeleteAccountRequest struct {
		Password string `json:"password"`
	}
	OrganisationRequest struct {
		Name    string `json:"name"`
		ActorID int64  `json:"actor_id"`
		Version int64  `json:"version"`
	}
	UserWithMemberships struct {
		domain.User
		Memberships []domain.Membership `json:"memberships"`
	}
	MembershipRequest struct {
		UserID int64  `json:"user_id"`
		OrgID  int64  `json:"org_id"`
		Role   string `json:"role"`
	}
	InvitationRequest struct {
		Email string `json:"email"`
		OrgID int64  `json:"org_id"`
		Role  string `json:"role"`
	}
	NewInvitation struct {
		Link       string             `json:"link"` // shown once
		Invitation *domain.Invitation `json:"invitation"`
		// Mail is the outcome of the invitation mail (absent without an
		// SMTP server; sent false and error when the send failed: the
		// invitation stays valid).
		Mail    *auth.MailResult `json:"mail,omitempty"`
		Message string           `json:"message"`
	}
	PartnershipRequest struct {
		OrgA int64 `json:"org_a"`
		OrgB int64 `json:"org_b"`
	}
)

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func decode(r *http.Request, dst any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var v domain.Validation
		v.Add("body", "corps JSON invalide : %v", err)
		return v.Err()
	}
	return nil
}

func pathInt(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.NotFound(name, r.PathValue(name))
	}
	return id, nil
}

var errNoSession = domain.Errorf(domain.EINVALID, "Opération réservée à une session ouverte dans le navigateur.")

// Routes returns the JSON routes of the accounts, for api.Options.Routes.
func (h *Handlers) Routes() []*api.Route {
	s := h.svc
	acc := s.Accounts
	return []*api.Route{
		{Method: "POST", Path: "/auth/login", Tag: "comptes", Kind: "auth", OperationID: "login", Write: true,
			Summary:     "Se connecter",
			Description: "Ouvre une session (cookie maillage_session, HttpOnly, SameSite=Lax). Les échecs sont ralentis puis bloqués par compte et par adresse.",
			Body:        LoginRequest{}, Response: Me{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req LoginRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				se, tok, err := s.Login(r.Context(), req.Email, req.Password, auth.ClientAddress(r))
				if err != nil {
					return err
				}
				s.SetSessionCookie(w, r, tok, se)
				me, err := h.me(r, se)
				if err != nil {
					return err
				}
				return writeJSON(w, http.StatusOK, me)
			}},
		{Method: "POST", Path: "/auth/logout", Tag: "comptes", Kind: "auth", OperationID: "logout", Write: true,
			Summary: "Se déconnecter (ferme la session du cookie)",
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				if c, err := r.Cookie(auth.SessionCookie); err == nil {
					_ = s.Logout(r.Context(), c.Value)
				}
				s.ClearSessionCookie(w, r)
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "GET", Path: "/auth/me", Tag: "comptes", Kind: "auth", OperationID: "getMe",
			Summary: "Qui suis-je : compte, organisation courante, rôle, appartenances", Response: Me{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				me, err := h.me(r, auth.SessionFrom(r.Context()))
				if err != nil {
					return err
				}
				return writeJSON(w, http.StatusOK, me)
			}},
		{Method: "POST", Path: "/auth/me/org", Tag: "comptes", Kind: "auth", OperationID: "switchOrganisation", Write: true,
			Summary: "Agir pour une autre de ses organisations", Body: SwitchOrgRequest{}, Response: Me{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				se := auth.SessionFrom(r.Context())
				if se == nil {
					return errNoSession
				}
				var req SwitchOrgRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				if err := s.SwitchOrg(r.Context(), se, req.OrgID); err != nil {
					return err
				}
				se.OrgID = req.OrgID
				me, err := h.me(r, se)
				if err != nil {
					return err
				}
				return writeJSON(w, http.StatusOK, me)
			}},
		{Method: "POST", Path: "/auth/password", Tag: "comptes", Kind: "auth", OperationID: "changePassword", Write: true,
			Summary:     "Changer son mot de passe",
			Description: "Ferme toutes les sessions de la personne et en ouvre une nouvelle.",
			Body:        PasswordRequest{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req PasswordRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				se, tok, err := s.ChangePassword(r.Context(), domain.PrincipalFrom(r.Context()), req.CurrentPassword, req.NewPassword, auth.ClientAddress(r))
				if err != nil {
					return err
				}
				if auth.SessionFrom(r.Context()) != nil {
					s.SetSessionCookie(w, r, tok, se)
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "GET", Path: "/auth/invitations/{token}", Tag: "comptes", Kind: "auth", OperationID: "getInvitation",
			Summary: "Décrire une invitation en attente (404 si invalide, expirée ou déjà utilisée)", Response: InvitationInfo{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				inv, err := s.CheckInvitation(r.Context(), r.PathValue("token"))
				if err != nil {
					return err
				}
				info := InvitationInfo{Email: inv.Email, OrgID: inv.OrgID, Role: inv.Role, ExpiresAt: inv.ExpiresAt}
				if o, err := acc.Organisation(r.Context(), inv.OrgID); err == nil {
					info.OrgName = o.Name
				}
				return writeJSON(w, http.StatusOK, info)
			}},
		{Method: "POST", Path: "/auth/invitations/{token}", Tag: "comptes", Kind: "auth", OperationID: "acceptInvitation", Write: true,
			Summary: "Accepter une invitation : choisir son mot de passe (ouvre une session)", Body: AcceptRequest{}, Response: Me{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req AcceptRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				se, tok, err := s.AcceptInvitation(r.Context(), r.PathValue("token"), req.Name, req.Password, auth.ClientAddress(r))
				if err != nil {
					return err
				}
				s.SetSessionCookie(w, r, tok, se)
				me, err := h.me(r, se)
				if err != nil {
					return err
				}
				return writeJSON(w, http.StatusOK, me)
			}},
		{Method: "GET", Path: "/auth/tokens", Tag: "comptes", Kind: "auth", OperationID: "listAPITokens",
			Summary: "Lister ses jetons d'API (sans leur secret)", Response: []domain.APIToken{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				p := domain.PrincipalFrom(r.Context())
				ts, err := acc.APITokens(r.Context(), p.UserID)
				if err != nil {
					return err
				}
				if ts == nil {
					ts = []domain.APIToken{}
				}
				return writeJSON(w, http.StatusOK, ts)
			}},
		{Method: "POST", Path: "/auth/tokens", Tag: "comptes", Kind: "auth", OperationID: "createAPIToken", Write: true,
			Summary:     "Créer un jeton d'API personnel (affiché une seule fois)",
			Description: "Le jeton a les droits de son propriétaire dans l'organisation courante ; il s'utilise dans l'en-tête « Authorization: Bearer mlg_… ».",
			Body:        TokenRequest{}, Response: NewToken{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req TokenRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				tok, t, err := s.CreateAPIToken(r.Context(), domain.PrincipalFrom(r.Context()), req.Name)
				if err != nil {
					return err
				}
				return writeJSON(w, http.StatusCreated, NewToken{Token: tok, APIToken: t})
			}},
		{Method: "DELETE", Path: "/auth/tokens/{id}", Tag: "comptes", Kind: "auth", OperationID: "revokeAPIToken", Write: true,
			Summary: "Révoquer un de ses jetons d'API",
			Params:  []api.Param{{Name: "id", In: "path", Type: "integer"}},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				id, err := pathInt(r, "id")
				if err != nil {
					return err
				}
				if err := s.RevokeAPIToken(r.Context(), domain.PrincipalFrom(r.Context()), id); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "GET", Path: "/auth/me/export", Tag: "comptes", Kind: "auth", OperationID: "exportPersonalData",
			Summary: "Exporter ses données personnelles (RGPD)", Response: auth.PersonalData{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				d, err := s.ExportPersonalData(r.Context(), domain.PrincipalFrom(r.Context()).UserID)
				if err != nil {
					return err
				}
				w.Header().Set("Content-Disposition", `attachment; filename="maillage-donnees-personnelles.json"`)
				return writeJSON(w, http.StatusOK, d)
			}},
		{Method: "DELETE", Path: "/auth/me", Tag: "comptes", Kind: "auth", OperationID: "deleteMyAccount", Write: true,
			Summary:     "Supprimer son compte (RGPD)",
			Description: "Demande le mot de passe. Les enregistrements créés restent, propriété de l'organisation.",
			Body:        DeleteAccountRequest{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req DeleteAccountRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				if err := s.DeleteAccount(r.Context(), domain.PrincipalFrom(r.Context()), req.Password); err != nil {
					return err
				}
				s.ClearSessionCookie(w, r)
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},

		// Administration.
		{Method: "GET", Path: "/admin/organisations", Tag: "administration", Kind: "admin", OperationID: "listOrganisations",
			Summary: "Lister les organisations", Response: []domain.Organisation{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				os, err := acc.Organisations(r.Context())
				if err != nil {
					return err
				}
				return writeJSON(w, http.StatusOK, os)
			}},
		{Method: "POST", Path: "/admin/organisations", Tag: "administration", Kind: "admin", OperationID: "createOrganisation", Write: true,
			Summary: "Créer une organisation (liée à sa fiche acteur)", Body: OrganisationRequest{}, Response: domain.Organisation{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req OrganisationRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				o, err := h.CreateOrganisation(r, req.Name, req.ActorID)
				if err != nil {
					return err
				}
				return writeJSON(w, http.StatusCreated, o)
			}},
		{Method: "PUT", Path: "/admin/organisations/{id}", Tag: "administration", Kind: "admin", OperationID: "updateOrganisation", Write: true,
			Summary: "Renommer une organisation ou changer sa fiche acteur", Body: OrganisationRequest{}, Response: domain.Organisation{},
			Params: []api.Param{{Name: "id", In: "path", Type: "integer"}},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				id, err := pathInt(r, "id")
				if err != nil {
					return err
				}
				var req OrganisationRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				before, err := acc.Organisation(r.Context(), id)
				if err != nil {
					return err
				}
				if req.ActorID != 0 {
					if _, err := h.store.Actor(r.Context(), req.ActorID); err != nil {
						return err
					}
				}
				o := &domain.Organisation{ID: id, Name: req.Name, ActorID: req.ActorID, Version: req.Version}
				if o.Version == 0 {
					o.Version = before.Version
				}
				if err := acc.UpdateOrganisation(r.Context(), o); err != nil {
					return err
				}
				s.Audit(r.Context(), "update", "organisation", strconv.FormatInt(id, 10), before, o)
				return writeJSON(w, http.StatusOK, o)
			}},
		{Method: "GET", Path: "/admin/users", Tag: "administration", Kind: "admin", OperationID: "listUsers",
			Summary: "Lister les comptes et leurs appartenances", Response: []UserWithMemberships{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				us, err := acc.Users(r.Context())
				if err != nil {
					return err
				}
				out := make([]UserWithMemberships, 0, len(us))
				for _, u := range us {
					ms, err := acc.Memberships(r.Context(), u.ID)
					if err != nil {
						return err
					}
					if ms == nil {
						ms = []domain.Membership{}
					}
					out = append(out, UserWithMemberships{User: u, Memberships: ms})
				}
				return writeJSON(w, http.StatusOK, out)
			}},
		{Method: "DELETE", Path: "/admin/users/{id}", Tag: "administration", Kind: "admin", OperationID: "deleteUser", Write: true,
			Summary: "Supprimer un compte (ses enregistrements restent à son organisation)",
			Params:  []api.Param{{Name: "id", In: "path", Type: "integer"}},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				id, err := pathInt(r, "id")
				if err != nil {
					return err
				}
				if err := s.DeleteUser(r.Context(), id); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "PUT", Path: "/admin/memberships", Tag: "administration", Kind: "admin", OperationID: "putMembership", Write: true,
			Summary: "Donner ou changer le rôle d'une personne dans une organisation", Body: MembershipRequest{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req MembershipRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				m := domain.Membership{UserID: req.UserID, OrgID: req.OrgID, Role: req.Role}
				if err := acc.PutMembership(r.Context(), m); err != nil {
					return err
				}
				s.Audit(r.Context(), "update", "membership", strconv.FormatInt(req.UserID, 10)+"/"+strconv.FormatInt(req.OrgID, 10), nil, m)
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "DELETE", Path: "/admin/memberships/{user}/{org}", Tag: "administration", Kind: "admin", OperationID: "deleteMembership", Write: true,
			Summary: "Retirer une personne d'une organisation",
			Params:  []api.Param{{Name: "user", In: "path", Type: "integer"}, {Name: "org", In: "path", Type: "integer"}},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				u, err := pathInt(r, "user")
				if err != nil {
					return err
				}
				o, err := pathInt(r, "org")
				if err != nil {
					return err
				}
				if err := acc.DeleteMembership(r.Context(), u, o); err != nil {
					return err
				}
				s.Audit(r.Context(), "delete", "membership", r.PathValue("user")+"/"+r.PathValue("org"), nil, nil)
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "POST", Path: "/admin/invitations", Tag: "administration", Kind: "admin", OperationID: "createInvitation", Write: true,
			Summary:     "Inviter une personne dans une organisation avec un rôle",
			Description: "Renvoie le lien à usage unique (valable 7 jours), affiché une seule fois ; avec un serveur SMTP configuré, le lien est aussi envoyé par courriel (champ mail : résultat de l'envoi ; un échec laisse l'invitation valable).",
			Body:        InvitationRequest{}, Response: NewInvitation{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req InvitationRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				tok, inv, mr, err := s.InviteMail(r.Context(), req.Email, req.OrgID, req.Role, h.base(r))
				if err != nil {
					return err
				}
				return writeJSON(w, http.StatusCreated, NewInvitation{Link: h.link(r, tok), Invitation: inv, Mail: mr, Message: mr.Message()})
			}},
		{Method: "POST", Path: "/admin/partnerships", Tag: "administration", Kind: "admin", OperationID: "addPartnership", Write: true,
			Summary: "Déclarer deux organisations partenaires (visibilité « partners »)", Body: PartnershipRequest{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req PartnershipRequest
				if err := decode(r, &req); err != nil {
					return err
				}
				if err := acc.AddPartnership(r.Context(), req.OrgA, req.OrgB); err != nil {
					return err
				}
				s.Audit(r.Context(), "create", "partnership", strconv.FormatInt(req.OrgA, 10)+"-"+strconv.FormatInt(req.OrgB, 10), nil, req)
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "DELETE", Path: "/admin/partnerships/{a}/{b}", Tag: "administration", Kind: "admin", OperationID: "removePartnership", Write: true,
			Summary: "Retirer un partenariat",
			Params:  []api.Param{{Name: "a", In: "path", Type: "integer"}, {Name: "b", In: "path", Type: "integer"}},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				a, err := pathInt(r, "a")
				if err != nil {
					return err
				}
				b, err := pathInt(r, "b")
				if err != nil {
					return err
				}
				if err := acc.RemovePartnership(r.Context(), a, b); err != nil {
					return err
				}
				s.Audit(r.Context(), "delete", "partnership", r.PathValue("a")+"-"+r.PathValue("b"), nil, nil)
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "GET", Path: "/admin/audit", Tag: "administration", Kind: "admin", OperationID: "listAudit",
			Summary: "Lire le journal d'audit (du plus récent au plus ancien)", Response: domain.Page[domain.AuditEntry]{},
			Params: auditParams(),
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				f, err := auditFilter(r)
				if err != nil {
					return err
				}
				p, err := acc.Audit(r.Context(), f)
				if err != nil {
					return err
				}
				return writeJSON(w, http.StatusOK, p)
			}},
		{Method: "GET", Path: "/admin/audit/export", Tag: "administration", Kind: "admin", OperationID: "exportAudit",
			Summary: "Exporter le journal d'audit (CSV ; UTF-8 avec BOM)", Produces: []string{"text/csv"},
			Params: auditParams(),
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				f, err := auditFilter(r)
				if err != nil {
					return err
				}
				f.Limit = 10000
				w.Header().Set("Content-Type", "text/csv; charset=utf-8")
				w.Header().Set("Content-Disposition", `attachment; filename="maillage-audit.csv"`)
				w.Write([]byte("\ufeff"))
				cw := csv.NewWriter(w)
				cw.Comma = ';'
				cw.UseCRLF = true
				cw.Write([]string{"id", "date", "utilisateur", "organisation", "via", "action", "type", "enregistrement", "avant", "après", "adresse", "détail"})
				for {
					p, err := acc.Audit(r.Context(), f)
					if err != nil {
						return err
					}
					for _, e := range p.Items {
						cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339), strconv.FormatInt(e.UserID, 10),
							strconv.FormatInt(e.OrgID, 10), e.Via, e.Action, e.Kind, e.RecordID, string(e.Before), string(e.After), e.Address, csvSafe(e.Detail)})
					}
					if f.Offset+len(p.Items) >= p.Total || len(p.Items) == 0 {
						break
					}
					f.Offset += len(p.Items)
				}
				cw.Flush()
				return cw.Error()
			}},
	}
}

// csvSafe defuses spreadsheet formulas in free text (CSV injection).
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

func auditParams() []api.Param {
	return []api.Param{
		{Name: "user_id", Type: "integer", Description: "Compte auteur."},
		{Name: "org_id", Type: "integer", Description: "Organisation."},
		{Name: "kind", Description: "Type d'enregistrement (actor, action, funding, session, user...)."},
		{Name: "action", Description: "Action (create, update, delete, login, login_failed, export...)."},
		{Name: "since", Description: "Depuis (RFC 3339)."},
		{Name: "until", Description: "Jusqu'à (RFC 3339, exclu)."},
		{Name: "offset", Type: "integer"},
		{Name: "limit", Type: "integer"},
	}
}

func auditFilter(r *http.Request) (domain.AuditFilter, error) {
	q := r.URL.Query()
	var f domain.AuditFilter
	var v domain.Validation
	num := func(name string) int64 {
		s := q.Get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			v.Add(name, "entier positif attendu")
		}
		return n
	}
	tm := func(name string) time.Time {
		s := q.Get(name)
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			v.Add(name, "date RFC 3339 attendue (2026-01-31T00:00:00Z)")
		}
		return t
	}
	f.UserID, f.OrgID = num("user_id"), num("org_id")
	f.Kind, f.Action = q.Get("kind"), q.Get("action")
	f.Since, f.Until = tm("since"), tm("until")
	f.Offset, f.Limit = int(num("offset")), int(num("limit"))
	return f, v.Err()
}

// me describes the request's principal.
func (h *Handlers) me(r *http.Request, se *domain.Session) (*Me, error) {
	ctx := r.Context()
	p := domain.PrincipalFrom(ctx)
	if se != nil {
		u, err := h.svc.Accounts.User(ctx, se.UserID)
		if err != nil {
			return nil, err
		}
		if p == nil || p.UserID != se.UserID || p.OrgID != se.OrgID {
			// Just logged in or switched: the principal of the new session.
			p = &domain.Principal{UserID: u.ID, Email: u.Email, OrgID: se.OrgID, Via: "session", Role: domain.RolePublic}
			ms, err := h.svc.Accounts.Memberships(ctx, u.ID)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if m.OrgID == se.OrgID {
					p.Role = m.Role
				}
			}
		}
		ms, err := h.svc.Accounts.Memberships(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		if ms == nil {
			ms = []domain.Membership{}
		}
		return &Me{User: u, Principal: p, Memberships: ms, CSRFToken: se.CSRF}, nil
	}
	me := &Me{Principal: p, Memberships: []domain.Membership{}}
	if p != nil && p.UserID != 0 {
		u, err := h.svc.Accounts.User(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		me.User = u
		if me.Memberships, err = h.svc.Accounts.Memberships(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return me, nil
}
