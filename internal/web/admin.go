package web

// Administration (administrators only, per the accounts policy):
// organisations, people and roles (create an organisation, invite a person
// and show the one-time link), the audit log (paged, filtered, exported as
// CSV). Imports are in admin_import.go.

import (
	"encoding/csv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"maillage/internal/auth"
	"maillage/internal/domain"
)

// registerAdmin adds the administration pages.
func (h *handler) registerAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /administration", h.adminHome)
	mux.HandleFunc("POST /administration/organisations", h.adminCreateOrg)
	mux.HandleFunc("POST /administration/invitations", h.adminInvite)
	mux.HandleFunc("POST /administration/roles", h.adminRole)
	mux.HandleFunc("GET /administration/journal", h.adminAudit)
	mux.HandleFunc("GET /administration/journal/export", h.adminAuditExport)
	mux.HandleFunc("GET /administration/imports", h.adminImports)
	mux.HandleFunc("POST /administration/imports", h.adminImportStart)
	mux.HandleFunc("GET /administration/imports/{job}", h.adminImportJob)
	mux.HandleFunc("GET /administration/imports/{job}/rejets", h.adminImportRejects)
}

// adminAllowed checks the accounts policy for the administration class: only
// administrators (a request without accounts is refused too).
func (h *handler) adminAllowed(w http.ResponseWriter, r *http.Request, a auth.Action) bool {
	p := domain.PrincipalFrom(r.Context())
	if p != nil && auth.Allowed(p, a, auth.Administration) {
		return true
	}
	h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "L’administration est réservée aux administrateurs."))
	return false
}

var accountRoleLabels = map[string]string{
	domain.RoleAdmin:         "Administrateur",
	domain.RoleCAFStaff:      "Personnel de la CAF",
	domain.RolePartnerEditor: "Partenaire (contributeur)",
	domain.RolePartnerReader: "Partenaire (lecteur)",
	domain.RoleObserver:      "Observateur (recherche, pilotage national)",
}

var roleOrder = []string{domain.RoleAdmin, domain.RoleCAFStaff, domain.RolePartnerEditor, domain.RolePartnerReader, domain.RoleObserver}

type orgRow struct {
	ID      int64
	Name    string
	Actor   string
	ActorID int64
	Members int
	Created string
}

type userRow struct {
	ID        int64
	Email     string
	Name      string
	Roles     string
	LastLogin string
	Pending   bool
}

type adminData struct {
	Orgs        []orgRow
	Users       []userRow
	OrgChoices  []dgOption
	Roles       []dgOption
	OrgErrors   map[string]string
	OrgValues   map[string]string
	InvErrors   map[string]string
	InvValues   map[string]string
	UserChoices []dgOption
	RoleErrors  map[string]string
	InviteLink  string
	InviteEmail string
	InviteUntil string
	// InviteMail says whether the link went by mail (SMTP configured) or
	// must be passed on by hand.
	InviteMail       string
	InviteMailFailed bool
	Flash            string
}

func (h *handler) adminHome(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Read) {
		return
	}
	d, err := h.adminData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Flash = okMessage(r, map[string]string{"organisation": "L’organisation est créée.", "role": "Le rôle est enregistré."})
	h.renderAdmin(w, r, http.StatusOK, d)
}

func (h *handler) renderAdmin(w http.ResponseWriter, r *http.Request, status int, d *adminData) {
	h.render(w, r, status, "admin_home", page{Title: "Administration", Section: "administration", Flash: d.Flash,
		Crumbs: []crumb{{"Accueil", "/"}, {"Administration", ""}}, Data: d})
}

func (h *handler) adminData(r *http.Request) (*adminData, error) {
	ctx := r.Context()
	d := &adminData{RoleErrors: map[string]string{}, OrgErrors: map[string]string{}, OrgValues: map[string]string{}, InvErrors: map[string]string{}, InvValues: map[string]string{}}
	orgs, err := h.s.Organisations(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		row := orgRow{ID: o.ID, Name: o.Name, ActorID: o.ActorID, Created: frenchDate(o.CreatedAt)}
		if o.ActorID != 0 {
			if a, err := h.s.Actor(ctx, o.ActorID); err == nil {
				row.Actor = a.Name
			}
		}
		if ms, err := h.s.OrgMembers(ctx, o.ID); err == nil {
			row.Members = len(ms)
		}
		d.Orgs = append(d.Orgs, row)
		d.OrgChoices = append(d.OrgChoices, dgOption{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
	}
	users, err := h.s.Users(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Email < users[j].Email })
	for _, u := range users {
		row := userRow{ID: u.ID, Email: u.Email, Name: u.Name, Pending: u.PasswordHash == ""}
		if u.LastLoginAt != nil {
			row.LastLogin = frenchDateTime(*u.LastLoginAt)
		}
		if ms, err := h.s.Memberships(ctx, u.ID); err == nil {
			var parts []string
			for _, m := range ms {
				name := m.OrgName
				if name == "" {
					name = "organisation " + strconv.FormatInt(m.OrgID, 10)
				}
				parts = append(parts, name+" : "+dgLabel(accountRoleLabels, m.Role))
			}
			row.Roles = strings.Join(parts, " ; ")
		}
		d.Users = append(d.Users, row)
		d.UserChoices = append(d.UserChoices, dgOption{Value: strconv.FormatInt(u.ID, 10), Label: u.Email})
	}
	for _, ro := range roleOrder {
		d.Roles = append(d.Roles, dgOption{Value: ro, Label: accountRoleLabels[ro]})
	}
	return d, nil
}

func (h *handler) adminCreateOrg(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Create) {
		return
	}
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("nom"))
	actorTxt := strings.TrimSpace(r.PostFormValue("acteur"))
	fe := map[string]string{}
	var actorID int64
	if actorTxt != "" {
		n, err := strconv.ParseInt(actorTxt, 10, 64)
		if err != nil || n <= 0 {
			fe["actor_id"] = "identifiant numérique de la fiche acteur attendu"
		} else if _, err := h.s.Actor(ctx, n); err != nil {
			fe["actor_id"] = "aucune fiche acteur n°" + actorTxt
		} else {
			actorID = n
		}
	}
	o := &domain.Organisation{Name: name, ActorID: actorID}
	if len(fe) == 0 {
		if err := o.Validate(); err != nil {
			fe, _ = dgFieldErrors(err)
		}
	}
	if len(fe) == 0 {
		if err := h.s.CreateOrganisation(ctx, o); err != nil {
			if domain.ErrorCode(err) != domain.EINVALID && domain.ErrorCode(err) != domain.ECONFLICT {
				h.fail(w, r, err)
				return
			}
			var g string
			fe, g = dgFieldErrors(err)
			if g != "" {
				fe["name"] = g
			}
		} else {
			auth.NewService(h.s).Audit(ctx, "create", "organisation", strconv.FormatInt(o.ID, 10), nil, o)
			http.Redirect(w, r, "/administration?ok=organisation#organisations", http.StatusSeeOther)
			return
		}
	}
	d, err := h.adminData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.OrgErrors = fe
	d.OrgValues = map[string]string{"name": name, "actor_id": actorTxt}
	h.renderAdmin(w, r, http.StatusUnprocessableEntity, d)
}

func (h *handler) adminInvite(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Create) {
		return
	}
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	orgTxt := r.PostFormValue("organisation")
	role := r.PostFormValue("role")
	org, _ := strconv.ParseInt(orgTxt, 10, 64)
	svc := auth.NewService(h.s)
	tok, inv, mailed, err := svc.InviteMail(ctx, email, org, role, "")
	d, err2 := h.adminData(r)
	if err2 != nil {
		h.fail(w, r, err2)
		return
	}
	d.InvValues = map[string]string{"email": email, "org": orgTxt, "role": role}
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EINVALID:
			d.InvErrors, _ = dgFieldErrors(err)
		case domain.ENOTFOUND:
			d.InvErrors["org_id"] = "organisation inconnue"
		default:
			h.fail(w, r, err)
			return
		}
		h.renderAdmin(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	d.InviteLink = svc.InvitationURL(ctx, tok)
	d.InviteMail, d.InviteMailFailed = mailed.Message(), mailed != nil && !mailed.Sent
	d.InviteEmail = inv.Email
	d.InviteUntil = frenchDateTime(inv.ExpiresAt)
	d.InvValues = map[string]string{}
	h.renderAdmin(w, r, http.StatusOK, d)
}

// ---- audit log ----

type auditRow struct {
	At, User, Org, Via, Action, Kind, Record, Address, Detail string
}

type auditData struct {
	Rows   []auditRow
	Pager  pager
	Total  int
	Users  []dgOption
	Kind   string
	Action string
	Export string
}

func (h *handler) auditFilter(r *http.Request) domain.AuditFilter {
	q := r.URL.Query()
	f := domain.AuditFilter{Kind: strings.TrimSpace(q.Get("type")), Action: strings.TrimSpace(q.Get("action"))}
	f.UserID, _ = strconv.ParseInt(q.Get("utilisateur"), 10, 64)
	return f
}

const auditPerPage = 50

func (h *handler) adminAudit(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Read) {
		return
	}
	ctx := r.Context()
	f := h.auditFilter(r)
	pageNo := max(1, atoi(r.URL.Query().Get("page"), 1))
	f.Offset, f.Limit = (pageNo-1)*auditPerPage, auditPerPage
	pg, err := h.s.Audit(ctx, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	nm := h.dgNames(ctx)
	d := &auditData{Total: pg.Total, Kind: f.Kind, Action: f.Action, Pager: newPager(r, pageNo, auditPerPage, pg.Total)}
	q := r.URL.Query()
	q.Del("page")
	d.Export = "/administration/journal/export?" + q.Encode()
	if users, err := h.s.Users(ctx); err == nil {
		sort.Slice(users, func(i, j int) bool { return users[i].Email < users[j].Email })
		for _, u := range users {
			d.Users = append(d.Users, dgOption{Value: strconv.FormatInt(u.ID, 10), Label: u.Email, Selected: u.ID == f.UserID})
		}
	}
	for _, e := range pg.Items {
		who := nm.person(e.UserID)
		if who == "" {
			who = "ligne de commande ou jeton d’administration"
		}
		d.Rows = append(d.Rows, auditRow{At: frenchDateTime(e.At), User: who, Org: nm.org(e.OrgID), Via: e.Via, Action: e.Action, Kind: e.Kind,
			Record: e.RecordID, Address: e.Address, Detail: e.Detail})
	}
	h.render(w, r, http.StatusOK, "admin_audit", page{Title: "Journal d’audit", Section: "administration",
		Crumbs: []crumb{{"Accueil", "/"}, {"Administration", "/administration"}, {"Journal d’audit", ""}}, Data: d})
}

// adminAuditExport writes the filtered audit log as CSV (";" and a BOM for
// Excel), like GET /api/v1/admin/audit/export.
func (h *handler) adminAuditExport(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Export) {
		return
	}
	ctx := r.Context()
	f := h.auditFilter(r)
	f.Limit = 5000
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="maillage-journal-audit.csv"`)
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	cw.Write([]string{"id", "date", "utilisateur", "organisation", "via", "action", "type", "enregistrement", "avant", "après", "adresse", "détail"})
	for {
		pg, err := h.s.Audit(ctx, f)
		if err != nil {
			h.log.Error("export du journal d'audit", "err", err)
			break
		}
		for _, e := range pg.Items {
			cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), strconv.FormatInt(e.UserID, 10), strconv.FormatInt(e.OrgID, 10),
				e.Via, e.Action, e.Kind, csvCell(e.RecordID), csvCell(string(e.Before)), csvCell(string(e.After)), e.Address, csvCell(e.Detail)})
		}
		if len(pg.Items) == 0 || f.Offset+len(pg.Items) >= pg.Total {
			break
		}
		f.Offset += len(pg.Items)
	}
	cw.Flush()
}

// csvCell defuses spreadsheet formulas in free text (CSV injection).
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// adminRole gives a person a role in an organisation (or changes it).
func (h *handler) adminRole(w http.ResponseWriter, r *http.Request) {
	if !h.adminAllowed(w, r, auth.Update) {
		return
	}
	ctx := r.Context()
	user, _ := strconv.ParseInt(r.PostFormValue("compte"), 10, 64)
	org, _ := strconv.ParseInt(r.PostFormValue("organisation"), 10, 64)
	role := r.PostFormValue("role")
	fe := map[string]string{}
	if _, err := h.s.User(ctx, user); err != nil {
		fe["user_id"] = "compte inconnu"
	}
	if _, err := h.s.Organisation(ctx, org); err != nil {
		fe["org_id"] = "organisation inconnue"
	}
	if !domain.ValidRole(role) {
		fe["role"] = "rôle inconnu"
	}
	if len(fe) == 0 {
		m := domain.Membership{UserID: user, OrgID: org, Role: role}
		if err := h.s.PutMembership(ctx, m); err != nil {
			h.fail(w, r, err)
			return
		}
		auth.NewService(h.s).Audit(ctx, "update", "membership", strconv.FormatInt(user, 10)+"/"+strconv.FormatInt(org, 10), nil, m)
		http.Redirect(w, r, "/administration?ok=role#personnes", http.StatusSeeOther)
		return
	}
	d, err := h.adminData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.RoleErrors = fe
	h.renderAdmin(w, r, http.StatusUnprocessableEntity, d)
}
